"""mtls.iis.ssl_settings through real ansible-playbook runs against a simulated Windows host."""

from __future__ import annotations

import json

import pytest
from simhost import seed

HOST = "win01"
TASK = "under test"
SITE = "Default Web Site"


def modes(fleet):
    return [r["mode"] for r in fleet.module_runs(HOST)]


@pytest.mark.winrm
def test_site_level_settings_are_written_at_the_site_location(fleet):
    fleet.run_module("mtls.iis.ssl_settings", {"path": SITE, "require_ssl": True, "client_certificates": "require"})
    assert seed.location_flags(fleet.state(HOST), SITE) == "Ssl, SslNegotiateCert, SslRequireCert"
    assert modes(fleet) == ["gather", "apply"]


def test_folder_setting_overrides_the_site_for_that_folder_only(fleet):
    fleet.run_module("mtls.iis.ssl_settings", {"path": SITE, "require_ssl": True})
    fleet.run_module("mtls.iis.ssl_settings", {"path": f"{SITE}/portal/partners", "client_certificates": "accept"})
    state = fleet.state(HOST)
    assert seed.location_flags(state, f"{SITE}/portal/partners") == "Ssl, SslNegotiateCert"
    assert seed.location_flags(state, SITE) == "Ssl"


def test_path_that_already_inherits_the_value_is_not_rewritten(fleet):
    fleet.run_module("mtls.iis.ssl_settings", {"path": SITE, "require_ssl": True})
    fleet.clear_runs()
    result = fleet.run_module("mtls.iis.ssl_settings", {"path": f"{SITE}/api", "require_ssl": True}).result(TASK, HOST)
    assert result["changed"] is False
    assert seed.location_flags(fleet.state(HOST), f"{SITE}/api") is None
    assert modes(fleet) == ["gather"]


def test_rerun_reports_no_change_in_one_module_run(fleet):
    args = {"path": f"{SITE}/api", "client_certificates": "require"}
    fleet.run_module("mtls.iis.ssl_settings", args)
    fleet.clear_runs()
    run = fleet.run_module("mtls.iis.ssl_settings", args)
    assert run.recap()[HOST]["changed"] == 0
    assert modes(fleet) == ["gather"]


def test_check_mode_with_diff_shows_flags_and_changes_nothing(fleet):
    before = json.dumps(fleet.state(HOST), sort_keys=True)
    result = fleet.run_module(
        "mtls.iis.ssl_settings", {"path": f"{SITE}/api", "client_certificates": "require"}, check=True, diff=True
    ).result(TASK, HOST)
    assert "inherited" in result["diff"]["before"]
    assert "client certificates: require" in result["diff"]["after"]
    assert json.dumps(fleet.state(HOST), sort_keys=True) == before


def test_absent_makes_the_path_inherit_again(fleet):
    fleet.run_module("mtls.iis.ssl_settings", {"path": f"{SITE}/api", "require_ssl": True})
    fleet.run_module("mtls.iis.ssl_settings", {"path": f"{SITE}/api", "state": "absent"})
    assert seed.location_flags(fleet.state(HOST), f"{SITE}/api") is None


def test_require_with_require_ssl_false_fails_before_any_module_run(fleet):
    args = {"path": SITE, "require_ssl": False, "client_certificates": "require"}
    result = fleet.run_module("mtls.iis.ssl_settings", args).result(TASK, HOST)
    assert result["failed"] is True and result["msg"].startswith("client_certificates: require needs SSL")
    assert fleet.module_runs(HOST) == []


def test_tls13_trap_is_warned_about(fleet):
    # an https binding that allows TLS 1.3 and does not negotiate in the handshake (Server 2022, the default host):
    # the site has a binding, so the only warning is the trap itself (before, a "no https binding" warning passed)
    state = fleet.state(HOST)
    seed.add_binding(state, SITE, "*:443:", certificate_hash="AB" * 20)
    fleet.save(HOST, state)
    result = fleet.run_module("mtls.iis.ssl_settings", {"path": SITE, "client_certificates": "accept"}).result(
        TASK, HOST
    )
    # compared without case: the warning names the path as IIS keys locations (lower case)
    assert [w.split(" allow TLS 1.3")[0].lower() for w in result["warnings"]] == [
        f"{SITE} asks for client certificates (SslNegotiateCert), but the https binding(s) *:443: of site "
        f"{SITE!r}".lower()
    ]
