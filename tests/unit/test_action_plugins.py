"""The action plugins and their common flow (plugin_utils/action_base.py), run in-process against a simulated host.

The end-to-end tests (tests/e2e) run the same plugins through ansible-playbook; these hold the plugins' own logic in
seconds, which is what a mutant run can afford (docs/TESTING.md, "Mutation testing").
"""

from __future__ import annotations

import base64

import pytest
from ansible.errors import AnsibleActionFail
from ansible.parsing.vault import VaultLib, VaultSecret
from simhost import seed
from support import pki
from support.action_host import SimHost


@pytest.fixture(autouse=True)
def _verdict_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MTLS_IIS_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def host(tmp_path) -> SimHost:
    return SimHost(tmp_path)


@pytest.fixture(scope="module")
def ca():
    root = pki.make_root("Contoso Client Root")
    return {"root": root, "issuing": pki.make_intermediate("Contoso Client Issuing CA", root)}


EXCLUSIVE_CA = {"client_auth_trust_mode": "exclusive_ca"}
SITE = "Default Web Site"


# -- the flow every module shares (action_base) -------------------------------------------------------------------
def test_a_change_is_gathered_then_applied_in_two_module_runs(host):
    run = host.run("schannel", EXCLUSIVE_CA)
    assert run.modes == ["gather", "apply"]
    assert [module for module, _mode in run.runs] == ["mtls.iis.host_state_gather", "mtls.iis.host_state_apply"]
    assert run.result["changed"] is True
    assert seed.schannel_value(host.state(), "ClientAuthTrustMode") == 2


def test_a_converged_host_is_read_once_and_reports_no_change(host):
    host.run("schannel", EXCLUSIVE_CA)
    run = host.run("schannel", EXCLUSIVE_CA)
    assert run.modes == ["gather"]
    assert (run.result["changed"], run.result["plan"], run.result["reboot_required"]) == (False, [], False)


def test_the_result_lists_the_plan_it_applied(host):
    run = host.run("schannel", EXCLUSIVE_CA)
    assert [op["op"] for op in run.result["plan"]] == ["schannel_set"]
    assert [op["status"] for op in run.result["ops_ran"]] == ["changed"]


def test_a_schannel_change_applied_requires_a_reboot(host):
    assert host.run("schannel", EXCLUSIVE_CA).result["reboot_required"] is True


def test_an_applied_change_that_needs_no_reboot_says_so(host):
    run = host.run("ssl_settings", {"path": SITE, "require_ssl": True})
    assert (run.result["changed"], run.result["reboot_required"]) == (True, False)


def test_check_mode_reads_once_changes_nothing_and_says_a_reboot_would_be_needed(host):
    before = host.state()
    run = host.run("schannel", EXCLUSIVE_CA, check_mode=True)
    assert run.modes == ["gather"]
    assert run.result["changed"] is True
    assert (run.result["reboot_required"], run.result["reboot_required_if_applied"]) == (False, True)
    assert host.state() == before


def test_a_converged_host_in_check_mode_needs_no_reboot_if_applied(host):
    host.run("schannel", EXCLUSIVE_CA)
    run = host.run("schannel", EXCLUSIVE_CA, check_mode=True)
    assert (run.result["changed"], run.result["reboot_required_if_applied"]) == (False, False)


def test_no_diff_is_rendered_without_diff_mode(host):
    assert "diff" not in host.run("schannel", EXCLUSIVE_CA).result


@pytest.mark.parametrize(
    ("plugin", "args", "header"),
    [
        ("schannel", EXCLUSIVE_CA, "Schannel client authentication"),
        ("ssl_settings", {"path": SITE, "require_ssl": True}, "IIS SSL settings"),
        ("failed_request_tracing", {"site": SITE}, "IIS Failed Request Tracing"),
        ("trusted_certs", {"non_self_signed_roots": "report"}, "trusted CA certificates"),
    ],
)
def test_the_diff_is_headed_with_the_part_the_module_manages(host, plugin, args, header):
    diff = host.run(plugin, args, diff=True, check_mode=True).result["diff"]
    assert (diff["before_header"], diff["after_header"]) == (f"{header} (before)", f"{header} (after)")


def test_the_diff_shows_the_value_before_and_after(host):
    diff = host.run("schannel", EXCLUSIVE_CA, diff=True).result["diff"]
    assert "ClientAuthTrustMode" in diff["after"]
    assert diff["before"] != diff["after"]


def test_an_option_of_the_wrong_shape_fails_the_task_before_the_host_is_read(host):
    with pytest.raises(AnsibleActionFail, match="client_auth_trust_mode"):
        host.run("schannel", {"client_auth_trust_mode": "sometimes"})


def test_an_option_the_controller_refuses_fails_without_reading_the_host(host):
    run = host.run("site_binding", {"site": SITE, "port": 65536})
    assert (run.result["failed"], run.result["changed"], run.modes) == (True, False, [])
    assert "port" in run.result["msg"]


def test_a_missing_site_fails_after_the_gather_and_changes_nothing(host):
    run = host.run("ssl_settings", {"path": "No Such Site", "require_ssl": True})
    assert (run.result["failed"], run.result["changed"], run.modes) == (True, False, ["gather"])
    assert "No Such Site" in run.result["msg"]


def test_a_connection_lost_before_the_gather_is_unreachable_and_changes_nothing(host):
    with host.seeded() as state:
        seed.add_connection_drop(state, before="gather")
    run = host.run("schannel", EXCLUSIVE_CA)
    assert (run.result["unreachable"], run.result["changed"]) == (True, False)
    assert "nothing was changed (the host was not read)" in run.result["msg"]


def test_a_connection_lost_during_the_apply_is_unreachable_and_says_which_ops_ran_is_unknown(host):
    with host.seeded() as state:
        seed.add_connection_drop(state, before="apply")
    run = host.run("schannel", EXCLUSIVE_CA)
    assert (run.result["unreachable"], run.result["changed"], "ops_ran" in run.result) == (True, False, False)
    assert "plan of 1 op(s)" in run.result["msg"]


def test_a_failing_op_fails_the_task_and_reports_what_changed(host):
    with host.seeded() as state:
        seed.add_fault(state, "schannel_set", {}, "access denied")
    run = host.run("schannel", EXCLUSIVE_CA)
    assert (run.result["failed"], run.result["changed"], run.result["reboot_required"]) == (True, False, False)
    assert "access denied" in run.result["msg"]
    assert "0 of 1 op(s) changed the host" in run.result["msg"]
    assert [op["status"] for op in run.result["ops_ran"]] == ["failed"]


def test_the_plans_warnings_reach_the_result(host):
    warnings = host.run("schannel", EXCLUSIVE_CA).result["warnings"]
    assert [w.split(" accepts ")[0] for w in warnings] == ["ClientAuthTrustMode=2 (exclusive_ca)"]


def test_a_read_only_module_reports_no_change_and_no_plan(host):
    result = host.run("client_cert_info", {}).result
    assert result["changed"] is False
    assert "plan" not in result and "reboot_required" not in result


# -- client_cert_info --------------------------------------------------------------------------------------------
def test_info_names_each_store_once_as_windows_spells_it(host):
    result = host.run("client_cert_info", {"stores": ["root", "ROOT", "clientauthissuer"]}).result
    assert list(result["stores"]) == ["Root", "ClientAuthIssuer"]


def test_info_says_whether_each_store_exists(host):
    stores = host.run("client_cert_info", {"stores": ["Root", "ClientAuthIssuer"]}).result["stores"]
    assert (stores["Root"]["exists"], stores["ClientAuthIssuer"]["exists"]) == (True, False)


def test_info_reads_the_host_in_one_gather(host):
    assert host.run("client_cert_info", {}).modes == ["gather"]


def test_info_reports_each_certificate_with_its_private_key_flag(host, ca):
    with host.seeded() as state:
        seed.add_cert(state, "My", ca["issuing"].der, has_private_key=True)
        seed.add_cert(state, "Root", ca["root"].der)
    stores = host.run("client_cert_info", {"stores": ["My", "Root"]}).result["stores"]
    assert [(c["thumbprint"], c["has_private_key"]) for c in stores["My"]["certificates"]] == [
        (ca["issuing"].thumbprint, True)
    ]
    assert [c["has_private_key"] for c in stores["Root"]["certificates"]] == [False]


def test_info_includes_the_der_only_when_asked(host, ca):
    with host.seeded() as state:
        seed.add_cert(state, "Root", ca["root"].der)
    without = host.run("client_cert_info", {"stores": ["Root"]}).result["stores"]["Root"]["certificates"][0]
    with_der = host.run("client_cert_info", {"stores": ["Root"], "include_der": True}).result
    assert "der" not in without
    assert base64.b64decode(with_der["stores"]["Root"]["certificates"][0]["der"]) == ca["root"].der


def test_info_reports_an_absent_trust_mode_as_the_default_machine_mode(host):
    schannel = host.run("client_cert_info", {}).result["schannel"]
    assert schannel["ClientAuthTrustMode"] == {"value": None, "effective": 0, "mode": "machine"}
    assert schannel["SendTrustedIssuerList"] == {"value": None, "effective": 0}


def test_info_reports_a_trust_mode_that_is_no_dword_as_unknown(host):
    with host.seeded() as state:
        seed.set_registry_value(state, "ClientAuthTrustMode", "2", type="REG_SZ")
    schannel = host.run("client_cert_info", {}).result["schannel"]
    assert schannel["ClientAuthTrustMode"] == {"value": "2", "effective": None, "mode": None}


def test_info_reports_the_trust_mode_by_name(host):
    with host.seeded() as state:
        seed.set_registry_value(state, "ClientAuthTrustMode", 1)
    schannel = host.run("client_cert_info", {}).result["schannel"]
    assert schannel["ClientAuthTrustMode"] == {"value": 1, "effective": 1, "mode": "exclusive_root"}


def test_info_leaves_out_schannel_and_httpsys_when_not_asked(host):
    result = host.run("client_cert_info", {"schannel": False, "httpsys": False}).result
    assert "schannel" not in result and "httpsys_bindings" not in result


def test_info_lists_the_httpsys_records(host, ca):
    with host.seeded() as state:
        seed.add_binding(state, SITE, "*:443:", certificate_hash=ca["root"].thumbprint)
    records = host.run("client_cert_info", {"schannel": False}).result["httpsys_bindings"]
    assert [(r["kind"], r["key"], r["cert_hash"]) for r in records] == [
        ("ipport", "0.0.0.0:443", ca["root"].thumbprint)
    ]


def test_info_names_the_host_it_read(host):
    assert host.run("client_cert_info", {}).result["host"]["computer_name"] == "WEB01"


# -- trusted_certs -----------------------------------------------------------------------------------------------
def test_trusted_certs_reports_an_intermediate_in_the_root_store_and_not_a_root(host, ca):
    with host.seeded() as state:
        seed.add_cert(state, "Root", ca["root"].der)
        seed.add_cert(state, "Root", ca["issuing"].der)
    result = host.run("trusted_certs", {}).result
    assert [c["thumbprint"] for c in result["non_self_signed_roots"]] == [ca["issuing"].thumbprint]


# -- client_cert ---------------------------------------------------------------------------------------------------
def test_client_cert_without_audit_returns_no_audit(host):
    assert "audit" not in host.run("client_cert", {"schannel": EXCLUSIVE_CA}).result


def test_client_cert_audit_looks_30_days_ahead_unless_told(host):
    assert host.run("client_cert", {"schannel": EXCLUSIVE_CA, "audit": {}}).result["audit"]["expiry_days"] == 30


def test_client_cert_audit_reports_the_expiry_window_asked_for(host):
    result = host.run("client_cert", {"schannel": EXCLUSIVE_CA, "audit": {"expiry_days": 12}}).result
    assert result["audit"]["expiry_days"] == 12


def test_client_cert_audit_lists_the_trusted_cas_the_task_names(host, ca):
    with host.seeded() as state:
        seed.add_cert(state, "Root", ca["root"].der)
    args = {"trust": {"certificates": [{"content": ca["root"].pem}]}, "audit": {}}
    run = host.run("client_cert", args)
    assert [c["thumbprint"] for c in run.result["audit"]["ca_certificates"]] == [ca["root"].thumbprint]
    assert run.modes == ["gather"]


def test_client_cert_audit_lists_the_client_auth_issuers_the_task_names(host, ca):
    with host.seeded() as state:
        seed.add_cert(state, "CA", ca["issuing"].der)
    args = {"trust": {"client_auth_issuers": [{"content": ca["issuing"].pem}]}, "audit": {}}
    run = host.run("client_cert", args, check_mode=True)
    listed = {c["thumbprint"]: c["roles"] for c in run.result["audit"]["ca_certificates"]}
    assert listed == {ca["issuing"].thumbprint: ["declared trust"]}


def test_client_cert_audit_reads_the_sites_the_task_names(host, ca):
    with host.seeded() as state:
        seed.add_cert(state, "My", ca["issuing"].der, has_private_key=True)
        seed.add_binding(state, SITE, "*:443:", certificate_hash=ca["issuing"].thumbprint)
    run = host.run("client_cert", {"sites": [{"name": SITE}], "audit": {}})
    assert [c["thumbprint"] for c in run.result["audit"]["server_certificates"]] == [ca["issuing"].thumbprint]


# -- diagnose ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("port", [0, 65536])
def test_diagnose_refuses_a_port_outside_the_tcp_range(host, port):
    run = host.run("diagnose", {"site": SITE, "port": port})
    assert (run.result["failed"], run.modes) == (True, [])
    assert f"{port} is not a TCP port" in run.result["msg"]


@pytest.mark.parametrize("port", [1, 65535])
def test_diagnose_accepts_the_edges_of_the_tcp_range(host, port):
    assert "failed" not in host.run("diagnose", {"site": SITE, "port": port}).result


def test_diagnose_of_a_missing_site_is_an_error_not_a_finding(host):
    run = host.run("diagnose", {"site": "No Such Site"})
    assert run.result["failed"] is True and "No Such Site" in run.result["msg"]


def test_diagnose_counts_its_findings_by_severity(host):
    result = host.run("diagnose", {"site": SITE}).result
    for severity, count in result["counts"].items():
        assert count == sum(1 for f in result["findings"] if f["severity"] == severity)
    assert sum(result["counts"].values()) == len(result["findings"]) > 0


def test_diagnose_without_a_client_certificate_returns_no_client_chain(host):
    assert "client_chain" not in host.run("diagnose", {"site": SITE}).result


def test_diagnose_with_a_client_certificate_returns_its_chain(host, ca):
    leaf = pki.make_leaf("alice", ca["issuing"], eku=("clientAuth",))
    args = {"site": SITE, "client_certificate": {"content": leaf.pem + ca["issuing"].pem}}
    chain = host.run("diagnose", args).result["client_chain"]
    assert chain


def test_diagnose_refuses_two_chains_in_the_client_certificate(host, ca):
    other_root = pki.make_root("Fabrikam Root")
    alice = pki.make_leaf("alice", ca["issuing"], eku=("clientAuth",))
    bob = pki.make_leaf("bob", other_root, eku=("clientAuth",))
    args = {"site": SITE, "client_certificate": {"content": alice.pem + bob.pem}}
    run = host.run("diagnose", args)
    assert run.result["failed"] is True
    assert run.result["msg"].startswith("client_certificate")


def test_diagnose_checks_an_issuer_thumbprint_and_names_its_option(host):
    run = host.run("diagnose", {"site": SITE, "issuer_certificates": [{"thumbprint": "not hex"}]})
    assert run.result["failed"] is True
    assert "issuer_certificates[0].thumbprint" in run.result["msg"]


def test_diagnose_reads_an_issuer_from_a_controller_file(host, ca):
    (host.files / "issuing.pem").write_text(ca["issuing"].pem)
    run = host.run("diagnose", {"site": SITE, "issuer_certificates": [{"path": "issuing.pem"}]})
    assert "failed" not in run.result


def test_diagnose_names_the_option_of_a_missing_controller_file(host):
    run = host.run("diagnose", {"site": SITE, "issuer_certificates": [{"path": "missing.pem"}]})
    assert run.result["failed"] is True
    assert "issuer_certificates[0].path" in run.result["msg"]


def test_diagnose_checks_every_issuer_after_one_given_by_thumbprint(host):
    issuers = [{"thumbprint": "AB" * 20}, {"path": "missing.pem"}]
    run = host.run("diagnose", {"site": SITE, "issuer_certificates": issuers})
    assert run.result["failed"] is True
    assert "issuer_certificates[1].path" in run.result["msg"]


def _vaulted(data: str, password: str) -> bytes:
    return VaultLib([("default", VaultSecret(password.encode()))]).encrypt(data)


def test_diagnose_reads_a_vault_encrypted_issuer_file_with_the_vault_password(host, ca):
    (host.files / "issuing.pem.vault").write_bytes(_vaulted(ca["issuing"].pem, "s3cret"))
    args = {"site": SITE, "issuer_certificates": [{"path": "issuing.pem.vault"}]}
    assert "failed" not in host.run("diagnose", args, vault_password="s3cret").result


def test_a_vault_encrypted_file_without_the_vault_password_names_its_option(host, ca):
    (host.files / "issuing.pem.vault").write_bytes(_vaulted(ca["issuing"].pem, "s3cret"))
    run = host.run("diagnose", {"site": SITE, "issuer_certificates": [{"path": "issuing.pem.vault"}]})
    assert run.result["failed"] is True
    assert run.result["msg"].startswith("issuer_certificates[0].path: file issuing.pem.vault cannot be read")


def test_cert_mapping_leaves_mappings_below_the_site_unless_told_to_clear_them(host):
    with host.seeded() as state:
        seed.set_auth(state, f"{SITE}/api", "iis_mapping")
    run = host.run("cert_mapping", {"site": SITE, "install_feature": False}, check_mode=True)
    assert "section_clear" not in [op["op"] for op in run.result["plan"]]
    assert any("clear_below_site: true" in w for w in run.result["warnings"])
