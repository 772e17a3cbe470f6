"""The simulated op engine and the pwsh host agree on every scenario (issue 20, ``make e2e-pwsh``).

Neither engine is the reference: a disagreement is settled by what Windows does (docs/WINDOWS_FACTS.md) and the
wrong side is fixed.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import pytest
from ansible.release import __version__ as ansible_version
from support.collection import REPO_ROOT
from winmodel.server import WinModelServer

from differential.compare import SUMMARY, disagreements, run_both
from differential.scenarios import SCENARIOS

pytestmark = pytest.mark.pwsh_host


@pytest.fixture(scope="module")
def both():
    # Not pytest's tmp_path: other pytest sessions on the machine prune old numbered temp dirs while this one runs.
    workdir = Path(tempfile.mkdtemp(prefix=f"differential-{ansible_version}-", dir=REPO_ROOT / ".build"))
    started = time.monotonic()
    with WinModelServer() as server:
        runs = run_both(workdir, SCENARIOS, server.socket_path)
    found = [line for scenario in SCENARIOS for line in disagreements(runs, scenario)]
    if not found:
        shutil.rmtree(workdir)  # kept for reading when the engines disagree
    SUMMARY.append(
        f"differential ({ansible_version}): {len(SCENARIOS)} scenarios, {len(found)} disagreements, "
        f"{time.monotonic() - started:.0f} s for both engines"
    )
    SUMMARY.extend(found)
    return runs


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_the_engines_agree(both, scenario):
    assert disagreements(both, scenario) == []


def test_every_scenario_ran_its_tasks_on_the_pwsh_host(both):
    ran = {entry["host"] for entry in both["pwsh"].run.results if entry["task"] != "scenario"}
    assert ran == {scenario.name for scenario in SCENARIOS}
