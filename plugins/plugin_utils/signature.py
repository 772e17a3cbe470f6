# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Certificate signatures checked the way CryptoAPI checks them, independent of any library's TLS policy. Pure.

``cryptography``'s ``verify_directly_issued_by`` and its X.509 verifier refuse signature algorithms the Web PKI
retired (``ValueError: Unsupported signature algorithm`` for sha1WithRSAEncryption), so they cannot tell whether a
SHA-1-signed enterprise root is self-signed. CryptoAPI accepts RSA PKCS#1 v1.5 with MD5/SHA-1/SHA-2, RSA-PSS, ECDSA
on P-256/P-384/P-521, DSA and (Windows 10 and later) EdDSA; Microsoft's MD5 and SHA-1 deprecations cover only its
root programme's server-authentication, code-signing and time-stamping chains (WINDOWS_FACTS CERT-5, CERT-6).
This module verifies the signature with the issuer's public key over the DER of ``tbsCertificate`` for each of
those algorithms (``public_key().verify(signature, tbs_certificate_bytes, ...)``), and says "cannot tell" with the
reason when the algorithm is one this controller cannot compute (MD2, MD4, GOST, ...), instead of "not signed".

One function, :func:`check_signature`, decides "issued by" everywhere: trust placement, Cause-2 detection (a
non-self-signed certificate in Root), chain building and ``diagnose``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from .cryptography_lib import InvalidSignature, UnsupportedAlgorithm, dsa, ec, ed448, ed25519, padding, rsa, x509

#: Signature algorithm OIDs by key family (RFC 3279, 4055, 5758, 8410).
_RSA = {
    "1.2.840.113549.1.1.2": "md2WithRSAEncryption",
    "1.2.840.113549.1.1.3": "md4WithRSAEncryption",
    "1.2.840.113549.1.1.4": "md5WithRSAEncryption",
    "1.2.840.113549.1.1.5": "sha1WithRSAEncryption",
    "1.2.840.113549.1.1.10": "RSASSA-PSS",
    "1.2.840.113549.1.1.11": "sha256WithRSAEncryption",
    "1.2.840.113549.1.1.12": "sha384WithRSAEncryption",
    "1.2.840.113549.1.1.13": "sha512WithRSAEncryption",
    "1.2.840.113549.1.1.14": "sha224WithRSAEncryption",
    "1.3.14.3.2.29": "sha1WithRSASignature (OIW)",
}
_PSS = "1.2.840.113549.1.1.10"
_ECDSA = {
    "1.2.840.10045.4.1": "ecdsa-with-SHA1",
    "1.2.840.10045.4.3.1": "ecdsa-with-SHA224",
    "1.2.840.10045.4.3.2": "ecdsa-with-SHA256",
    "1.2.840.10045.4.3.3": "ecdsa-with-SHA384",
    "1.2.840.10045.4.3.4": "ecdsa-with-SHA512",
}
_DSA = {
    "1.2.840.10040.4.3": "dsa-with-sha1",
    "2.16.840.1.101.3.4.3.1": "dsa-with-sha224",
    "2.16.840.1.101.3.4.3.2": "dsa-with-sha256",
}
_EDDSA = {"1.3.101.112": "Ed25519", "1.3.101.113": "Ed448"}


@functools.cache
def _families() -> dict[str, tuple[type, ...]]:
    """Key types by signature algorithm OID, built on first use (plugins load without cryptography)."""
    return {
        **dict.fromkeys(_RSA, (rsa.RSAPublicKey,)),
        **dict.fromkeys(_ECDSA, (ec.EllipticCurvePublicKey,)),
        **dict.fromkeys(_DSA, (dsa.DSAPublicKey,)),
        "1.3.101.112": (ed25519.Ed25519PublicKey,),
        "1.3.101.113": (ed448.Ed448PublicKey,),
    }


_NAMES = {**_RSA, **_ECDSA, **_DSA, **_EDDSA}


@dataclass(frozen=True)
class SignatureCheck:
    """Whether a certificate's signature verifies with a public key.

    ``verified``: True (it does), False (it does not: another key signed it, or the bytes were altered) or None
    (cannot tell: ``reason`` says why, e.g. an algorithm this controller cannot compute).
    """

    verified: bool | None
    algorithm: str
    reason: str = ""


def algorithm_name(cert: x509.Certificate) -> str:
    """The signature algorithm as Windows' certificate dialog names it (OID name, or the dotted OID)."""
    oid = cert.signature_algorithm_oid.dotted_string
    return _NAMES.get(oid, oid)


def hash_name(cert: x509.Certificate) -> str:
    """The signature's hash ("SHA-1", "SHA-256", "MD5" ...), "" for EdDSA, "unknown" when it cannot be read."""
    name = algorithm_name(cert).lower()
    for marker, label in (("md2", "MD2"), ("md4", "MD4"), ("md5", "MD5"), ("sha1", "SHA-1")):
        if marker in name:
            return label
    if name.startswith("ed"):
        return ""
    try:
        algorithm = cert.signature_hash_algorithm
    except UnsupportedAlgorithm:
        return "unknown"
    return f"SHA-{algorithm.digest_size * 8}" if algorithm is not None else ""


def check_signature(cert: x509.Certificate, issuer_key: Any) -> SignatureCheck:
    """Verify ``cert``'s signature over its tbsCertificate with ``issuer_key`` (a ``cryptography`` public key)."""
    oid = cert.signature_algorithm_oid.dotted_string
    name = _NAMES.get(oid, oid)
    family = _families().get(oid)
    if family is None:
        return SignatureCheck(None, name, f"the signature algorithm {name} is not one this controller can verify")
    if not isinstance(issuer_key, family):
        return SignatureCheck(False, name, f"a {name} signature cannot come from a {_key_kind(issuer_key)} key")
    try:
        _verify(cert, issuer_key)
    except InvalidSignature:
        return SignatureCheck(False, name, "the signature does not verify with this key")
    except (UnsupportedAlgorithm, ValueError, TypeError) as exc:
        return SignatureCheck(None, name, f"the {name} signature cannot be computed here ({exc})")
    return SignatureCheck(True, name)


def _verify(cert: x509.Certificate, key: Any) -> None:
    signature, data = cert.signature, cert.tbs_certificate_bytes
    if isinstance(key, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
        key.verify(signature, data)
        return
    algorithm = cert.signature_hash_algorithm  # UnsupportedAlgorithm for MD2/MD4
    if algorithm is None:
        raise ValueError("no hash algorithm")
    if isinstance(key, rsa.RSAPublicKey):
        params = padding.PKCS1v15()
        if cert.signature_algorithm_oid.dotted_string == _PSS:
            params = cert.signature_algorithm_parameters  # PSS with the certificate's MGF1 hash and salt length
            if not isinstance(params, padding.PSS):
                raise ValueError(f"unexpected RSASSA-PSS parameters {params!r}")
        key.verify(signature, data, params, algorithm)
    elif isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(signature, data, ec.ECDSA(algorithm))
    else:
        key.verify(signature, data, algorithm)


def _key_kind(key: Any) -> str:
    for kind, label in (
        (rsa.RSAPublicKey, "RSA"),
        (ec.EllipticCurvePublicKey, "EC"),
        (dsa.DSAPublicKey, "DSA"),
        (ed25519.Ed25519PublicKey, "Ed25519"),
        (ed448.Ed448PublicKey, "Ed448"),
    ):
        if isinstance(key, kind):
            return label
    return type(key).__name__


def public_key_of(cert: x509.Certificate) -> Any | None:
    """The certificate's public key, or None when this controller cannot load it (an unknown key type)."""
    try:
        return cert.public_key()
    except (UnsupportedAlgorithm, ValueError):
        return None


def issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> SignatureCheck:
    """Whether ``issuer`` issued ``cert``: its subject is ``cert``'s issuer name and its key verifies the signature."""
    if cert.issuer != issuer.subject:
        return SignatureCheck(False, algorithm_name(cert), "the issuer name differs")
    key = public_key_of(issuer)
    if key is None:
        return SignatureCheck(None, algorithm_name(cert), "the issuer's public key type is unknown to this controller")
    return check_signature(cert, key)


def self_signature(cert: x509.Certificate) -> SignatureCheck:
    """Issuer equals subject and the signature verifies with the certificate's own key (None: cannot tell)."""
    return issued_by(cert, cert)


def key_description(cert: x509.Certificate) -> tuple[str, int]:
    """("RSA", 2048), ("EC P-384", 384), ("Ed25519", 256), or ("unknown", 0)."""
    key = public_key_of(cert)
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey):
        curves = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}
        return f"EC {curves.get(key.curve.name, key.curve.name)}", key.curve.key_size
    if isinstance(key, dsa.DSAPublicKey):
        return "DSA", key.key_size
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519", 256
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448", 456
    return "unknown", 0
