"""Helpers for tests to seed and inspect a simulated host.

They work on the dict returned by :func:`simhost.state.load_state`; the caller saves it with
:func:`simhost.state.save_state`::

    state = load_state(host_file)
    add_cert(state, "Root", root.der)
    add_fault(state, "cert_remove", {"store": "Root"}, "Access is denied.")
    save_state(host_file, state)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simhost import certstore, httpsys, registry
from simhost.faults import make_fault
from simhost.state import SCHANNEL_KEY, State


def add_cert(state: State, store: str, der_bytes: bytes, has_private_key: bool = False) -> str:
    """Put a certificate in a store (created when missing); return its thumbprint."""
    certstore.add_certificate(state, store, der_bytes, has_private_key=has_private_key)
    return certstore.thumbprint_of(der_bytes)


def thumbprints(state: State, store: str) -> set[str]:
    """Thumbprints in a store (case-insensitive name); empty for a missing store."""
    return {cert["thumbprint"] for cert in certstore.certificates(state, store)}


def store_exists(state: State, store: str) -> bool:
    return certstore.store_exists(state, store)


def set_registry_value(state: State, name: str, value: Any, type: str = "REG_DWORD") -> None:
    """Set any value under the Schannel key, owned or not, of any type (seeding may do what ops may not)."""
    registry.set_value(state, SCHANNEL_KEY, name, value, type)


def schannel_value(state: State, name: str) -> Any:
    """The raw value of a Schannel registry value, or None when absent."""
    entry = registry.get_value(state, SCHANNEL_KEY, name)
    return None if entry is None else entry["value"]


def registry_values(state: State) -> dict[str, dict[str, Any]]:
    """Every value under the Schannel key, siblings included: ``{name: {"type", "value"}}``."""
    return registry.all_values(state, SCHANNEL_KEY)


def add_httpsys_binding(state: State, record: Mapping[str, Any]) -> None:
    """Add or replace an HTTP.sys SSL binding record (``key``, ``kind`` and any snapshot fields)."""
    httpsys.put_binding(state, dict(record))


def add_fault(state: State, op: str, match: Mapping[str, Any], message: str, stage: str | None = None) -> None:
    """Make ``op`` fail with ``message`` when its arguments match (see :mod:`simhost.faults`)."""
    state.setdefault("faults", []).append(make_fault(op, match, message, stage))
