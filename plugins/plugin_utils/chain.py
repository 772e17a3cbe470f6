# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Client certificate chains built and judged by Windows' rules, as IIS (through CryptoAPI) would. Pure.

Path building (WINDOWS_FACTS CLIENTAUTH-3): the chain engine considers what the client sends plus the LocalMachine
stores (``CA``, ``Root``, the binding's client-auth issuer store); IIS does not fetch missing intermediates over AIA
for client certificates. An issuer is any certificate whose subject is the child's issuer name and whose key
verifies the child's signature (:mod:`.signature`, every algorithm CryptoAPI accepts). Cross-certificates and
renewed roots with the same name give several paths; every path is judged and the best kept, trusted before
untrusted, then the fewest problems, as CryptoAPI prefers the highest-quality chain.

Judging a path (``CERT_TRUST_STATUS`` error bits, WINDOWS_FACTS CLIENTAUTH-4 .. CLIENTAUTH-6, CERT-7):

- time validity of every CA certificate (403.17, as for the client certificate itself);
- basicConstraints: a CA certificate with cA=FALSE cannot issue (403.16), pathLenConstraint counts the CA
  certificates below it that are not self-issued;
- EKU nesting: with HTTP.sys's usage check on, a CA certificate whose EKU extension lacks Client Authentication
  makes the chain "not valid for usage" (403.16);
- name constraints: directoryName subtrees (permitted and excluded) are evaluated here; Windows also evaluates
  other name forms, which this controller does not, so they give "cannot tell";
- RSA keys under 1024 bits are blocked anywhere in the chain (KB2661254, 403.16).

What this controller cannot evaluate is reported as a problem with verdict ``cannot_tell`` and the reason, never
as an error. ``cryptography``'s verifier (:func:`verify`) applies Web PKI policy (it refuses RSA under 2048 bits,
SHA-1, unsupported name constraint forms...): its answer is evidence shown beside ours, never a verdict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise

from .certs import CertInfo, describe
from .cryptography_lib import ExtendedKeyUsageOID, x509
from .signature import SignatureCheck, issued_by

CLIENT = "sent by the client"
ADMIN = "known on the controller only"
ROOT_STORE = "LocalMachine\\Root"
CA_STORE = "LocalMachine\\CA"
DIFFERS_FROM_WINDOWS = (
    "Evaluated on the controller with cryptography's Web PKI verifier: no revocation checking, no AIA fetching, no "
    "NTAuth or Group Policy trust, and Web PKI rules (RSA of 2048 bits or more, no SHA-1, no unknown name constraint "
    "forms) that Windows does not apply. Evidence only: the findings follow Windows' rules."
)
ERROR = "error"
CANNOT_TELL = "cannot_tell"
MAX_DEPTH = 10
MAX_PATHS = 64
_EDDSA_OIDS = frozenset({"1.3.101.112", "1.3.101.113"})


@dataclass(frozen=True)
class Candidate:
    cert: x509.Certificate
    info: CertInfo
    source: str  # CLIENT, ADMIN or a store such as "LocalMachine\\Root"


def candidate(cert: x509.Certificate, source: str) -> Candidate:
    return Candidate(cert, describe(cert), source)


class AmbiguousBundle(ValueError):
    """A client bundle with more than one certificate that could be the client's own."""


def leaf_first(certs: list[x509.Certificate]) -> list[x509.Certificate]:
    """A client bundle in any order with the client's certificate first: the one that issues none of the others.

    When several issue none (unrelated certificates), the only one that is not a CA is the client's; otherwise the
    bundle is ambiguous and :class:`AmbiguousBundle` names the candidates.
    """
    if len(certs) < 2:
        return list(certs)

    def issues_another(cert: x509.Certificate) -> bool:
        return any(other is not cert and issued_by(other, cert).verified is not False for other in certs)

    leaves = [c for c in certs if not issues_another(c)]
    if len(leaves) > 1:
        leaves = [c for c in leaves if not describe(c).is_ca] or leaves
    if len(leaves) != 1:
        names = "; ".join(c.subject.rfc4514_string() for c in (leaves or certs))
        raise AmbiguousBundle(f"cannot tell which certificate is the client's: {names}")
    return [leaves[0], *(c for c in certs if c is not leaves[0])]


@dataclass(frozen=True)
class Problem:
    """Something about a chain Windows would reject (``verdict`` error, with the IIS status) or that this controller
    cannot judge (``cannot_tell``, with the reason)."""

    code: str
    certificate: str  # label of the certificate concerned
    detail: str
    verdict: str = ERROR
    status: str = "403.16"


@dataclass(frozen=True)
class Chain:
    links: tuple[Candidate, ...]  # leaf first
    complete: bool  # ends in a self-signed certificate
    problems: tuple[Problem, ...] = ()

    @property
    def anchor(self) -> Candidate:
        return self.links[-1]

    @property
    def cas(self) -> tuple[Candidate, ...]:
        return self.links[1:]

    @property
    def trusted(self) -> bool:
        return self.complete and self.anchor.source == ROOT_STORE

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.verdict == ERROR)

    @property
    def unknowns(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.verdict == CANNOT_TELL)


_PREFERENCE = (ROOT_STORE, CA_STORE, CLIENT, ADMIN)


def _source_rank(c: Candidate) -> int:
    return _PREFERENCE.index(c.source) if c.source in _PREFERENCE else 2  # an issuer store: after CA


def _quality(chain: Chain, now: datetime) -> tuple:
    """Lower is better: trusted, then complete, then fewest errors and unknowns, valid issuers, preferred stores."""
    return (
        not chain.trusted,
        not chain.complete,
        len(chain.errors),
        len(chain.unknowns),
        sum(1 for c in chain.cas if c.info.expired(now) or c.info.not_yet_valid(now)),
        tuple(_source_rank(c) for c in chain.cas),
        len(chain.links),
    )


def build_chain(
    leaf: Candidate, pool: list[Candidate], now: datetime, usage_check: bool = True, limit: int = MAX_DEPTH
) -> Chain:
    """The best chain Windows could build for ``leaf`` from ``pool``, with its problems judged by Windows' rules."""
    checks: dict[tuple[str, str], SignatureCheck] = {}

    def check(child: Candidate, parent: Candidate) -> SignatureCheck:
        key = (child.info.thumbprint, parent.info.thumbprint)
        if key not in checks:
            checks[key] = issued_by(child.cert, parent.cert)
        return checks[key]

    paths: list[tuple[tuple[Candidate, ...], bool]] = []

    def walk(links: tuple[Candidate, ...]) -> None:
        if len(paths) >= MAX_PATHS:
            return
        current = links[-1]
        if current.info.self_signed or len(links) >= limit:
            paths.append((links, current.info.self_signed))
            return
        seen = {c.info.thumbprint for c in links}
        issuers = [c for c in pool if c.info.thumbprint not in seen and check(current, c).verified is not False]
        if not issuers:
            paths.append((links, False))
            return
        # distinct certificates only (the same CA may be in a store and sent by the client): the preferred source
        by_thumbprint: dict[str, Candidate] = {}
        for c in sorted(issuers, key=_source_rank):
            by_thumbprint.setdefault(c.info.thumbprint, c)
        for issuer in by_thumbprint.values():
            walk((*links, issuer))

    walk((leaf,))
    chains = []
    for links, complete in paths:
        unchecked = [
            Problem(
                "SIGNATURE_UNCHECKED",
                child.info.label,
                f"the signature of {child.info.label} by {parent.info.label} could not be verified here: "
                f"{check(child, parent).reason}",
                CANNOT_TELL,
                "",
            )
            for child, parent in pairwise(links)
            if check(child, parent).verified is None
        ]
        problems = (*unchecked, *judge(links, now, usage_check))
        chains.append(Chain(links, complete, problems))
    return min(chains, key=lambda c: _quality(c, now))


# -- judging a path ------------------------------------------------------------------------------
def judge(links: tuple[Candidate, ...], now: datetime, usage_check: bool = True) -> tuple[Problem, ...]:
    """Windows' verdict on one path (leaf first): the problems of its CA certificates, weak keys anywhere."""
    problems: list[Problem] = []
    for link in links:
        if link.info.key_type == "RSA" and link.info.key_bits < 1024:
            problems.append(
                Problem(
                    "WEAK_KEY",
                    link.info.label,
                    f"{link.info.label} has an RSA key of {link.info.key_bits} bits; Windows blocks RSA keys under "
                    "1024 bits anywhere in a chain (KB2661254).",
                )
            )
    for child, issuer in pairwise(links):
        if child.cert.signature_algorithm_oid.dotted_string in _EDDSA_OIDS:
            problems.append(
                Problem(
                    "EDDSA_SIGNATURE",
                    child.info.label,
                    f"{child.info.label} is signed with EdDSA by {issuer.info.label}; whether this Windows build's "
                    "chain engine verifies EdDSA certificate signatures is not settled (WINDOWS_FACTS CLIENTAUTH-5).",
                    CANNOT_TELL,
                    "",
                )
            )
    for index, link in enumerate(links[1:], start=1):
        problems += _time_problems(link, now)
        problems += _basic_constraint_problems(links, index)
        if usage_check:
            problems += _usage_problems(link)
        problems += _name_constraint_problems(links, index)
    return tuple(problems)


def _time_problems(link: Candidate, now: datetime) -> list[Problem]:
    info = link.info
    if info.expired(now):
        return [
            Problem(
                "CA_EXPIRED",
                info.label,
                f"{info.label} ({link.source}) expired on {info.not_after:%Y-%m-%d}.",
                status="403.17",
            )
        ]
    if info.not_yet_valid(now):
        return [
            Problem(
                "CA_NOT_YET_VALID",
                info.label,
                f"{info.label} ({link.source}) is valid only from {info.not_before:%Y-%m-%d %H:%M} UTC.",
                status="403.17",
            )
        ]
    return []


def _self_issued(cert: x509.Certificate) -> bool:
    return cert.issuer == cert.subject


def _basic_constraint_problems(links: tuple[Candidate, ...], index: int) -> list[Problem]:
    link = links[index]
    try:
        constraints = link.cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        if link.cert.version == x509.Version.v1 and link.info.self_signed:
            return []  # a version 1 root carries no extensions at all
        return [
            Problem(
                "NO_BASIC_CONSTRAINTS",
                link.info.label,
                f"{link.info.label} issues certificates but has no basicConstraints extension; whether CryptoAPI "
                "accepts such a CA is not settled (WINDOWS_FACTS CLIENTAUTH-5).",
                CANNOT_TELL,
                "",
            )
        ]
    if not constraints.ca:
        return [
            Problem(
                "NOT_A_CA",
                link.info.label,
                f"{link.info.label} has basicConstraints CA:FALSE, so it cannot issue certificates "
                "(CERT_TRUST_INVALID_BASIC_CONSTRAINTS).",
            )
        ]
    if constraints.path_length is None:
        return []
    below = sum(1 for c in links[1:index] if not _self_issued(c.cert))
    if below <= constraints.path_length:
        return []
    anchor = index == len(links) - 1 and link.info.self_signed
    return [
        Problem(
            "PATH_LENGTH",
            link.info.label,
            f"{link.info.label} allows {constraints.path_length} CA certificate(s) below it (pathLenConstraint), the "
            f"chain has {below}"
            + (
                "; whether Windows applies a root's own path length is not settled."
                if anchor
                else " (CERT_TRUST_INVALID_BASIC_CONSTRAINTS)."
            ),
            CANNOT_TELL if anchor else ERROR,
            "" if anchor else "403.16",
        )
    ]


def _usage_problems(link: Candidate) -> list[Problem]:
    try:
        usages = link.cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return []
    if ExtendedKeyUsageOID.CLIENT_AUTH in usages or ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE in usages:
        return []
    return [
        Problem(
            "CA_EKU_EXCLUDES_CLIENT_AUTH",
            link.info.label,
            f"{link.info.label} restricts its extended key usage to "
            f"{', '.join(u._name for u in usages)}; Windows intersects the EKUs along the chain, so no certificate "
            "below it is valid for Client Authentication (CERT_TRUST_IS_NOT_VALID_FOR_USAGE).",
        )
    ]


# -- name constraints ----------------------------------------------------------------------------
def _norm(value: object) -> str:
    return re.sub(r"\s+", " ", str(value)).strip().casefold()


def _rdn_key(rdn: x509.RelativeDistinguishedName) -> frozenset[tuple[str, str]]:
    return frozenset((attr.oid.dotted_string, _norm(attr.value)) for attr in rdn)


def within(name: x509.Name, base: x509.Name) -> bool:
    """RFC 5280 4.2.1.10: ``name`` is in the directoryName subtree ``base`` when base's RDNs are a prefix of it."""
    own, prefix = [_rdn_key(r) for r in name.rdns], [_rdn_key(r) for r in base.rdns]
    return own[: len(prefix)] == prefix


def _subject_alt_names(cert: x509.Certificate) -> list[x509.GeneralName]:
    try:
        return list(cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value)
    except x509.ExtensionNotFound:
        return []


def _name_constraint_problems(links: tuple[Candidate, ...], index: int) -> list[Problem]:
    ca = links[index]
    try:
        constraints = ca.cert.extensions.get_extension_for_class(x509.NameConstraints).value
    except x509.ExtensionNotFound:
        return []
    permitted = list(constraints.permitted_subtrees or ())
    excluded = list(constraints.excluded_subtrees or ())
    permitted_dn = [s.value for s in permitted if isinstance(s, x509.DirectoryName)]
    excluded_dn = [s.value for s in excluded if isinstance(s, x509.DirectoryName)]
    other_forms = sorted({type(s).__name__ for s in (*permitted, *excluded) if not isinstance(s, x509.DirectoryName)})
    problems: list[Problem] = []
    below = [c for i, c in enumerate(links[:index]) if i == 0 or not _self_issued(c.cert)]
    for subject in below:
        name = subject.cert.subject
        if name.rdns and permitted_dn and not any(within(name, base) for base in permitted_dn):
            problems.append(
                Problem(
                    "NAME_NOT_PERMITTED",
                    subject.info.label,
                    f"the subject of {subject.info.label} is outside the directoryName subtrees "
                    f"{', '.join(b.rfc4514_string() for b in permitted_dn)} that {ca.info.label} permits "
                    "(CERT_TRUST_HAS_NOT_PERMITTED_NAME_CONSTRAINT).",
                )
            )
        for base in excluded_dn:
            if name.rdns and within(name, base):
                problems.append(
                    Problem(
                        "NAME_EXCLUDED",
                        subject.info.label,
                        f"the subject of {subject.info.label} is inside the directoryName subtree "
                        f"{base.rfc4514_string()} that {ca.info.label} excludes "
                        "(CERT_TRUST_HAS_EXCLUDED_NAME_CONSTRAINT).",
                    )
                )
        alt_forms = sorted({type(n).__name__ for n in _subject_alt_names(subject.cert)})
        if alt_forms and (other_forms or permitted_dn or excluded_dn):
            problems.append(
                Problem(
                    "NAME_CONSTRAINTS_NOT_EVALUATED",
                    subject.info.label,
                    f"{ca.info.label} has name constraints and {subject.info.label} has alternative names "
                    f"({', '.join(alt_forms)}); Windows checks those names against the constraints (or flags name "
                    "forms without a constraint), this controller evaluates directoryName subtrees only.",
                    CANNOT_TELL,
                    "",
                )
            )
    if other_forms and not any(p.code == "NAME_CONSTRAINTS_NOT_EVALUATED" for p in problems):
        problems.append(
            Problem(
                "NAME_CONSTRAINTS_NOT_EVALUATED",
                ca.info.label,
                f"{ca.info.label} constrains {', '.join(other_forms)} names, which this controller does not evaluate.",
                CANNOT_TELL,
                "",
            )
        )
    return problems


# -- the library's opinion, as evidence ----------------------------------------------------------
@dataclass(frozen=True)
class Verdict:
    valid: bool
    error: str
    note: str = DIFFERS_FROM_WINDOWS


def verify(leaf: Candidate, intermediates: list[Candidate], roots: list[Candidate], now: datetime) -> Verdict:
    """X.509 path validation with cryptography, relaxed for end-entity extensions (no SAN/AKI demanded).

    Evidence only: a refusal here never becomes an error finding on its own.
    """
    from cryptography.x509.verification import ExtensionPolicy, PolicyBuilder, Store, VerificationError

    if not roots:
        return Verdict(False, "no self-signed root in LocalMachine\\Root to validate against")
    builder = PolicyBuilder().store(Store([r.cert for r in roots])).time(now)
    builder = builder.extension_policies(
        ca_policy=ExtensionPolicy.webpki_defaults_ca(), ee_policy=ExtensionPolicy.permit_all()
    )
    try:
        builder.build_client_verifier().verify(leaf.cert, [c.cert for c in intermediates])
    except (VerificationError, ValueError) as exc:
        return Verdict(False, str(exc))
    return Verdict(True, "")
