"""Fault injection: make a chosen op fail on the simulated host.

A fault in ``state["faults"]``::

    {"op": "cert_remove", "match": {"store": "Root"}, "message": "Access is denied."}

matches an op with that name whose arguments hold every ``match`` key with an equal value (store
names, thumbprints, registry value names, site names, binding information, location paths and
HTTP.sys keys and tracing rule paths compared case-insensitively, as Windows does). A matching fault makes the op fail
with ``message`` before it changes anything. With
``"stage": "remove"`` a ``cert_move`` fault fires between the two halves of the move: the
certificate is already in the target store, the removal from the source fails.
Faults stay until removed from the state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simhost.errors import StateError
from simhost.state import State

#: Stages at which an op can be made to fail, besides the default (before it changes anything).
STAGES: dict[str, frozenset[str]] = {"cert_move": frozenset({"remove"})}

_CASE_INSENSITIVE = frozenset(
    {
        "store",
        "from_store",
        "to_store",
        "name",
        "site",
        "binding_information",
        "certificate_store",
        "location",
        "key",
        "path",
    }
)
_THUMBPRINTS = frozenset({"thumbprint", "certificate_hash"})


def _same(key: str, wanted: Any, actual: Any) -> bool:
    if isinstance(wanted, str) and isinstance(actual, str):
        if key in _CASE_INSENSITIVE:
            return wanted.casefold() == actual.casefold()
        if key in _THUMBPRINTS:
            return wanted.replace(" ", "").upper() == actual.replace(" ", "").upper()
    return bool(wanted == actual)


def make_fault(op: str, match: Mapping[str, Any], message: str, stage: str | None = None) -> dict[str, Any]:
    """A validated fault record."""
    if stage is not None and stage not in STAGES.get(op, frozenset()):
        raise StateError(f"op {op} has no fault stage {stage!r}")
    fault: dict[str, Any] = {"op": op, "match": dict(match), "message": message}
    if stage is not None:
        fault["stage"] = stage
    return fault


def find_fault(state: State, op: str, args: Mapping[str, Any], stage: str | None = None) -> str | None:
    """The message of the first fault for this op, arguments and stage; None when none matches."""
    for fault in state.get("faults", []):
        if fault.get("op") != op or fault.get("stage") != stage:
            continue
        match: Mapping[str, Any] = fault.get("match", {})
        if all(key in args and _same(key, value, args[key]) for key, value in match.items()):
            return str(fault["message"])
    return None
