# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The whole client-certificate state of a host: every part planned from one snapshot. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .binding import BindingDesired
from .diff import View
from .errors import OptionError
from .mapping import MappingDesired
from .plan import Plan
from .schannel import SchannelDesired
from .snapshot import Scope, Snapshot
from .sources import FileReader
from .ssl_settings import SslDesired, plan_ssl_paths
from .tracing import TracingDesired
from .trust import TrustDesired


@dataclass(frozen=True)
class SiteDesired:
    name: str
    bindings: tuple[BindingDesired, ...] = ()
    ssl: tuple[SslDesired, ...] = ()
    mapping: MappingDesired | None = None
    tracing: TracingDesired | None = None


@dataclass(frozen=True)
class HostDesired:
    trust: TrustDesired | None = None
    schannel: SchannelDesired | None = None
    sites: tuple[SiteDesired, ...] = ()

    def parts(self) -> list[Any]:
        found: list[Any] = [p for p in (self.trust, self.schannel) if p is not None]
        for site in self.sites:
            found += [*site.bindings, *site.ssl, *(p for p in (site.mapping, site.tracing) if p is not None)]
        return found

    def plan(self, snapshot: Snapshot, now: datetime) -> Plan:
        return plan_host(self, snapshot, now)

    def view(self, snapshot: Snapshot) -> View:
        return host_view(self, snapshot)

    def scope(self) -> Scope:
        scope = Scope()
        for part in self.parts():
            scope = scope.union(part.scope())
        return scope

    @classmethod
    def from_options(cls, args: dict[str, Any], read: FileReader, prefix: str = "") -> HostDesired:
        trust = TrustDesired.from_options(args["trust"], read, "trust.") if args.get("trust") else None
        schannel = SchannelDesired.from_options(args["schannel"], read, "schannel.") if args.get("schannel") else None
        sites = []
        seen_sites: set[str] = set()
        for index, site in enumerate(args.get("sites") or []):
            prefix = f"sites[{index}]."
            if site["name"].lower() in seen_sites:
                raise OptionError(f"{prefix}name", f"site {site['name']!r} is listed twice.", "list each site once.")
            seen_sites.add(site["name"].lower())
            bindings = tuple(
                BindingDesired.from_options({**b, "site": site["name"]}, read, f"{prefix}bindings[{i}].")
                for i, b in enumerate(site.get("bindings") or [])
            )
            _unique([b.binding_information.lower() for b in bindings], f"{prefix}bindings", "binding")
            ssl = tuple(
                SslDesired.from_options(
                    {**s, "path": f"{site['name']}/{s.get('path') or ''}"}, read, f"{prefix}ssl[{i}]."
                )
                for i, s in enumerate(site.get("ssl") or [])
            )
            _unique([s.path.lower() for s in ssl], f"{prefix}ssl", "path")
            mapping = (
                MappingDesired.from_options({**site["mapping"], "site": site["name"]}, read, f"{prefix}mapping.")
                if site.get("mapping")
                else None
            )
            tracing = (
                TracingDesired.from_options({**site["tracing"], "site": site["name"]}, read, f"{prefix}tracing.")
                if site.get("tracing")
                else None
            )
            sites.append(SiteDesired(site["name"], bindings, ssl, mapping, tracing))
        _no_shared_records([b for site in sites for b in site.bindings])
        return cls(trust, schannel, tuple(sites))


def _no_shared_records(bindings: list[BindingDesired]) -> None:
    """Two present non-SNI bindings of one task must not share an HTTP.sys record (WINDOWS_FACTS VALID-3): ``*`` and
    ``0.0.0.0`` on one port both use ``0.0.0.0:port``, so the one planned last would set the other's certificate."""
    seen: dict[int, BindingDesired] = {}
    _same_ccs_options(bindings)
    for binding in bindings:
        if binding.sni or binding.ccs or binding.state != "present" or binding.ip not in ("*", "0.0.0.0"):
            continue
        first = seen.setdefault(binding.port, binding)
        if first is not binding and first.ip != binding.ip:
            raise OptionError(
                f"{binding.prefix}ip",
                f"{binding.ip!r} on port {binding.port} shares the HTTP.sys record 0.0.0.0:{binding.port} with "
                f"{first.prefix}ip ({first.ip!r}): IIS keys both by 0.0.0.0, so one certificate would serve both.",
                "use one binding for all addresses (ip: '*'), or give one of them its own IP address or port.",
            )


def _same_ccs_options(bindings: list[BindingDesired]) -> None:
    """The Central Certificate Store bindings of one port share its ccs record (WINDOWS_FACTS HTTPSYS-10): two of
    them in one task must not state different client-certificate options, or the one planned last would win."""
    stated: dict[tuple[int, str], BindingDesired] = {}
    for binding in bindings:
        if not binding.ccs or binding.state != "present":
            continue
        for option, value in binding.httpsys.items():
            first = stated.setdefault((binding.port, option), binding)
            if value is not None and first.httpsys[option] is not None and first.httpsys[option] != value:
                raise OptionError(
                    f"{binding.prefix}{option}",
                    f"differs from {first.prefix}{option}, but both are Central Certificate Store bindings on port "
                    f"{binding.port}, whose client-certificate options are one HTTP.sys record (ccs {binding.port}).",
                    f"give both the same {option}, or state it on one of them only.",
                )
            if first.httpsys[option] is None and value is not None:
                stated[(binding.port, option)] = binding


def _unique(keys: list[str], option: str, what: str) -> None:
    seen: dict[str, int] = {}
    for index, key in enumerate(keys):
        if key in seen:
            raise OptionError(
                f"{option}[{index}]", f"repeats the {what} of {option}[{seen[key]}].", f"give each {what} once."
            )
        seen[key] = index


def _merge_views(into: View, other: View) -> View:
    for key, value in other.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge_views(into[key], value)
        else:
            into[key] = value
    return into


def plan_host(desired: HostDesired, snapshot: Snapshot, now: datetime) -> Plan:
    """Every part against the same snapshot; a site's SSL paths together, parents first (see ssl_settings)."""
    plans = [part.plan(snapshot, now) for part in (desired.trust, desired.schannel) if part is not None]
    for site in desired.sites:
        plans += [binding.plan(snapshot, now) for binding in site.bindings]
        plans.append(plan_ssl_paths(site.ssl, snapshot))
        plans += [part.plan(snapshot, now) for part in (site.mapping, site.tracing) if part is not None]
    return Plan.combine(plans)


def host_view(desired: HostDesired, snapshot: Snapshot) -> View:
    view: View = {}
    for part in desired.parts():
        _merge_views(view, part.view(snapshot))
    return view
