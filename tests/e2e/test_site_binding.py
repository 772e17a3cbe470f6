"""mtls.iis.site_binding through real ansible-playbook runs against a simulated Windows host."""

from __future__ import annotations

import json
import re

import pytest
from simhost import seed
from support import pki

HOST = "win01"
TASK = "under test"
SITE = "Default Web Site"
HOSTNAME = "api.contoso.com"
BI = f"*:443:{HOSTNAME}"
KEY = ("hostnameport", f"{HOSTNAME}:443")
PASSWORD = "Pfx-Pa55word!"


@pytest.fixture(scope="module")
def server_certs():
    ca = pki.make_root("Contoso Server CA")
    first = pki.make_leaf(HOSTNAME, ca, eku=("serverAuth",), san=(HOSTNAME,))
    second = pki.make_leaf(HOSTNAME, ca, eku=("serverAuth",), san=(HOSTNAME,))
    return first, second


@pytest.fixture
def pfx_args(fleet, server_certs):
    path = fleet.write_file("api.pfx", server_certs[0].pfx(PASSWORD))
    return {
        "site": SITE,
        "host": HOSTNAME,
        "certificate": {"pfx": str(path), "password": PASSWORD},
        "negotiate_client_certificate": True,
        "client_auth_issuer_store": "ClientAuthIssuer",
    }


def modes(fleet):
    return [r["mode"] for r in fleet.module_runs(HOST)]


@pytest.mark.winrm
def test_pfx_sni_binding_with_handshake_negotiation_converges_in_two_runs(fleet, pfx_args, server_certs):
    run = fleet.run_module("mtls.iis.site_binding", pfx_args)
    assert run.recap()[HOST]["changed"] == 1
    assert modes(fleet) == ["gather", "apply"]
    state = fleet.state(HOST)
    assert seed.binding(state, SITE, BI)["certificate_hash"] == server_certs[0].thumbprint
    record = seed.httpsys_record(state, *KEY)
    assert record["default_flags"] & 0x2
    assert record["ctl_store_name"] == "ClientAuthIssuer"


def test_rerun_is_one_module_run_with_no_change(fleet, pfx_args):
    fleet.run_module("mtls.iis.site_binding", pfx_args)
    fleet.clear_runs()
    run = fleet.run_module("mtls.iis.site_binding", pfx_args)
    assert run.recap()[HOST] == {"ok": 1, "changed": 0, "unreachable": 0, "failed": 0}
    assert modes(fleet) == ["gather"]


def test_replacing_the_certificate_keeps_every_httpsys_option(fleet, pfx_args, server_certs):
    fleet.run_module("mtls.iis.site_binding", {**pfx_args, "ds_mapper": True, "revocation_check": "cached_only"})
    new_pfx = fleet.write_file("api2.pfx", server_certs[1].pfx(PASSWORD))
    result = fleet.run_module(
        "mtls.iis.site_binding",
        {"site": SITE, "host": HOSTNAME, "certificate": {"pfx": str(new_pfx), "password": PASSWORD}},
    ).result(TASK, HOST)
    assert [op["op"] for op in result["plan"]] == ["pfx_import", "httpsys_save", "binding_set_cert", "httpsys_set"]
    record = seed.httpsys_record(fleet.state(HOST), *KEY)
    assert record["cert_hash"] == server_certs[1].thumbprint
    assert record["default_flags"] & 0x2 and record["default_flags"] & 0x1
    assert record["ctl_store_name"] == "ClientAuthIssuer"
    assert record["cert_check_mode"] & 0x2


def test_changing_disable_tls13_keeps_disable_http2(fleet, server_certs):
    state = fleet.state(HOST)
    seed.add_cert(state, "My", server_certs[0].der, has_private_key=True)
    seed.add_binding(state, SITE, BI, ssl_flags=1 | 4, certificate_hash=server_certs[0].thumbprint)
    fleet.save(HOST, state)
    fleet.run_module("mtls.iis.site_binding", {"site": SITE, "host": HOSTNAME, "disable_tls13": True})
    assert seed.binding(fleet.state(HOST), SITE, BI)["ssl_flags"] == 1 | 4 | 32


def test_httpsys_set_keeps_the_record_settings_the_module_does_not_manage(fleet, server_certs):
    # Issue 10 item 5: reject (0x8) and disable TLS 1.2 (0x1000), the URL retrieval timeout and the CTL identifier
    # were set outside mtls.iis; a revocation change rewrites the record and keeps them; the rerun changes nothing.
    state = fleet.state(HOST)
    seed.add_cert(state, "My", server_certs[0].der, has_private_key=True)
    seed.add_binding(state, SITE, BI, ssl_flags=1, certificate_hash=server_certs[0].thumbprint)
    seed.set_httpsys_options(
        state, *KEY, default_flags=0x8 | 0x1000, revocation_url_retrieval_timeout=15000, ctl_identifier="PartnerCtl"
    )
    fleet.save(HOST, state)
    args = {"site": SITE, "host": HOSTNAME, "revocation_check": "disabled"}
    result = fleet.run_module("mtls.iis.site_binding", args).result(TASK, HOST)
    assert [op["op"] for op in result["plan"]] == ["httpsys_set"]
    record = seed.httpsys_record(fleet.state(HOST), *KEY)
    assert (record["cert_check_mode"], record["default_flags"] & (0x8 | 0x1000)) == (1, 0x8 | 0x1000)
    assert (record["revocation_url_retrieval_timeout"], record["ctl_identifier"]) == (15000, "PartnerCtl")
    fleet.clear_runs()
    fleet.run_module("mtls.iis.site_binding", args)
    assert modes(fleet) == ["gather"]


def test_a_certificate_change_interrupted_after_iis_rewrote_the_record_loses_no_unmanaged_setting(fleet, server_certs):
    # IIS dropped reject, disabletls12, the URL retrieval timeout and the CTL identifier with the rest of the record
    # when the binding change committed; httpsys_set failed; the saved copy brings them back on the rerun.
    state = fleet.state(HOST)
    for cert in server_certs:
        seed.add_cert(state, "My", cert.der, has_private_key=True)
    seed.add_binding(state, SITE, BI, ssl_flags=1, certificate_hash=server_certs[0].thumbprint)
    seed.set_httpsys_options(
        state, *KEY, default_flags=0x8 | 0x1000, revocation_url_retrieval_timeout=15000, ctl_identifier="PartnerCtl"
    )
    seed.add_fault(state, "httpsys_set", {}, "The RPC server is unavailable.")
    fleet.save(HOST, state)
    args = {"site": SITE, "host": HOSTNAME, "certificate": {"thumbprint": server_certs[1].thumbprint, "store": "My"}}
    assert fleet.run_module("mtls.iis.site_binding", args).recap()[HOST]["failed"] == 1
    assert seed.httpsys_record(fleet.state(HOST), *KEY)["default_flags"] & 0x8 == 0
    state = fleet.state(HOST)
    seed.clear_faults(state)
    fleet.save(HOST, state)
    fleet.run_module("mtls.iis.site_binding", args)
    record = seed.httpsys_record(fleet.state(HOST), *KEY)
    assert (record["cert_hash"], record["default_flags"] & (0x8 | 0x1000)) == (server_certs[1].thumbprint, 0x1008)
    assert (record["revocation_url_retrieval_timeout"], record["ctl_identifier"]) == (15000, "PartnerCtl")


def test_check_mode_with_diff_changes_nothing(fleet, pfx_args, server_certs):
    before = json.dumps(fleet.state(HOST), sort_keys=True)
    result = fleet.run_module("mtls.iis.site_binding", pfx_args, check=True, diff=True).result(TASK, HOST)
    assert result["changed"] is True
    assert f"{SITE} {BI}" in result["diff"]["after"] and "negotiate_client_certificate: true" in result["diff"]["after"]
    assert json.dumps(fleet.state(HOST), sort_keys=True) == before
    assert modes(fleet) == ["gather"]


def test_password_never_appears_in_output_results_or_recorded_replies(fleet, pfx_args):
    run = fleet.run_module("mtls.iis.site_binding", pfx_args, diff=True)
    run2 = fleet.run_tasks([{"name": TASK, "mtls.iis.site_binding": pfx_args}], "-vvv")
    recorded = json.dumps([r.get("reply") for r in fleet.module_runs(HOST)])
    for text in (run.stdout, run.stderr, json.dumps(run.results), run2.stdout, run2.stderr, recorded):
        assert PASSWORD not in text


def test_absent_removes_binding_and_httpsys_record(fleet, pfx_args):
    fleet.run_module("mtls.iis.site_binding", pfx_args)
    fleet.run_module("mtls.iis.site_binding", {"site": SITE, "host": HOSTNAME, "state": "absent"})
    state = fleet.state(HOST)
    assert seed.binding(state, SITE, BI) is None
    assert seed.httpsys_record(state, *KEY) is None


def test_absent_keeps_the_ipport_record_another_sites_binding_shares(fleet, pfx_args):
    # Issue 10 item 10: non-SNI bindings of two sites on *:443 share 0.0.0.0:443 (WINDOWS_FACTS BINDING-8).
    state = fleet.state(HOST)
    seed.add_site(state, "Shop")
    fleet.save(HOST, state)
    fleet.run_module("mtls.iis.site_binding", {**pfx_args, "sni": False})
    shop = {**pfx_args, "site": "Shop", "host": "shop.contoso.com", "sni": False}
    fleet.run_module("mtls.iis.site_binding", shop)
    fleet.run_module("mtls.iis.site_binding", {"site": SITE, "host": HOSTNAME, "sni": False, "state": "absent"})
    state = fleet.state(HOST)
    assert seed.binding(state, SITE, BI) is None
    assert seed.httpsys_record(state, "ipport", "0.0.0.0:443")["ctl_store_name"] == "ClientAuthIssuer"
    fleet.run_module("mtls.iis.site_binding", {"site": "Shop", "host": "shop.contoso.com", "state": "absent"})
    assert seed.httpsys_record(fleet.state(HOST), "ipport", "0.0.0.0:443") is None


BAD_INPUT = {
    "missing_site": (
        {"site": "Nope", "host": HOSTNAME, "certificate": {"thumbprint": "AB" * 20}},
        r"^site: the IIS site 'Nope'",
    ),
    "sni_without_host": (
        {"site": SITE, "sni": True, "certificate": {"thumbprint": "AB" * 20}},
        r"^sni: SNI needs a host",
    ),
    "port_out_of_range": (
        {"site": SITE, "port": 65536, "certificate": {"thumbprint": "AB" * 20}},
        r"^port: 65536 is not",
    ),
    "malformed_thumbprint": (
        {"site": SITE, "certificate": {"thumbprint": "not-a-thumbprint"}},
        r"^certificate\.thumbprint: ",
    ),
    "certificate_nowhere": (
        {"site": SITE, "host": HOSTNAME, "certificate": {"thumbprint": "AB" * 20}},
        r"is not in LocalMachine\\My",
    ),
    "wrong_pfx_password": (
        {"site": SITE, "certificate": {"pfx": "@api.pfx", "password": "wrong"}},
        r"^certificate\.password: ",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_fails_with_the_option_and_nothing_applied(fleet, server_certs, case):
    fleet.write_file("api.pfx", server_certs[0].pfx(PASSWORD))
    args, pattern = BAD_INPUT[case]
    args = json.loads(json.dumps(args).replace("@", str(fleet.files) + "/"))
    before = json.dumps(fleet.state(HOST), sort_keys=True)
    result = fleet.run_module("mtls.iis.site_binding", args).result(TASK, HOST)
    assert result["failed"] is True
    assert re.search(pattern, result["msg"]), result["msg"]
    assert "apply" not in modes(fleet)
    assert json.dumps(fleet.state(HOST), sort_keys=True) == before
