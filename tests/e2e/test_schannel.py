"""mtls.iis.schannel through real ansible-playbook runs against a simulated Windows host."""

from __future__ import annotations

import json

import pytest
from simhost import seed

HOST = "win01"
TASK = "under test"
EXCLUSIVE_CA = {"client_auth_trust_mode": "exclusive_ca", "send_trusted_issuer_list": False}


def test_setting_the_trust_mode_asks_for_a_reboot(fleet):
    result = fleet.run_module("mtls.iis.schannel", EXCLUSIVE_CA).result(TASK, HOST)
    assert (result["changed"], result["reboot_required"]) == (True, True)
    assert seed.schannel_value(fleet.state(HOST), "ClientAuthTrustMode") == 2
    assert seed.schannel_value(fleet.state(HOST), "SendTrustedIssuerList") == 0


def test_values_we_do_not_own_are_untouched(fleet):
    before = {k: v for k, v in seed.registry_values(fleet.state(HOST)).items() if k not in ("ClientAuthTrustMode",)}
    fleet.run_module("mtls.iis.schannel", {"client_auth_trust_mode": "exclusive_root"})
    after = seed.registry_values(fleet.state(HOST))
    assert {k: after[k] for k in before} == before


def test_rerun_is_one_module_run_without_change_or_reboot(fleet):
    fleet.run_module("mtls.iis.schannel", EXCLUSIVE_CA)
    fleet.clear_runs()
    result = fleet.run_module("mtls.iis.schannel", EXCLUSIVE_CA).result(TASK, HOST)
    assert (result["changed"], result["reboot_required"]) == (False, False)
    assert [r["mode"] for r in fleet.module_runs(HOST)] == ["gather"]


@pytest.mark.winrm
def test_check_mode_changes_nothing_and_promises_no_reboot(fleet):
    before = json.dumps(fleet.state(HOST), sort_keys=True)
    result = fleet.run_module("mtls.iis.schannel", EXCLUSIVE_CA, check=True, diff=True).result(TASK, HOST)
    assert result["changed"] is True
    assert result["reboot_required"] is False
    assert "ClientAuthTrustMode: 2 (exclusive_ca)" in result["diff"]["after"]
    assert json.dumps(fleet.state(HOST), sort_keys=True) == before


def test_default_removes_the_value(fleet):
    state = fleet.state(HOST)
    seed.set_registry_value(state, "ClientAuthTrustMode", 1)
    fleet.save(HOST, state)
    fleet.run_module("mtls.iis.schannel", {"client_auth_trust_mode": "default"})
    assert "ClientAuthTrustMode" not in seed.registry_values(fleet.state(HOST))


def test_exclusive_mode_without_issuer_store_on_a_binding_warns(fleet):
    result = fleet.run_module("mtls.iis.schannel", EXCLUSIVE_CA).result(TASK, HOST)
    assert any("sslctlstorename" in w for w in result["warnings"])


def test_exclusive_mode_with_issuer_store_on_a_binding_does_not_warn(fleet):
    state = fleet.state(HOST)
    seed.add_httpsys_binding(
        state,
        {"key": "0.0.0.0:443", "kind": "ipport", "cert_hash": "AB" * 20, "ctl_store_name": "ClientAuthIssuer"},
    )
    fleet.save(HOST, state)
    result = fleet.run_module("mtls.iis.schannel", EXCLUSIVE_CA).result(TASK, HOST)
    assert not any("sslctlstorename" in w for w in result.get("warnings", []))


def test_unknown_trust_mode_fails_before_any_module_run(fleet):
    result = fleet.run_module("mtls.iis.schannel", {"client_auth_trust_mode": "strict"}).result(TASK, HOST)
    assert result["failed"] is True
    assert "client_auth_trust_mode" in result["msg"] and "exclusive_ca" in result["msg"]
    assert fleet.module_runs(HOST) == []
