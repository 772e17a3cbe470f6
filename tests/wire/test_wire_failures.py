"""Failures of a real host on the pwsh host behind WinRM, reported as on the simulated engine (issue 21).

Two fleets over the same kind of WinRM connection (Basic over HTTP): the **pwsh fleet** runs our PowerShell in a pwsh
process per WinRS command (``pwshhost.winrs.PwshRunner``), the **simulated fleet** answers from the simulated engine.
One host per failure in each fleet, one ``mtls.iis.schannel`` converge of two registry values (a gather, then an
apply of two ops) across all of them; then the causes are gone, as after an administrator fixed them, and the
converge runs twice more. Each test states one behaviour of one failure: the outcome and the message, the same on
both engines (issue 13's contract: unreachable when the connection is lost, failed when the module fails), that
nothing is reported applied that was not, and that the reruns converge (the first rerun finishes the work, the second
changes nothing in one module run).

- ``killed``: the pwsh process is killed right after the first op changed the host (pwsh fleet only: the simulated
  engine has no process to kill);
- ``slow``: an OperationTimeout of 1 s, shorter than a pwsh module run: WinRM answers ``w:TimedOut`` and the client
  asks again;
- ``reset``: the connection is reset on the Receive that would carry the apply's result, after the apply ran;
- ``stall``: that answer comes later than the client's read timeout;
- ``dropped``: the connection is lost before the apply reaches the host (``seed.add_connection_drop``).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from simhost import seed
from support.collection import REPO_ROOT
from support.playbook import PlaybookRun, SimFleet
from support.wire import WinRM
from winmodel.server import WinModelServer
from wsman.server import Misbehaviour

pytestmark = pytest.mark.pwsh_host

TASK = "under test"
#: two ops on a fresh host: ClientAuthTrustMode, then SendTrustedIssuerList
OPTIONS = {"client_auth_trust_mode": "exclusive_ca", "send_trusted_issuer_list": False}
WANTED = {"ClientAuthTrustMode": 2, "SendTrustedIssuerList": 0}
#: generous: a pwsh module run on a loaded 2-core machine can take minutes (docs/TESTING.md); the stall host's read
#: timeout is short, the others' long enough that only the stalled answer is late
READ_TIMEOUT = 300
STALL_READ_TIMEOUT = 20
HOSTS: dict[str, WinRM] = {
    "killed": WinRM(read_timeout=READ_TIMEOUT),
    "slow": WinRM(operation_timeout=1, read_timeout=READ_TIMEOUT),
    "reset": WinRM(read_timeout=READ_TIMEOUT),
    "stall": WinRM(operation_timeout=2, read_timeout=STALL_READ_TIMEOUT),
    "dropped": WinRM(read_timeout=READ_TIMEOUT),
}
PWSH_ONLY = ("killed",)
#: the boundary function of a registry value write (plugins/module_utils/WinRegistry.psm1): the killed host's process
#: is killed right after the first one, the apply's first op, took effect
REGISTRY_WRITE = "Set-MtlsWinRegistryValue"
SIMULATED_HOSTS: dict[str, WinRM] = {
    # the simulated engine answers at once: a process delay puts its runs past the OperationTimeout as pwsh's are
    **{name: profile for name, profile in HOSTS.items() if name not in PWSH_ONLY},
    "slow": WinRM(operation_timeout=1, read_timeout=READ_TIMEOUT, process_delay=2.2),
}


@dataclass
class Converge:
    """One converge of a fleet: the playbook run and, per host, its module runs, HTTP exchanges and Schannel values."""

    run: PlaybookRun
    runs: dict[str, list[dict[str, Any]]]
    wire: dict[str, list[dict[str, Any]]]
    values: dict[str, dict[str, Any]]

    def outcome(self, host: str) -> str:
        counts = self.run.recap()[host]
        kinds = ("unreachable", "failed")
        return next((kind for kind in kinds if counts[kind]), "changed" if counts["changed"] else "ok")

    def result(self, host: str) -> dict[str, Any]:
        return self.run.result(TASK, host)

    def claimed_changes(self, host: str) -> list[dict[str, Any]]:
        """What the result says was applied: changed=true or ops_ran reporting a change."""
        result = self.result(host)
        ops = [op for op in result.get("ops_ran") or [] if op.get("status") == "changed"]
        return [*ops, *([{"changed": True}] if result.get("changed") else [])]


@dataclass
class Fleet:
    first: Converge
    rerun: Converge
    again: Converge


def _converge(fleet: SimFleet) -> Converge:
    fleet.clear_runs()
    run = fleet.run_tasks([{"name": TASK, "mtls.iis.schannel": OPTIONS}], "--forks", str(len(fleet.hosts)))
    values = {host: {name: seed.schannel_value(fleet.state(host), name) for name in WANTED} for host in fleet.hosts}
    return Converge(
        run,
        {host: fleet.module_runs(host) for host in fleet.hosts},
        {host: fleet.wire(host) for host in fleet.hosts},
        values,
    )


def _run(fleet: SimFleet, pwsh: bool) -> Fleet:
    for host in fleet.hosts:
        if host == "dropped":
            state = fleet.state(host)
            seed.add_connection_drop(state, "apply")
            fleet.save(host, state)
    endpoint = fleet.endpoint
    endpoint.misbehave(fleet.address("reset"), Misbehaviour("reset", mode="apply"))
    endpoint.misbehave(fleet.address("stall"), Misbehaviour("stall", mode="apply", seconds=STALL_READ_TIMEOUT + 1))
    if pwsh:
        runner = endpoint.runner_of(fleet.address("killed"))
        runner.kill_mid_run("apply", after_changes=1, function=REGISTRY_WRITE)  # type: ignore[attr-defined]
    first = _converge(fleet)
    # every cause fired once and is gone: the reruns go to the same hosts
    return Fleet(first, _converge(fleet), _converge(fleet))


@pytest.fixture(scope="module")
def fleets() -> Iterator[dict[str, Fleet]]:
    # Not pytest's tmp_path: other pytest sessions on the machine prune old numbered temp dirs while this one runs.
    workdir = Path(tempfile.mkdtemp(prefix="wire-failures-", dir=REPO_ROOT / ".build"))
    with WinModelServer() as server:
        pwsh = SimFleet(workdir / "pwsh", tuple(HOSTS), connection=dict(HOSTS), model_socket=server.socket_path)
        pwsh_runs = _run(pwsh, pwsh=True)
    simulated = SimFleet(workdir / "simulated", tuple(SIMULATED_HOSTS), connection=dict(SIMULATED_HOSTS))
    yield {"pwsh": pwsh_runs, "simulated": _run(simulated, pwsh=False)}
    shutil.rmtree(workdir, ignore_errors=True)


def _both(fleets: dict[str, Fleet], host: str, stage: str = "first") -> list[Converge]:
    return [getattr(fleets[engine], stage) for engine in ("pwsh", "simulated")]


def _reruns(fleet: Fleet, host: str) -> list[tuple[str, int]]:
    return [(converge.outcome(host), len(converge.runs[host])) for converge in (fleet.rerun, fleet.again)]


# -- the pwsh process killed mid-apply, after its first op changed the host ---------------------------------


def test_a_process_killed_mid_apply_fails_the_task(fleets):
    first = fleets["pwsh"].first
    assert first.outcome("killed") == "failed"
    assert [run["mode"] for run in first.runs["killed"]] == ["gather", "apply"]
    assert first.runs["killed"][-1]["rc"] == -9  # killed, not finished


def test_a_process_killed_mid_apply_claims_no_change_and_says_which_ops_ran_is_unknown(fleets):
    first = fleets["pwsh"].first
    assert first.values["killed"] == {"ClientAuthTrustMode": 2, "SendTrustedIssuerList": None}  # the first op ran
    assert first.claimed_changes("killed") == []
    assert "op(s) ran is not known" in first.result("killed")["msg"]


def test_a_process_killed_mid_apply_converges_on_the_rerun_then_changes_nothing(fleets):
    assert _reruns(fleets["pwsh"], "killed") == [("changed", 2), ("ok", 1)]
    assert fleets["pwsh"].rerun.values["killed"] == WANTED


# -- a module run longer than WinRM's OperationTimeout -------------------------------------------------------


def test_a_run_past_the_operation_timeout_is_waited_for_on_both_engines(fleets):
    for converge in _both(fleets, "slow"):
        assert (converge.outcome("slow"), len(converge.runs["slow"]), converge.values["slow"]) == (
            "changed",
            2,
            WANTED,
        )
        timed_out = [entry for entry in converge.wire["slow"] if entry["op"] == "Receive-fault"]
        assert len(timed_out) >= 2  # at least one w:TimedOut per module run, each followed by another Receive


def test_a_run_past_the_operation_timeout_leaves_nothing_to_do(fleets):
    assert _reruns(fleets["pwsh"], "slow") == _reruns(fleets["simulated"], "slow") == [("ok", 1), ("ok", 1)]


# -- the connection reset on the Receive of the apply's result, after the apply ran -------------------------


def test_a_reset_after_the_apply_ran_is_unreachable_as_on_the_simulated_engine(fleets):
    pwsh, simulated = _both(fleets, "reset")
    assert pwsh.outcome("reset") == simulated.outcome("reset") == "unreachable"
    for converge in (pwsh, simulated):
        result = converge.result("reset")
        assert "Connection reset by peer" in result["msg"] and "which of them ran is not known" in result["msg"]
        assert converge.claimed_changes("reset") == []


def test_a_reset_after_the_apply_ran_left_it_applied_and_the_rerun_finds_it_done(fleets):
    assert fleets["pwsh"].first.values["reset"] == fleets["simulated"].first.values["reset"] == WANTED
    assert _reruns(fleets["pwsh"], "reset") == _reruns(fleets["simulated"], "reset") == [("ok", 1), ("ok", 1)]


# -- the apply's answer later than the client's read timeout ---------------------------------------------------


def test_an_answer_past_the_read_timeout_is_unreachable_as_on_the_simulated_engine(fleets):
    pwsh, simulated = _both(fleets, "stall")
    assert pwsh.outcome("stall") == simulated.outcome("stall") == "unreachable"
    for converge in (pwsh, simulated):
        assert "Read timed out" in converge.result("stall")["msg"]
        assert converge.claimed_changes("stall") == []


def test_an_answer_past_the_read_timeout_was_applied_and_the_rerun_finds_it_done(fleets):
    assert fleets["pwsh"].first.values["stall"] == fleets["simulated"].first.values["stall"] == WANTED
    assert _reruns(fleets["pwsh"], "stall") == _reruns(fleets["simulated"], "stall") == [("ok", 1), ("ok", 1)]


# -- the connection lost before the apply reached the host ---------------------------------------------------


def test_a_connection_lost_before_the_apply_is_unreachable_and_keeps_the_plan_on_both_engines(fleets):
    for converge in _both(fleets, "dropped"):
        result = converge.result("dropped")
        assert converge.outcome("dropped") == "unreachable"
        assert [op["op"] for op in result["plan"]] == ["schannel_set", "schannel_set"]
        assert "which of them ran is not known" in result["msg"]
        assert converge.claimed_changes("dropped") == []
        assert [entry["op"] for entry in converge.wire["dropped"]].count("Receive-dropped") == 1


def test_a_connection_lost_before_the_apply_ran_nothing_and_the_rerun_converges(fleets):
    for engine in ("pwsh", "simulated"):
        fleet = fleets[engine]
        assert fleet.first.values["dropped"] == dict.fromkeys(WANTED)
        assert [run["rc"] for run in fleet.first.runs["dropped"]][-1] is None  # recorded as never reaching the host
        assert _reruns(fleet, "dropped") == [("changed", 2), ("ok", 1)]
