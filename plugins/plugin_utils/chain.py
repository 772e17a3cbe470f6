"""Client certificate chains as IIS (through Windows' chain engine) would build them. Pure.

Windows builds the chain from what the client sends plus LocalMachine\\CA and LocalMachine\\Root; IIS
does not fetch missing intermediates over AIA for client certificates (REFERENCE.md). The
``cryptography`` verifier then validates the chain that was found as evidence, not as a verdict: it
checks no revocation, fetches nothing (no AIA), knows no NTAuth store, and its CA policy follows the
Web PKI (basicConstraints required on CA certificates).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm

from .certs import CertInfo, describe

CLIENT = "sent by the client"
ADMIN = "known on the controller only"
DIFFERS_FROM_WINDOWS = (
    "Evaluated on the controller with cryptography: no revocation checking (403.13 cannot be predicted), "
    "no AIA fetching, no NTAuth or Group Policy trust, and Web PKI rules for CA certificates; Windows may "
    "decide differently in those areas."
)


@dataclass(frozen=True)
class Candidate:
    cert: x509.Certificate
    info: CertInfo
    source: str  # CLIENT, ADMIN or a store such as "LocalMachine\\Root"


@dataclass(frozen=True)
class Chain:
    links: tuple[Candidate, ...]  # leaf first
    complete: bool  # ends in a self-signed certificate

    @property
    def anchor(self) -> Candidate:
        return self.links[-1]

    @property
    def cas(self) -> tuple[Candidate, ...]:
        return self.links[1:]


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
        return False
    return True


_PREFERENCE = ("LocalMachine\\Root", "LocalMachine\\CA", CLIENT, ADMIN)


def _rank(candidate: Candidate, now: datetime) -> tuple[int, int, int]:
    """Self-signed trusted roots first, then valid certificates, then by where they are."""
    source = _PREFERENCE.index(candidate.source) if candidate.source in _PREFERENCE else len(_PREFERENCE)
    return (0 if candidate.info.self_signed else 1, 1 if candidate.info.expired(now) else 0, source)


def build_chain(leaf: Candidate, pool: list[Candidate], now: datetime, limit: int = 10) -> Chain:
    links = [leaf]
    seen = {leaf.info.thumbprint}
    current = leaf
    while not current.info.self_signed and len(links) < limit:
        issuers = [c for c in pool if c.info.thumbprint not in seen and _issued_by(current.cert, c.cert)]
        if not issuers:
            return Chain(tuple(links), complete=False)
        current = min(issuers, key=lambda c: _rank(c, now))
        links.append(current)
        seen.add(current.info.thumbprint)
    return Chain(tuple(links), complete=current.info.self_signed)


def candidate(cert: x509.Certificate, source: str) -> Candidate:
    return Candidate(cert, describe(cert), source)


@dataclass(frozen=True)
class Verdict:
    valid: bool
    error: str
    note: str = DIFFERS_FROM_WINDOWS


def verify(leaf: Candidate, intermediates: list[Candidate], roots: list[Candidate], now: datetime) -> Verdict:
    """X.509 path validation with cryptography, relaxed for end-entity extensions (no SAN/AKI demanded)."""
    from cryptography.x509.verification import ExtensionPolicy, PolicyBuilder, Store, VerificationError

    if not roots:
        return Verdict(False, "no self-signed root in LocalMachine\\Root to validate against")
    builder = PolicyBuilder().store(Store([r.cert for r in roots])).time(now)
    builder = builder.extension_policies(
        ca_policy=ExtensionPolicy.webpki_defaults_ca(), ee_policy=ExtensionPolicy.permit_all()
    )
    try:
        builder.build_client_verifier().verify(leaf.cert, [c.cert for c in intermediates])
    except VerificationError as exc:
        return Verdict(False, str(exc))
    return Verdict(True, "")
