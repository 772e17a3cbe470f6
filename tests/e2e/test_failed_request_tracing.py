"""mtls.iis.failed_request_tracing through ansible-playbook on the simulated host."""

from __future__ import annotations

import pytest
from simhost import seed

HOST = "win01"
TASK = "under test"
SITE = "Default Web Site"


def modes(fleet):
    return [r["mode"] for r in fleet.module_runs(HOST)]


@pytest.mark.winrm
def test_turning_tracing_on_installs_the_feature_and_writes_the_rule(fleet):
    result = fleet.run_module("mtls.iis.failed_request_tracing", {"site": SITE}).result(TASK, HOST)
    assert [op["op"] for op in result["plan"]] == ["feature_install", "tracing_set"]
    tracing = seed.tracing(fleet.state(HOST), SITE)
    assert tracing["enabled"] is True
    assert set(tracing["rules"][0]["status_codes"]) == {"401", "403.7", "403.12", "403.13", "403.16", "403.17"}
    assert modes(fleet) == ["gather", "apply"]


def test_rerun_is_one_module_run_without_change(fleet):
    fleet.run_module("mtls.iis.failed_request_tracing", {"site": SITE})
    fleet.clear_runs()
    assert fleet.run_module("mtls.iis.failed_request_tracing", {"site": SITE}).recap()[HOST]["changed"] == 0
    assert modes(fleet) == ["gather"]


def test_turning_it_off_removes_the_rule(fleet):
    fleet.run_module("mtls.iis.failed_request_tracing", {"site": SITE})
    fleet.run_module("mtls.iis.failed_request_tracing", {"site": SITE, "enabled": False})
    tracing = seed.tracing(fleet.state(HOST), SITE)
    assert tracing["enabled"] is False and tracing["rules"] == []


def test_tracing_as_part_of_the_whole_host_state(fleet):
    fleet.run_module("mtls.iis.client_cert", {"sites": [{"name": SITE, "tracing": {"status_codes": ["403.16"]}}]})
    assert seed.tracing(fleet.state(HOST), SITE)["rules"][0]["status_codes"] == ["403.16"]
    assert modes(fleet) == ["gather", "apply"]
