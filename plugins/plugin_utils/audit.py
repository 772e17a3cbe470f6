# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The audit of one host from the snapshot its converge plan was made from: findings and certificate inventory. Pure.

- Findings: ``diagnosis.diagnose`` for every https binding of the listed sites, at the site and at every location
  below it with explicit SSL flags, each finding once (with the bindings it was seen on).
- Server certificates: the certificate of every HTTP.sys SSL binding on the host (HTTP.sys is what serves TLS, for
  every site, listed or not), and of the listed sites' https bindings.
- CA certificates that client authentication relies on: the bindings' client-auth issuer stores (sslctlstorename),
  the certificates the desired trust names, and their chains through LocalMachine\\CA and Root.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .chain import Candidate, build_chain
from .cryptography_lib import dsa, ec, ed448, ed25519, rsa, x509
from .diagnosis import SEVERITIES, DiagnoseRequest, diagnose
from .httpsys import httpsys_key, split_binding_information
from .snapshot import Scope, Snapshot, StoreCert

ROOT, CA = "Root", "CA"
SERVER_STORES = ("My", "WebHosting")
#: the names Windows' certificate dialogs show (ECDSA_P256 ...)
NIST_CURVES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}


@dataclass(frozen=True)
class AuditRequest:
    sites: tuple[str, ...]
    trust_thumbprints: tuple[str, ...] = ()  # certificates the desired trust part names
    expiry_days: int = 30

    def scope(self) -> Scope:
        scope = Scope(stores=frozenset({ROOT, CA, *SERVER_STORES}), httpsys=True, ctl_stores=True)
        for site in self.sites:
            scope = scope.union(DiagnoseRequest(site=site, expiry_warning_days=self.expiry_days).scope())
        return scope


# -- findings ------------------------------------------------------------------------------------
def _locations(snapshot: Snapshot, site: str) -> list[str]:
    """The site itself and every location below it with explicit SSL flags (as gathered), site first."""
    below = sorted(path for path, access in (snapshot.iis.locations_of(site) if snapshot.iis else {}).items())
    return ["", *(path for path in below if "/" in path)]


def binding_findings(request: AuditRequest, snapshot: Snapshot, now: datetime) -> list[dict[str, Any]]:
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for name in request.sites:
        site = snapshot.iis.site(name) if snapshot.iis else None
        if site is None:
            continue
        for binding in site.bindings:
            _ip, port, host = split_binding_information(binding.binding_information)
            for path in _locations(snapshot, site.name):
                diagnosis = DiagnoseRequest(
                    site=site.name, host=host.lower(), port=port, path=path, expiry_warning_days=request.expiry_days
                )
                for finding in diagnose(diagnosis, snapshot, now)[0]:
                    key = (finding.id, json.dumps(finding.evidence, sort_keys=True, default=str))
                    entry = seen.setdefault(key, {**finding.to_dict(), "site": site.name, "bindings": []})
                    if binding.binding_information not in entry["bindings"]:
                        entry["bindings"].append(binding.binding_information)
    return sorted(seen.values(), key=lambda f: (SEVERITIES.index(f["severity"]), f["site"], f["id"]))


# -- certificates --------------------------------------------------------------------------------
def key_description(cert: x509.Certificate) -> str:
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA {key.key_size}"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"ECDSA {NIST_CURVES.get(key.curve.name, key.curve.name)}"
    if isinstance(key, dsa.DSAPublicKey):
        return f"DSA {key.key_size}"
    if isinstance(key, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
        return type(key).__name__.replace("PublicKey", "")
    return type(key).__name__


def subject_alternative_names(cert: x509.Certificate) -> list[str]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return [*san.get_values_for_type(x509.DNSName), *(str(ip) for ip in san.get_values_for_type(x509.IPAddress))]


def _expiry(cert: StoreCert, now: datetime, days: int) -> dict[str, Any]:
    info = cert.info
    return {
        "not_after": info.not_after.isoformat(),
        "days_left": (info.not_after - now).days,
        "expired": info.expired(now),
        "expiring": info.expires_within(now, days),
    }


def _find(snapshot: Snapshot, thumbprint: str, stores: Iterable[str]) -> tuple[str, StoreCert] | None:
    for name in stores:
        store = snapshot.stores_named(name)
        found = store.get(thumbprint.upper()) if store else None
        if found:
            return store.name, found
    return None


def server_certificates(request: AuditRequest, snapshot: Snapshot, now: datetime) -> list[dict[str, Any]]:
    uses: dict[str, dict[str, Any]] = {}  # thumbprint -> {"store": ..., "bindings": [...]}
    site_of: dict[tuple[str, str], tuple[str, str]] = {}
    for name in request.sites:
        site = snapshot.iis.site(name) if snapshot.iis else None
        for binding in site.bindings if site else ():
            kind, key = httpsys_key(binding.binding_information, binding.ssl_flags)
            site_of[(kind, key.lower())] = (site.name, binding.binding_information)
            if binding.certificate_hash and snapshot.httpsys_record(kind, key) is None:
                entry = uses.setdefault(
                    binding.certificate_hash.upper(), {"store": binding.certificate_store, "bindings": []}
                )
                entry["bindings"].append({"httpsys": None, "site": site.name, "binding": binding.binding_information})
    for record in snapshot.httpsys or ():
        if not record.cert_hash:
            continue
        site, binding = site_of.get((record.kind, record.key.lower()), (None, None))
        entry = uses.setdefault(record.cert_hash.upper(), {"store": record.cert_store, "bindings": []})
        entry["bindings"].append({"httpsys": f"{record.kind}={record.key}", "site": site, "binding": binding})
    inventory = []
    for thumbprint, use in uses.items():
        wanted = "WebHosting" if str(use["store"]).lower() == "webhosting" else "My"
        found = _find(snapshot, thumbprint, (wanted,))
        base = {"thumbprint": thumbprint, "store": wanted, "bindings": use["bindings"]}
        if found is None:
            inventory.append({**base, "missing": True})
            continue
        cert = found[1]
        inventory.append(
            {
                **base,
                "missing": False,
                "subject": cert.info.subject,
                "sans": subject_alternative_names(cert.cert),
                "issuer": cert.info.issuer,
                "key": key_description(cert.cert),
                "server_auth_eku": cert.info.server_auth_eku,
                "has_private_key": cert.has_private_key,
                **_expiry(cert, now, request.expiry_days),
            }
        )
    return sorted(inventory, key=lambda c: (c.get("days_left", -(10**6)), c["thumbprint"]))


def _issuer_stores(snapshot: Snapshot) -> list[str]:
    return sorted({r.ctl_store_name for r in snapshot.httpsys or () if r.ctl_store_name}, key=str.lower)


def ca_certificates(request: AuditRequest, snapshot: Snapshot, now: datetime) -> list[dict[str, Any]]:
    entries: dict[str, dict[str, Any]] = {}
    issuer_stores = _issuer_stores(snapshot)
    held_in = [s for s in (snapshot.stores_named(n) for n in (*issuer_stores, ROOT, CA)) if s is not None]

    def add(cert: StoreCert, role: str) -> None:
        entry = entries.setdefault(
            cert.thumbprint,
            {
                "thumbprint": cert.thumbprint,
                "subject": cert.info.subject,
                "issuer": cert.info.issuer,
                "self_signed": cert.info.self_signed,
                "stores": [s.name for s in held_in if s.has(cert.thumbprint)],
                "roles": [],
                **_expiry(cert, now, request.expiry_days),
            },
        )
        if role not in entry["roles"]:
            entry["roles"].append(role)

    starts: list[StoreCert] = []
    for name in issuer_stores:
        store = snapshot.stores_named(name)
        for cert in store.certificates if store else ():
            add(cert, "client-auth issuer")
            starts.append(cert)
    for thumbprint in request.trust_thumbprints:
        found = _find(snapshot, thumbprint, (ROOT, CA, *issuer_stores))
        if found:
            add(found[1], "declared trust")
            starts.append(found[1])
    pool = [
        Candidate(c.cert, c.info, f"LocalMachine\\{name}")
        for name in (ROOT, CA)
        for c in snapshot.store(name).certificates
    ]
    for cert in starts:
        chain = build_chain(Candidate(cert.cert, cert.info, ""), pool, now)
        for link in chain.cas:
            store = link.source.split("\\", 1)[1]
            found = snapshot.store(store).get(link.info.thumbprint)
            if found:
                add(found, "chain")
    return sorted(entries.values(), key=lambda c: (c["days_left"], c["subject"]))


def audit(request: AuditRequest, snapshot: Snapshot, now: datetime) -> dict[str, Any]:
    findings = binding_findings(request, snapshot, now)
    return {
        "expiry_days": request.expiry_days,
        "findings": findings,
        "counts": {severity: sum(1 for f in findings if f["severity"] == severity) for severity in SEVERITIES},
        "server_certificates": server_certificates(request, snapshot, now),
        "ca_certificates": ca_certificates(request, snapshot, now),
    }
