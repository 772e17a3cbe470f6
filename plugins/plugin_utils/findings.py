# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Warnings about the state a plan leads to that involve more than one part. Pure.

Computed once per task on the snapshot with the whole plan applied (see after.py), so the part
modules and the whole-host module warn alike and a task that fixes both sides does not warn.
"""

from __future__ import annotations

from collections.abc import Iterable

from .after import After
from .flags import NEGOTIATE_CERT
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


def cross_part_warnings(snapshot: Snapshot, plan: Plan, sites: Iterable[str]) -> list[str]:
    after = After(snapshot, plan)
    warnings = [w for site in sorted(sites) for w in trap_warnings_after(after, site)]
    warnings += [w for site in sorted(sites) if (w := no_binding_warning(after, site))]
    trust = trust_mode_warning(after)
    return [*warnings, *([trust] if trust else [])]
