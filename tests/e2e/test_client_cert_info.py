"""mtls.iis.client_cert_info: one read-only module run, certificates parsed on the controller."""

from __future__ import annotations

import json

import pytest
from simhost import seed

HOST = "win01"
TASK = "under test"


@pytest.mark.winrm
def test_reports_parsed_certificates_in_one_run_and_changes_nothing(fleet, chain):
    state = fleet.state(HOST)
    seed.add_cert(state, "Root", chain["root"].der)
    seed.add_cert(state, "Root", chain["issuing"].der)
    fleet.save(HOST, state)
    before = json.dumps(fleet.state(HOST), sort_keys=True)

    result = fleet.run_module("mtls.iis.client_cert_info", {"stores": ["root", "ClientAuthIssuer"]}).result(TASK, HOST)

    by_tp = {c["thumbprint"]: c for c in result["stores"]["Root"]["certificates"]}
    assert by_tp[chain["root"].thumbprint]["self_signed"] is True
    assert by_tp[chain["issuing"].thumbprint]["self_signed"] is False
    assert by_tp[chain["issuing"].thumbprint]["subject"] == "CN=Contoso Client Issuing CA"
    assert result["stores"]["ClientAuthIssuer"]["exists"] is False
    assert result["changed"] is False
    assert [r["mode"] for r in fleet.module_runs(HOST)] == ["gather"]
    assert json.dumps(fleet.state(HOST), sort_keys=True) == before


def test_reports_schannel_values_and_their_meaning(fleet):
    state = fleet.state(HOST)
    seed.set_registry_value(state, "ClientAuthTrustMode", 2)
    fleet.save(HOST, state)
    result = fleet.run_module("mtls.iis.client_cert_info", {}).result(TASK, HOST)
    assert result["schannel"]["ClientAuthTrustMode"] == {"value": 2, "effective": 2, "mode": "exclusive_ca"}
    assert result["schannel"]["SendTrustedIssuerList"] == {"value": None, "effective": 0}
