"""HTTP.sys SSL bindings (``SslBindingInfo`` / ``SslSniBindingInfo``).

Windows facts followed (REFERENCE.md, "HTTP.sys SSL configuration" and "Site bindings"): a record is
keyed by ``ip:port`` (kind ``ipport``), ``host:port`` (``hostnameport``) or ``port`` (``ccs``);
defaults are store MY, usage check on, no DS mapper, no client-certificate negotiation; the flag bits
are the HTTP API ``DefaultFlags`` bits, not IIS binding ``sslFlags``. **IIS rewrites the record when a
binding or its certificate changes and drops ``clientcertnegotiation``, ``sslctlstorename`` and
``dsmapperusage``**: :func:`iis_rewrite` models that for the ops that will change bindings.

Only gather is in the engine contract so far; :func:`put_binding` / :func:`delete_binding` are the
building blocks for the binding and ``httpsys_set`` ops to come.

State layout: ``state["httpsys"] = [<record>, ...]`` with the fields of :data:`DEFAULTS` plus
``key`` and ``kind``.
"""

from __future__ import annotations

import copy
from typing import Any

from simhost.errors import StateError
from simhost.state import State

KINDS: tuple[str, ...] = ("ipport", "hostnameport", "ccs")

IIS_APP_ID = "{4dc3e181-e14b-4a21-b022-59fc669b0914}"

# HTTP API DefaultFlags bits (HTTP_SERVICE_CONFIG_SSL_FLAG_*).
USE_DS_MAPPER = 0x1
NEGOTIATE_CLIENT_CERT = 0x2
REJECT = 0x8
DISABLE_HTTP2 = 0x10
DISABLE_QUIC = 0x20
DISABLE_TLS13 = 0x40
DISABLE_OCSP_STAPLING = 0x80
DISABLE_LEGACY_TLS = 0x400
DISABLE_TLS12 = 0x1000

#: The options IIS loses when it rewrites a record.
DROPPED_ON_REWRITE_FLAGS = USE_DS_MAPPER | NEGOTIATE_CLIENT_CERT

DEFAULTS: dict[str, Any] = {
    "cert_hash": None,
    "cert_store": "MY",
    "app_id": IIS_APP_ID,
    "ctl_store_name": None,
    "default_flags": 0,
    "cert_check_mode": 0,
    "revocation_freshness_time": 0,
}

Record = dict[str, Any]


def normalise_record(record: Record) -> Record:
    """A complete record: defaults filled in, unknown fields and kinds refused."""
    unknown = set(record) - set(DEFAULTS) - {"key", "kind"}
    if unknown:
        raise StateError(f"unknown HTTP.sys record fields: {', '.join(sorted(unknown))}")
    if record.get("kind") not in KINDS:
        raise StateError(f"HTTP.sys record kind must be one of {', '.join(KINDS)}, got {record.get('kind')!r}")
    if not isinstance(record.get("key"), str) or not record["key"]:
        raise StateError("HTTP.sys record needs a key such as '0.0.0.0:443' or 'host:443'")
    full = {"key": record["key"], "kind": record["kind"], **DEFAULTS}
    full.update({k: v for k, v in record.items() if k in DEFAULTS})
    if isinstance(full["cert_hash"], str):
        full["cert_hash"] = full["cert_hash"].upper()
    return full


def _index(state: State, key: str, kind: str) -> int | None:
    # Host names (hostnameport keys) are case-insensitive.
    for position, record in enumerate(state.setdefault("httpsys", [])):
        if record["kind"] == kind and record["key"].casefold() == key.casefold():
            return position
    return None


def gather(state: State) -> list[Record]:
    """``snapshot.httpsys``: every record, in stored order."""
    return [copy.deepcopy(record) for record in state.get("httpsys", [])]


def get_binding(state: State, key: str, kind: str) -> Record | None:
    position = _index(state, key, kind)
    return None if position is None else copy.deepcopy(state["httpsys"][position])


def put_binding(state: State, record: Record) -> bool:
    """Add or replace the record with the same key and kind; True when something changed."""
    full = normalise_record(record)
    position = _index(state, full["key"], full["kind"])
    if position is None:
        state["httpsys"].append(full)
        return True
    if state["httpsys"][position] == full:
        return False
    state["httpsys"][position] = full
    return True


def delete_binding(state: State, key: str, kind: str) -> bool:
    position = _index(state, key, kind)
    if position is None:
        return False
    del state["httpsys"][position]
    return True


def iis_rewrite(record: Record, cert_hash: str | None = None, cert_store: str | None = None) -> Record:
    """The record as IIS writes it back after a binding or certificate change.

    IIS keeps key, certificate and the flags it knows about, and drops client-certificate
    negotiation, the CTL store name and the DS mapper (win-acme issues 2153, 2831, 1768).
    """
    rewritten = normalise_record(record)
    if cert_hash is not None:
        rewritten["cert_hash"] = cert_hash.upper()
    if cert_store is not None:
        rewritten["cert_store"] = cert_store
    rewritten["ctl_store_name"] = None
    rewritten["default_flags"] = int(rewritten["default_flags"]) & ~DROPPED_ON_REWRITE_FLAGS
    return rewritten
