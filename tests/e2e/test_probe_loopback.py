"""mtls.iis.probe against real TLS servers on loopback: Debian's nginx and a server that asks after the request.

Each test runs the probe's client (the module's code, in this process) against a server started for it, and the
controller's explanation of what the client saw, exactly as the action plugin chains them.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.mtls.iis.plugins.module_utils import tls_probe
from ansible_collections.mtls.iis.plugins.plugin_utils.certs import utcnow
from ansible_collections.mtls.iis.plugins.plugin_utils.probe_inputs import ProbeRequest
from ansible_collections.mtls.iis.plugins.plugin_utils.probe_report import explain, unmet_expectation
from support import pki
from support.collection import REPO_ROOT
from support.tls_servers import AfterRequestServer, Nginx, nothing_listening


@pytest.fixture(scope="module")
def pkis() -> dict[str, pki.Issued]:
    server_root = pki.make_root("Loopback Server Root")
    client_root = pki.make_root("Contoso Client Root")
    issuing = pki.make_intermediate("Contoso Client Issuing CA", client_root)
    other_root = pki.make_root("Fabrikam Client Root")
    return {
        "server_root": server_root,
        "server": pki.make_leaf("localhost", server_root, eku=("serverAuth",), san=("localhost", "IP:127.0.0.1")),
        "client_root": client_root,
        "issuing": issuing,
        "alice": pki.make_leaf("alice", issuing),
        "expired": pki.make_leaf("old-alice", issuing, not_before=pki.days(-30), not_after=pki.days(-1)),
        "stranger": pki.make_leaf("mallory", other_root),
        "other_root": other_root,
    }


def probe(
    url: str,
    pkis: dict[str, pki.Issued],
    client: str | None = None,
    chain: tuple[str, ...] = ("issuing",),
    ca_bundle: pki.Issued | None = None,
    **options: Any,
) -> dict[str, Any]:
    """What the action plugin returns: options checked, the module's client run, the observation explained."""
    identity = pkis[client] if client else None
    args = {
        "url": url,
        "server_name": None,
        "client_certificate": {
            "content": identity.pem + "".join(pkis[c].pem for c in chain),
            "key_content": identity.key_pem,
        }
        if identity
        else None,
        "ca_bundle": {"content": (ca_bundle or pkis["server_root"]).pem},
        "tls_version": "auto",
        "retry_tls12": True,
        "timeout": 5,
        "expect_status": None,
        "expiry_warning_days": 30,
        **options,
    }
    request = ProbeRequest.from_options(args, lambda path, option: Path(path).read_bytes())
    observation = tls_probe.observe_params(request.module_args(args))
    return explain(request, observation, (list(request.ca_bundle or ()), "ca_bundle"), utcnow())


def nginx(tmp_path: Path, pkis: dict[str, pki.Issued], verify: str, protocols: str = "TLSv1.2 TLSv1.3") -> Nginx:
    """Sends the issuing CA's name; verifies up to the client root, which it does not list."""
    return Nginx(
        tmp_path / "nginx",
        pkis["server"],
        client_ca=[pkis["issuing"]],
        trusted_ca=[pkis["client_root"]],
        verify=verify,
        protocols=protocols,
    )


# -- when the server asks, and which CA names it sends -----------------------------------------------------------
@pytest.mark.parametrize("protocols,version", [("TLSv1.3", "TLSv1.3"), ("TLSv1.2", "TLSv1.2")])
def test_handshake_request_with_ca_names_is_reported(tmp_path, pkis, protocols, version):
    with nginx(tmp_path, pkis, "on", protocols) as server:
        result = probe(server.url, pkis, "alice")
    assert result["tls"]["version"] == version
    assert result["client_certificate_requested"] == "handshake"
    assert result["acceptable_ca_names"] == ["CN=Contoso Client Issuing CA"]
    assert result["client_issuer_in_ca_list"] is True
    assert (result["status"], result["outcome"]["id"]) == (200, "ACCEPTED")


def test_optional_client_certificate_is_requested_and_not_required(tmp_path, pkis):
    with nginx(tmp_path, pkis, "optional") as server:
        result = probe(server.url, pkis)
    assert result["client_certificate_requested"] == "handshake"
    assert result["client_certificate_sent"] is False
    assert result["status"] == 200


def test_server_that_never_asks_is_reported_as_no_request(tmp_path, pkis):
    with nginx(tmp_path, pkis, "off") as server:
        result = probe(server.url, pkis, "alice")
    assert result["client_certificate_requested"] == "no"
    assert result["acceptable_ca_names"] == []
    assert result["client_certificate_sent"] is False
    assert result["outcome"]["id"] == "ACCEPTED"


def test_request_after_the_path_is_reported_as_renegotiation(pkis):
    with AfterRequestServer(pkis["server"], max_version="1.2", ca_names=[pkis["client_root"]]) as server:
        result = probe(server.url, pkis, "alice")
    assert result["client_certificate_requested"] == "after_request"
    assert result["acceptable_ca_names"] == ["CN=Contoso Client Root"]
    assert result["status"] == 200
    warning = next(p for p in result["problems"] if p["id"] == "RENEGOTIATION_AFTER_REQUEST")
    assert (warning["severity"], warning["finding"]) == ("warning", "TLS13_RENEGOTIATION")


def test_iis_substatus_is_read_from_the_detailed_error_page(pkis):
    with AfterRequestServer(pkis["server"], max_version="1.2") as server:
        result = probe(server.url, pkis)
    assert (result["status"], result["substatus"]) == (403, 7)
    assert result["outcome"]["id"] == "CLIENT_CERT_REQUIRED"


# -- the TLS 1.3 trap ----------------------------------------------------------------------------------------------
def test_tls13_reset_after_the_request_is_the_trap_and_tls12_shows_the_renegotiation(pkis):
    with AfterRequestServer(pkis["server"], max_version="1.3", tls13="reset") as server:
        result = probe(server.url, pkis, "alice")
        connections = server.connections
    assert result["outcome"]["id"] == "TLS13_TRAP"
    assert result["outcome"]["finding"] == "TLS13_RENEGOTIATION"
    assert result["error"]["kind"] == "reset"
    assert result["tls12_retry"]["client_certificate_requested"] == "after_request"
    assert result["tls12_retry"]["status"] == 200
    assert connections == 2


def test_tls13_http500_of_server_2025_is_the_trap(pkis):
    with AfterRequestServer(pkis["server"], max_version="1.3", tls13="http500") as server:
        result = probe(server.url, pkis, "alice")
    assert (result["status"], result["outcome"]["id"]) == (500, "TLS13_TRAP")
    assert "HTTP 500 0x80070032" in result["outcome"]["summary"]


def test_trap_is_not_probed_again_when_the_retry_is_off(pkis):
    with AfterRequestServer(pkis["server"], max_version="1.3") as server:
        result = probe(server.url, pkis, "alice", retry_tls12=False)
        connections = server.connections
    assert result["outcome"]["id"] == "TLS13_TRAP"
    assert "tls12_retry" not in result
    assert connections == 1


# -- client certificates the server refuses ------------------------------------------------------------------------
def test_wrong_client_ca_is_named_as_issuer_not_in_the_servers_list(tmp_path, pkis):
    with nginx(tmp_path, pkis, "on") as server:
        result = probe(server.url, pkis, "stranger", chain=())
    assert result["client_issuer_in_ca_list"] is False
    assert result["status"] == 400
    assert result["outcome"]["id"] == "CLIENT_ISSUER_NOT_IN_CA_LIST"
    assert result["outcome"]["finding"] == "ISSUER_NOT_IN_ISSUER_STORE"
    assert "CN=Fabrikam Client Root" in result["outcome"]["summary"]


def test_expired_client_certificate_is_named(tmp_path, pkis):
    with nginx(tmp_path, pkis, "on") as server:
        result = probe(server.url, pkis, "expired")
    assert result["status"] == 400
    assert (result["outcome"]["id"], result["outcome"]["finding"]) == ("CLIENT_CERT_EXPIRED", "CLIENT_CERT_EXPIRED")


def test_expired_client_certificate_refused_by_a_handshake_alert_is_named(pkis):
    server = AfterRequestServer(pkis["server"], ask="handshake", trust=[pkis["client_root"], pkis["issuing"]])
    with server:
        result = probe(server.url, pkis, "expired")
    assert result["error"]["alert"] == "certificate expired"
    assert result["outcome"]["id"] == "CLIENT_CERT_EXPIRED"


def test_untrusted_client_ca_alert_names_the_missing_root(pkis):
    with AfterRequestServer(pkis["server"], ask="handshake", trust=[pkis["client_root"]]) as server:
        result = probe(server.url, pkis, "stranger", chain=())
    assert result["error"]["alert"] == "unknown ca"
    assert (result["outcome"]["id"], result["outcome"]["finding"]) == (
        "CLIENT_CERT_UNTRUSTED",
        "CLIENT_ROOT_NOT_TRUSTED",
    )


def test_certificate_refused_for_another_reason_names_the_iis_substatus_finding(pkis):
    with AfterRequestServer(pkis["server"], max_version="1.2", with_certificate="401.2") as server:
        result = probe(server.url, pkis, "alice")
    assert (result["status"], result["substatus"]) == (401, 2)
    assert (result["outcome"]["id"], result["outcome"]["finding"]) == ("CLIENT_CERT_REJECTED", "CLIENT_NOT_MAPPED")
    assert "mtls.iis.diagnose" in result["outcome"]["summary"]


def test_missing_client_certificate_is_named(tmp_path, pkis):
    with nginx(tmp_path, pkis, "on") as server:
        result = probe(server.url, pkis)
    assert result["outcome"]["id"] == "CLIENT_CERT_REQUIRED"
    assert "presented none" in result["outcome"]["summary"]


# -- the server's own chain ----------------------------------------------------------------------------------------
def test_server_chain_from_an_unknown_ca_is_invalid(tmp_path, pkis):
    with nginx(tmp_path, pkis, "off") as server:
        result = probe(server.url, pkis, ca_bundle=pkis["other_root"])
    assert result["status"] == 200
    assert result["server_chain_validation"]["valid"] is False
    assert result["outcome"]["id"] == "SERVER_CHAIN_INVALID"


def test_server_certificate_for_another_name_is_invalid(tmp_path, pkis):
    with nginx(tmp_path, pkis, "off") as server:
        result = probe(server.url.replace("localhost", "127.0.0.1"), pkis, server_name="api.contoso.com")
    assert result["server_chain_validation"]["name"] == "api.contoso.com"
    assert result["server_chain_validation"]["valid"] is False


def test_server_chain_is_validated_for_an_ip_without_sni(tmp_path, pkis):
    with nginx(tmp_path, pkis, "off") as server:
        result = probe(server.url.replace("localhost", "127.0.0.1"), pkis)
    assert result["server_chain_validation"] == {
        "valid": True,
        "error": "",
        "against": "ca_bundle",
        "name": "127.0.0.1",
    }
    assert result["server_chain"][0]["subject"] == "CN=localhost"


# -- connections and expectations ----------------------------------------------------------------------------------
def test_refused_connection_is_named():
    with nothing_listening() as port:
        request_pkis = {"server_root": pki.make_root("Unused")}
        result = probe(f"https://127.0.0.1:{port}/", request_pkis)
    assert result["outcome"]["id"] == "CONNECTION_FAILED"
    assert "nothing listens there" in result["outcome"]["summary"]


def test_unmet_expectation_explains_the_outcome(tmp_path, pkis):
    with nginx(tmp_path, pkis, "on") as server:
        result = probe(server.url, pkis, "expired", expect_status=["200"])
        request = ProbeRequest.from_options(
            {"url": server.url, "expect_status": ["200"], "timeout": 5, "expiry_warning_days": 30}, None
        )
    message = unmet_expectation(request, result)
    assert message.startswith(f"{server.url}: expected status 200, got HTTP 400.")
    assert "finding CLIENT_CERT_EXPIRED" in message


def test_every_finding_the_probe_names_is_a_diagnose_finding():
    diagnosis = (REPO_ROOT / "plugins" / "plugin_utils" / "diagnosis.py").read_text()
    # a diagnose finding is built either directly (Finding("ID", ...)) or from a chain problem (PROBLEM_FINDINGS)
    known = set(re.findall(r'Finding\(\s*"([A-Z0-9_]+)"', diagnosis))
    known |= set(re.findall(r'^    "[A-Z0-9_]+": \(\n        "([A-Z0-9_]+)",', diagnosis, re.MULTILINE))
    report = ast.parse((REPO_ROOT / "plugins" / "plugin_utils" / "probe_report.py").read_text())
    named = {
        node.value
        for node in ast.walk(report)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.fullmatch(r"[A-Z0-9_]{6,}", node.value)
    }
    probe_only = {
        "ACCEPTED",
        "CONNECTION_FAILED",
        "HANDSHAKE_ALERT",
        "HANDSHAKE_FAILED",
        "TLS13_TRAP",
        "CLIENT_CERT_REQUIRED",
        "CLIENT_ISSUER_NOT_IN_CA_LIST",
        "CLIENT_CERT_UNTRUSTED",
        "CLIENT_CERT_REJECTED",
        "NO_ANSWER",
        "HTTP_ERROR",
        "RENEGOTIATION_AFTER_REQUEST",
        "SERVER_CHAIN_INVALID",
        "CLIENT_CERT_EXPIRING",
    }
    assert named - probe_only <= known, named - probe_only - known
