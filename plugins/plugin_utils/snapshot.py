"""The host snapshot returned by ``host_state`` gather, as typed values (see docs/ENGINE.md)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .certs import CertInfo, from_b64
from .errors import HostStateError


@dataclass(frozen=True)
class Scope:
    """What to gather. Parts are merged when one task manages several."""

    stores: frozenset[str] = frozenset()
    schannel: bool = False
    httpsys: bool = False

    def union(self, other: Scope) -> Scope:
        return Scope(
            stores=_merge_store_names(self.stores, other.stores),
            schannel=self.schannel or other.schannel,
            httpsys=self.httpsys or other.httpsys,
        )

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {}
        if self.stores:
            wire["stores"] = sorted(self.stores)
        if self.schannel:
            wire["schannel"] = True
        if self.httpsys:
            wire["httpsys"] = True
        return wire


def _merge_store_names(a: Iterable[str], b: Iterable[str]) -> frozenset[str]:
    merged: dict[str, str] = {}
    for name in [*a, *b]:
        merged.setdefault(name.lower(), name)
    return frozenset(merged.values())


@dataclass(frozen=True)
class StoreCert:
    thumbprint: str
    der_b64: str = field(repr=False)
    has_private_key: bool = False

    @cached_property
    def info(self) -> CertInfo:
        return from_b64(self.der_b64)


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


@dataclass(frozen=True)
class Snapshot:
    host: dict[str, Any]
    stores: dict[str, Store]  # keyed by lower-case name
    schannel: dict[str, int | str | None] | None = None
    httpsys: tuple[HttpSysBinding, ...] | None = None

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
                schannel=dict(data["schannel"]) if data.get("schannel") is not None else None,
                httpsys=tuple(HttpSysBinding(**_known(HttpSysBinding, b)) for b in httpsys)
                if httpsys is not None
                else None,
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise HostStateError(f"host_state returned a snapshot this controller cannot read: {exc!r}") from exc


def _known(kind: type, data: dict[str, Any]) -> dict[str, Any]:
    names = kind.__dataclass_fields__.keys()
    return {k: v for k, v in data.items() if k in names}
