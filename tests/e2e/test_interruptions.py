"""A lost connection is unreachable, not failed; --diff renders integer options on every ansible-core; a small
sample of the property tests through real ansible-playbook runs."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from simhost import seed
from support.converge import without_password_marks
from support.generated import desired_states, material, start_hosts

HOST = "win01"
TASK = "under test"
SITE = "Default Web Site"


@pytest.fixture(scope="module")
def server():
    return material().servers[0]


def bound(fleet, server):
    state = fleet.state(HOST)
    seed.add_cert(state, "My", server.der, has_private_key=True)
    seed.add_binding(state, SITE, "*:443:api.contoso.com", ssl_flags=1, certificate_hash=server.thumbprint)
    return state


ARGS = {"site": SITE, "host": "api.contoso.com", "revocation_freshness_seconds": 20}


def test_a_connection_lost_before_the_apply_is_unreachable_and_keeps_the_plan(fleet, server):
    state = bound(fleet, server)
    seed.add_connection_drop(state, "apply")
    fleet.save(HOST, state)
    run = fleet.run_module("mtls.iis.site_binding", ARGS)
    assert run.recap()[HOST] == {"ok": 0, "changed": 0, "unreachable": 1, "failed": 0}
    result = run.result(TASK, HOST)
    assert [op["op"] for op in result["plan"]] == ["httpsys_set"]
    assert "which of them ran is not known" in result["msg"]


def test_a_connection_lost_before_the_gather_is_unreachable(fleet, server):
    state = bound(fleet, server)
    seed.add_connection_drop(state, "gather")
    fleet.save(HOST, state)
    run = fleet.run_module("mtls.iis.site_binding", ARGS)
    assert run.recap()[HOST]["unreachable"] == 1
    assert "nothing was changed" in run.result(TASK, HOST)["msg"]


def test_diff_renders_integer_options_before_applying(fleet, server):
    fleet.save(HOST, bound(fleet, server))
    tracing = {"site": SITE, "max_log_files": 20}
    run = fleet.run_tasks(
        [
            {"name": TASK, "mtls.iis.site_binding": ARGS},
            {"name": "tracing", "mtls.iis.failed_request_tracing": tracing},
        ],
        diff=True,
    )
    assert run.recap()[HOST]["failed"] == 0, run.stdout
    assert "revocation_freshness_seconds: 20" in run.result(TASK, HOST)["diff"]["after"]
    assert "max_log_files: 20" in run.result("tracing", HOST)["diff"]["after"]


@given(start=start_hosts(), args=desired_states())
@settings(max_examples=3, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_sampled_states_converge_through_ansible_playbook_and_rerun_unchanged(tmp_path_factory, start, args):
    from support.playbook import SimFleet

    fleet = SimFleet(tmp_path_factory.mktemp("sample"))
    fleet.save(HOST, start)
    check = fleet.run_module("mtls.iis.client_cert", args, check=True, diff=True).result(TASK, HOST)
    if check.get("failed"):
        assert not fleet.module_runs(HOST) or fleet.module_runs(HOST)[-1]["mode"] == "gather"
        return
    assert json.dumps(fleet.state(HOST), sort_keys=True) == json.dumps(start, sort_keys=True)
    applied = fleet.run_module("mtls.iis.client_cert", args).result(TASK, HOST)
    assert not applied.get("failed"), applied.get("msg")
    fleet.clear_runs()
    rerun = fleet.run_module("mtls.iis.client_cert", args, diff=True)
    assert rerun.recap()[HOST]["changed"] == 0
    assert [r["mode"] for r in fleet.module_runs(HOST)] == ["gather"]
    assert without_password_marks(check["diff"]["after"]) == rerun.result(TASK, HOST)["diff"]["before"]
