"""The corpus of issue 11: where each certificate lands, what diagnose says, and what `openssl verify` says.

OpenSSL is an independent implementation of RFC 5280 path validation: where it and Windows agree, its verdict must
equal ours; where they differ, the case names the Microsoft source of the difference and OpenSSL must really give
the other answer (so the documented difference is checked, not assumed). Debian's openssl is installed by
`make test` (tools/ensure-openssl) when missing.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest
from ansible_collections.mtls.iis.plugins.plugin_utils.diagnosis import DiagnoseRequest, diagnose
from ansible_collections.mtls.iis.plugins.plugin_utils.errors import OptionError
from ansible_collections.mtls.iis.plugins.plugin_utils.trust import TrustDesired, plan_trust
from support import corpus, pki
from support.snapshots import trust_snapshot

NOW = datetime.now(timezone.utc)
CASES = corpus.build()
BY_NAME = {c.name: c for c in CASES}
SERVER = pki.make_leaf(corpus.HOST, pki.make_root("Server Root"), eku=("serverAuth",), san=(corpus.HOST,))


def _options(case: corpus.Case) -> dict:
    items = [{"path": "bundle.p7b"}] if case.trusted_data else [{"content": c.pem} for c in case.trusted]
    return {
        "certificates": items,
        "client_auth_issuers": [],
        "client_auth_issuer_store": "ClientAuthIssuer",
        "exclusive_client_auth_issuers": False,
        "non_self_signed_roots": "report",
        "state": "present",
    }


def _stores(case: corpus.Case) -> tuple[list[pki.Issued], list[pki.Issued]]:
    root = [c for c in case.trusted if case.placement[c.thumbprint] == "Root"]
    ca = [c for c in case.trusted if case.placement[c.thumbprint] == "CA"]
    return root, ca


def _diagnose(case: corpus.Case) -> list[dict]:
    root, ca = _stores(case)
    snapshot = corpus.host_snapshot(root, ca, SERVER, usage_check=case.usage_check)
    assert case.client is not None
    request = DiagnoseRequest(
        site=corpus.SITE, host=corpus.HOST, client=(case.client.cert, *(c.cert for c in case.sent))
    )
    findings, _unused = diagnose(request, snapshot, NOW)
    return [f.to_dict() for f in findings]


def _by_id(findings: list[dict]) -> dict[str, dict]:
    return {f["id"]: f for f in findings}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_certificate_lands_in_its_store(case):
    desired = TrustDesired.from_options(_options(case), lambda path, option: case.trusted_data or b"")
    plan = plan_trust(desired, trust_snapshot(), NOW)
    assert {op.args["thumbprint"]: op.args["store"] for op in plan.ops if op.name == "cert_import"} == case.placement


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_diagnose_reports_exactly_the_documented_sub_status(case):
    findings = _diagnose(case)
    errors = [(f["id"], f["status"]) for f in findings if f["severity"] == "error"]
    assert errors == sorted(case.errors.items()), findings
    assert ("CHAIN_CANNOT_TELL" in _by_id(findings)) is case.cannot_tell


def _openssl_accepts(case: corpus.Case, tmp_path: Path) -> tuple[bool, str]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.fail("openssl is missing: run tools/ensure-openssl (make test does)")
    root, ca = _stores(case)
    assert case.client is not None
    (tmp_path / "roots.pem").write_text("".join(c.pem for c in root))
    (tmp_path / "untrusted.pem").write_text("".join(c.pem for c in (*ca, *case.sent)) or root[0].pem)
    (tmp_path / "client.pem").write_text(case.client.pem)
    command = [openssl, "verify", "-purpose", "sslclient", "-CAfile", "roots.pem", "-untrusted", "untrusted.pem"]
    done = subprocess.run(
        [*command, "client.pem"], cwd=tmp_path, capture_output=True, text=True, timeout=30, check=False
    )
    return done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_openssl_verify_agrees_or_the_difference_is_documented(case, tmp_path):
    accepted, output = _openssl_accepts(case, tmp_path)
    if case.differs:
        # Where OpenSSL and Windows differ, the case cites the Microsoft source; OpenSSL must really differ.
        assert accepted is not case.windows_accepts, output
    else:
        assert accepted is case.windows_accepts, output


def test_a_healthy_host_never_gets_an_error_finding():
    findings = _diagnose(BY_NAME["three_tier"])
    assert [f for f in findings if f["severity"] == "error"] == []


def test_the_sha1_root_is_trusted_with_a_notice_not_an_error():
    findings = _diagnose(BY_NAME["sha1_root"])
    case = BY_NAME["sha1_root"]
    weak = {f["evidence"]["certificate"]: f["severity"] for f in findings if f["id"] == "CA_WEAK_SIGNATURE"}
    root, issuing = (f"{c.subject} ({c.thumbprint})" for c in case.trusted)
    assert weak == {root: "info", issuing: "warning"}
    assert "NON_SELF_SIGNED_IN_ROOT" not in _by_id(findings)


def test_an_rsa_1024_root_is_accepted_by_windows_though_the_web_pki_library_rejects_it():
    findings = _by_id(_diagnose(BY_NAME["rsa1024_root"]))
    assert findings["LIBRARY_REJECTS_CHAIN"]["severity"] == "info"
    assert findings["CA_RSA_UNDER_2048"]["severity"] == "warning"


def test_a_ca_false_certificate_is_refused_as_a_trusted_ca():
    not_ca = BY_NAME["ca_false_issuer"].sent[0]
    options = {**_options(BY_NAME["two_tier"]), "certificates": [{"content": not_ca.pem}]}
    with pytest.raises(OptionError, match=r"^certificates\[0\]: .*not a CA certificate"):
        TrustDesired.from_options(options, lambda path, option: b"")
