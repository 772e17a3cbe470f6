# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The TLS 1.3 trap (REFERENCE.md, "TLS 1.3 and client certificates").

TLS 1.3 (on by default from Server 2022, build 20348) has no renegotiation, so a location that asks
for a client certificate later (SslNegotiateCert) fails — connection reset on Server 2022, HTTP 500
on Server 2025 — unless the binding negotiates the certificate in the handshake or disables TLS 1.3.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .after import After
from .flags import BINDING_NEGOTIATE_CLIENT_CERT, NEGOTIATE_CERT, TLS_OPTIONS
from .httpsys import httpsys_key

FIRST_TLS13_BUILD = 20348  # Windows Server 2022


@dataclass(frozen=True)
class BindingTls:
    """What matters about one https binding for the trap, as it will be after the plan."""

    binding_information: str
    negotiates_at_handshake: bool
    tls13_disabled: bool


def trap_warnings(
    site: str, bindings: Iterable[BindingTls], location_flags: Mapping[str, int], os_build: int | None
) -> list[str]:
    if os_build is not None and os_build < FIRST_TLS13_BUILD:
        return []
    exposed = [b for b in bindings if not b.negotiates_at_handshake and not b.tls13_disabled]
    asking = sorted(path for path, flags in location_flags.items() if flags & NEGOTIATE_CERT)
    if not exposed or not asking:
        return []
    return [
        f"{', '.join(asking)} asks for client certificates (SslNegotiateCert), but the https binding(s) "
        f"{', '.join(b.binding_information for b in exposed)} of site {site!r} allow TLS 1.3, which cannot "
        "renegotiate: clients get a connection reset (Server 2022) or HTTP 500 (Server 2025) instead of a page. "
        "Fix: negotiate_client_certificate: true on the binding (mtls.iis.site_binding), or, second best, "
        "disable_tls13: true on that binding."
    ]


def trap_warnings_after(after: After, site: str) -> list[str]:
    """The trap on the state the plan leads to: bindings, their HTTP.sys records and SSL settings after it."""
    snapshot = after.snapshot
    if snapshot.iis is None or snapshot.iis.site(site) is None:
        return []
    bindings = []
    for bi, ssl_flags in after.bindings(site).items():
        kind, key = httpsys_key(bi, ssl_flags)
        record = after.records.get((kind, key.lower()))
        bindings.append(
            BindingTls(
                bi,
                negotiates_at_handshake=bool(ssl_flags & BINDING_NEGOTIATE_CLIENT_CERT)
                or bool(record and record.negotiate_client_certificate),
                tls13_disabled=bool(ssl_flags & TLS_OPTIONS["disable_tls13"][0])
                or bool(record and record.disable_tls13),
            )
        )
    return trap_warnings(snapshot.iis.site(site).name, bindings, after.location_flags(site), snapshot.os_build)
