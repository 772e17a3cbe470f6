"""Real X.509 certificates for tests: roots, intermediates, leaves, cross-signed CAs.

Every maker returns an :class:`Issued` (``.cert``, ``.key``, ``.der``, ``.pem``, ``.thumbprint``…).
Options cover what the collection has to tell apart::

    root = make_root("Contoso Root")
    inter = make_intermediate("Contoso Issuing", root)
    client = make_leaf("alice", inter, eku=("clientAuth",), san=("alice.contoso.com",))
    expired = make_leaf("old", inter, not_after=days(-1))
    no_bc = make_intermediate("Legacy CA", root, ca=None)          # basicConstraints absent
    cross = make_cross_signed(root, make_root("Other Root"))         # same subject and key as root

``ca``: True/False writes basicConstraints CA:TRUE/CA:FALSE, None leaves the extension out.
``key_usage`` / ``eku``: names (``key_cert_sign``, ``serverAuth``…) or None to leave them out.
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

CA_KEY_USAGE: tuple[str, ...] = ("digital_signature", "key_cert_sign", "crl_sign")
LEAF_KEY_USAGE: tuple[str, ...] = ("digital_signature", "key_encipherment")

_KEY_USAGE_FLAGS: tuple[str, ...] = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
    "encipher_only",
    "decipher_only",
)

EKU_OIDS: dict[str, x509.ObjectIdentifier] = {
    "serverAuth": ExtendedKeyUsageOID.SERVER_AUTH,
    "clientAuth": ExtendedKeyUsageOID.CLIENT_AUTH,
    "codeSigning": ExtendedKeyUsageOID.CODE_SIGNING,
    "emailProtection": ExtendedKeyUsageOID.EMAIL_PROTECTION,
    "timeStamping": ExtendedKeyUsageOID.TIME_STAMPING,
    "OCSPSigning": ExtendedKeyUsageOID.OCSP_SIGNING,
}


@dataclass(frozen=True)
class Issued:
    """A certificate and its private key."""

    cert: x509.Certificate
    key: PrivateKey

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def der_b64(self) -> str:
        """Base64 DER on one line: what ops and IIS one-to-one mappings carry."""
        return base64.b64encode(self.der).decode("ascii")

    @property
    def pem(self) -> str:
        return self.cert.public_bytes(serialization.Encoding.PEM).decode("ascii")

    @property
    def key_pem(self) -> str:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode("ascii")

    @property
    def thumbprint(self) -> str:
        """SHA-1 of the DER, upper-case hex, as Windows shows it."""
        return self.cert.fingerprint(hashes.SHA1()).hex().upper()  # Windows thumbprints are SHA-1

    @property
    def subject(self) -> str:
        return self.cert.subject.rfc4514_string()

    def pfx(self, password: str | None = None, chain: Sequence[Issued] = ()) -> bytes:
        """PKCS#12 of certificate, key and optional chain."""
        encryption = (
            serialization.BestAvailableEncryption(password.encode()) if password else serialization.NoEncryption()
        )
        return pkcs12.serialize_key_and_certificates(
            None, self.key, self.cert, [item.cert for item in chain] or None, encryption
        )


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def days(offset: float) -> dt.datetime:
    """A time ``offset`` days from now (negative: in the past), for validity windows."""
    return now() + dt.timedelta(days=offset)


def new_key(kind: str = "ec") -> PrivateKey:
    """A fresh key: ``ec`` (P-256, fast) or ``rsa`` (2048 bits)."""
    if kind == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    raise ValueError(f"unknown key kind {kind!r}")


def _name(name: str | x509.Name) -> x509.Name:
    if isinstance(name, x509.Name):
        return name
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])


def _general_name(entry: str) -> x509.GeneralName:
    kind, sep, value = entry.partition(":")
    if sep and kind.upper() == "IP":
        return x509.IPAddress(ipaddress.ip_address(value))
    if sep and kind.lower() == "email":
        return x509.RFC822Name(value)
    if sep and kind.upper() == "URI":
        return x509.UniformResourceIdentifier(value)
    if sep and kind.upper() == "DNS":
        return x509.DNSName(value)
    return x509.DNSName(entry)


def make_cert(
    subject: str | x509.Name,
    issuer: Issued | None = None,
    *,
    key: PrivateKey | None = None,
    ca: bool | None = False,
    path_length: int | None = None,
    key_usage: Sequence[str] | None = LEAF_KEY_USAGE,
    eku: Sequence[str] | None = None,
    san: Sequence[str] | None = None,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    key_kind: str = "ec",
) -> Issued:
    """The general maker: self-signed when ``issuer`` is None. The helpers below pick defaults."""
    key = key or new_key(key_kind)
    subject_name = _name(subject)
    signer_key = issuer.key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject_name)
        .issuer_name(issuer.cert.subject if issuer else subject_name)
        .public_key(key.public_key())
        .serial_number(int.from_bytes(secrets.token_bytes(16), "big") >> 1)
        .not_valid_before(not_before or days(-1))
        .not_valid_after(not_after or days(365))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(signer_key.public_key()), critical=False)
    )
    if ca is not None:
        builder = builder.add_extension(
            x509.BasicConstraints(ca=ca, path_length=path_length if ca else None), critical=True
        )
    if key_usage is not None:
        unknown = set(key_usage) - set(_KEY_USAGE_FLAGS)
        if unknown:
            raise ValueError(f"unknown key usage: {', '.join(sorted(unknown))}")
        flags = {flag: flag in key_usage for flag in _KEY_USAGE_FLAGS}
        builder = builder.add_extension(x509.KeyUsage(**flags), critical=True)
    if eku is not None:
        oids = [EKU_OIDS[name] if name in EKU_OIDS else x509.ObjectIdentifier(name) for name in eku]
        builder = builder.add_extension(x509.ExtendedKeyUsage(oids), critical=False)
    if san:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([_general_name(entry) for entry in san]), critical=False
        )
    return Issued(builder.sign(signer_key, hashes.SHA256()), key)


def make_root(
    name: str | x509.Name,
    *,
    key: PrivateKey | None = None,
    ca: bool | None = True,
    path_length: int | None = None,
    key_usage: Sequence[str] | None = CA_KEY_USAGE,
    eku: Sequence[str] | None = None,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    key_kind: str = "ec",
) -> Issued:
    """A self-signed root CA (ten years unless told otherwise)."""
    return make_cert(
        name,
        None,
        key=key,
        ca=ca,
        path_length=path_length,
        key_usage=key_usage,
        eku=eku,
        not_before=not_before,
        not_after=not_after or days(3650),
        key_kind=key_kind,
    )


def make_intermediate(
    name: str | x509.Name,
    issuer: Issued,
    *,
    key: PrivateKey | None = None,
    ca: bool | None = True,
    path_length: int | None = 0,
    key_usage: Sequence[str] | None = CA_KEY_USAGE,
    eku: Sequence[str] | None = None,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    key_kind: str = "ec",
) -> Issued:
    """A CA certificate issued by ``issuer`` (five years unless told otherwise)."""
    return make_cert(
        name,
        issuer,
        key=key,
        ca=ca,
        path_length=path_length,
        key_usage=key_usage,
        eku=eku,
        not_before=not_before,
        not_after=not_after or days(1825),
        key_kind=key_kind,
    )


def make_leaf(
    name: str | x509.Name,
    issuer: Issued,
    *,
    key: PrivateKey | None = None,
    ca: bool | None = False,
    key_usage: Sequence[str] | None = LEAF_KEY_USAGE,
    eku: Sequence[str] | None = ("clientAuth",),
    san: Sequence[str] | None = None,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    key_kind: str = "ec",
) -> Issued:
    """An end-entity certificate: a client certificate by default (``eku=("serverAuth",)`` for a server)."""
    return make_cert(
        name,
        issuer,
        key=key,
        ca=ca,
        key_usage=key_usage,
        eku=eku,
        san=san,
        not_before=not_before,
        not_after=not_after,
        key_kind=key_kind,
    )


def make_cross_signed(
    ca: Issued,
    issuer: Issued,
    *,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
) -> Issued:
    """``ca``'s subject and key, issued by ``issuer``: a cross-certificate (not self-signed)."""
    return make_intermediate(
        ca.cert.subject, issuer, key=ca.key, path_length=None, not_before=not_before, not_after=not_after
    )
