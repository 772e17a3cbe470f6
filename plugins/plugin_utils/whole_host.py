"""The whole client-certificate state of a host: every part planned from one snapshot. Pure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .binding import BindingDesired, binding_view, plan_binding
from .diff import View
from .errors import OptionError
from .mapping import MappingDesired, mapping_view, plan_mapping
from .plan import Plan
from .schannel import SchannelDesired, plan_schannel, schannel_view
from .snapshot import Scope, Snapshot
from .sources import FileReader
from .ssl_settings import SslDesired, plan_ssl, ssl_view
from .tracing import TracingDesired, plan_tracing, tracing_view
from .trust import TrustDesired, plan_trust, trust_view


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

    def scope(self) -> Scope:
        scope = Scope()
        for part in self.parts():
            scope = scope.union(part.scope())
        return scope

    @classmethod
    def from_options(cls, args: dict[str, Any], read: FileReader) -> HostDesired:
        trust = TrustDesired.from_options(args["trust"], read, "trust.") if args.get("trust") else None
        schannel = SchannelDesired.from_options(args["schannel"], "schannel.") if args.get("schannel") else None
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
                SslDesired.from_options({**s, "path": f"{site['name']}/{s.get('path') or ''}"}, f"{prefix}ssl[{i}].")
                for i, s in enumerate(site.get("ssl") or [])
            )
            _unique([s.path.lower() for s in ssl], f"{prefix}ssl", "path")
            mapping = (
                MappingDesired.from_options({**site["mapping"], "site": site["name"]}, read, f"{prefix}mapping.")
                if site.get("mapping")
                else None
            )
            tracing = (
                TracingDesired.from_options({**site["tracing"], "site": site["name"]}, f"{prefix}tracing.")
                if site.get("tracing")
                else None
            )
            sites.append(SiteDesired(site["name"], bindings, ssl, mapping, tracing))
        return cls(trust, schannel, tuple(sites))


def _unique(keys: list[str], option: str, what: str) -> None:
    seen: dict[str, int] = {}
    for index, key in enumerate(keys):
        if key in seen:
            raise OptionError(
                f"{option}[{index}]", f"repeats the {what} of {option}[{seen[key]}].", f"give each {what} once."
            )
        seen[key] = index


def _planner(part: Any, now: datetime) -> Callable[[Snapshot], Plan]:
    if isinstance(part, TrustDesired):
        return lambda snapshot: plan_trust(part, snapshot, now)
    if isinstance(part, SchannelDesired):
        return lambda snapshot: plan_schannel(part, snapshot)
    if isinstance(part, BindingDesired):
        return lambda snapshot: plan_binding(part, snapshot, now)
    if isinstance(part, SslDesired):
        return lambda snapshot: plan_ssl(part, snapshot)
    if isinstance(part, TracingDesired):
        return lambda snapshot: plan_tracing(part, snapshot)
    return lambda snapshot: plan_mapping(part, snapshot)


def plan_host(desired: HostDesired, snapshot: Snapshot, now: datetime) -> Plan:
    return Plan.combine([_planner(part, now)(snapshot) for part in desired.parts()])


def _view_of(part: Any, snapshot: Snapshot) -> View:
    if isinstance(part, TrustDesired):
        return trust_view(part, snapshot)
    if isinstance(part, SchannelDesired):
        return schannel_view(snapshot)
    if isinstance(part, BindingDesired):
        return binding_view(part, snapshot)
    if isinstance(part, SslDesired):
        return ssl_view(part, snapshot)
    if isinstance(part, TracingDesired):
        return tracing_view(part, snapshot)
    return mapping_view(part, snapshot)


def _merge_views(into: View, other: View) -> View:
    for key, value in other.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge_views(into[key], value)
        else:
            into[key] = value
    return into


def host_view(desired: HostDesired, snapshot: Snapshot) -> View:
    view: View = {}
    for part in desired.parts():
        _merge_views(view, _view_of(part, snapshot))
    return view
