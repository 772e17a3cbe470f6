# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Trust part: CA certificates in LocalMachine Root / CA / the client-auth issuer store. Pure.

Facts used (REFERENCE.md, "The 403 family"): the client certificate's root must be in
LocalMachine\\Root (403.16 cause 1); a non-self-signed certificate in Root causes 403.16, or 403.7
with SendTrustedIssuerList=1 (cause 2), and Microsoft's fix is to move it to the Intermediate (CA)
store; IIS does not fetch missing intermediates, so they must be in LocalMachine\\CA.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from .certs import CertInfo
from .diff import View, store_view
from .errors import OptionError
from .names import canonical_store_name
from .plan import Op, Phase, Plan
from .snapshot import Scope, Snapshot
from .sources import FileReader, load_ca_sources

ROOT = "Root"
INTERMEDIATE = "CA"
DEFAULT_ISSUER_STORE = "ClientAuthIssuer"
#: Stores that `exclusive_client_auth_issuers` must never empty.
SYSTEM_STORES = frozenset({"root", "ca", "my", "webhosting", "trust", "disallowed", "authroot"})


@dataclass(frozen=True)
class TrustDesired:
    certificates: tuple[CertInfo, ...] = ()
    client_auth_issuers: tuple[CertInfo, ...] = ()
    client_auth_issuer_store: str = DEFAULT_ISSUER_STORE
    exclusive_client_auth_issuers: bool = False
    non_self_signed_roots: str = "report"  # report | move
    state: str = "present"  # present | absent
    #: thumbprints given without a certificate (state=absent only)
    absent_certificates: tuple[str, ...] = ()
    absent_client_auth_issuers: tuple[str, ...] = ()

    def plan(self, snapshot: Snapshot, now: datetime) -> Plan:
        return plan_trust(self, snapshot, now)

    def view(self, snapshot: Snapshot) -> View:
        return trust_view(self, snapshot)

    def scope(self) -> Scope:
        return Scope(stores=frozenset({ROOT, INTERMEDIATE, self.client_auth_issuer_store}))

    @classmethod
    def from_options(cls, args: dict[str, Any], read: FileReader, prefix: str = "") -> TrustDesired:
        """Validate and normalise the trust options (see specs.TRUST_OPTIONS)."""
        absent = args["state"] == "absent"
        store = canonical_store_name(args["client_auth_issuer_store"], f"{prefix}client_auth_issuer_store")
        if args["exclusive_client_auth_issuers"]:
            if absent:
                raise OptionError(
                    f"{prefix}exclusive_client_auth_issuers",
                    "applies only with state=present.",
                    "drop it, or use state=present to make the listed issuers the only ones.",
                )
            if store.lower() in SYSTEM_STORES:
                raise OptionError(
                    f"{prefix}exclusive_client_auth_issuers",
                    f"would remove every other certificate from LocalMachine\\{store}, a store Windows itself uses.",
                    "use a dedicated store such as ClientAuthIssuer for client_auth_issuer_store.",
                )
            if not args["client_auth_issuers"]:
                raise OptionError(
                    f"{prefix}exclusive_client_auth_issuers",
                    f"is true but client_auth_issuers is empty, so every certificate would be removed from "
                    f"LocalMachine\\{store} and no client certificate would be trusted for client authentication.",
                    f"list the issuing CAs in {prefix}client_auth_issuers, "
                    "or set exclusive_client_auth_issuers: false.",
                )
        certs, cert_tps = load_ca_sources(args["certificates"], f"{prefix}certificates", read, absent)
        issuers, issuer_tps = load_ca_sources(args["client_auth_issuers"], f"{prefix}client_auth_issuers", read, absent)
        return cls(
            certificates=tuple(certs),
            client_auth_issuers=tuple(issuers),
            client_auth_issuer_store=store,
            exclusive_client_auth_issuers=args["exclusive_client_auth_issuers"],
            non_self_signed_roots=args["non_self_signed_roots"],
            state=args["state"],
            absent_certificates=tuple(cert_tps),
            absent_client_auth_issuers=tuple(issuer_tps),
        )


def target_store(cert: CertInfo) -> str:
    """Self-signed CAs are roots; every other CA certificate is an intermediate."""
    return ROOT if cert.self_signed else INTERMEDIATE


def _label(cert: CertInfo) -> str:
    return f"{cert.subject} ({cert.thumbprint})"


def _import(store: str, cert: CertInfo) -> Op:
    return Op(
        "cert_import",
        {"store": store, "thumbprint": cert.thumbprint, "der": cert.der_b64},
        Phase.CERTS_IN,
        f"import {_label(cert)} into LocalMachine\\{store}",
    )


def _remove(store: str, thumbprint: str, label: str) -> Op:
    return Op(
        "cert_remove",
        {"store": store, "thumbprint": thumbprint},
        Phase.CERTS_OUT,
        f"remove {label} from LocalMachine\\{store} (its DER is returned in the result)",
    )


def _move(thumbprint: str, label: str, source: str, target: str) -> Op:
    return Op(
        "cert_move",
        {"from_store": source, "to_store": target, "thumbprint": thumbprint},
        Phase.CERTS_OUT,
        f"move {label} from LocalMachine\\{source} to LocalMachine\\{target} (added there first)",
    )


def ca_imports(certs: Iterable[CertInfo], snapshot: Snapshot, why: str) -> list[Op]:
    """Imports into LocalMachine\\CA of the intermediates among ``certs`` that are not there yet.

    Self-signed certificates (roots) are never placed: a root goes to Root only when the user lists it in
    trusted_certs. This is what the IIS certificate import wizard and win_certificate_store do with a PFX's CA
    certificates, planned here so check and diff mode show it (WINDOWS_FACTS CERT-8).
    """
    wanted = [c for c in certs if c.is_ca and not c.self_signed]
    if not wanted:
        return []
    store = snapshot.store(INTERMEDIATE)
    ops: list[Op] = []
    seen: set[str] = set()
    for cert in wanted:
        if store.has(cert.thumbprint) or cert.thumbprint in seen:
            continue
        seen.add(cert.thumbprint)
        op = _import(INTERMEDIATE, cert)
        ops.append(replace(op, summary=f"{op.summary} ({why})"))
    return ops


def non_self_signed_roots(snapshot: Snapshot) -> list[CertInfo]:
    """Certificates in LocalMachine\\Root that are not self-signed (checked by signature)."""
    return [c.info for c in snapshot.store(ROOT).certificates if not c.self_signed]


def _plan_present(desired: TrustDesired, snapshot: Snapshot, moves: set[str]) -> list[Op]:
    ops: list[Op] = []
    planned: set[tuple[str, str]] = set()
    for cert in desired.certificates:
        store = target_store(cert)
        key = (store.lower(), cert.thumbprint)
        if key in planned or snapshot.store(store).has(cert.thumbprint):
            continue
        if store == INTERMEDIATE and cert.thumbprint in moves:
            continue  # the move out of Root puts it there
        planned.add(key)
        ops.append(_import(store, cert))

    issuer_store = snapshot.store(desired.client_auth_issuer_store)
    wanted = {c.thumbprint: c for c in desired.client_auth_issuers}
    missing = [c for tp, c in wanted.items() if not issuer_store.has(tp)]
    if missing and not issuer_store.exists:
        ops.append(
            Op(
                "store_create",
                {"store": desired.client_auth_issuer_store},
                Phase.STORES,
                f"create the store LocalMachine\\{desired.client_auth_issuer_store}",
            )
        )
    ops.extend(_import(desired.client_auth_issuer_store, cert) for cert in missing)
    if desired.exclusive_client_auth_issuers:
        ops.extend(
            _remove(desired.client_auth_issuer_store, c.thumbprint, c.label)
            for c in issuer_store.certificates
            if c.thumbprint not in wanted
        )
    return ops


def _plan_absent(desired: TrustDesired, snapshot: Snapshot) -> list[Op]:
    ops: list[Op] = []
    ca_thumbprints = [c.thumbprint for c in desired.certificates] + list(desired.absent_certificates)
    issuer_thumbprints = [c.thumbprint for c in desired.client_auth_issuers] + list(desired.absent_client_auth_issuers)
    for stores, thumbprints in (
        ((ROOT, INTERMEDIATE), ca_thumbprints),
        ((desired.client_auth_issuer_store,), issuer_thumbprints),
    ):
        for store_name in stores:
            store = snapshot.store(store_name)
            for tp in dict.fromkeys(thumbprints):
                found = store.get(tp)
                if found is not None:
                    ops.append(_remove(store_name, tp, found.label))
    return ops


def plan_trust(desired: TrustDesired, snapshot: Snapshot, now: datetime) -> Plan:
    warnings: list[str] = []
    misplaced = non_self_signed_roots(snapshot)
    moves: set[str] = set()
    ops: list[Op] = []
    if misplaced and desired.non_self_signed_roots == "move":
        for cert in misplaced:
            moves.add(cert.thumbprint)
            ops.append(_move(cert.thumbprint, cert.label, ROOT, INTERMEDIATE))
    elif misplaced:
        warnings.append(
            f"LocalMachine\\Root holds {len(misplaced)} certificate(s) that are not self-signed: "
            + "; ".join(c.label for c in misplaced)
            + ". IIS then rejects client certificates with 403.16 (403.7 when SendTrustedIssuerList=1). "
            "Set non_self_signed_roots: move to move them to the Intermediate Certification Authorities "
            "(CA) store, as Microsoft recommends."
        )

    if desired.state == "present":
        ops.extend(_plan_present(desired, snapshot, moves))
    else:
        ops.extend(_plan_absent(desired, snapshot))

    notices: list[str] = []
    if desired.state == "present":
        for cert in {c.thumbprint: c for c in (*desired.certificates, *desired.client_auth_issuers)}.values():
            cert_warnings, cert_notices = ca_quality(cert, now)
            warnings += cert_warnings
            notices += cert_notices
    labels = {c.thumbprint: c.label for c in (*desired.certificates, *desired.client_auth_issuers, *misplaced)}
    return Plan.build(ops, warnings, labels=labels, notices=notices)


def ca_quality(cert: CertInfo, now: datetime) -> tuple[list[str], list[str]]:
    """(warnings, notices) about a CA certificate Windows would accept but a person should know about.

    Once per certificate. A root's own signature carries no trust (WINDOWS_FACTS CERT-4) and Microsoft's SHA-1 and
    MD5 deprecations cover its root programme only (CERT-5, CERT-6): a SHA-1 root is a notice, a SHA-1 intermediate
    a warning. RSA keys under 1024 bits are blocked by Windows (CERT-7): that is a warning that says so.
    """
    warnings: list[str] = []
    notices: list[str] = []
    where = f"{cert.source}: " if cert.source else ""
    if cert.expired(now):
        warnings.append(
            f"{where}{cert.label} expired on {cert.not_after:%Y-%m-%d}; clients whose chain needs it get 403.16 or "
            "403.17 until it is renewed."
        )
    elif cert.not_yet_valid(now):
        warnings.append(
            f"{where}{cert.label} is not valid before {cert.not_before:%Y-%m-%d %H:%M} UTC; until then Windows rejects "
            "client chains that need it (403.17). Check the clocks of the CA and of the host."
        )
    if cert.key_type == "RSA" and cert.key_bits < 1024:
        warnings.append(
            f"{where}{cert.label} has a {cert.key_bits}-bit RSA key: Windows blocks RSA keys under 1024 bits in every "
            "chain (KB2661254), so client certificates under it are rejected (403.16)."
        )
    elif cert.key_type == "RSA" and cert.key_bits < 2048:
        warnings.append(
            f"{where}{cert.label} has a {cert.key_bits}-bit RSA key. Windows accepts it, but it is weak: renew the CA "
            "with 2048 bits or more."
        )
    if cert.signature_hash == "SHA-1" or cert.signature_hash.startswith("MD"):
        if cert.self_signed:
            notices.append(
                f"{where}{cert.label} is a root signed with {cert.signature_hash}. Windows trusts it (a root's own "
                "signature carries no trust, and Microsoft's deprecation covers only its public root programme)."
            )
        else:
            warnings.append(
                f"{where}{cert.label} is signed with {cert.signature_hash}. Windows accepts it for an enterprise PKI, "
                "but reissue it with SHA-256 at its next renewal."
            )
    if cert.self_signed_note:
        notices.append(f"{where}{cert.label}: {cert.self_signed_note}; it is placed as a root.")
    return warnings, notices


def trust_view(desired: TrustDesired, snapshot: Snapshot) -> View:
    """Before view of the stores this part manages."""
    stores = {}
    for name in (ROOT, INTERMEDIATE, desired.client_auth_issuer_store):
        store = snapshot.store(name)
        stores[name] = store_view(name, store.exists, {c.thumbprint: c.label for c in store.certificates})
    return {"stores": stores}
