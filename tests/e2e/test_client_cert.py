"""mtls.iis.client_cert: the whole host state in one task, at most two module runs per host."""

from __future__ import annotations

import json

import pytest
from simhost import seed
from support import pki

HOST = "win01"
TASK = "under test"
SITE = "Default Web Site"
PASSWORD = "Whole-Host-Pa55!"


@pytest.fixture(scope="module")
def pki_set():
    root = pki.make_root("Contoso Root")
    issuing = pki.make_intermediate("Contoso Client Issuing CA", root)
    server = pki.make_leaf("api.contoso.com", root, eku=("serverAuth",), san=("api.contoso.com",))
    client = pki.make_leaf("client01", issuing)
    return {"root": root, "issuing": issuing, "server": server, "client": client}


@pytest.fixture
def whole_state(fleet, pki_set):
    pfx = fleet.write_file("api.pfx", pki_set["server"].pfx(PASSWORD))
    return {
        "trust": {
            "certificates": [{"content": pki_set["root"].pem}, {"content": pki_set["issuing"].pem}],
            "client_auth_issuers": [{"content": pki_set["issuing"].pem}],
            "non_self_signed_roots": "move",
        },
        "schannel": {"client_auth_trust_mode": "exclusive_ca"},
        "sites": [
            {
                "name": SITE,
                "bindings": [
                    {
                        "host": "api.contoso.com",
                        "certificate": {"pfx": str(pfx), "password": PASSWORD},
                        "negotiate_client_certificate": True,
                        "client_auth_issuer_store": "ClientAuthIssuer",
                    }
                ],
                "ssl": [{"path": "api", "client_certificates": "require"}],
                "mapping": {
                    "enabled": True,
                    "one_to_one": [{"content": pki_set["client"].pem, "user": "CONTOSO\\svc", "password": PASSWORD}],
                },
            }
        ],
    }


def modes(fleet):
    return [r["mode"] for r in fleet.module_runs(HOST)]


@pytest.mark.winrm
def test_whole_state_converges_in_two_module_runs(fleet, whole_state):
    result = fleet.run_module("mtls.iis.client_cert", whole_state).result(TASK, HOST)
    assert result["changed"] is True
    assert modes(fleet) == ["gather", "apply"]
    assert result["reboot_required"] is True  # Schannel changed


RANK = {
    "feature_install": 0,
    "store_create": 1,
    "cert_import": 2,
    "pfx_import": 2,
    "binding_add": 3,
    "httpsys_set": 4,
    "access_set": 5,
    "auth_set": 5,
    "one_to_one_set": 5,
    "schannel_set": 6,
}


def test_plan_follows_the_global_order(fleet, whole_state):
    result = fleet.run_module("mtls.iis.client_cert", whole_state, check=True).result(TASK, HOST)
    ranks = [RANK[op["op"]] for op in result["plan"]]
    assert set(ranks) == set(RANK.values())
    assert ranks == sorted(ranks)


def test_rerun_is_one_module_run_without_change(fleet, whole_state):
    fleet.run_module("mtls.iis.client_cert", whole_state)
    fleet.clear_runs()
    run = fleet.run_module("mtls.iis.client_cert", whole_state)
    assert run.recap()[HOST] == {"ok": 1, "changed": 0, "unreachable": 0, "failed": 0}
    assert modes(fleet) == ["gather"]


def test_no_cross_part_warning_when_the_task_fixes_both_sides(fleet, whole_state):
    result = fleet.run_module("mtls.iis.client_cert", whole_state).result(TASK, HOST)
    assert not any("TLS 1.3" in w or "sslctlstorename" in w for w in result.get("warnings", []))


def test_converged_host_has_every_part(fleet, whole_state, pki_set):
    fleet.run_module("mtls.iis.client_cert", whole_state)
    state = fleet.state(HOST)
    assert pki_set["root"].thumbprint in seed.thumbprints(state, "Root")
    assert seed.schannel_value(state, "ClientAuthTrustMode") == 2
    assert seed.httpsys_record(state, "hostnameport", "api.contoso.com:443")["ctl_store_name"] == "ClientAuthIssuer"
    assert seed.location_flags(state, f"{SITE}/api") == "Ssl, SslNegotiateCert, SslRequireCert"
    assert [m["user"] for m in seed.one_to_one(state, SITE)] == ["CONTOSO\\svc"]


def test_check_mode_changes_nothing(fleet, whole_state):
    before = json.dumps(fleet.state(HOST), sort_keys=True)
    result = fleet.run_module("mtls.iis.client_cert", whole_state, check=True, diff=True).result(TASK, HOST)
    assert result["changed"] is True and result["reboot_required"] is False
    assert json.dumps(fleet.state(HOST), sort_keys=True) == before
    assert "ClientAuthTrustMode: 2 (exclusive_ca)" in result["diff"]["after"]


def test_size_of_the_state_does_not_add_module_runs(fleet, pki_set):
    for n in range(5):
        state = fleet.state(HOST)
        seed.add_site(state, f"site{n}")
        fleet.save(HOST, state)
    args = {
        "sites": [
            {"name": f"site{n}", "ssl": [{"path": f"app{k}", "require_ssl": True} for k in range(4)]} for n in range(5)
        ]
    }
    fleet.run_module("mtls.iis.client_cert", args)
    assert modes(fleet) == ["gather", "apply"]


def test_errors_name_the_nested_option(fleet, whole_state):
    whole_state["sites"][0]["bindings"][0]["port"] = 0
    result = fleet.run_module("mtls.iis.client_cert", whole_state).result(TASK, HOST)
    assert result["failed"] is True
    assert result["msg"].startswith("sites[0].bindings[0].port: ")
    assert fleet.module_runs(HOST) == []


def test_the_same_binding_twice_is_refused(fleet, whole_state):
    whole_state["sites"][0]["bindings"].append(dict(whole_state["sites"][0]["bindings"][0]))
    result = fleet.run_module("mtls.iis.client_cert", whole_state).result(TASK, HOST)
    assert result["msg"].startswith("sites[0].bindings[1]: repeats the binding of sites[0].bindings[0]")


def test_password_never_shown(fleet, whole_state):
    run = fleet.run_tasks([{"name": TASK, "mtls.iis.client_cert": whole_state}], "-vvv", diff=True)
    recorded = json.dumps([r.get("reply") for r in fleet.module_runs(HOST)])
    assert run.recap()[HOST]["failed"] == 0
    for text in (run.stdout, run.stderr, json.dumps(run.results), recorded):
        assert PASSWORD not in text
