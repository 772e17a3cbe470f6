"""mtls.iis.probe's action plugin in-process: its checks before the client runs, and what it makes of the answer.

The probe's client (the module's code) runs in this process against loopback servers (tests/support/tls_servers.py);
tests/e2e/test_probe_loopback.py covers the explanations against Debian's nginx.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

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
        "other_root": pki.make_root("Fabrikam Client Root"),
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


@contextmanager
def closing_server() -> Iterator[int]:
    """A loopback port that accepts TCP connections and closes them at once, before any TLS (a few at most)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5)

    def serve() -> None:
        for _attempt in range(4):
            try:
                conn, _address = listener.accept()
            except OSError:
                return
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()
        thread.join(5)


def _after_request(host: SimHost, pkis, server: AfterRequestServer, client: str | None = "alice", **args):
    options = {"url": f"https://localhost:{server.port}/", "ca_bundle": {"content": pkis["server_root"].pem}}
    if client:
        options["client_certificate"] = {"content": pkis[client].pem, "key_content": pkis[client].key_pem}
    return probe(host, {**options, **args}).result


def test_a_client_issuer_among_the_ca_names_the_server_sent_is_reported_listed(host, pkis):
    with AfterRequestServer(pkis["server"], max_version="1.2", ca_names=[pkis["client_root"]]) as server:
        result = _after_request(host, pkis, server)
    assert (result["status"], result["client_issuer_in_ca_list"]) == (200, True)
    assert result["acceptable_ca_names"] == ["CN=Contoso Client Root"]


def test_a_client_certificate_accepted_though_its_issuer_is_not_among_the_ca_names_draws_a_warning(host, pkis):
    with AfterRequestServer(pkis["server"], max_version="1.2", ca_names=[pkis["other_root"]]) as server:
        result = _after_request(host, pkis, server)
    assert (result["status"], result["client_issuer_in_ca_list"]) == (200, False)
    assert "CLIENT_ISSUER_NOT_IN_CA_LIST" in [p["id"] for p in result["problems"]]


def test_a_server_chain_that_does_not_validate_but_has_not_expired_names_no_expiry_finding(host, pkis):
    with AfterRequestServer(pkis["server"], max_version="1.2") as server:
        result = _after_request(host, pkis, server, ca_bundle={"content": pkis["other_root"].pem})
    assert result["server_chain_validation"]["valid"] is False
    assert (result["outcome"]["id"], result["outcome"]["finding"]) == ("SERVER_CHAIN_INVALID", None)


def test_a_connection_closed_before_the_tls_handshake_is_a_handshake_failure_not_an_alert(host):
    with closing_server() as port:
        result = probe(host, {"url": f"https://127.0.0.1:{port}/", "retry_tls12": False}).result
    assert result["outcome"]["id"] == "HANDSHAKE_FAILED"
