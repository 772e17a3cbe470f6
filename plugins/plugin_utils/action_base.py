# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One action flow for every module: validate -> gather -> plan -> (check/diff) -> apply -> result.

Each module run on the host costs a PowerShell process, a ~150 KB upload and a C# compile, so an
action makes at most two: one gather, and one apply when the plan is not empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ansible.errors import AnsibleActionFail, AnsibleConnectionFailure, AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

from . import verdicts
from .arguments import arguments_message
from .certs import utcnow
from .controller_files import read_controller_file
from .cryptography_lib import HAS_CRYPTOGRAPHY, missing_cryptography_message
from .diff import View, diff_for
from .errors import HostStateError, OptionError
from .findings import cross_part_warnings
from .ops import REBOOT_OPS
from .plan import Plan
from .snapshot import Scope, Snapshot

HOST_STATE_GATHER = "mtls.iis.host_state_gather"
HOST_STATE_APPLY = "mtls.iis.host_state_apply"


def is_transport_error(exc: BaseException) -> bool:
    """A connection lost under the connection plugin: the OS's (reset, refused, broken pipe) or the HTTP library's.

    ``ansible.builtin.winrm`` wraps only timeouts in ``AnsibleConnectionFailure``; a connection reset while a command
    runs reaches the action as ``requests``' ``ConnectionError`` (an ``OSError``), which is a lost connection all the
    same (issue 13: unreachable, with what is known of the apply).
    """
    return isinstance(exc, ConnectionError) or type(exc).__module__.split(".")[0] in ("requests", "urllib3")


class HostUnreachable(Exception):
    """The connection to the host failed (a transport error, not an answer of the host)."""


@dataclass(frozen=True)
class Request:
    """What one task asks for: the scope to gather and the part-specific desired state."""

    scope: Scope
    desired: Any


class HostStateAction(ActionBase):
    """Base of the user-facing modules. Subclasses set the spec and implement the hooks."""

    TRANSFERS_FILES = False
    ARGUMENT_SPEC: dict[str, Any] = {}
    VALIDATION_RULES: dict[str, Any] = {}
    DIFF_HEADER = "client certificate state"
    READ_ONLY = False

    # -- hooks -------------------------------------------------------------------------------
    def build_request(self, args: dict[str, Any], now: datetime) -> Request:
        raise NotImplementedError

    def make_plan(self, desired: Any, snapshot: Snapshot, now: datetime) -> Plan:
        return Plan()

    def before_view(self, desired: Any, snapshot: Snapshot) -> View:
        return {}

    def report(self, desired: Any, snapshot: Snapshot, plan: Plan, now: datetime) -> dict[str, Any]:
        """Extra result keys of this module."""
        return {}

    # -- flow --------------------------------------------------------------------------------
    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        if not HAS_CRYPTOGRAPHY:
            raise AnsibleActionFail(missing_cryptography_message())
        result = super().run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        # Every shape problem at once, each under its option's full path; then ansible-core's own validation
        # (conversions, defaults) as the second line: it raises AnsibleActionFail naming the option.
        problem = arguments_message(self.ARGUMENT_SPEC, self._task.args, **self.VALIDATION_RULES)
        if problem:
            raise AnsibleActionFail(problem)
        _validation, args = self.validate_argument_spec(argument_spec=self.ARGUMENT_SPEC, **self.VALIDATION_RULES)
        try:
            now = utcnow()
            request = self.build_request(args, now)
            snapshot = self._gather(request.scope, task_vars)
        except HostUnreachable as exc:
            # A network blip is not a configuration failure: Ansible counts the host unreachable (retries,
            # max_fail_percentage, AWX host status) as it does when the connection fails outside a module.
            result.update(unreachable=True, changed=False, msg=f"{exc}; nothing was changed (the host was not read)")
            return result
        except (OptionError, HostStateError) as exc:
            result.update(failed=True, changed=False, msg=str(exc))
            return result
        try:
            verdicts.load()
            plan = self.make_plan(request.desired, snapshot, now)
            verdicts.save()
            plan = plan.with_warnings(cross_part_warnings(snapshot, plan, request.scope.sites))
        except (OptionError, HostStateError) as exc:
            result.update(failed=True, changed=False, msg=str(exc))
            return result

        result.update(self.report(request.desired, snapshot, plan, now))
        result["warnings"] = [*result.get("warnings", []), *plan.warnings]
        if plan.notices:
            result["notices"] = list(plan.notices)
        if self.READ_ONLY:
            result["changed"] = False
            return result
        result.update(changed=bool(plan.ops), plan=plan.describe(), reboot_required=plan.reboot_required)
        if self._task.diff:  # rendering both views costs; only --diff (or diff: true) shows them
            result["diff"] = diff_for(self.before_view(request.desired, snapshot), plan, self.DIFF_HEADER)
        if not plan.ops or self._task.check_mode:
            # Check mode changes nothing, so nothing needs a reboot yet; say whether applying would.
            result["reboot_required"] = False
            result["reboot_required_if_applied"] = plan.reboot_required
            return result
        result.update(self._apply(plan, task_vars))
        return result

    def read_controller_file(self, path: str, option: str) -> bytes:
        return read_controller_file(self, path, option)

    # -- the two module runs -----------------------------------------------------------------
    def _host_state(self, module: str, module_args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        """Run ``module`` (the engine's gather or apply module) on the host; a lost connection is HostUnreachable."""
        try:
            return self._execute_module(module_name=module, module_args=module_args, task_vars=task_vars)
        except AnsibleConnectionFailure as exc:
            raise HostUnreachable(f"the connection to the host failed while running {module}: {to_text(exc)}") from exc
        except AnsibleError as exc:
            raise HostStateError(f"running {module} failed: {to_text(exc)}") from exc
        except OSError as exc:
            if not is_transport_error(exc):
                raise
            raise HostUnreachable(
                f"the connection to the host was lost while running {module}: {to_text(exc)}"
            ) from exc

    def _gather(self, scope: Scope, task_vars: dict[str, Any]) -> Snapshot:
        reply = self._host_state(HOST_STATE_GATHER, {"scope": scope.to_wire()}, task_vars)
        if reply.get("failed"):
            raise HostStateError(f"gathering the host state failed: {reply.get('msg', 'no message')}")
        return Snapshot.from_wire(reply.get("snapshot") or {})

    def _apply(self, plan: Plan, task_vars: dict[str, Any]) -> dict[str, Any]:
        module_args: dict[str, Any] = {"ops": plan.to_wire()}
        if plan.secrets:
            module_args["secrets"] = plan.secrets
        described = plan.describe()
        try:
            reply = self._host_state(HOST_STATE_APPLY, module_args, task_vars)
        except HostUnreachable as exc:
            # No answer came back: which ops ran is unknown. The plan (in the result) says what was being applied.
            return {
                "unreachable": True,
                "changed": False,
                "msg": f"{exc}. The connection was lost while applying the plan of {len(described)} op(s) (see plan); "
                "which of them ran is not known: run the task again once the host is reachable, the plan is "
                "recomputed from the host's state.",
            }
        except HostStateError as exc:
            return {"failed": True, "changed": False, "msg": f"{exc}; which of the plan's ops ran is not known."}
        if reply.get("failed") and "results" not in reply:
            # host_state_apply never reported (its process was killed or died): ops may have run, none is known to have
            return {
                "failed": True,
                "changed": False,
                "msg": f"{HOST_STATE_APPLY} ended without reporting what it applied: {reply.get('msg', 'no message')}. "
                f"Which of the plan's {len(described)} op(s) ran is not known (see plan): run the task again, the plan "
                "is recomputed from the host's state.",
            }
        ran = reply.get("results") or []
        ops_ran = [{**described[r["index"]], **_op_outcome(r)} for r in ran if 0 <= r.get("index", -1) < len(described)]
        # A moved certificate is still on the host; only removed ones come back to the controller.
        returned = [
            {"thumbprint": described[r["index"]].get("thumbprint"), "der": r["returned"]["der"]}
            for r in ran
            if r.get("returned") and r.get("op") == "cert_remove"
        ]
        changed_ops = {r["op"] for r in ran if r.get("changed")}
        outcome: dict[str, Any] = {
            "changed": bool(changed_ops),
            # Schannel reads its values at boot; a feature install says itself whether Windows needs one.
            "reboot_required": bool(changed_ops & REBOOT_OPS) or any(r.get("reboot_required") for r in ran),
            "ops_ran": ops_ran,
            "returned_certificates": returned,
        }
        if reply.get("failed"):
            outcome.update(
                failed=True,
                msg=f"applying the plan stopped: {reply.get('msg', 'no message')}. "
                # an op before the failing one may have been undone (host_state discards the failing op's run of IIS
                # configuration ops, which then report changed=false), so count what changed, not what ran
                f"{sum(1 for r in ran if r.get('changed'))} of {len(described)} op(s) changed the host (see ops_ran); "
                "fix the cause and run again: the plan is recomputed from the host's state.",
            )
        return outcome


def _op_outcome(result: dict[str, Any]) -> dict[str, Any]:
    status = "failed" if result.get("failed") else "changed" if result.get("changed") else "ok"
    return {"status": status}


class PartAction(HostStateAction):
    """A module whose options make one desired-state value (``DESIRED``): it has ``from_options(args, read)``,
    ``scope()``, ``plan(snapshot, now)`` and ``view(snapshot)``."""

    DESIRED: Any

    def build_request(self, args: dict[str, Any], now: datetime) -> Request:
        desired = self.DESIRED.from_options(args, self.read_controller_file)
        return Request(desired.scope(), desired)

    def make_plan(self, desired: Any, snapshot: Snapshot, now: datetime) -> Plan:
        return desired.plan(snapshot, now)

    def before_view(self, desired: Any, snapshot: Snapshot) -> View:
        return desired.view(snapshot)
