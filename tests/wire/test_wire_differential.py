"""The differential scenarios with the pwsh host behind WinRM (issue 21, ``make e2e-wire``).

The simulated op engine (over ``mtls_sim``) against our real PowerShell reached the way a user's fleet is: Ansible's
``winrm`` connection, pywinrm, HTTP(S) with one of the transports below, the endpoint, a pwsh process per command.
The comparison is the one of ``make e2e-pwsh`` (``differential.compare``): task results, module runs, final state.

``MTLS_WIRE_SCENARIOS=all`` (the default, ``make e2e-wire``) runs every scenario over each transport, one playbook per
transport; ``MTLS_WIRE_SCENARIOS=spread`` runs every scenario once in one playbook, the transports taking turns (a third
of the cost of ``all``); ``MTLS_WIRE_SCENARIOS=subset`` runs :data:`SUBSET` that way (the set ``make test`` runs).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from ansible.release import __version__ as ansible_version
from differential.compare import SUMMARY, EngineRun, disagreements, run_both
from differential.scenarios import SCENARIOS, Scenario, selected
from support.collection import REPO_ROOT
from support.wire import WinRM
from winmodel.server import WinModelServer

pytestmark = pytest.mark.pwsh_host

#: The transports issue 21 names: Basic over HTTPS, NTLM with message encryption over HTTP, certificate auth.
TRANSPORTS: tuple[str, ...] = ("basic-https", "ntlm-http", "certificate")
#: One scenario per kind of run (a gather of each ported scope, a converge that changes and one that does not, with
#: their round trips, a failure mid-apply, check mode), two per transport.
SUBSET: tuple[str, ...] = (
    "gather-schannel-dword",
    "module-schannel-converge",
    "apply-stops-at-first-failure",
    "gather-features",
    "apply-in-check-mode",
    "module-schannel-in-sync",
)
SELECTION_ENV = "MTLS_WIRE_SCENARIOS"
#: pywinrm's read timeout (default 30 s; the operation timeout stays at Ansible's 20 s): the endpoint shares this test
#: process with the Windows model server and ansible-playbook's output, and on a loaded 2-core machine a Receive can
#: be answered after 30 s (seen at load 60: "Read timed out", then ansible-core 2.16 resent the sealed NTLM message
#: on a new connection, 400, unreachable). This test compares engines; timeouts: tests/e2e/test_winrm_failures.py.
READ_TIMEOUT = 300


def plans() -> dict[str, dict[str, str]]:
    """Each playbook run: its id -> scenario name -> the transport that reaches that scenario's host.

    ``MTLS_DIFF_ONLY`` (as for ``make e2e-pwsh``) narrows every playbook to the scenarios it names."""
    wanted = os.environ.get(SELECTION_ENV, "all")
    only = {scenario.name for scenario in selected(SCENARIOS, os.environ.get("MTLS_DIFF_ONLY", ""))}
    if wanted in ("subset", "spread"):
        names = SUBSET if wanted == "subset" else tuple(scenario.name for scenario in SCENARIOS)
        chosen = {name: TRANSPORTS[index % len(TRANSPORTS)] for index, name in enumerate(names)}
        return {wanted: {name: transport for name, transport in chosen.items() if name in only}}
    if wanted == "all":
        names = [scenario.name for scenario in SCENARIOS if scenario.name in only]
        return {transport: dict.fromkeys(names, transport) for transport in TRANSPORTS}
    raise ValueError(f"{SELECTION_ENV}={wanted!r}: use all, spread or subset")


PLANS = plans()
BY_NAME: dict[str, Scenario] = {scenario.name: scenario for scenario in SCENARIOS}
CASES = [(plan, name) for plan, chosen in PLANS.items() for name in chosen]
_RUNS: dict[str, dict[str, EngineRun]] = {}
_CLEAN: list[Path] = []


def _run_plan(plan: str) -> dict[str, EngineRun]:
    chosen = PLANS[plan]
    scenarios = tuple(BY_NAME[name] for name in chosen)
    # Not pytest's tmp_path: other pytest sessions on the machine prune old numbered temp dirs while this one runs.
    workdir = Path(tempfile.mkdtemp(prefix=f"wire-{ansible_version}-{plan}-", dir=REPO_ROOT / ".build"))
    started = time.monotonic()
    connection = {name: WinRM(transport, read_timeout=READ_TIMEOUT) for name, transport in chosen.items()}
    with WinModelServer() as server:
        runs = run_both(workdir, scenarios, server.socket_path, pwsh_connection=connection)
    found = [line for scenario in scenarios for line in disagreements(runs, scenario)]
    if not found:
        _CLEAN.append(workdir)  # removed after the tests read it; kept for reading when the engines disagree
    transports = ", ".join(sorted(set(chosen.values())))
    SUMMARY.append(
        f"differential over WinRM ({ansible_version}, {plan}: {transports}): {len(scenarios)} scenarios, "
        f"{len(found)} disagreements, {time.monotonic() - started:.0f} s for both engines"
    )
    SUMMARY.extend(found)
    return runs


@pytest.fixture(scope="module")
def runs_of():
    def get(plan: str) -> dict[str, EngineRun]:
        if plan not in _RUNS:
            _RUNS[plan] = _run_plan(plan)
        return _RUNS[plan]

    yield get
    for workdir in _CLEAN:
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.mark.parametrize(("plan", "name"), CASES, ids=[f"{plan}-{name}" for plan, name in CASES])
def test_the_engines_agree_over_winrm(runs_of, plan, name):
    assert disagreements(runs_of(plan), BY_NAME[name]) == []


ROUND_TRIPS = [(plan, name) for plan, name in CASES if BY_NAME[name].module_runs is not None]


@pytest.mark.parametrize(("plan", "name"), ROUND_TRIPS, ids=[f"{plan}-{name}" for plan, name in ROUND_TRIPS])
def test_the_pwsh_host_over_winrm_takes_the_stated_module_runs(runs_of, plan, name):
    assert len(runs_of(plan)["pwsh"].fleet.module_runs(name)) == BY_NAME[name].module_runs


@pytest.mark.parametrize("plan", list(PLANS))
def test_every_scenario_ran_its_tasks_over_winrm_on_pwsh(runs_of, plan):
    runs = runs_of(plan)
    ran = {entry["host"] for entry in runs["pwsh"].run.results if entry["task"] != "scenario"}
    assert ran == set(PLANS[plan])
    assert all(runs["pwsh"].fleet.wire(name) for name in PLANS[plan])  # reached over WinRM, not mtls_sim
