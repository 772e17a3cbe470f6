"""Real X.509 certificates for tests: roots, intermediates, leaves, cross-signed CAs.

Every maker returns an :class:`Issued` (``.cert``, ``.key``, ``.der``, ``.pem``, ``.thumbprint``…).
Options cover what the collection has to tell apart::

    root = make_root("Contoso Root")
    inter = make_intermediate("Contoso Issuing", root)
    client = make_leaf("alice", inter, eku=("clientAuth",), san=("alice.contoso.com",))
    winrm = make_leaf("ansible", root, san=("UPN:ansible@localhost",))  # user principal name (otherName)
    expired = make_leaf("old", inter, not_after=days(-1))
    no_bc = make_intermediate("Legacy CA", root, ca=None)          # basicConstraints absent
    cross = make_cross_signed(root, make_root("Other Root"))         # same subject and key as root

``ca``: True/False writes basicConstraints CA:TRUE/CA:FALSE, None leaves the extension out.
``key_usage`` / ``eku``: names (``key_cert_sign``, ``serverAuth``…) or None to leave them out.
``key_kind``: ``ec`` (P-256), ``p384``, ``p521``, ``rsa`` (2048), ``rsa1024``, ``rsa4096``, ``ed25519``.
``signature``: how the issuer signs: ``sha256`` (default), ``sha384``, ``sha512``, ``pss`` (RSA-PSS SHA-256), and
for RSA issuers ``sha1`` / ``md5`` — which ``cryptography`` refuses to sign, so :func:`resign` writes them
(enterprise PKIs of the 2010s are SHA-1). ``permitted`` / ``excluded``: directoryName name constraints.

Bundles as administrators get them: :func:`p7b` (the Windows export wizard's PKCS#7, DER or PEM).
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
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey

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


_CURVES = {"ec": ec.SECP256R1, "p256": ec.SECP256R1, "p384": ec.SECP384R1, "p521": ec.SECP521R1}
_RSA_SIZES = {"rsa": 2048, "rsa1024": 1024, "rsa2048": 2048, "rsa4096": 4096}


def new_key(kind: str = "ec") -> PrivateKey:
    """A fresh key: ``ec`` (P-256, fast), ``p384``, ``p521``, ``rsa`` (2048 bits), ``rsa1024``, ``ed25519``."""
    if kind in _CURVES:
        return ec.generate_private_key(_CURVES[kind]())
    if kind in _RSA_SIZES:
        return rsa.generate_private_key(public_exponent=65537, key_size=_RSA_SIZES[kind])
    if kind == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    raise ValueError(f"unknown key kind {kind!r}")


def _der(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + content


#: AlgorithmIdentifier DER (with NULL parameters) of the RSA PKCS#1 v1.5 signatures: same length, so one can
#: replace another inside tbsCertificate.
_RSA_ALGORITHMS = {
    "sha256": (bytes.fromhex("300d06092a864886f70d01010b0500"), hashes.SHA256()),
    "sha1": (bytes.fromhex("300d06092a864886f70d0101050500"), hashes.SHA1()),
    "md5": (bytes.fromhex("300d06092a864886f70d0101040500"), hashes.MD5()),
}


def resign(cert: x509.Certificate, signer: rsa.RSAPrivateKey, algorithm: str) -> x509.Certificate:
    """``cert`` (signed sha256WithRSAEncryption by ``signer``) signed again with ``sha1`` or ``md5``.

    The tbsCertificate keeps every field; only its signature AlgorithmIdentifier changes, and the outer
    Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING } is rebuilt.
    """
    old, _unused = _RSA_ALGORITHMS["sha256"]
    new, digest = _RSA_ALGORITHMS[algorithm]
    tbs = cert.tbs_certificate_bytes
    if tbs.count(old) != 1:
        raise ValueError("the certificate is not signed sha256WithRSAEncryption")
    tbs = tbs.replace(old, new)
    signature = signer.sign(tbs, padding.PKCS1v15(), digest)
    return x509.load_der_x509_certificate(_der(0x30, tbs + new + _der(0x03, b"\x00" + signature)))


def _sign(builder: x509.CertificateBuilder, key: PrivateKey, signature: str) -> x509.Certificate:
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return builder.sign(key, None)
    if signature == "pss":
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
        return builder.sign(key, hashes.SHA256(), rsa_padding=pss)
    if signature in ("sha1", "md5"):
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError(f"{signature} signatures are made for RSA issuers only")
        return resign(builder.sign(key, hashes.SHA256()), key, signature)
    return builder.sign(
        key, {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512()}[signature]
    )


def p7b(certs: Sequence[Issued], pem: bool = False) -> bytes:
    """A PKCS#7 bundle (.p7b) as the Windows export wizard writes it: DER, or PEM (-----BEGIN PKCS7-----)."""
    encoding = serialization.Encoding.PEM if pem else serialization.Encoding.DER
    return pkcs7.serialize_certificates([c.cert for c in certs], encoding)


def _name(name: str | x509.Name) -> x509.Name:
    if isinstance(name, x509.Name):
        return name
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])


#: otherName type of a Microsoft user principal name in a subject alternative name
UPN_OID = x509.ObjectIdentifier("1.3.6.1.4.1.311.20.2.3")


def _der_utf8(text: str) -> bytes:
    data = text.encode("utf-8")
    if len(data) < 0x80:
        return bytes([0x0C, len(data)]) + data
    size = len(data).to_bytes((len(data).bit_length() + 7) // 8, "big")
    return bytes([0x0C, 0x80 | len(size)]) + size + data


def _general_name(entry: str) -> x509.GeneralName:
    kind, sep, value = entry.partition(":")
    if sep and kind.upper() == "UPN":
        return x509.OtherName(UPN_OID, _der_utf8(value))
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
    signature: str = "sha256",
    permitted: Sequence[str | x509.Name] = (),
    excluded: Sequence[str | x509.Name] = (),
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
    if permitted or excluded:
        constraints = x509.NameConstraints(
            permitted_subtrees=[x509.DirectoryName(_dn(n)) for n in permitted] or None,
            excluded_subtrees=[x509.DirectoryName(_dn(n)) for n in excluded] or None,
        )
        builder = builder.add_extension(constraints, critical=True)
    return Issued(_sign(builder, signer_key, signature), key)


def _dn(name: str | x509.Name) -> x509.Name:
    """An x509.Name from RFC 4514 text ("O=Contoso,C=US") or a Name."""
    return name if isinstance(name, x509.Name) else x509.Name.from_rfc4514_string(name)


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
    signature: str = "sha256",
    permitted: Sequence[str | x509.Name] = (),
    excluded: Sequence[str | x509.Name] = (),
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
        signature=signature,
        permitted=permitted,
        excluded=excluded,
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
    signature: str = "sha256",
    permitted: Sequence[str | x509.Name] = (),
    excluded: Sequence[str | x509.Name] = (),
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
        signature=signature,
        permitted=permitted,
        excluded=excluded,
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
    signature: str = "sha256",
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
        signature=signature,
    )


def make_weak_rsa_leaf(name: str | x509.Name, issuer: Issued, bits: int = 512) -> Issued:
    """A client certificate whose public key is RSA of ``bits`` (< 1024, which ``cryptography`` will not generate).

    Only the public key is needed (the issuer signs); the modulus is a random odd number of that size, and
    ``Issued.key`` is the issuer's key (this certificate never signs anything).
    """
    modulus = secrets.randbits(bits) | (1 << (bits - 1)) | 1
    public_key = rsa.RSAPublicNumbers(65537, modulus).public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(issuer.cert.subject)
        .public_key(public_key)
        .serial_number(int.from_bytes(secrets.token_bytes(16), "big") >> 1)
        .not_valid_before(days(-1))
        .not_valid_after(days(365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    )
    return Issued(_sign(builder, issuer.key, "sha256"), issuer.key)


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
