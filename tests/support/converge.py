"""Converge a simulated host with the planner directly (no ansible-playbook): what one client_cert task does.

The action plugin's flow (gather the scope, plan, render the diff, apply) in-process, for property tests and the
fault matrix that run hundreds of cases in seconds. The snapshot goes through JSON as it does over WinRM.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible_collections.mtls.iis.plugins.plugin_utils.diff import diff_for
from ansible_collections.mtls.iis.plugins.plugin_utils.errors import OptionError
from ansible_collections.mtls.iis.plugins.plugin_utils.plan import Plan
from ansible_collections.mtls.iis.plugins.plugin_utils.snapshot import Snapshot
from ansible_collections.mtls.iis.plugins.plugin_utils.specs import CLIENT_CERT_OPTIONS
from ansible_collections.mtls.iis.plugins.plugin_utils.whole_host import HostDesired
from simhost.errors import ConnectionDropped
from simhost.host import SimulatedHost
from winmodel import stores
from winmodel.state import State

NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)


def desired_from(args: dict[str, Any]) -> HostDesired:
    """The whole-host desired state from client_cert options, defaults filled as Ansible's validation does."""
    result = ArgumentSpecValidator(CLIENT_CERT_OPTIONS).validate(args)
    assert not result.error_messages, result.error_messages
    return HostDesired.from_options(result.validated_parameters, _no_files)


def _no_files(path: str, option: str) -> bytes:
    raise AssertionError(f"{option}: the generated states give certificates as content, not files ({path})")


def gather(state: State, desired: HostDesired) -> Snapshot:
    wire = json.loads(json.dumps(SimulatedHost(state).gather(desired.scope().to_wire())))
    return Snapshot.from_wire(wire)


@dataclass
class Run:
    """One task run: its plan and diff, and what the apply answered (None: nothing applied)."""

    plan: Plan
    diff: dict[str, str]
    reply: dict[str, Any] | None = None
    unreachable: bool = False
    module_runs: int = 1
    refused: OptionError | None = None
    returned: list[str] = field(default_factory=list)  # DER (base64) of certificates that left the host

    @property
    def failed(self) -> bool:
        return bool(self.reply and self.reply.get("failed"))


def run_task(state: State, desired: HostDesired, check: bool = False) -> Run:
    """Gather, plan and (unless check mode or nothing to do) apply, mutating ``state`` as the host would."""
    snapshot = gather(state, desired)
    try:
        plan = desired.plan(snapshot, NOW)
    except OptionError as exc:
        return Run(Plan(), {}, refused=exc)
    diff = diff_for(desired.view(snapshot), plan, "test")
    run = Run(plan, diff)
    if check or not plan.ops:
        return run
    run.module_runs = 2
    try:
        run.reply = SimulatedHost(state).apply(plan.to_wire(), plan.secrets)
    except ConnectionDropped:
        run.unreachable = True
        return run
    run.returned = [
        r["returned"]["der"] for r in run.reply["results"] if r.get("returned") and r["op"] == "cert_remove"
    ]
    return run


def certificates(state: State) -> dict[str, str]:
    """thumbprint -> DER (base64) of every certificate in any store of the host."""
    found = {}
    for store in state["stores"]:
        for cert in stores.certificates(state, store):
            found[cert["thumbprint"]] = cert["der"]
    return found


def without_password_marks(text: str) -> str:
    """A diff marks a password it writes; a password is never read back, so the host's view cannot show it."""
    return "\n".join(line for line in text.splitlines() if line.strip() != "password: (written)") + "\n"
