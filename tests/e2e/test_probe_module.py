"""mtls.iis.probe through real ansible-playbook: delegated to the controller, secrets kept out of every output,
expectations failing the task with the explanation, and nothing run on the Windows host."""

from __future__ import annotations

import json

import pytest
from support import pki
from support.tls_servers import Nginx

PFX_PASSWORD = "probe-Pfx-pa55-e2e"


@pytest.fixture(scope="module")
def played(tmp_path_factory):
    from support.playbook import SimFleet

    tmp_path = tmp_path_factory.mktemp("probe")
    fleet = SimFleet(tmp_path, ("web01",))
    server_root = pki.make_root("Probe Server Root")
    server = pki.make_leaf("localhost", server_root, eku=("serverAuth",), san=("localhost",))
    client_root = pki.make_root("Probe Client Root")
    alice = pki.make_leaf("alice", client_root)
    pfx = fleet.write_file("alice.pfx", alice.pfx(PFX_PASSWORD, chain=[client_root]))
    ca = fleet.write_file("server-root.pem", server_root.pem)
    probe = {"client_certificate": {"pfx": str(pfx), "password": PFX_PASSWORD}, "ca_bundle": {"path": str(ca)}}
    with Nginx(tmp_path / "nginx", server, client_ca=[client_root], verify="on") as nginx:
        tasks = [
            {
                "name": "accepted",
                "mtls.iis.probe": {"url": nginx.url, **probe, "expect_status": [200]},
                "delegate_to": "localhost",
            },
            {
                "name": "no certificate",
                "mtls.iis.probe": {"url": nginx.url, "ca_bundle": probe["ca_bundle"], "expect_status": ["200"]},
                "delegate_to": "localhost",
                "ignore_errors": True,
            },
            {
                "name": "not delegated",
                "mtls.iis.probe": {"url": nginx.url},
                "ignore_errors": True,
            },
            {
                "name": "wrong password",
                "mtls.iis.probe": {"url": nginx.url, "client_certificate": {"pfx": str(pfx), "password": "nope-Nope"}},
                "delegate_to": "localhost",
                "ignore_errors": True,
            },
        ]
        run = fleet.run_tasks(tasks, "-vvv", check=True)
    return fleet, run, alice


def test_probe_delegated_to_the_controller_gets_in_with_a_pfx_in_check_mode(played):
    _unused, run, _unused = played
    result = run.result("accepted", "web01")
    assert result["failed"] is False and result["changed"] is False
    assert (result["status"], result["client_certificate_requested"]) == (200, "handshake")
    assert result["acceptable_ca_names"] == ["CN=Probe Client Root"]
    assert result["server_chain_validation"]["valid"] is True


def test_unmet_expectation_fails_the_task_with_the_explanation(played):
    _unused, run, _unused = played
    result = run.result("no certificate", "web01")
    assert result["failed"] is True
    assert "expected status 200, got HTTP 400" in result["msg"]
    assert "presented none" in result["msg"]


def test_probe_not_delegated_fails_with_the_advice_and_runs_nothing_on_the_windows_host(played):
    fleet, run, _unused = played
    result = run.result("not delegated", "web01")
    assert result["failed"] is True and "delegate_to: localhost" in result["msg"]
    assert fleet.module_runs("web01") == []


def test_wrong_pfx_password_names_the_option(played):
    _unused, run, _unused = played
    assert run.result("wrong password", "web01")["msg"].startswith("client_certificate.password:")


def test_pfx_password_and_private_key_appear_in_no_output(played):
    _unused, run, alice = played
    key_body = alice.key_pem.splitlines()[1]
    outputs = run.stdout + run.stderr + json.dumps(run.results)
    assert PFX_PASSWORD not in outputs
    assert key_body not in outputs
