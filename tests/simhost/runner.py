"""Run one module on a simulated host file: what the connection plugin does for every payload."""

from __future__ import annotations

import copy
import os
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from winmodel.state import load_state, save_state

from simhost.argspec import APPLY_SPEC, GATHER_SPEC, ArgSpecError, validate
from simhost.errors import ConnectionDropped, OpError
from simhost.faults import take_connection_drop
from simhost.host import SimulatedHost

NO_LOG_PLACEHOLDER = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
#: the engine's two modules (docs/ENGINE.md) and the run each one is
ENGINE_MODES: dict[str, str] = {"host_state_gather": "gather", "host_state_apply": "apply"}
SIMULATED_MODULES: frozenset[str] = frozenset(ENGINE_MODES)

Result = dict[str, Any]

#: With MTLS_SIM_FOREIGN_MODULES=succeed (the benchmark's anchor playbook), modules of other collections get
#: a plain successful answer, so their module runs and bytes can be counted; they change nothing.
FOREIGN_MODULES_ENV = "MTLS_SIM_FOREIGN_MODULES"
_FOREIGN_ANSWERS: dict[str, Result] = {
    "win_stat": {"changed": False, "stat": {"exists": False}},
    "win_copy": {"changed": True, "operation": "file_copy", "checksum": "", "size": 0},
    "win_shell": {"changed": True, "rc": 0, "stdout": "", "stderr": "", "stdout_lines": [], "stderr_lines": []},
    "win_powershell": {"changed": True, "output": [], "error": [], "host_out": "", "result": {}},
}


def foreign_answer(state_path: Path, short: str, args: Mapping[str, Any]) -> Result:
    """A plain successful answer; win_copy's query also says which files still need copying (each file once
    per destination and checksum, remembered in the host file), so a rerun copies nothing, as on Windows."""
    if short == "win_copy" and args.get("_copy_mode") == "query":
        state = load_state(state_path)
        copied = state.setdefault("foreign_copies", {})
        base = str(args.get("dest", ""))
        wanted = [f for f in args.get("files") or [] if copied.get(f"{base}\\{f['dest']}") != f.get("checksum")]
        for f in wanted:
            copied[f"{base}\\{f['dest']}"] = f.get("checksum")
        if wanted:
            save_state(state_path, state)
        return {"changed": False, "files": wanted, "directories": [], "symlinks": []}
    return dict(_FOREIGN_ANSWERS.get(short, {"changed": False}))


def short_module_name(name: str) -> str:
    """``host_state_gather`` from ``mtls.iis.host_state_gather``, ``ansible_collections.mtls.iis.plugins.modules.
    host_state_gather.ps1``…"""
    base = name[:-4] if name.lower().endswith(".ps1") else name
    return base.rsplit(".", 1)[-1]


def _to_bool(value: Any) -> bool:
    return value is True or str(value).strip().lower() in {"yes", "on", "1", "true", "y", "t"}


def hide_secret_values(text: str, secrets: Any) -> str:
    """host_state_apply.ps1's ``Hide-SecretValue``: every non-empty string value of the secrets dict (top level only)
    replaced by asterisks. The module applies it to its apply failure message and nowhere else (WINDOWS_FACTS
    ANSIBLE-2: Ansible.Basic masks nothing inside the secrets dict), so the simulator does the same."""
    if not text or not isinstance(secrets, Mapping):
        return text
    for value in secrets.values():
        if isinstance(value, str) and value:
            text = text.replace(value, "********")
    return text


def engine_mode(module_name: str) -> str | None:
    """``gather`` or ``apply`` for a module name of the engine (any spelling :func:`short_module_name` reads)."""
    return ENGINE_MODES.get(short_module_name(module_name))


def module_invocation(mode: str, args: Mapping[str, Any]) -> dict[str, Any]:
    """The ``invocation`` the engine's modules set themselves once their options are valid: host_state_gather its
    scope as given, host_state_apply the ops counted and the secrets replaced by the no_log placeholder."""
    if mode == "gather":
        return {"scope": args.get("scope")}
    invocation: dict[str, Any] = {}
    if args.get("ops") is not None:
        invocation["ops"] = f"{len(args['ops'])} op(s)"
    if args.get("secrets") is not None:
        invocation["secrets"] = NO_LOG_PLACEHOLDER
    return invocation


def _run_engine(state_path: Path, mode: str, params: Mapping[str, Any], check_mode: bool, display_name: str) -> Result:
    try:
        args = validate(GATHER_SPEC if mode == "gather" else APPLY_SPEC, params, display_name)
    except ArgSpecError as err:
        # Ansible.Basic fails before the module sets its invocation; where it injects one (ansible-core 2.21: only with
        # INJECT_INVOCATION) it echoes the arguments with only its own no_log masking, which leaves the values inside
        # the secrets dict as they are (WINDOWS_FACTS ANSIBLE-2). The simulator always echoes them: the worst case.
        return {"changed": False, "failed": True, "msg": str(err), "invocation": {"module_args": dict(params)}}
    state = load_state(state_path)
    if take_connection_drop(state, mode):
        save_state(state_path, state)  # the drop fires once
        raise ConnectionDropped(f"the connection to the host was lost before {mode} reached it")
    host = SimulatedHost(state)
    if mode == "gather":
        try:
            result: Result = {"changed": False, "snapshot": host.gather(args["scope"])}
        except OpError as err:
            result = {"changed": False, "failed": True, "msg": f"gather failed: {err} - nothing was changed"}
    else:
        before = copy.deepcopy(state)
        try:
            result = host.apply(args["ops"] or [], args["secrets"] or {}, check_mode=check_mode)
            if result.get("failed"):
                result["msg"] = hide_secret_values(str(result.get("msg", "")), args["secrets"])
        except ConnectionDropped:
            save_state(state_path, state)  # what ran before the drop stays done
            raise
        if state != before:  # also a failed op that changed something before it failed
            save_state(state_path, state)
    result["invocation"] = {"module_args": module_invocation(mode, args)}
    return result


def run_module(state_path: Path, module_name: str, module_args: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Run a module against the host file ``state_path``; return ``(rc, result)`` as the host would.

    Raises :class:`~simhost.errors.ConnectionDropped` when an injected fault loses the connection.

    ``_ansible_*`` keys are internal (only ``_ansible_check_mode`` and ``_ansible_module_name`` are
    used). Secrets are masked only where host_state_apply.ps1 masks them (its ``invocation``, its apply failure
    message), never elsewhere: a secret that reaches a result through our code reaches the tests too.
    """
    short = short_module_name(module_name)
    if short not in SIMULATED_MODULES:
        if os.environ.get(FOREIGN_MODULES_ENV) == "succeed":
            return 0, foreign_answer(Path(state_path), short, module_args)
        return 1, {"changed": False, "failed": True, "msg": f"module {module_name} is not simulated"}

    params = {key: value for key, value in module_args.items() if not key.startswith("_ansible_")}
    check_mode = _to_bool(module_args.get("_ansible_check_mode", False))
    display_name = str(module_args.get("_ansible_module_name") or short)
    try:
        result = _run_engine(Path(state_path), ENGINE_MODES[short], params, check_mode, display_name)
    except ConnectionDropped:
        raise
    except Exception as err:  # a simulator bug surfaces like an unhandled PowerShell exception
        result = {
            "changed": False,
            "failed": True,
            "msg": f"Unhandled exception while executing module: {err}",
            "exception": traceback.format_exc(),
            "invocation": {"module_args": module_invocation(ENGINE_MODES[short], params)},
        }
    return (1 if result.get("failed") else 0), result
