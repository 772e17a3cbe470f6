"""Certificates on the controller: loading, thumbprints and classification with ``cryptography``.

Facts used (REFERENCE.md, "Certificates on the controller"): the Windows thumbprint is the SHA-1 of
the DER encoding in upper-case hex; a certificate is self-signed when its issuer equals its subject
*and* its signature verifies with its own key (a cross-signed CA can carry the same name).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import ExtendedKeyUsageOID

from .errors import OptionError

_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL)
_CERT_LABELS = {b"CERTIFICATE", b"X509 CERTIFICATE", b"TRUSTED CERTIFICATE"}


@dataclass(frozen=True)
class CertInfo:
    """One certificate with the facts the planner and the reports need."""

    der: bytes = field(repr=False)
    thumbprint: str
    subject: str
    issuer: str
    not_before: datetime
    not_after: datetime
    self_signed: bool
    is_ca: bool
    client_auth_eku: bool | None  # None: no EKU extension (any purpose)
    server_auth_eku: bool | None
    source: str = ""  # where the user gave it, for messages: "certificates[0] (ca.pem)"

    @property
    def der_b64(self) -> str:
        return base64.b64encode(self.der).decode("ascii")

    @property
    def label(self) -> str:
        return f"{self.subject} ({self.thumbprint})"

    def expired(self, now: datetime) -> bool:
        return now > self.not_after

    def not_yet_valid(self, now: datetime) -> bool:
        return now < self.not_before

    def expires_within(self, now: datetime, days: int) -> bool:
        return now + timedelta(days=days) > self.not_after

    def facts(self, now: datetime) -> dict:
        """JSON-safe description for module results (no DER)."""
        return {
            "thumbprint": self.thumbprint,
            "subject": self.subject,
            "issuer": self.issuer,
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "self_signed": self.self_signed,
            "ca": self.is_ca,
            "expired": self.expired(now),
            "client_auth_eku": self.client_auth_eku,
            "server_auth_eku": self.server_auth_eku,
        }


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def thumbprint_of(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA1()).hex().upper()


def is_self_signed(cert: x509.Certificate) -> bool:
    """Issuer equals subject and the signature verifies with the certificate's own key."""
    if cert.issuer != cert.subject:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
        return False
    return True


def is_ca(cert: x509.Certificate, self_signed: bool) -> bool:
    """basicConstraints decides; a v1 self-signed certificate without it counts as a CA (old roots)."""
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return cert.version == x509.Version.v1 and self_signed


def _eku(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> bool | None:
    try:
        usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return None
    return oid in usages or ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE in usages


def describe(cert: x509.Certificate, source: str = "") -> CertInfo:
    self_signed = is_self_signed(cert)
    return CertInfo(
        der=cert.public_bytes(serialization.Encoding.DER),
        thumbprint=thumbprint_of(cert),
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        self_signed=self_signed,
        is_ca=is_ca(cert, self_signed),
        client_auth_eku=_eku(cert, ExtendedKeyUsageOID.CLIENT_AUTH),
        server_auth_eku=_eku(cert, ExtendedKeyUsageOID.SERVER_AUTH),
        source=source,
    )


def from_der(der: bytes, source: str = "") -> CertInfo:
    return describe(x509.load_der_x509_certificate(der), source)


def from_b64(der_b64: str, source: str = "") -> CertInfo:
    return from_der(base64.b64decode(der_b64), source)


def _looks_like_der_key(data: bytes) -> bool:
    try:
        serialization.load_der_private_key(data, password=None)
    except TypeError:  # encrypted key
        return True
    except (ValueError, UnsupportedAlgorithm):
        return False
    return True


def parse_certificates(data: bytes, option: str, origin: str) -> list[x509.Certificate]:
    """Every certificate in a PEM bundle or one DER certificate; refuses private keys.

    ``option`` names the option for errors, ``origin`` says where the bytes came from (a file
    name or "PEM content").
    """
    blocks = _PEM_BLOCK.findall(data)
    if any(b"PRIVATE KEY" in label for label, _ in blocks) or (not blocks and _looks_like_der_key(data)):
        raise OptionError(
            option,
            f"{origin} contains a private key.",
            "give only the CA certificate (PEM or DER); a trusted CA certificate never needs its key.",
        )
    if blocks:
        certs = []
        for label, _body in blocks:
            if label not in _CERT_LABELS:
                continue
            pem = b"-----BEGIN CERTIFICATE-----" + _body + b"-----END CERTIFICATE-----"
            try:
                certs.append(x509.load_pem_x509_certificate(pem))
            except ValueError as exc:
                raise OptionError(option, f"{origin} holds a damaged PEM certificate ({exc}).") from exc
        if certs:
            return certs
    else:
        try:
            return [x509.load_der_x509_certificate(data)]
        except ValueError:
            pass
    raise OptionError(
        option,
        f"{origin} is not a certificate.",
        "give a PEM file (-----BEGIN CERTIFICATE-----, bundles allowed) or a DER-encoded .cer/.crt file.",
    )


def load_pfx(data: bytes, password: str | None, option: str, origin: str) -> CertInfo:
    """The certificate of a PKCS#12 file; a wrong password or a PFX without key is an OptionError.

    The password never appears in a message.
    """
    from cryptography.hazmat.primitives.serialization import pkcs12

    try:
        key, cert, _chain = pkcs12.load_key_and_certificates(data, password.encode() if password else None)
    except ValueError:
        raise OptionError(
            f"{option}.password",
            f"the password does not open {origin}, or it is not a PKCS#12 (.pfx/.p12) file.",
            "check the password (keep it in Ansible Vault) and that the file is the PFX exported with its key.",
        ) from None
    if cert is None or key is None:
        raise OptionError(
            f"{option}.pfx",
            f"{origin} holds no certificate with its private key.",
            "export the server certificate with its private key (PFX) for the binding.",
        )
    return describe(cert, source=f"{option}.pfx ({origin})")
