# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The options of mtls.iis.probe read and checked on the controller. Pure apart from the file reader it is given.

Certificate files are read on the controller (vault-aware, like ``copy``), the client's key is checked against its
certificate here, and the module on the delegated host receives only PEM text: the certificate with its chain and
an unencrypted key, both ``no_log``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ansible_collections.mtls.iis.plugins.module_utils.tls_probe import target

from .certs import parse_certificates
from .cryptography_lib import pkcs12, serialization, x509
from .errors import OptionError
from .sources import FileReader


@dataclass(frozen=True)
class ClientCertificate:
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    key_pem: str = field(repr=False)

    @property
    def certificate_pem(self) -> str:
        return "".join(
            c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in (self.certificate, *self.chain)
        )


@dataclass(frozen=True)
class ProbeRequest:
    url: str
    host: str
    port: int
    server_name: str | None  # the name the server certificate must carry (SNI); None for an IP without server_name
    client: ClientCertificate | None
    ca_bundle: tuple[x509.Certificate, ...] | None  # None: the controller's system trust
    expect_status: tuple[str, ...]
    expiry_warning_days: int

    @property
    def checked_name(self) -> str:
        return self.server_name or self.host

    def module_args(self, args: dict[str, Any]) -> dict[str, Any]:
        """What the module on the delegated host needs: no file paths, the key as unencrypted PEM (no_log there)."""
        module_args = {key: args[key] for key in ("url", "tls_version", "retry_tls12", "timeout")}
        if args.get("server_name"):
            module_args["server_name"] = args["server_name"]
        if self.client is not None:
            module_args["client_certificate"] = {
                "content": self.client.certificate_pem,
                "key_content": self.client.key_pem,
            }
        return module_args

    @classmethod
    def from_options(cls, args: dict[str, Any], read: FileReader) -> ProbeRequest:
        check_url(args["url"])
        if args["timeout"] <= 0:
            raise OptionError("timeout", f"{args['timeout']} is not a number of seconds.", "give a positive number.")
        where = target(args["url"], args.get("server_name"), "auto", args["timeout"])  # as the module will connect
        return cls(
            url=args["url"],
            host=where.host,
            port=where.port,
            server_name=where.server_name,
            client=client_certificate(args["client_certificate"], read) if args.get("client_certificate") else None,
            ca_bundle=ca_bundle(args["ca_bundle"], read) if args.get("ca_bundle") else None,
            expect_status=tuple(expected_statuses(args.get("expect_status") or [])),
            expiry_warning_days=args["expiry_warning_days"],
        )


def check_url(url: str) -> None:
    parts = urlsplit(url)
    fix = "write it as https://host[:port]/path, for example https://api.contoso.com/orders."
    if parts.scheme.lower() != "https":
        raise OptionError("url", f"{url!r} is not an https:// URL.", fix)
    try:
        parts.port  # noqa: B018 - raises for a port out of range
    except ValueError:
        raise OptionError("url", f"{url!r} has an invalid port.", fix) from None
    if not parts.hostname:
        raise OptionError("url", f"{url!r} names no host.", fix)


def expected_statuses(values: list[str]) -> list[str]:
    found = []
    for index, value in enumerate(values):
        text = str(value).strip()
        status, _dot, sub = text.partition(".")
        if not (status.isdigit() and len(status) == 3 and (not sub or sub.isdigit())):
            raise OptionError(
                f"expect_status[{index}]", f"{text!r} is not an HTTP status.", "give codes such as 200, 403 or 403.16."
            )
        found.append(text)
    return found


def ca_bundle(item: dict[str, Any], read: FileReader) -> tuple[x509.Certificate, ...]:
    if item.get("path"):
        return tuple(parse_certificates(read(item["path"], "ca_bundle.path"), "ca_bundle.path", f"file {item['path']}"))
    return tuple(parse_certificates(str(item["content"]).encode(), "ca_bundle.content", "PEM content"))


def client_certificate(item: dict[str, Any], read: FileReader) -> ClientCertificate:
    password = item.get("password")
    if item.get("pfx"):
        return _from_pfx(read(item["pfx"], "client_certificate.pfx"), password, item["pfx"])
    if item.get("path"):
        data, option = read(item["path"], "client_certificate.path"), "client_certificate.path"
    else:
        data, option = str(item["content"]).encode(), "client_certificate.content"
    certs = x509.load_pem_x509_certificates(data) if b"-----BEGIN" in data else []
    if not certs:
        raise OptionError(option, "holds no PEM certificate.", "give the client certificate in PEM, then its chain.")
    if item.get("key_path"):
        key_data, key_option = read(item["key_path"], "client_certificate.key_path"), "client_certificate.key_path"
    elif item.get("key_content"):
        key_data, key_option = str(item["key_content"]).encode(), "client_certificate.key_content"
    elif b"PRIVATE KEY-----" in data:
        key_data, key_option = data, option
    else:
        raise OptionError(
            "client_certificate.key_path",
            "the client certificate has no private key.",
            "give key_path or key_content (or a PEM file that holds the key too, or a pfx).",
        )
    key = _load_key(key_data, password, key_option)
    return _checked(certs[0], tuple(certs[1:]), key, key_option)


def _load_key(data: bytes, password: str | None, option: str) -> Any:
    try:
        return serialization.load_pem_private_key(data, password.encode() if password else None)
    except TypeError:
        raise OptionError(
            "client_certificate.password",
            f"the private key in {option} is encrypted and needs its password.",
            "give client_certificate.password (keep it in Ansible Vault).",
        ) from None
    except ValueError:
        raise OptionError(
            option,
            "holds no readable PEM private key, or client_certificate.password does not open it.",
            "give the key in PEM (-----BEGIN PRIVATE KEY-----) and check the password.",
        ) from None


def _from_pfx(data: bytes, password: str | None, origin: str) -> ClientCertificate:
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(data, password.encode() if password else None)
    except ValueError:
        raise OptionError(
            "client_certificate.password",
            f"the password does not open {origin}, or it is not a PKCS#12 (.pfx/.p12) file.",
            "check the password (keep it in Ansible Vault) and that the file is a PFX with its key.",
        ) from None
    if cert is None or key is None:
        raise OptionError(
            "client_certificate.pfx",
            f"{origin} holds no certificate with its private key.",
            "export the PFX with its key.",
        )
    return _checked(cert, tuple(chain or ()), key, "client_certificate.pfx")


def _checked(cert: x509.Certificate, chain: tuple[x509.Certificate, ...], key: Any, option: str) -> ClientCertificate:
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(serialization.Encoding.DER, public) != cert.public_key().public_bytes(
        serialization.Encoding.DER, public
    ):
        raise OptionError(
            option,
            f"the private key does not belong to the certificate {cert.subject.rfc4514_string()}.",
            "give the key that was generated with this certificate.",
        )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    return ClientCertificate(cert, chain, pem)
