"""Run the scenarios on both engines and list where they disagree.

Both engines get the same playbook (one inventory host per scenario, each including its own task file) and the same
seeded host files; the simulated op engine (``tests/simhost``) answers one fleet, the pwsh host (the real
the engine modules through Ansible's exec wrapper on pwsh, the boundary faked onto ``tests/winmodel``) the other.

Compared per scenario: every task's result (normalised as :data:`IGNORED_RESULT_KEYS` documents), the final host
file, and the module runs (module, mode, ops, rc, check mode): the round trips.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from support.playbook import PlaybookRun, SimFleet
from support.wire import WinRM

from differential.scenarios import Scenario

#: Error texts: the simulated engine words its errors itself (until it moves onto the Windows model), so a failure's
#: ``msg`` is compared up to the first ": " or " - " (the failure's kind: ``op 1 (feature_install) failed``,
#: ``gather failed``, ``host_state_apply does not run in check mode``); the rest is the engine's wording.
_MSG_KIND = re.compile(r"^(.*?)(?:: | - |$)", re.DOTALL)

#: Result keys not compared, and why:
#: - ``exception``: the simulated engine's Python traceback vs Ansible.Basic's error record (only at -vvv, ANSIBLE-4);
#:   neither is part of the engine contract (docs/ENGINE.md).
IGNORED_RESULT_KEYS: frozenset[str] = frozenset({"exception"})
#: What is compared of each module run (the round trips). Not compared: sizes, timings, the raw reply, and ``rc``:
#: after ``FailJson`` ansible-core 2.19+'s exec wrapper exits 0 on pwsh while the simulated engine answers 1; Ansible
#: judges a module by its JSON's ``failed`` (compared in the task results), never by the exit code of a JSON reply.
RUN_KEYS: tuple[str, ...] = ("module", "mode", "ops", "check_mode")
#: Lines the run prints at its end (tests/differential/conftest.py): the scenario count and every disagreement.
SUMMARY: list[str] = []


#: How a fleet is reached: ``mtls_sim``, one WinRM transport, or a WinRM transport per scenario host.
Connection = str | WinRM | dict[str, WinRM]
#: Each scenario host includes the task file named after it.
HOST_TASKS = "{{ inventory_hostname }}.yml"


@dataclass
class EngineRun:
    fleet: SimFleet
    run: PlaybookRun


def _playbook(workdir: Path, scenarios: tuple[Scenario, ...]) -> Path:
    for scenario in scenarios:
        (workdir / f"{scenario.name}.yml").write_text(yaml.safe_dump(scenario.tasks, sort_keys=False))
    play = [
        {
            "name": "differential",
            "hosts": "windows",
            "gather_facts": False,
            # free: each host runs its own task file as fast as it can (linear would run one file at a time)
            "strategy": "free",
            "tasks": [{"name": "scenario", "ansible.builtin.include_tasks": f"{workdir}/{HOST_TASKS}"}],
        }
    ]
    path = workdir / "differential.yml"
    path.write_text(yaml.safe_dump(play, sort_keys=False))
    return path


def _engine(
    workdir: Path, scenarios: tuple[Scenario, ...], playbook: Path, socket: str | None, connection: Connection
) -> EngineRun:
    fleet = SimFleet(workdir, hosts=tuple(s.name for s in scenarios), connection=connection, model_socket=socket)
    for scenario in scenarios:
        state = fleet.state(scenario.name)
        scenario.seed(state)
        fleet.save(scenario.name, state)
    # pwsh module runs take minutes each on a loaded 2-core machine: allow the whole suite 40 minutes
    return EngineRun(fleet, fleet.run_playbook(playbook, "--forks", "8", timeout=2400))


def run_both(
    workdir: Path, scenarios: tuple[Scenario, ...], socket: str, pwsh_connection: Connection = "mtls_sim"
) -> dict[str, EngineRun]:
    """Both engines at once (two ansible-playbook processes), each in its own directory. The simulated engine is
    reached through ``mtls_sim``, the pwsh host through ``pwsh_connection`` (``mtls_sim``, or WinRM: issue 21)."""
    playbook = _playbook(workdir, scenarios)
    runs: dict[str, EngineRun] = {}
    errors: list[BaseException] = []

    def one(engine: str) -> None:
        try:
            pwsh = engine == "pwsh"
            connection = pwsh_connection if pwsh else "mtls_sim"
            runs[engine] = _engine(workdir / engine, scenarios, playbook, socket if pwsh else None, connection)
        except BaseException as err:  # re-raised below, in the test's thread
            errors.append(err)

    threads = [threading.Thread(target=one, args=(engine,)) for engine in ("sim", "pwsh")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return runs


def _normalised(result: dict[str, Any]) -> dict[str, Any]:
    kept = {key: value for key, value in result.items() if key not in IGNORED_RESULT_KEYS}
    if result.get("failed") and isinstance(kept.get("msg"), str):
        kept["msg"] = _MSG_KIND.match(kept["msg"])[1]
    return kept


def _results(run: EngineRun, host: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (entry["task"], _normalised(entry["result"]))
        for entry in run.run.results
        if entry["host"] == host and entry["task"] != "scenario"
    ]


def _runs(run: EngineRun, host: str) -> list[dict[str, Any]]:
    return [{key: entry.get(key) for key in RUN_KEYS} for entry in run.fleet.module_runs(host)]


def disagreements(runs: dict[str, EngineRun], scenario: Scenario) -> list[str]:
    """What differs between the engines for one scenario (empty: they agree)."""
    sim, pwsh = runs["sim"], runs["pwsh"]
    found: list[str] = []
    for what, left, right in (
        ("task results", _results(sim, scenario.name), _results(pwsh, scenario.name)),
        ("module runs", _runs(sim, scenario.name), _runs(pwsh, scenario.name)),
        ("final host state", sim.fleet.state(scenario.name), pwsh.fleet.state(scenario.name)),
    ):
        if left != right:
            found.append(f"{scenario.name}: {what} differ\n  sim:  {left}\n  pwsh: {right}")
    return found
