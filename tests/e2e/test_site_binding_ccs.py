"""mtls.iis.site_binding with ccs: true (Central Certificate Store bindings, issue 10 item 8) through real
ansible-playbook runs against a simulated Windows host: the binding has sslFlags SNI | CentralCertStore and no
certificate, its client-certificate options live on the ccs record of its port (WINDOWS_FACTS BINDING-9, HTTPSYS-10)."""

from __future__ import annotations

import json

import pytest
from simhost import seed
from support import pki

HOST = "win01"
TASK = "under test"
SITE = "Default Web Site"
HOSTNAME = "api.contoso.com"
BI = f"*:443:{HOSTNAME}"
CCS = ("ccs", "443")
SNI = ("hostnameport", f"{HOSTNAME}:443")
ARGS = {
    "site": SITE,
    "host": HOSTNAME,
    "ccs": True,
    "negotiate_client_certificate": True,
    "client_auth_issuer_store": "ClientAuthIssuer",
    "revocation_check": "cached_only",
}


@pytest.fixture(scope="module")
def server():
    return pki.make_leaf(HOSTNAME, pki.make_root("Contoso Server CA"), eku=("serverAuth",), san=(HOSTNAME,))


@pytest.fixture
def ccs_host(fleet):
    """A host with the Central Certificate Store feature installed."""
    state = fleet.state(HOST)
    seed.install_feature(state, "Web-CertProvider")
    fleet.save(HOST, state)
    return fleet


def modes(fleet):
    return [r["mode"] for r in fleet.module_runs(HOST)]


def plan(result):
    return [(op["op"], op.get("kind"), op.get("key")) for op in result["plan"]]


def test_a_ccs_binding_with_client_certificate_options_converges_in_two_runs(ccs_host):
    result = ccs_host.run_module("mtls.iis.site_binding", ARGS).result(TASK, HOST)
    assert plan(result) == [("binding_add", None, None), ("httpsys_set", *CCS)]
    assert modes(ccs_host) == ["gather", "apply"]
    state = ccs_host.state(HOST)
    binding = seed.binding(state, SITE, BI)
    assert (binding["ssl_flags"], binding["certificate_hash"]) == (3, "")
    record = seed.httpsys_record(state, *CCS)
    assert (record["default_flags"] & 0x2, record["ctl_store_name"], record["cert_check_mode"] & 0x2) == (
        0x2,
        "ClientAuthIssuer",
        0x2,
    )
    assert seed.httpsys_record(state, *SNI) is None


def test_the_rerun_of_a_ccs_binding_is_one_module_run_with_no_change(ccs_host):
    ccs_host.run_module("mtls.iis.site_binding", ARGS)
    ccs_host.clear_runs()
    run = ccs_host.run_module("mtls.iis.site_binding", ARGS)
    assert run.recap()[HOST] == {"ok": 1, "changed": 0, "unreachable": 0, "failed": 0}
    assert modes(ccs_host) == ["gather"]


def test_check_mode_changes_nothing_and_the_diff_names_the_ccs_record(ccs_host):
    before = json.dumps(ccs_host.state(HOST), sort_keys=True)
    result = ccs_host.run_module("mtls.iis.site_binding", ARGS, check=True, diff=True).result(TASK, HOST)
    assert result["changed"] is True
    assert "ccs 443" in result["diff"]["after"] and "ccs 443" not in result["diff"]["before"]
    assert "3 (SNI, CentralCertStore)" in result["diff"]["after"]
    assert json.dumps(ccs_host.state(HOST), sort_keys=True) == before
    assert modes(ccs_host) == ["gather"]


def test_a_fixed_binding_switched_to_ccs_is_replaced_and_its_record_deleted(ccs_host, server):
    state = ccs_host.state(HOST)
    seed.add_cert(state, "My", server.der, has_private_key=True)
    seed.add_binding(state, SITE, BI, ssl_flags=1, certificate_hash=server.thumbprint)
    ccs_host.save(HOST, state)
    result = ccs_host.run_module("mtls.iis.site_binding", ARGS).result(TASK, HOST)
    assert plan(result) == [("binding_add", None, None), ("httpsys_set", *CCS), ("httpsys_remove", *SNI)]
    state = ccs_host.state(HOST)
    assert seed.binding(state, SITE, BI)["ssl_flags"] == 3
    assert seed.httpsys_record(state, *SNI) is None
    assert seed.httpsys_record(state, *CCS)["default_flags"] & 0x2
    ccs_host.clear_runs()
    ccs_host.run_module("mtls.iis.site_binding", ARGS)
    assert modes(ccs_host) == ["gather"]


def test_an_option_the_task_does_not_state_survives_the_switch_to_ccs(ccs_host, server):
    state = ccs_host.state(HOST)
    seed.add_cert(state, "My", server.der, has_private_key=True)
    seed.add_binding(state, SITE, BI, ssl_flags=1, certificate_hash=server.thumbprint)
    seed.set_httpsys_options(state, *SNI, default_flags=0x1)  # the DS mapper, set outside mtls.iis
    ccs_host.save(HOST, state)
    result = ccs_host.run_module("mtls.iis.site_binding", ARGS).result(TASK, HOST)
    assert plan(result)[0] == ("httpsys_save", *CCS)
    assert seed.httpsys_record(ccs_host.state(HOST), *CCS)["default_flags"] & 0x1


def test_a_ccs_binding_switched_to_a_fixed_certificate_gets_its_record_and_the_ccs_record_goes(ccs_host, server):
    ccs_host.run_module("mtls.iis.site_binding", ARGS)
    state = ccs_host.state(HOST)
    seed.add_cert(state, "My", server.der, has_private_key=True)
    ccs_host.save(HOST, state)
    fixed = {**ARGS, "ccs": False, "certificate": {"thumbprint": server.thumbprint}}
    result = ccs_host.run_module("mtls.iis.site_binding", fixed).result(TASK, HOST)
    # Every option the ccs record had is stated, so no copy is saved before IIS writes the new record.
    assert plan(result) == [("binding_add", None, None), ("httpsys_set", *SNI), ("httpsys_remove", *CCS)]
    state = ccs_host.state(HOST)
    assert seed.binding(state, SITE, BI)["certificate_hash"] == server.thumbprint
    assert seed.httpsys_record(state, *CCS) is None
    record = seed.httpsys_record(state, *SNI)
    assert (record["cert_hash"], record["default_flags"] & 0x2) == (server.thumbprint, 0x2)
    ccs_host.clear_runs()
    ccs_host.run_module("mtls.iis.site_binding", fixed)
    assert modes(ccs_host) == ["gather"]


def test_a_ccs_binding_is_refused_before_any_apply_when_web_certprovider_is_missing(fleet):
    run = fleet.run_module("mtls.iis.site_binding", ARGS)
    result = run.result(TASK, HOST)
    assert result["failed"] is True
    assert "ccs" in result["msg"] and "Web-CertProvider" in result["msg"]
    assert modes(fleet) == ["gather"]


def test_a_certificate_given_with_ccs_names_the_option_in_client_cert(ccs_host, server):
    args = {
        "sites": [
            {"name": SITE, "bindings": [{"host": HOSTNAME, "ccs": True, "certificate": {"thumbprint": "AB" * 20}}]}
        ]
    }
    result = ccs_host.run_module("mtls.iis.client_cert", args).result(TASK, HOST)
    assert result["failed"] is True
    assert "sites[0].bindings[0].certificate" in result["msg"] and "ccs: false" in result["msg"]
    assert modes(ccs_host) == []
