"""The simulated op engine and the pwsh host agree on every scenario (issue 20, ``make e2e-pwsh``).

Neither engine is the reference: a disagreement is settled by what Windows does (docs/WINDOWS_FACTS.md) and the
wrong side is fixed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from ansible.release import __version__ as ansible_version
from support.collection import REPO_ROOT
from winmodel.server import WinModelServer

from differential.compare import SUMMARY, disagreements, run_both
from differential.scenarios import SCENARIOS, selected

pytestmark = pytest.mark.pwsh_host

#: ``MTLS_DIFF_ONLY=name,prefix*`` runs only those scenarios (while developing: each pwsh module run costs seconds).
CHOSEN = selected(SCENARIOS, os.environ.get("MTLS_DIFF_ONLY", ""))


@pytest.fixture(scope="module")
def both():
    # Not pytest's tmp_path: other pytest sessions on the machine prune old numbered temp dirs while this one runs.
    workdir = Path(tempfile.mkdtemp(prefix=f"differential-{ansible_version}-", dir=REPO_ROOT / ".build"))
    started = time.monotonic()
    with WinModelServer() as server:
        runs = run_both(workdir, CHOSEN, server.socket_path)
    found = [line for scenario in CHOSEN for line in disagreements(runs, scenario)]
    SUMMARY.append(
        f"differential ({ansible_version}): {len(CHOSEN)} scenarios, {len(found)} disagreements, "
        f"{time.monotonic() - started:.0f} s for both engines"
    )
    SUMMARY.extend(found)
    yield runs
    if not found:
        shutil.rmtree(workdir)  # kept for reading when the engines disagree


@pytest.mark.parametrize("scenario", CHOSEN, ids=[s.name for s in CHOSEN])
def test_the_engines_agree(both, scenario):
    assert disagreements(both, scenario) == []


ROUND_TRIPS = [s for s in CHOSEN if s.module_runs is not None]


@pytest.mark.parametrize("scenario", ROUND_TRIPS, ids=[s.name for s in ROUND_TRIPS])
def test_the_pwsh_host_takes_the_stated_module_runs(both, scenario):
    assert len(both["pwsh"].fleet.module_runs(scenario.name)) == scenario.module_runs


def test_every_scenario_ran_its_tasks_on_the_pwsh_host(both):
    ran = {entry["host"] for entry in both["pwsh"].run.results if entry["task"] != "scenario"}
    assert ran == {scenario.name for scenario in CHOSEN}
