"""mtls.iis.trusted_certs through real ansible-playbook runs against a simulated Windows host."""

from __future__ import annotations

import base64
import json
import re

import pytest
from simhost import seed
from support import pki

HOST = "win01"
TASK = "under test"


def host_state_modes(fleet) -> list[str]:
    return [r["mode"] for r in fleet.module_runs(HOST) if r["mode"]]


@pytest.fixture
def misplaced_host(fleet, chain):
    """Root holds the partner root and, wrongly, the partner intermediate."""
    state = fleet.state(HOST)
    seed.add_cert(state, "Root", chain["partner_root"].der)
    seed.add_cert(state, "Root", chain["partner_issuing"].der)
    fleet.save(HOST, state)
    return fleet


@pytest.fixture
def chain_args(fleet, chain):
    root = fleet.write_file("root.pem", chain["root"].pem)
    issuing = fleet.write_file("issuing.pem", chain["issuing"].pem)
    return {
        "certificates": [{"path": str(root)}, {"path": str(issuing)}],
        "client_auth_issuers": [{"content": chain["issuing"].pem}],
        "non_self_signed_roots": "move",
    }


def test_check_mode_reports_the_plan_and_changes_nothing(misplaced_host, chain_args):
    before = json.dumps(misplaced_host.state(HOST), sort_keys=True)
    run = misplaced_host.run_module("mtls.iis.trusted_certs", chain_args, check=True)
    result = run.result(TASK, HOST)
    assert result["changed"] is True
    assert [op["op"] for op in result["plan"]] == [
        "store_create",
        "cert_import",
        "cert_import",
        "cert_import",
        "cert_move",
    ]
    assert json.dumps(misplaced_host.state(HOST), sort_keys=True) == before
    assert host_state_modes(misplaced_host) == ["gather"]


def test_diff_shows_stores_before_and_after(misplaced_host, chain_args, chain):
    run = misplaced_host.run_module("mtls.iis.trusted_certs", chain_args, check=True, diff=True)
    diff = run.result(TASK, HOST)["diff"]
    assert f"CN=Fabrikam Partner Issuing CA ({chain['partner_issuing'].thumbprint})" in diff["before"]
    assert "ClientAuthIssuer: (store does not exist)" in diff["before"]
    assert f"CN=Contoso Client Root ({chain['root'].thumbprint})" in diff["after"]
    assert "--- before: trusted CA certificates" in run.stdout


def test_converge_with_changes_is_two_module_runs(misplaced_host, chain_args):
    run = misplaced_host.run_module("mtls.iis.trusted_certs", chain_args)
    assert run.recap()[HOST]["changed"] == 1
    assert host_state_modes(misplaced_host) == ["gather", "apply"]


def test_second_run_changes_nothing_in_one_module_run(misplaced_host, chain_args):
    misplaced_host.run_module("mtls.iis.trusted_certs", chain_args)
    misplaced_host.clear_runs()
    run = misplaced_host.run_module("mtls.iis.trusted_certs", chain_args)
    assert run.recap()[HOST] == {"ok": 1, "changed": 0, "unreachable": 0, "failed": 0}
    assert host_state_modes(misplaced_host) == ["gather"]


def test_converged_host_has_each_certificate_in_its_store(misplaced_host, chain_args, chain):
    misplaced_host.run_module("mtls.iis.trusted_certs", chain_args)
    state = misplaced_host.state(HOST)
    assert chain["root"].thumbprint in seed.thumbprints(state, "Root")
    assert chain["issuing"].thumbprint in seed.thumbprints(state, "CA")
    assert seed.thumbprints(state, "ClientAuthIssuer") == {chain["issuing"].thumbprint}
    assert chain["partner_issuing"].thumbprint not in seed.thumbprints(state, "Root")
    assert chain["partner_issuing"].thumbprint in seed.thumbprints(state, "CA")


def test_report_mode_warns_and_leaves_root_alone(misplaced_host, chain):
    run = misplaced_host.run_module("mtls.iis.trusted_certs", {"non_self_signed_roots": "report"})
    result = run.result(TASK, HOST)
    assert result["changed"] is False
    assert any(chain["partner_issuing"].thumbprint in w for w in result["warnings"])
    assert chain["partner_issuing"].thumbprint in seed.thumbprints(misplaced_host.state(HOST), "Root")


@pytest.mark.winrm
def test_move_failing_midway_reports_ops_ran_and_rerun_converges(misplaced_host, chain):
    state = misplaced_host.state(HOST)
    seed.add_fault(state, "cert_move", {"from_store": "Root"}, "Access is denied.", stage="remove")
    misplaced_host.save(HOST, state)

    failed = misplaced_host.run_module("mtls.iis.trusted_certs", {"non_self_signed_roots": "move"}).result(TASK, HOST)
    assert failed["failed"] is True
    assert "Access is denied." in failed["msg"]
    assert [(op["op"], op["status"]) for op in failed["ops_ran"]] == [("cert_move", "failed")]
    # added to CA before the removal from Root failed: the certificate is in both, nothing is lost
    after_failure = misplaced_host.state(HOST)
    tp = chain["partner_issuing"].thumbprint
    assert tp in seed.thumbprints(after_failure, "CA") and tp in seed.thumbprints(after_failure, "Root")

    after_failure["faults"] = []
    misplaced_host.save(HOST, after_failure)
    rerun = misplaced_host.run_module("mtls.iis.trusted_certs", {"non_self_signed_roots": "move"})
    assert rerun.recap()[HOST]["failed"] == 0
    assert tp not in seed.thumbprints(misplaced_host.state(HOST), "Root")


def test_exclusive_issuers_return_what_they_remove(fleet, chain):
    stale = pki.make_root("Old Partner Root")
    state = fleet.state(HOST)
    seed.add_cert(state, "ClientAuthIssuer", stale.der)
    fleet.save(HOST, state)
    args = {"client_auth_issuers": [{"content": chain["issuing"].pem}], "exclusive_client_auth_issuers": True}
    result = fleet.run_module("mtls.iis.trusted_certs", args).result(TASK, HOST)
    assert [c["thumbprint"] for c in result["returned_certificates"]] == [stale.thumbprint]
    assert base64.b64decode(result["returned_certificates"][0]["der"]) == stale.der
    assert seed.thumbprints(fleet.state(HOST), "ClientAuthIssuer") == {chain["issuing"].thumbprint}


def test_expired_ca_is_imported_with_a_warning(fleet):
    old = pki.make_root("Retired Root", not_before=pki.days(-800), not_after=pki.days(-1))
    result = fleet.run_module("mtls.iis.trusted_certs", {"certificates": [{"content": old.pem}]}).result(TASK, HOST)
    assert result["changed"] is True
    assert any("expired" in w for w in result["warnings"])
    assert old.thumbprint in seed.thumbprints(fleet.state(HOST), "Root")


BAD_INPUT = {
    "not_a_certificate": (
        {"certificates": [{"path": "@notes.txt"}]},
        r"certificates\[0\]\.path: .*is not a certificate",
    ),
    "private_key": ({"certificates": [{"path": "@root.key"}]}, r"certificates\[0\]\.path: .*private key"),
    "leaf_as_ca": ({"certificates": [{"path": "@client.pem"}]}, r"certificates\[0\]: .*not a CA certificate"),
    "missing_file": ({"certificates": [{"path": "@missing.pem"}]}, r"certificates\[0\]\.path: file .*was not found"),
    "bad_store_name": ({"client_auth_issuer_store": "Cert:\\Root"}, r"client_auth_issuer_store: .*not a valid"),
    "unknown_option": ({"certficates": []}, r"certficates"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_fails_naming_the_option_before_any_module_run(fleet, chain, case):
    fleet.write_file("notes.txt", "not a certificate\n")
    fleet.write_file("root.key", chain["root"].key_pem)
    fleet.write_file("client.pem", pki.make_leaf("client01", chain["issuing"]).pem)
    args, pattern = BAD_INPUT[case]
    args = json.loads(json.dumps(args).replace("@", str(fleet.files) + "/"))
    result = fleet.run_module("mtls.iis.trusted_certs", args).result(TASK, HOST)
    assert result["failed"] is True
    assert re.search(pattern, result["msg"]), result["msg"]
    assert fleet.module_runs(HOST) == []


def test_expiring_window_is_not_confused_with_expiry(fleet):
    soon = pki.make_root("Short Root", not_after=pki.days(5))
    result = fleet.run_module("mtls.iis.trusted_certs", {"certificates": [{"content": soon.pem}]}).result(TASK, HOST)
    assert result["changed"] is True
    assert not any("expired" in w for w in result.get("warnings", []))


def test_moved_certificates_are_not_reported_as_returned(misplaced_host):
    result = misplaced_host.run_module("mtls.iis.trusted_certs", {"non_self_signed_roots": "move"}).result(TASK, HOST)
    assert [op["op"] for op in result["ops_ran"]] == ["cert_move"]
    assert result["returned_certificates"] == []
