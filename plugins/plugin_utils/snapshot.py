# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The host snapshot returned by ``host_state_gather``, as typed values (see docs/ENGINE.md)."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from . import verdicts
from .auth_model import SiteAuth
from .certs import CertInfo, describe
from .cryptography_lib import x509
from .errors import HostStateError
from .flags import CHECK_NO_USAGE_CHECK, HTTPSYS_NEGOTIATE_CLIENT_CERT, access_flags_from_text


@dataclass(frozen=True)
class Scope:
    """What to gather. Parts are merged when one task manages several."""

    stores: frozenset[str] = frozenset()
    schannel: bool = False
    httpsys: bool = False
    sites: frozenset[str] = frozenset()
    access_paths: frozenset[str] = frozenset()
    auth_sites: frozenset[str] = frozenset()
    features: frozenset[str] = frozenset()
    tracing_sites: frozenset[str] = frozenset()
    ctl_stores: bool = False

    def union(self, other: Scope) -> Scope:
        return Scope(
            stores=_merge_names(self.stores, other.stores),
            schannel=self.schannel or other.schannel,
            httpsys=self.httpsys or other.httpsys,
            sites=_merge_names(self.sites, other.sites),
            access_paths=_merge_names(self.access_paths, other.access_paths),
            auth_sites=_merge_names(self.auth_sites, other.auth_sites),
            features=_merge_names(self.features, other.features),
            tracing_sites=_merge_names(self.tracing_sites, other.tracing_sites),
            ctl_stores=self.ctl_stores or other.ctl_stores,
        )

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {}
        for key in ("stores", "sites", "access_paths", "auth_sites", "features", "tracing_sites"):
            if getattr(self, key):
                wire[key] = sorted(getattr(self, key))
        if self.ctl_stores:
            wire["ctl_stores"] = True
        if self.schannel:
            wire["schannel"] = True
        if self.httpsys:
            wire["httpsys"] = True
        return wire


def _merge_names(a: Iterable[str], b: Iterable[str]) -> frozenset[str]:
    """Union of store, site or location names, which Windows and IIS compare case-insensitively."""
    merged: dict[str, str] = {}
    for name in [*a, *b]:
        merged.setdefault(name.lower(), name)
    return frozenset(merged.values())


@dataclass(frozen=True)
class StoreCert:
    """A certificate in a store; parsed lazily, because stores such as Root hold hundreds."""

    thumbprint: str
    der_b64: str = field(repr=False)
    has_private_key: bool = False

    @cached_property
    def der(self) -> bytes:
        return base64.b64decode(self.der_b64)

    @cached_property
    def cert(self) -> x509.Certificate:
        return x509.load_der_x509_certificate(self.der)

    @cached_property
    def self_signed(self) -> bool:
        return verdicts.self_signed(self.der)

    @cached_property
    def label(self) -> str:
        return f"{self.cert.subject.rfc4514_string()} ({self.thumbprint})"

    @cached_property
    def info(self) -> CertInfo:
        self_signed, note = verdicts.verdict(self.der)
        return replace(describe(self.cert, self_signed=self_signed), self_signed_note=note)


@dataclass(frozen=True)
class Store:
    name: str
    exists: bool
    certificates: tuple[StoreCert, ...] = ()

    @cached_property
    def _by_thumbprint(self) -> dict[str, StoreCert]:
        return {c.thumbprint: c for c in self.certificates}

    def has(self, thumbprint: str) -> bool:
        return thumbprint in self._by_thumbprint

    def get(self, thumbprint: str) -> StoreCert | None:
        return self._by_thumbprint.get(thumbprint)

    @property
    def thumbprints(self) -> frozenset[str]:
        return frozenset(self._by_thumbprint)


@dataclass(frozen=True)
class HttpSysBinding:
    """One HTTP.sys SSL binding record (ipport or hostnameport)."""

    key: str
    kind: str
    cert_hash: str = ""
    cert_store: str = ""
    app_id: str = ""
    ctl_store_name: str | None = None
    default_flags: int = 0
    cert_check_mode: int = 0
    revocation_freshness_time: int = 0
    revocation_url_retrieval_timeout: int = 0
    ctl_identifier: str | None = None

    @property
    def negotiates_client_certificate(self) -> bool:
        return bool(self.default_flags & HTTPSYS_NEGOTIATE_CLIENT_CERT)

    @property
    def usage_check(self) -> bool:
        """HTTP.sys checks the client certificate's usage (EKU) unless DefaultCertCheckMode has 0x10000
        (``netsh ... usagecheck=disable``; WINDOWS_FACTS CLIENTAUTH-7)."""
        return not self.cert_check_mode & CHECK_NO_USAGE_CHECK


@dataclass(frozen=True)
class SiteBinding:
    """One https binding of an IIS site."""

    binding_information: str
    ssl_flags: int = 0
    certificate_hash: str = ""
    certificate_store: str = ""
    protocol: str = "https"


@dataclass(frozen=True)
class Site:
    name: str
    id: int
    bindings: tuple[SiteBinding, ...] = ()

    def binding(self, binding_information: str) -> SiteBinding | None:
        wanted = binding_information.lower()
        return next((b for b in self.bindings if b.binding_information.lower() == wanted), None)


@dataclass(frozen=True)
class Access:
    """sslFlags at one location path: what applies there, and what is written for exactly that path."""

    effective: int
    explicit: int | None
    #: the path whose web.config sets what IIS enforces here instead of applicationHost.config (SSL Settings
    #: unlocked, WINDOWS_FACTS IISCONFIG-13), or None
    web_config: str | None = None


@dataclass(frozen=True)
class HttpsBinding:
    """An https binding of any site of the host: who uses an HTTP.sys record (ENGINE.md ``all_bindings``)."""

    site: str
    binding_information: str
    ssl_flags: int = 0


@dataclass(frozen=True)
class Iis:
    available: bool = False
    sites: dict[str, Site] = field(default_factory=dict)  # keyed by lower-case name
    access: dict[str, Access] = field(default_factory=dict)  # keyed by lower-case location path
    #: every https binding of every site; None when the host did not say (then only ``sites`` are known)
    all_bindings: tuple[HttpsBinding, ...] | None = None

    def https_bindings(self) -> tuple[HttpsBinding, ...]:
        """Every https binding the snapshot knows of: all sites' when gathered, else those of ``sites``."""
        if self.all_bindings is not None:
            return self.all_bindings
        return tuple(
            HttpsBinding(site.name, b.binding_information, b.ssl_flags)
            for site in self.sites.values()
            for b in site.bindings
        )

    def site(self, name: str) -> Site | None:
        return self.sites.get(name.lower())

    def access_at(self, path: str) -> Access | None:
        return self.access.get(path.lower())

    @cached_property
    def _access_by_site(self) -> dict[str, dict[str, Access]]:
        index: dict[str, dict[str, Access]] = {}
        for path, access in self.access.items():
            index.setdefault(path.split("/", 1)[0], {})[path] = access
        return index

    def locations_of(self, site: str) -> dict[str, Access]:
        return self._access_by_site.get(site.lower(), {})


@dataclass(frozen=True)
class TraceRule:
    path: str
    status_codes: tuple[str, ...]
    areas: str = ""
    #: where IIS has it: "site" (applicationHost.config at the site), "server" (inherited), "web.config"
    defined_in: str = "site"


@dataclass(frozen=True)
class Tracing:
    """Failed Request Tracing of a site: the rules IIS enforces there, whatever features are installed
    (WINDOWS_FACTS TRACING-2; Web-Http-Tracing is the snapshot's ``features`` answer)."""

    site: str
    enabled: bool
    directory: str
    max_log_files: int
    rules: tuple[TraceRule, ...] = ()

    @classmethod
    def from_wire(cls, site: str, data: dict[str, Any]) -> Tracing:
        return cls(
            site=site,
            enabled=bool(data.get("enabled")),
            directory=str(data.get("directory") or ""),
            max_log_files=int(data.get("max_log_files") or 0),
            rules=tuple(
                TraceRule(
                    str(r["path"]),
                    tuple(str(c) for c in r.get("status_codes") or ()),
                    str(r.get("areas") or ""),
                    str(r.get("defined_in") or "site"),
                )
                for r in data.get("rules") or ()
            ),
        )

    def rule(self, path: str) -> TraceRule | None:
        """The rule for a path, compared case-insensitively as IIS keys rules (WINDOWS_FACTS IISCONFIG-7)."""
        return next((r for r in self.rules if r.path.lower() == path.lower()), None)


@dataclass(frozen=True)
class Snapshot:
    host: dict[str, Any]
    stores: dict[str, Store]  # keyed by lower-case name
    schannel: dict[str, int | str | None] | None = None
    httpsys: tuple[HttpSysBinding, ...] | None = None
    iis: Iis | None = None
    auth: dict[str, SiteAuth] | None = None  # keyed by lower-case site name
    features: dict[str, bool] | None = None
    schannel_pending_reboot: bool = False
    tracing: dict[str, Tracing] | None = None  # keyed by lower-case site name
    #: (kind, lower-case key) -> settings of a record ``httpsys_save`` kept across a binding change (ENGINE.md)
    httpsys_saved: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    def saved_record(self, kind: str, key: str) -> dict[str, Any] | None:
        return self.httpsys_saved.get((kind, key.lower()))

    def site_tracing(self, site: str) -> Tracing | None:
        return (self.tracing or {}).get(site.lower())

    def stores_named(self, name: str) -> Store | None:
        return self.stores.get(name.lower())

    def site_auth(self, site: str) -> SiteAuth | None:
        return (self.auth or {}).get(site.lower())

    def feature_installed(self, name: str) -> bool:
        return bool((self.features or {}).get(name))

    @property
    def os_build(self) -> int | None:
        parts = str(self.host.get("os_version", "")).split(".")
        return int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else None

    @cached_property
    def _records(self) -> dict[tuple[str, str], HttpSysBinding]:
        return {(r.kind, r.key.lower()): r for r in self.httpsys or ()}

    def httpsys_record(self, kind: str, key: str) -> HttpSysBinding | None:
        return self._records.get((kind, key.lower()))

    def store(self, name: str) -> Store:
        try:
            return self.stores[name.lower()]
        except KeyError:
            raise HostStateError(f"store {name!r} was not gathered; this is a bug in the planner scope") from None

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> Snapshot:
        try:
            stores = {
                name.lower(): Store(
                    name=name,
                    exists=bool(body.get("exists")),
                    certificates=tuple(
                        StoreCert(
                            thumbprint=str(c["thumbprint"]).upper(),
                            der_b64=c["der"],
                            has_private_key=bool(c.get("has_private_key")),
                        )
                        for c in body.get("certificates") or []
                    ),
                )
                for name, body in (data.get("stores") or {}).items()
            }
            httpsys = data.get("httpsys")
            return cls(
                host=dict(data.get("host") or {}),
                stores=stores,
                schannel={k: v for k, v in data["schannel"].items() if k != "pending_reboot"}
                if data.get("schannel") is not None
                else None,
                schannel_pending_reboot=bool((data.get("schannel") or {}).get("pending_reboot")),
                tracing={name.lower(): Tracing.from_wire(name, body) for name, body in data["tracing"].items()}
                if data.get("tracing") is not None
                else None,
                httpsys=tuple(HttpSysBinding(**_known(HttpSysBinding, b)) for b in httpsys)
                if httpsys is not None
                else None,
                iis=_iis_from_wire(data["iis"]) if data.get("iis") is not None else None,
                auth={name.lower(): SiteAuth.from_wire(body) for name, body in data["auth"].items()}
                if data.get("auth") is not None
                else None,
                features={str(k): bool(v) for k, v in data["features"].items()}
                if data.get("features") is not None
                else None,
                httpsys_saved={
                    (str(s["kind"]), str(s["key"]).lower()): dict(s["record"]) for s in data.get("httpsys_saved") or ()
                },
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise HostStateError(f"host_state returned a snapshot this controller cannot read: {exc!r}") from exc


def _known(kind: type, data: dict[str, Any]) -> dict[str, Any]:
    names = kind.__dataclass_fields__.keys()
    return {k: v for k, v in data.items() if k in names}


def _iis_from_wire(data: dict[str, Any]) -> Iis:
    sites = {
        name.lower(): Site(
            name=name,
            id=int(body.get("id") or 0),
            bindings=tuple(
                SiteBinding(**_known(SiteBinding, b))
                for b in body.get("bindings") or []
                if str(b.get("protocol", "https")).lower() == "https"
            ),
        )
        for name, body in (data.get("sites") or {}).items()
    }
    access = {
        path.lower(): Access(
            effective=int(body.get("effective") or 0),
            explicit=access_flags_from_text(str(body["explicit"])) if body.get("explicit") is not None else None,
            web_config=str(body["web_config"]) if body.get("web_config") else None,
        )
        for path, body in (data.get("access") or {}).items()
    }
    all_bindings = data.get("all_bindings")
    return Iis(
        available=bool(data.get("available")),
        sites=sites,
        access=access,
        all_bindings=None
        if all_bindings is None
        else tuple(
            HttpsBinding(str(b["site"]), str(b["binding_information"]), int(b.get("ssl_flags") or 0))
            for b in all_bindings
        ),
    )
