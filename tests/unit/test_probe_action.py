"""mtls.iis.probe's action plugin in-process: its checks before the client runs, and what it makes of the answer.

The probe's client (the module's code) runs in this process against loopback servers (tests/support/tls_servers.py);
tests/e2e/test_probe_loopback.py covers the explanations against Debian's nginx.
"""

from __future__ import annotations

import pytest
from support import pki
from support.action_host import SimHost
from support.tls_servers import AfterRequestServer, nothing_listening


@pytest.fixture(autouse=True)
def _verdict_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MTLS_IIS_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def host(tmp_path) -> SimHost:
    return SimHost(tmp_path, name="controller")


@pytest.fixture(scope="module")
def pkis() -> dict[str, pki.Issued]:
    server_root = pki.make_root("Loopback Server Root")
    client_root = pki.make_root("Contoso Client Root")
    return {
        "server_root": server_root,
        "server": pki.make_leaf("localhost", server_root, eku=("serverAuth",), san=("localhost", "IP:127.0.0.1")),
        "client_root": client_root,
        "alice": pki.make_leaf("alice", client_root),
    }


def probe(host: SimHost, args: dict, shell_family: str = "sh"):
    return host.run("probe", {"timeout": 5, **args}, shell_family=shell_family)


def test_a_probe_run_on_the_windows_host_fails_and_says_to_delegate_it(host):
    run = probe(host, {"url": "https://localhost/"}, shell_family="powershell")
    assert (run.result["failed"], run.result["changed"], run.runs) == (True, False, [])
    assert "not on the Windows host controller" in run.result["msg"]
    assert "delegate_to: localhost" in run.result["msg"]


def test_a_bad_option_fails_before_the_client_runs(host):
    run = probe(host, {"url": "https://localhost/", "timeout": 0})
    assert (run.result["failed"], run.runs) == (True, [])
    assert run.result["msg"].startswith("timeout")


def test_a_refused_connection_is_explained_and_changes_nothing(host):
    with nothing_listening() as port:
        run = probe(host, {"url": f"https://127.0.0.1:{port}/"})
    assert [module for module, _mode in run.runs] == ["mtls.iis.probe"]
    assert (run.result["changed"], run.result["outcome"]["id"]) == (False, "CONNECTION_FAILED")
    assert "failed" not in run.result


def test_without_a_ca_bundle_the_server_chain_is_checked_against_the_controllers_system_trust(host):
    with nothing_listening() as port:
        result = probe(host, {"url": f"https://127.0.0.1:{port}/"}).result
    assert result["server_chain_validation"]["against"].startswith("the controller's system trust")


def test_an_expected_status_not_met_fails_the_task_with_the_explanation(host, pkis):
    with AfterRequestServer(pkis["server"], max_version="1.2") as server:
        args = {"url": f"https://localhost:{server.port}/", "ca_bundle": {"content": pkis["server_root"].pem}}
        run = probe(host, {**args, "expect_status": ["200"]})
    assert run.result["failed"] is True
    assert run.result["msg"].startswith(f"https://localhost:{server.port}/: expected status 200, got HTTP 403.7.")


def test_an_expected_status_met_passes_and_checks_the_chain_against_the_ca_bundle(host, pkis):
    with AfterRequestServer(pkis["server"], max_version="1.2") as server:
        args = {"url": f"https://localhost:{server.port}/", "ca_bundle": {"content": pkis["server_root"].pem}}
        client = {"content": pkis["alice"].pem, "key_content": pkis["alice"].key_pem}
        result = probe(host, {**args, "client_certificate": client, "expect_status": ["200"]}).result
    assert "failed" not in result
    assert (result["status"], result["outcome"]["id"]) == (200, "ACCEPTED")
    assert result["server_chain_validation"] == {
        "valid": True,
        "error": "",
        "against": "ca_bundle",
        "name": "localhost",
    }
