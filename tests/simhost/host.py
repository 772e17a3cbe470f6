"""``SimulatedHost``: the gather/apply contract of docs/ENGINE.md over one host's state dict."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from winmodel.state import State

from simhost import auth, certstore, features, httpsys, iis, registry, tracing
from simhost.errors import ConnectionDropped, OpError
from simhost.faults import find_fault
from simhost.ops import IIS_CONFIG_OPS, OP_HANDLERS, OpContext, OpOutcome, check_args

Result = dict[str, Any]

#: The keys ``scope`` may hold, in the module's order.
SCOPE_KEYS: tuple[str, ...] = (
    "stores",
    "schannel",
    "httpsys",
    "sites",
    "access_paths",
    "auth_sites",
    "features",
    "ctl_stores",
    "tracing_sites",
)


def _flag(scope: Mapping[str, Any], key: str) -> bool:
    """A boolean scope key, parsed like ``AnsibleModule.ParseBool``; absent or null is false."""
    value = scope.get(key)
    if value is None or isinstance(value, bool):
        return bool(value)
    text = str(value).strip().lower()
    if text in {"yes", "on", "1", "true", "y", "t"}:
        return True
    if text in {"no", "off", "0", "false", "n", "f"}:
        return False
    raise OpError(f"scope.{key}: the value '{value}' is not a valid boolean")


def _ctl_store_names(state: State, requested: Sequence[str]) -> list[str]:
    """The CTL stores the HTTP.sys records name, not already requested (case-insensitive), spelled as the first
    record names them, in record order."""
    seen = {name.casefold() for name in requested}
    names: list[str] = []
    for record in httpsys.gather(state):
        name = record.get("ctl_store_name")
        if isinstance(name, str) and name.strip() and name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name)
    return names


class SimulatedHost:
    """One Windows host. Mutates the state dict it is given; the caller persists it."""

    def __init__(self, state: State) -> None:
        self.state = state

    def gather(self, scope: Mapping[str, Any] | None) -> dict[str, Any]:
        """The snapshot of exactly the scope asked for. Reads only: never creates a store.

        Raises :class:`OpError` for a scope the module refuses (unknown key, empty store or site name,
        a location path applicationHost.config cannot hold).
        """
        scope = scope or {}
        unknown = [key for key in scope if key not in SCOPE_KEYS]
        if unknown:
            raise OpError(f"unknown scope key '{unknown[0]}'; known keys are {', '.join(SCOPE_KEYS)}")
        snapshot: dict[str, Any] = {"host": copy.deepcopy(self.state["host"])}
        ctl_stores = _flag(scope, "ctl_stores")
        if scope.get("stores") is not None or ctl_stores:
            names = [str(name) for name in scope.get("stores") or []]
            if any(not name.strip() for name in names):
                raise OpError("scope.stores contains an empty store name")
            if ctl_stores:
                names += _ctl_store_names(self.state, names)
            snapshot["stores"] = {name: certstore.gather_store(self.state, name) for name in names}
        if _flag(scope, "schannel"):
            snapshot["schannel"] = registry.gather_schannel(self.state)
        if _flag(scope, "httpsys") or ctl_stores:
            snapshot["httpsys"] = httpsys.gather(self.state)
            snapshot["httpsys_saved"] = httpsys.gather_saved(self.state)
        if scope.get("sites") is not None or scope.get("access_paths") is not None:
            sites = [str(name) for name in scope.get("sites") or []]
            if any(not name.strip() for name in sites):
                raise OpError("scope.sites contains an empty site name")
            paths = [str(path) for path in scope.get("access_paths") or []]
            snapshot["iis"] = iis.gather(self.state, sites, paths)
        if scope.get("auth_sites") is not None:
            auth_sites = [str(name) for name in scope["auth_sites"]]
            if any(not name.strip() for name in auth_sites):
                raise OpError("scope.auth_sites contains an empty site name")
            snapshot["auth"] = auth.gather(self.state, auth_sites)
        if scope.get("features") is not None:
            snapshot["features"] = features.gather(self.state, [str(name) for name in scope["features"]])
        if scope.get("tracing_sites") is not None:
            tracing_sites = [str(name) for name in scope["tracing_sites"]]
            if any(not name.strip() for name in tracing_sites):
                raise OpError("scope.tracing_sites contains an empty site name")
            snapshot["tracing"] = tracing.gather(self.state, tracing_sites)
        return snapshot

    def apply(
        self, ops: Sequence[Mapping[str, Any]], secrets: Mapping[str, Any] | None = None, check_mode: bool = False
    ) -> Result:
        """Run ops in order; the first failure stops the run and the result says which ops ran.

        IIS configuration ops (:data:`~simhost.ops.IIS_CONFIG_OPS`) commit once per contiguous run, before
        the next other op and at the end, as ``host_state_apply.ps1`` does: IIS writes the HTTP.sys records of the
        bindings the run changed at that moment. An op that fails inside a run discards the whole run
        (its earlier ops report ``changed: false`` and are named in the message). Raises
        :class:`~simhost.errors.ConnectionDropped` for a ``disconnect`` fault, after committing what ran.
        """
        results: list[dict[str, Any]] = []
        if check_mode:
            # host_state_apply.ps1 fails before any op runs, so without results (found by the differential test,
            # issue 20)
            return {"changed": False, "failed": True, "msg": "host_state_apply does not run in check mode"}
        run = _IisRun(self.state)
        for index, op in enumerate(ops):
            name = op.get("op") if isinstance(op, Mapping) else None
            if not isinstance(name, str):
                run.discard(results)
                results.append({"index": index, "op": name, "changed": False, "failed": True})
                return _failure(f"op {index} is not a dict with an 'op' name", results, index)
            args = {key: value for key, value in op.items() if key != "op"}
            is_iis = name in IIS_CONFIG_OPS
            if not is_iis:
                refused = run.refused(results)
                if refused is not None:
                    return refused
                run.commit()
            handler = OP_HANDLERS.get(name)
            outcome: OpOutcome | None = None
            try:
                if handler is None:
                    raise OpError("unknown op")
                check_args(name, args)
                context = OpContext(self.state, name, args, secrets or {})
                if is_iis:
                    run.begin(index)
                context.check_fault()
                outcome = handler(context)
                for stage in ("after", "disconnect"):
                    message = find_fault(self.state, name, args, stage)
                    if message is None:
                        continue
                    run.commit()  # the op took effect: an IIS run up to it is committed
                    if stage == "disconnect":
                        raise ConnectionDropped(f"the connection to the host was lost after op {index} ({name})")
                    raise OpError(message, changed=outcome.changed)
            except OpError as err:
                uncommitted = run.discard(results)
                # no msg in the entry: host_state_apply.ps1 puts the reason only in the (masked) failure message
                results.append({"index": index, "op": name, "changed": err.changed, "failed": True})
                msg = f"op {index} ({name}) failed: {err}"
                if uncommitted:
                    msg += (
                        f" - the IIS configuration changes of op(s) {', '.join(map(str, uncommitted))} were not "
                        "committed, so they did not happen and are reported changed=false"
                    )
                return _failure(msg, results, index)
            assert outcome is not None
            entry: dict[str, Any] = {"index": index, "op": name, "changed": outcome.changed}
            if outcome.returned is not None:
                entry["returned"] = outcome.returned
            if outcome.reboot_required is not None:
                entry["reboot_required"] = outcome.reboot_required
            results.append(entry)
        refused = run.refused(results)
        if refused is not None:
            return refused
        run.commit()
        return {"changed": any(entry["changed"] for entry in results), "results": results}


class _IisRun:
    """A contiguous run of IIS configuration ops: one ServerManager, committed once or discarded whole."""

    def __init__(self, state: State) -> None:
        self.state = state
        self._start: State | None = None  # the host as it was before the run
        self._first_index = 0

    def begin(self, index: int) -> None:
        if self._start is None:
            self._start = copy.deepcopy(self.state)
            self._first_index = index

    def refused(self, results: list[dict[str, Any]]) -> Result | None:
        """host_state_apply.ps1's check before it commits a run that changed something (Assert-MtlsIisAuthConsistent):
        the failure when IIS would refuse it, the run discarded and its last op reported failed; else None."""
        reason = auth.run_conflict(self.state) if self._start is not None else None
        if reason is None:
            return None
        start, last = self._first_index, results[-1]
        uncommitted = self.discard(results)
        last["failed"] = True
        msg = (
            f"the IIS configuration changes of ops {start} to {last['index']} were refused before committing, "
            f"after op {last['index']} ({last['op']}) ran: {reason}"
        )
        if uncommitted:
            msg += (
                f" - the IIS configuration changes of op(s) {', '.join(map(str, uncommitted))} were not "
                "committed, so they did not happen and are reported changed=false"
            )
        return _failure(msg, results, last["index"])

    def commit(self) -> None:
        if self._start is not None:
            self.state.pop(auth.CHANGED_SITES, None)
            iis.commit_run(self.state)
            self._start = None

    def discard(self, results: list[dict[str, Any]]) -> list[int]:
        """Forget the uncommitted run; the indexes of its ops that had reported a change."""
        if self._start is None:
            return []
        self.state.clear()
        self.state.update(self._start)
        self._start = None
        uncommitted = []
        for entry in results:
            if entry["index"] >= self._first_index and entry["changed"]:
                entry["changed"] = False
                uncommitted.append(entry["index"])
        return uncommitted


def _failure(msg: str, results: list[dict[str, Any]], failed_index: int | None = None) -> Result:
    result: Result = {
        "changed": any(entry["changed"] for entry in results),
        "failed": True,
        "msg": msg,
        "results": results,
    }
    if failed_index is not None:
        result["failed_index"] = failed_index
    return result
