"""Certificates for the op engine: op arguments checked as the module checks them, PFX files, gather's stores.

What a store holds and how stores behave is the Windows model's (:mod:`winmodel.stores`, CERT-1, CERT-11..15); this
module adds what the ops need on top:

- an op's thumbprint must be 40 hex characters, its ``der`` base64 of an X.509 certificate (``X509Certificate2``
  refuses anything else);
- a PFX is decrypted with its password (a wrong one fails, and the failure never shows it);
- ``pfx_import`` imports only the certificate that has the private key: the module opens the PFX with the
  ``X509Certificate2(byte[], string, X509KeyStorageFlags)`` constructor (``Open-MtlsPfx`` in CertStore.psm1), which
  .NET documents as "the first certificate associated with a private key is used" for a PFX holding several
  (X509Certificate2.Import remarks; dotnet/corefx PR 3945 describes the Windows behaviour). The PFX's CA
  certificates reach ``CA`` only through ``cert_import`` ops the controller plans (WINDOWS_FACTS CERT-8);
- Windows before build 17763 (Server 2016 is 14393) cannot decrypt PKCS#12 protected with PBES2/AES-256 or a SHA-2
  MAC (WINDOWS_FACTS CERT-9, modelled in :mod:`winmodel.pfx`): :func:`legacy_host_refuses` is the engine's message;
- HTTP.sys (and so IIS) binds only a certificate it finds in the named LocalMachine store, with a
  private key ("A specified logon session does not exist" otherwise; :func:`winmodel.stores.usable_by_httpsys`).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from winmodel.errors import WindowsError_
from winmodel.pfx import FIRST_AES_PFX_BUILD, host_build, open_pfx, uses_aes_pkcs12
from winmodel.state import State
from winmodel.stores import certificates, find_certificate, normalise_thumbprint, store_exists

from simhost.errors import OpError

_THUMBPRINT = re.compile(r"[0-9A-F]{40}")


def parse_thumbprint(value: str) -> str:
    """An op's thumbprint, refused unless it is 40 hex characters (as the module refuses it)."""
    normalised = normalise_thumbprint(value)
    if not _THUMBPRINT.fullmatch(normalised):
        raise OpError(f"thumbprint '{value}' is not 40 hexadecimal characters (a SHA-1 thumbprint)")
    return normalised


def decode_der(der_b64: str) -> bytes:
    """Base64 DER of an X.509 certificate, rejected the way ``X509Certificate2`` would reject it."""
    try:
        der = base64.b64decode(der_b64, validate=True)
    except (binascii.Error, ValueError, TypeError) as err:
        raise OpError(f"der is not valid base64: {err}") from err
    try:
        x509.load_der_x509_certificate(der)
    except ValueError as err:
        raise OpError(f"der is not an X.509 certificate: {err}") from err
    return der


def gather_store(state: State, store: str) -> dict[str, Any]:
    """One ``snapshot.stores`` entry. Never creates the store."""
    return {"exists": store_exists(state, store), "certificates": certificates(state, store)}


@dataclass(frozen=True)
class Pfx:
    """What a PKCS#12 holds: the certificate that goes with its private key (if any), and the others."""

    keyed: bytes | None
    others: tuple[bytes, ...]


def decode_pfx(pfx_b64: str, password: str, password_ref: str) -> Pfx:
    """Open a base64 PKCS#12 with its password as Windows does (:func:`winmodel.pfx.open_pfx`: an empty password
    opens a file with no password or the empty one, CERT-21). Failures name ``password_ref``, never the password."""
    try:
        data = base64.b64decode(pfx_b64, validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise OpError("pfx is not valid base64") from None
    try:
        contents = open_pfx(data, password)
    except WindowsError_:
        raise OpError(
            f"the PFX could not be opened with the password secrets['{password_ref}']: "
            "the password is wrong or the data is not a PKCS#12 file"
        ) from None
    keyed = next((entry["der"] for entry in contents if entry["has_private_key"]), None)
    return Pfx(keyed, tuple(entry["der"] for entry in contents if entry["der"] != keyed))


def legacy_host_refuses(state: State, pfx_b64: str) -> None:
    """Fail as ``X509Certificate2Collection.Import`` does on a build before 17763 when the PFX uses PBES2/AES or a
    SHA-2 MAC: ERROR_INVALID_PASSWORD (WINDOWS_FACTS CERT-19), which the engine (CertPfx.psm1) explains with the build
    and the remedy (issue 10 item 2)."""
    build = host_build(state)
    if build < FIRST_AES_PFX_BUILD and uses_aes_pkcs12(base64.b64decode(pfx_b64)):
        raise OpError(
            "the PFX could not be opened (System.Security.Cryptography.CryptographicException 0x80070056 - The "
            f"specified network password is not correct.): this Windows build ({build}) cannot open PFX files "
            "encrypted with PBES2/AES-256, which Windows supports from build 17763 (Windows Server 2019); re-export "
            "the PFX with TripleDES-SHA1 ('openssl pkcs12 -export -legacy') - mtls.iis re-encodes a PFX "
            "automatically when the os_version it gathered is below 17763"
        )


def require_server_certificate(state: State, store: str, thumbprint: str) -> None:
    """Fail like HTTP.sys when a binding names a certificate it cannot use."""
    cert = find_certificate(state, store, thumbprint)
    if cert is None:
        raise OpError(
            f"certificate {normalise_thumbprint(thumbprint)} is not in LocalMachine\\{store}: "
            "HTTP.sys cannot bind a certificate it does not find in the named store"
        )
    if not cert["has_private_key"]:
        raise OpError(
            f"certificate {cert['thumbprint']} in LocalMachine\\{store} has no private key: "
            "HTTP.sys refuses it (A specified logon session does not exist, error 1312)"
        )
