"""What a user sees when WinRM fails, over Ansible's ``winrm`` connection against the loopback endpoint.

One fleet, one host per failure, one converge (``mtls.iis.schannel``, a gather and an apply) across all of them;
then the causes are removed as an administrator would and the converge runs again. Each test states one behaviour
of one host: the task's outcome, that nothing is reported applied that was not (the result claims no change and
lists no op that ran), and that the rerun converges. The endpoint answers as Windows does (WINDOWS_FACTS WINRM-2
… WINRM-5).

How a connection failure is reported: since issue 13, ``plugins/plugin_utils/action_base.py`` lets an
``AnsibleConnectionFailure`` through, so a connection that cannot be made (a rejected password, no shell left) reports
the host *unreachable*. A connection reset while a command runs reaches the action as the raw ``requests``
``ConnectionError`` (ansible.builtin.winrm wraps only its timeouts in ``AnsibleConnectionFailure``); the action reports
that lost connection *unreachable* as well, with the reset named and the plan kept (issue 21).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest
from ansible.plugins.connection import winrm as winrm_connection
from simhost import seed
from support.playbook import PlaybookRun, SimFleet
from support.wire import USER, WinRM
from wsman.server import Misbehaviour
from wsman.service import Limits

TASK = "under test"
#: how a task whose connection could not be made is reported (AnsibleConnectionFailure, issue 13)
CONNECTION_FAILURE = "unreachable"
#: how a task whose connection was reset while the module ran is reported (the winrm plugin raises requests' error,
#: the action reports the lost connection as issue 13 says)
RESET_DURING_COMMAND = "unreachable"
#: a read timeout: the winrm plugin raises AnsibleConnectionFailure (2.16 and newer alike), so the host is unreachable
READ_TIMEOUT = CONNECTION_FAILURE
#: ansible.builtin.winrm re-creates the shell on ERROR_WSMAN_QUOTA_MAX_OPERATIONS where it has _winrm_run_command
RECREATES_SHELL = hasattr(winrm_connection.Connection, "_winrm_run_command")
#: short WinRM timeouts so that waiting for them stays cheap (seconds; pywinrm needs read > operation; the read
#: timeout leaves room for a loaded machine)
TIMEOUTS: dict[str, Any] = {"operation_timeout": 1, "read_timeout": 6}
STALL = TIMEOUTS["read_timeout"] + 1

HOSTS: dict[str, WinRM] = {
    "badpass": WinRM(password="not-the-password", **TIMEOUTS),
    "noshells": WinRM(**TIMEOUTS),
    # MaxEnvelopeSizekb 150, the default before Windows Server 2012 (WINRM-2): Ansible's 200,000-byte stdin chunks
    # make envelopes of about 267 KB
    "oldenvelope": WinRM(limits=Limits(max_envelope_kb=150), **TIMEOUTS),
    "reset": WinRM(**TIMEOUTS),
    "stall": WinRM(**TIMEOUTS),
    "slow": WinRM(process_delay=2.2, **TIMEOUTS),
    "opsquota": WinRM(limits=Limits(max_operations_per_user=1), **TIMEOUTS),
}


@dataclass
class Scenario:
    first: PlaybookRun
    rerun: PlaybookRun
    runs: dict[str, list[dict[str, Any]]]  # module runs of the first converge
    wire: dict[str, list[dict[str, Any]]]  # HTTP exchanges of the first converge
    trust_mode: dict[str, int | None]  # ClientAuthTrustMode on the host after the first converge
    rerun_runs: dict[str, list[dict[str, Any]]]
    rerun_trust_mode: dict[str, int | None]

    def outcome(self, host: str, run: PlaybookRun | None = None) -> str:
        counts = (run or self.first).recap()[host]
        kinds = ("unreachable", "failed")
        return next((kind for kind in kinds if counts[kind]), "changed" if counts["changed"] else "ok")

    def result(self, host: str) -> dict[str, Any]:
        return self.first.result(TASK, host)

    def reported_nothing_applied(self, host: str) -> bool:
        result = self.result(host)
        changed_ops = [op for op in result.get("ops_ran") or [] if op.get("status") == "changed"]
        return not result.get("changed") and not changed_ops

    def rerun_converged(self, host: str, expected: str) -> bool:
        runs = 1 if expected == "ok" else 2
        return (
            self.outcome(host, self.rerun) == expected
            and self.rerun_trust_mode[host] == 2
            and len(self.rerun_runs[host]) == runs
        )


def _trust_modes(fleet: SimFleet) -> dict[str, int | None]:
    return {host: seed.schannel_value(fleet.state(host), "ClientAuthTrustMode") for host in fleet.hosts}


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> Scenario:
    fleet = SimFleet(tmp_path_factory.mktemp("winrm-failures"), tuple(HOSTS), connection=dict(HOSTS))
    endpoint = fleet.endpoint
    idle = endpoint.open_idle_shells(fleet.address("noshells"), USER, Limits().max_shells_per_user)
    endpoint.misbehave(fleet.address("reset"), Misbehaviour("reset", mode="apply"))
    endpoint.misbehave(fleet.address("stall"), Misbehaviour("stall", mode="apply", seconds=STALL))
    task = [{"name": TASK, "mtls.iis.schannel": {"client_auth_trust_mode": "exclusive_ca"}}]
    first = fleet.run_tasks(task, "--forks", str(len(HOSTS)))
    runs = {host: fleet.module_runs(host) for host in fleet.hosts}
    exchanges = {host: fleet.wire(host) for host in fleet.hosts}
    trust = _trust_modes(fleet)
    # The administrator removes each cause; the rerun goes to the same hosts.
    fleet.connection = {**HOSTS, "badpass": WinRM(**TIMEOUTS)}
    endpoint.close_shells(fleet.address("noshells"), idle)
    endpoint.set_limits(fleet.address("oldenvelope"), Limits())
    endpoint.set_limits(fleet.address("opsquota"), Limits())
    fleet.clear_runs()
    rerun = fleet.run_tasks(task, "--forks", str(len(HOSTS)))
    rerun_runs = {host: fleet.module_runs(host) for host in fleet.hosts}
    return Scenario(first, rerun, runs, exchanges, trust, rerun_runs, _trust_modes(fleet))


# -- wrong password ------------------------------------------------------------------------------------------


def test_wrong_password_fails_the_connection_with_the_401_explained(scenario):
    assert scenario.outcome("badpass") == CONNECTION_FAILURE
    assert "the specified credentials were rejected by the server" in scenario.result("badpass")["msg"]
    assert [entry["status"] for entry in scenario.wire["badpass"]] == [401]


def test_wrong_password_runs_nothing_and_the_corrected_rerun_converges(scenario):
    assert scenario.runs["badpass"] == [] and scenario.trust_mode["badpass"] is None
    assert scenario.reported_nothing_applied("badpass")
    assert scenario.rerun_converged("badpass", "changed")


# -- all shells of the user in use ---------------------------------------------------------------------------


def test_no_shell_left_fails_the_connection_with_windows_quota_message(scenario):
    assert scenario.outcome("noshells") == CONNECTION_FAILURE
    assert "maximum number of concurrent shells for this user has been exceeded" in scenario.result("noshells")["msg"]
    assert Counter(entry["status"] for entry in scenario.wire["noshells"]) == {500: 1}


def test_no_shell_left_runs_nothing_and_the_rerun_after_closing_them_converges(scenario):
    assert scenario.runs["noshells"] == [] and scenario.reported_nothing_applied("noshells")
    assert scenario.rerun_converged("noshells", "changed")


# -- an envelope over MaxEnvelopeSizekb ----------------------------------------------------------------------


def test_payload_over_max_envelope_size_fails_the_task_with_send_input_failed(scenario):
    assert scenario.outcome("oldenvelope") == "failed"
    assert "winrm send_input failed" in scenario.result("oldenvelope")["msg"]
    assert "ERROR DURING WINRM SEND INPUT" in scenario.first.stdout + scenario.first.stderr
    assert 413 in {entry["status"] for entry in scenario.wire["oldenvelope"]}


def test_payload_over_max_envelope_size_runs_nothing_and_the_rerun_with_the_default_converges(scenario):
    assert scenario.runs["oldenvelope"] == [] and scenario.trust_mode["oldenvelope"] is None
    assert scenario.reported_nothing_applied("oldenvelope")
    assert scenario.rerun_converged("oldenvelope", "changed")


# -- connection reset during Receive, after the apply ran --------------------------------------------------


def test_reset_after_the_apply_ran_is_unreachable_without_claiming_a_change(scenario):
    assert scenario.outcome("reset") == RESET_DURING_COMMAND
    assert "Connection reset by peer" in scenario.result("reset")["msg"]
    assert scenario.reported_nothing_applied("reset")


def test_reset_after_the_apply_ran_leaves_it_applied_and_the_rerun_finds_it_done(scenario):
    assert [run["mode"] for run in scenario.runs["reset"]] == ["gather", "apply"]
    assert scenario.trust_mode["reset"] == 2
    assert scenario.rerun_converged("reset", "ok")


# -- an answer later than the read timeout -------------------------------------------------------------------


def test_answer_later_than_the_read_timeout_ends_the_task_with_read_timed_out(scenario):
    assert scenario.outcome("stall") == READ_TIMEOUT
    assert "Read timed out" in scenario.result("stall")["msg"]
    assert scenario.reported_nothing_applied("stall")


def test_answer_later_than_the_read_timeout_was_applied_and_the_rerun_finds_it_done(scenario):
    assert scenario.trust_mode["stall"] == 2
    assert scenario.rerun_converged("stall", "ok")


# -- a host slower than the operation timeout ----------------------------------------------------------------


def test_host_slower_than_the_operation_timeout_is_waited_for(scenario):
    assert scenario.outcome("slow") == "changed"
    assert scenario.trust_mode["slow"] == 2
    timed_out = [entry for entry in scenario.wire["slow"] if entry["op"] == "Receive-fault"]
    # each module run takes 2.2 s against an OperationTimeout of 1 s: at least one w:TimedOut fault per run, each
    # answered by another Receive (how many exactly depends on how fast the controller asks again)
    assert len(timed_out) >= len(scenario.runs["slow"]) == 2


# -- operations quota reached between the two module runs ----------------------------------------------------


def test_operations_quota_between_gather_and_apply(scenario):
    creates = Counter(entry["op"] for entry in scenario.wire["opsquota"])["Create"]
    if RECREATES_SHELL:  # the winrm plugin opens a new shell and goes on
        assert (scenario.outcome("opsquota"), creates, scenario.trust_mode["opsquota"]) == ("changed", 2, 2)
    else:  # ansible-core 2.16: the fault ends the task after the gather
        assert (scenario.outcome("opsquota"), creates) == ("failed", 1)
        assert scenario.reported_nothing_applied("opsquota") and scenario.trust_mode["opsquota"] is None
        assert scenario.rerun_converged("opsquota", "changed")
