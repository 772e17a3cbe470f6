"""The role proves its work from the client's side (client_cert_auth_verify), and playbooks/verify.yml does it alone:
probes against a real TLS server on loopback, delegated to the controller, no module run on the Windows hosts."""

from __future__ import annotations

import json

import pytest
from support import pki
from support.collection import REPO_ROOT
from support.playbook import SimFleet
from support.tls_servers import Nginx

HOSTS = ("web01", "web02")
SITE = "Default Web Site"
PFX_PASSWORD = "verify-Pfx-pa55"
CONVERGE = REPO_ROOT / "playbooks" / "converge.yml"
VERIFY = REPO_ROOT / "playbooks" / "verify.yml"
PROBE_TASK = "Probe from the client's side"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("nginx")
    server_root = pki.make_root("Verify Server Root")
    client_root = pki.make_root("Verify Client Root")
    nginx = Nginx(
        tmp_path,
        pki.make_leaf("localhost", server_root, eku=("serverAuth",), san=("localhost",)),
        client_ca=[client_root],
        verify="on",
    )
    with nginx:
        yield nginx, server_root, client_root, pki.make_leaf("alice", client_root)


@pytest.fixture
def fleet(tmp_path, server):
    nginx, server_root, client_root, alice = server
    fleet = SimFleet(tmp_path, HOSTS)
    pfx = fleet.write_file("alice.pfx", alice.pfx(PFX_PASSWORD))
    ca = fleet.write_file("server-root.pem", server_root.pem)
    fleet.group_vars = {
        "client_cert_auth_trust": {"certificates": [{"content": client_root.pem}]},
        "client_cert_auth_sites": [{"name": SITE, "ssl": [{"path": "api", "client_certificates": "require"}]}],
        "client_cert_auth_verify": [
            {
                "url": nginx.url,
                "client_certificate": {"pfx": str(pfx), "password": PFX_PASSWORD},
                "ca_bundle": {"path": str(ca)},
            }
        ],
    }
    return fleet


def host_state_runs(fleet: SimFleet) -> int:
    return sum(1 for h in HOSTS for r in fleet.module_runs(h) if r["mode"])


def probes(run) -> list[dict]:
    return [r for r in run.results if r["task"].endswith(PROBE_TASK)]


def test_converge_then_probe_passes_and_costs_no_extra_module_run(fleet):
    run = fleet.run_playbook(CONVERGE, "-e", "mtls_hosts=windows")
    assert run.rc == 0, run.stdout + run.stderr
    assert host_state_runs(fleet) == 4  # gather + apply per host; the probes run on the controller
    results = [item for r in probes(run) for item in r["result"]["results"]]
    assert [(r["status"], r["client_certificate_requested"]) for r in results] == [(200, "handshake")] * 2


def test_failed_expectation_fails_the_host_with_the_probes_explanation(fleet):
    fleet.group_vars["client_cert_auth_verify"][0].pop("client_certificate")
    run = fleet.run_playbook(CONVERGE, "-e", "mtls_hosts=windows")
    assert run.rc != 0
    assert all(run.recap()[h]["failed"] == 1 for h in HOSTS)
    message = probes(run)[0]["result"]["results"][0]["msg"]
    assert "expected status 200, got HTTP 400" in message and "presented none" in message


def test_check_mode_converge_runs_no_probe(fleet):
    run = fleet.run_playbook(CONVERGE, "-e", "mtls_hosts=windows", "--check")
    assert run.rc == 0, run.stdout
    assert all(
        r["status"] == "skipped" for r in run.results if r["task"] == "Prove the converge from the client's side"
    )
    assert probes(run) == []


def test_verify_playbook_probes_without_touching_the_hosts(fleet):
    run = fleet.run_playbook(VERIFY, "-e", "mtls_hosts=windows")
    assert run.rc == 0, run.stdout + run.stderr
    assert host_state_runs(fleet) == 0
    assert len(probes(run)) == len(HOSTS)


def test_pfx_password_is_in_no_result_and_the_loop_item_is_an_index(fleet):
    run = fleet.run_playbook(VERIFY, "-e", "mtls_hosts=windows", "-v")
    assert PFX_PASSWORD not in run.stdout + json.dumps(run.results)
    assert {item["item"] for r in probes(run) for item in r["result"]["results"]} == {0}


def test_probe_without_url_fails_before_any_module_run(fleet):
    fleet.group_vars["client_cert_auth_verify"] = [{"expect_status": [200]}]
    run = fleet.run_playbook(CONVERGE, "-e", "mtls_hosts=windows")
    assert run.rc != 0 and "url" in run.stdout
    assert host_state_runs(fleet) == 0
