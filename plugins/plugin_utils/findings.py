# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Warnings about the state a plan leads to that involve more than one part. Pure.

Computed once per task on the snapshot with the whole plan applied (see after.py), so the part
modules and the whole-host module warn alike and a task that fixes both sides does not warn.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from .after import After
from .flags import NEGOTIATE_CERT
from .names import WELL_KNOWN_STORES
from .plan import Plan
from .schannel_values import CLIENT_AUTH_TRUST_MODE, TRUST_MODE_NAMES, effective
from .snapshot import Snapshot
from .tls13 import trap_warnings_after


def trust_mode_warning(after: After) -> str | None:
    """Trust modes 1 and 2 check the chain against the binding's client-auth issuer store (sslctlstorename)."""
    if after.snapshot.schannel is None or after.snapshot.httpsys is None:
        return None
    mode = effective(CLIENT_AUTH_TRUST_MODE, after.schannel.get(CLIENT_AUTH_TRUST_MODE))
    if mode not in (1, 2):
        return None
    if any(record and record.ctl_store_name for record in after.records.values()):
        return None
    return (
        f"ClientAuthTrustMode={mode} ({TRUST_MODE_NAMES[mode]}) accepts only client certificates that chain "
        "to the HTTPS binding's client-auth issuer store, and no HTTPS binding on this host has one "
        "(HTTP.sys sslctlstorename): every client certificate will be rejected with 403.16. Set "
        "client_auth_issuer_store on the binding (mtls.iis.site_binding) and put the trusted issuers there "
        "(mtls.iis.trusted_certs client_auth_issuers)."
    )


def no_binding_warning(after: After, site: str) -> str | None:
    """A location that asks for client certificates on a site without any https binding."""
    if after.snapshot.iis is None or after.snapshot.iis.site(site) is None or after.bindings(site):
        return None
    asking = sorted(path for path, value in after.location_flags(site).items() if value & NEGOTIATE_CERT)
    if not asking:
        return None
    return (
        f"{', '.join(asking)} asks for client certificates but site {site!r} has no https binding: clients can "
        "never present one (mtls.iis.site_binding adds it)."
    )


_STORE_ARGS = ("store", "to_store")


def _created_stores(plan: Plan) -> set[str]:
    return {str(op.args[arg]).lower() for op in plan.ops for arg in _STORE_ARGS if op.args.get(arg)}


def _missing(snapshot: Snapshot, name: str) -> bool:
    """The store was gathered and is not on the host (a store not gathered is not judged)."""
    store = snapshot.stores.get(name.lower())
    return store is not None and not store.exists


def store_name_warnings(snapshot: Snapshot, plan: Plan) -> list[str]:
    """A store the plan creates that is neither on the host nor a Windows standard store is most likely a typo
    (WINDOWS_FACTS VALID-9: X509Store.Open(ReadWrite) creates any name, so a misspelling makes a new empty store)."""
    known = {name.lower() for name in WELL_KNOWN_STORES}
    warnings = []
    for name in sorted(_created_stores(plan)):
        if name in known or not _missing(snapshot, name):
            continue
        spelled = snapshot.stores[name].name
        close = difflib.get_close_matches(spelled, WELL_KNOWN_STORES, n=1, cutoff=0.6)
        hint = f" Did you mean {close[0]}?" if close else ""
        warnings.append(
            f"the certificate store LocalMachine\\{spelled} does not exist on this host and is not a Windows "
            f"standard store; it will be created, empty but for what this task puts there.{hint} "
            "Fix: correct the store name if it is a typo."
        )
    return warnings


def issuer_store_warning(after: After) -> str | None:
    """ClientAuthTrustMode 1/2 with a binding whose client-auth issuer store is missing and not created: Schannel
    then trusts no client certificate on that binding (WINDOWS_FACTS VALID-10)."""
    snapshot = after.snapshot
    if snapshot.schannel is None or snapshot.httpsys is None:
        return None
    mode = effective(CLIENT_AUTH_TRUST_MODE, after.schannel.get(CLIENT_AUTH_TRUST_MODE))
    if mode not in (1, 2):
        return None
    created = _created_stores(after.plan)
    missing = sorted(
        {
            record.ctl_store_name
            for record in after.records.values()
            if record
            and record.ctl_store_name
            and record.ctl_store_name.lower() not in created
            and _missing(snapshot, record.ctl_store_name)
        }
    )
    if not missing:
        return None
    stores = ", ".join(f"LocalMachine\\{name}" for name in missing)
    return (
        f"ClientAuthTrustMode={mode} ({TRUST_MODE_NAMES[mode]}) checks client certificates against the bindings' "
        f"client-auth issuer store, and {stores} does not exist on this host "
        "and is not created by this task: every client certificate will be rejected (403.16). Fix: put the issuing "
        "CAs there (mtls.iis.trusted_certs client_auth_issuers with client_auth_issuer_store), or correct the "
        "binding's client_auth_issuer_store."
    )


def cross_part_warnings(snapshot: Snapshot, plan: Plan, sites: Iterable[str]) -> list[str]:
    after = After(snapshot, plan)
    warnings = [w for site in sorted(sites) for w in trap_warnings_after(after, site)]
    warnings += [w for site in sorted(sites) if (w := no_binding_warning(after, site))]
    trust = trust_mode_warning(after) or issuer_store_warning(after)
    return [*warnings, *([trust] if trust else []), *store_name_warnings(snapshot, plan)]
