"""The pwsh engine of the mtls_sim connection: what happens before pwsh runs (cheap: no module run on pwsh)."""

from __future__ import annotations

from pathlib import Path

import pytest
from simhost import seed
from support.collection import sim_env
from support.playbook import SimFleet
from winmodel.server import WinModelServer

pytestmark = pytest.mark.pwsh_host

GATHER = {"mtls.iis.host_state_gather": {"scope": {"schannel": True}}}


@pytest.fixture(scope="module")
def socket_path():
    with WinModelServer() as server:
        yield server.socket_path


def test_a_connection_drop_fails_the_run_before_pwsh_starts_and_is_recorded(tmp_path, socket_path):
    fleet = SimFleet(tmp_path, connection="mtls_sim", model_socket=socket_path)
    state = fleet.state("win01")
    seed.add_connection_drop(state, "gather")
    fleet.save("win01", state)
    run = fleet.run_tasks([{"name": "gather", **GATHER}])
    assert fleet.module_runs("win01")[0]["rc"] is None
    assert run.recap()["win01"]["unreachable"] == 1


class _RealCollectionFleet(SimFleet):
    """A fleet on the pwsh engine whose playbooks load the real collection (its real boundary utils)."""

    def env(self, results_file: Path) -> dict[str, str]:
        env = super().env(results_file)
        env["ANSIBLE_COLLECTIONS_PATH"] = sim_env()["ANSIBLE_COLLECTIONS_PATH"]
        return env


def test_the_pwsh_engine_refuses_a_payload_with_the_real_boundary_utils(tmp_path, socket_path):
    fleet = _RealCollectionFleet(tmp_path, connection="mtls_sim", model_socket=socket_path)
    run = fleet.run_tasks([{"name": "gather", **GATHER}])
    assert "carries the real boundary utils" in run.stdout + run.stderr
    assert fleet.module_runs("win01") == []
