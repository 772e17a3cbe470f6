# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Certificates on the controller: loading, thumbprints and classification with ``cryptography``.

Facts used (WINDOWS_FACTS CERT-1 .. CERT-4): the Windows thumbprint is the SHA-1 of the DER encoding in upper-case
hex; a certificate is self-signed when its issuer equals its subject and its signature does not disprove it (a
cross-signed CA can carry the same name and another key's signature). The signature is checked by
:mod:`.signature` for every algorithm CryptoAPI accepts, never by a library's TLS policy: a SHA-1 enterprise root
is a root. When the signature cannot be computed here (MD2, an unknown algorithm) the names decide, as Microsoft's
own check does (KB2802568: ``Issuer -ne Subject``), and the certificate says so in ``self_signed_note``.

Inputs are what administrators have: PEM (bundles), DER, PKCS#7 ``.p7b`` in DER or PEM (what the Windows export
wizard writes), and PFX files for server certificates. A PFX or a private key given where a CA certificate is
expected is refused with a message that names it.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from .cryptography_lib import ExtendedKeyUsageOID, UnsupportedAlgorithm, hashes, serialization, x509
from .errors import OptionError
from .signature import hash_name, key_description, self_signature

_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL)
_CERT_LABELS = {b"CERTIFICATE", b"X509 CERTIFICATE", b"TRUSTED CERTIFICATE"}
_PKCS7_LABELS = {b"PKCS7", b"CERTIFICATE CHAIN"}  # "-----BEGIN PKCS7-----" from the export wizard / openssl
_PKCS12_LABELS = {b"PKCS12"}


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
    signature_hash: str = ""  # "SHA-256", "SHA-1", "MD5", "" (EdDSA)
    key_type: str = ""  # "RSA", "EC P-384", "Ed25519"
    key_bits: int = 0
    #: why ``self_signed`` rests on the names alone (the self-signature could not be checked here), else ""
    self_signed_note: str = ""

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
            "signature_hash": self.signature_hash,
            "key": f"{self.key_type} {self.key_bits}" if self.key_type.startswith(("RSA", "DSA")) else self.key_type,
        }


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def thumbprint_of(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA1()).hex().upper()


def self_signed_verdict(cert: x509.Certificate) -> tuple[bool, str]:
    """(self-signed, note): names equal and the signature, when it can be checked, verifies with its own key."""
    if cert.issuer != cert.subject:
        return False, ""
    check = self_signature(cert)
    if check.verified is None:
        return True, f"self-signature not checked ({check.reason}); issuer and subject are equal"
    return check.verified, ""


def is_self_signed(cert: x509.Certificate) -> bool:
    """Issuer equals subject and the signature does not disprove it (see :func:`self_signed_verdict`)."""
    return self_signed_verdict(cert)[0]


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


def describe(cert: x509.Certificate, source: str = "", self_signed: bool | None = None) -> CertInfo:
    """The facts of a certificate; ``self_signed`` may come from the controller's verdict cache."""
    note = ""
    if self_signed is None:
        self_signed, note = self_signed_verdict(cert)
    key_type, key_bits = key_description(cert)
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
        signature_hash=hash_name(cert),
        key_type=key_type,
        key_bits=key_bits,
        self_signed_note=note,
    )


def from_der(der: bytes, source: str = "") -> CertInfo:
    return describe(x509.load_der_x509_certificate(der), source)


def from_b64(der_b64: str, source: str = "") -> CertInfo:
    return from_der(base64.b64decode(der_b64), source)


# -- what a file holds ---------------------------------------------------------------------------
def _looks_like_der_key(data: bytes) -> bool:
    try:
        serialization.load_der_private_key(data, password=None)
    except TypeError:  # encrypted key
        return True
    except (ValueError, UnsupportedAlgorithm):
        return False
    return True


def _der_header(data: bytes, offset: int) -> tuple[int, int, int] | None:
    """(tag, start of content, content length) of the DER element at ``offset``; None when it is not DER."""
    if offset + 2 > len(data):
        return None
    tag, first = data[offset], data[offset + 1]
    if first < 0x80:
        return tag, offset + 2, first
    count = first & 0x7F
    if count == 0 or count > 4 or offset + 2 + count > len(data):
        return None
    return tag, offset + 2 + count, int.from_bytes(data[offset + 2 : offset + 2 + count], "big")


_PKCS7_DATA = bytes.fromhex("06092A864886F70D010701")
_PKCS7_SIGNED = bytes.fromhex("06092A864886F70D010702")


def looks_like_pfx(data: bytes) -> bool:
    """RFC 7292: PFX ::= SEQUENCE { version INTEGER 3, authSafe ContentInfo (data/signedData), macData OPTIONAL }."""
    outer = _der_header(data, 0)
    if outer is None or outer[0] != 0x30:
        return False
    start = outer[1]
    if data[start : start + 3] != b"\x02\x01\x03":
        return False
    content_info = _der_header(data, start + 3)
    if content_info is None or content_info[0] != 0x30:
        return False
    oid = data[content_info[1] : content_info[1] + len(_PKCS7_DATA)]
    return oid in (_PKCS7_DATA, _PKCS7_SIGNED)


def _pkcs7_certificates(data: bytes, pem: bool) -> list[x509.Certificate] | None:
    from cryptography.hazmat.primitives.serialization import pkcs7

    try:
        return pkcs7.load_pem_pkcs7_certificates(data) if pem else pkcs7.load_der_pkcs7_certificates(data)
    except ValueError:
        return None


def _refuse_key_material(data: bytes, blocks: list[tuple[bytes, bytes]], option: str, origin: str) -> None:
    if any(label in _PKCS12_LABELS for label, _body in blocks) or (not blocks and looks_like_pfx(data)):
        raise OptionError(
            option,
            f"{origin} is a PFX/PKCS#12 file (a certificate with its private key), where a certificate without its "
            "key is expected.",
            "give the certificate alone (PEM, DER .cer/.crt or a .p7b bundle): export it without the private key, or "
            "extract it with 'openssl pkcs12 -in file.pfx -nokeys'. A server certificate's PFX belongs in site_binding "
            "certificate.pfx, which also places the PFX's CA certificates.",
        )
    if any(b"PRIVATE KEY" in label for label, _body in blocks) or (not blocks and _looks_like_der_key(data)):
        raise OptionError(
            option,
            f"{origin} contains a private key.",
            "give only the CA certificate (PEM or DER); a trusted CA certificate never needs its key.",
        )


def parse_certificates(data: bytes, option: str, origin: str) -> list[x509.Certificate]:
    """Every certificate of a PEM bundle, a DER certificate or a PKCS#7 bundle (.p7b, DER or PEM).

    Private keys and PFX files are refused. ``option`` names the option for errors, ``origin`` says where the
    bytes came from (a file name or "PEM content").
    """
    blocks = _PEM_BLOCK.findall(data)
    _refuse_key_material(data, blocks, option, origin)
    certs: list[x509.Certificate] = []
    for label, body in blocks:
        if label in _CERT_LABELS:
            pem = b"-----BEGIN CERTIFICATE-----" + body + b"-----END CERTIFICATE-----"
            try:
                certs.append(x509.load_pem_x509_certificate(pem))
            except ValueError as exc:
                raise OptionError(option, f"{origin} holds a damaged PEM certificate ({exc}).") from exc
        elif label in _PKCS7_LABELS:
            pem = b"-----BEGIN PKCS7-----" + body + b"-----END PKCS7-----"
            bundle = _pkcs7_certificates(pem, pem=True)
            if bundle is None:
                raise OptionError(option, f"{origin} holds a damaged PKCS#7 (.p7b) bundle.")
            certs.extend(bundle)
    if blocks and certs:
        return certs
    if not blocks:
        try:
            return [x509.load_der_x509_certificate(data)]
        except ValueError:
            bundle = _pkcs7_certificates(data, pem=False)
            if bundle:
                return bundle
    raise OptionError(
        option,
        f"{origin} is not a certificate.",
        "give a PEM file (-----BEGIN CERTIFICATE-----, bundles allowed), a DER-encoded .cer/.crt file or a PKCS#7 "
        ".p7b bundle (DER or PEM).",
    )


# -- PFX -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Pfx:
    """A decrypted PKCS#12: the certificate with its key, the other certificates, the bytes as given."""

    info: CertInfo
    chain: tuple[CertInfo, ...]
    data: bytes = field(repr=False)
    _parsed: Any = field(repr=False, compare=False)

    def legacy_encoded(self, password: str) -> bytes:
        """The same key and certificates in PKCS#12 that Windows before 1809 can open: PBES1 3DES, SHA-1 MAC.

        WINDOWS_FACTS CERT-9: Windows before build 17763 cannot decrypt PBES2/AES-256 PKCS#12 (what OpenSSL 3 and
        ``cryptography`` write by default) and reports "The specified network password is not correct."
        """
        from cryptography.hazmat.primitives.serialization import pkcs12

        encryption = (
            serialization.PrivateFormat.PKCS12.encryption_builder()
            .kdf_rounds(2048)
            .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
            .hmac_hash(hashes.SHA1())
            .build(password.encode("utf-8"))
        )
        parsed = self._parsed
        return pkcs12.serialize_key_and_certificates(
            parsed.cert.friendly_name, parsed.key, parsed.cert.certificate, parsed.additional_certs or None, encryption
        )


#: DER of the OIDs that mark PKCS#12 encryption or MAC algorithms Windows before 1809 cannot use: PBES2
#: (RFC 8018) and the SHA-2 digests of a MAC (RFC 7292 MacData).
_MODERN_PFX_OIDS = tuple(
    bytes.fromhex(h)
    for h in (
        "06092A864886F70D01050D",  # 1.2.840.113549.1.5.13 PBES2
        "0609608648016503040201",  # sha256
        "0609608648016503040202",  # sha384
        "0609608648016503040203",  # sha512
    )
)


def pfx_needs_legacy_encoding(data: bytes) -> bool:
    """True when the PFX uses PBES2 (AES) or a SHA-2 MAC, which Windows before build 17763 cannot open."""
    return any(oid in data for oid in _MODERN_PFX_OIDS)


#: First Windows build whose PKCS#12 import decrypts PBES2/AES-256 (Windows 10 1809 / Server 2019).
FIRST_AES_PFX_BUILD = 17763


def pfx_for_host(pfx: Pfx, password: str | None, os_build: int | None, option: str) -> bytes:
    """The PFX bytes to ship to a host: as given, or re-encoded with 3DES/SHA-1 for a build before 17763.

    WINDOWS_FACTS CERT-9 (ansible.windows PR #582, openssl issue 27035). An unknown build gets the PFX as given.
    """
    if os_build is None or os_build >= FIRST_AES_PFX_BUILD or not pfx_needs_legacy_encoding(pfx.data):
        return pfx.data
    if not password:
        raise OptionError(
            f"{option}.password",
            f"{pfx.info.label} is a PFX encrypted with AES (PBES2), which this host (build {os_build}, before Windows "
            "Server 2019) cannot open, and without a password it cannot be re-encrypted with 3DES for it.",
            "give the PFX a password, or export it with 3DES ('openssl pkcs12 -export -legacy', or TripleDES-SHA1 in "
            "the Windows export wizard).",
        )
    return pfx.legacy_encoded(password)


def load_pfx(data: bytes, password: str | None, option: str, origin: str) -> Pfx:
    """The certificates of a PKCS#12 file; a wrong password or a PFX without key is an OptionError.

    The password never appears in a message.
    """
    from cryptography.hazmat.primitives.serialization import pkcs12

    try:
        parsed = pkcs12.load_pkcs12(data, password.encode() if password else None)
    except ValueError:
        raise OptionError(
            f"{option}.password",
            f"the password does not open {origin}, or it is not a PKCS#12 (.pfx/.p12) file.",
            "check the password (keep it in Ansible Vault) and that the file is the PFX exported with its key.",
        ) from None
    if parsed.cert is None or parsed.key is None:
        raise OptionError(
            f"{option}.pfx",
            f"{origin} holds no certificate with its private key.",
            "export the server certificate with its private key (PFX) for the binding.",
        )
    chain = tuple(describe(c.certificate, source=f"{option}.pfx ({origin})") for c in parsed.additional_certs)
    return Pfx(describe(parsed.cert.certificate, source=f"{option}.pfx ({origin})"), chain, data, parsed)
