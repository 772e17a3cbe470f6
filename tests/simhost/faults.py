"""Fault injection: make a chosen op fail on the simulated host.

A fault in ``state["faults"]``::

    {"op": "cert_remove", "match": {"store": "Root"}, "message": "Access is denied."}

matches an op with that name whose arguments hold every ``match`` key with an equal value (store
names, thumbprints, registry value names, site names, binding information, location paths and
HTTP.sys keys and tracing rule paths compared case-insensitively, as Windows does). ``"op": "*"``
matches every op. The stage says when it fires:

- none (the default): the op fails with ``message`` before it changes anything;
- ``"after"``: the op takes effect, then fails with ``message`` (netsh or a commit that wrote and then
  reported an error). For an IIS configuration op, "took effect" means the run of IIS ops up to and
  including it was committed, with the HTTP.sys records IIS rewrites at commit;
- ``"disconnect"``: the op takes effect as for ``"after"``, then the connection to the host is lost: the
  controller gets no result at all (:class:`~simhost.errors.ConnectionDropped`);
- ``"remove"`` (``cert_move`` only): fires between the two halves of the move: the certificate is already
  in the target store, the removal from the source fails.

Faults stay until removed from the state (:func:`clear_faults`). A connection drop before a module run
(``{"drop_before": "gather" | "apply"}`` in ``state["connection_drops"]``) fires once: the payload never
reaches the host, so nothing runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from winmodel.errors import StateError
from winmodel.state import State

#: Stages at which any op can be made to fail, besides the default (before it changes anything).
COMMON_STAGES: frozenset[str] = frozenset({"after", "disconnect"})
#: Stages only some ops have.
OP_STAGES: dict[str, frozenset[str]] = {"cert_move": frozenset({"remove"})}
ANY_OP = "*"
MODES = ("gather", "apply")

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
    if stage is not None and stage not in COMMON_STAGES | OP_STAGES.get(op, frozenset()):
        raise StateError(f"op {op} has no fault stage {stage!r}")
    fault: dict[str, Any] = {"op": op, "match": dict(match), "message": message}
    if stage is not None:
        fault["stage"] = stage
    return fault


def find_fault(state: State, op: str, args: Mapping[str, Any], stage: str | None = None) -> str | None:
    """The message of the first fault for this op, arguments and stage; None when none matches."""
    for fault in state.get("faults", []):
        if fault.get("op") not in (op, ANY_OP) or fault.get("stage") != stage:
            continue
        match: Mapping[str, Any] = fault.get("match", {})
        if all(key in args and _same(key, value, args[key]) for key, value in match.items()):
            return str(fault["message"])
    return None


def clear_faults(state: State) -> None:
    """Remove every fault and pending connection drop (the cause was fixed)."""
    state["faults"] = []
    state.pop("connection_drops", None)


def add_connection_drop(state: State, before: str) -> None:
    """Lose the connection once, before the next module run in that mode reaches the host."""
    if before not in MODES:
        raise StateError(f"a connection drop comes before 'gather' or 'apply', not {before!r}")
    state.setdefault("connection_drops", []).append({"drop_before": before})


def take_connection_drop(state: State, mode: str) -> bool:
    """Whether the connection drops before this module run; a drop fires once."""
    drops = state.get("connection_drops") or []
    for position, drop in enumerate(drops):
        if drop.get("drop_before") == mode:
            del drops[position]
            return True
    return False
