"""The audit report renders in headless Chromium with every host's row and status, each host's findings, the fleet's
expiry summary and a sortable certificate table; report.json and certificates.csv carry the same data; the audit
still costs one module run per host."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from simhost import seed
from support import pki
from support.collection import REPO_ROOT
from support.playbook import SimFleet

HOSTS = ("web01", "web02", "web03")
SITE = "Default Web Site"
API = "api.contoso.example"
PFX_PASSWORD = "audit-Pfx-pa55"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1000",
)


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    exe = shutil.which("chromium")
    assert exe, "Debian's chromium is needed (make test installs it: tools/ensure-chromium)"
    return subprocess.run(
        [exe, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium'}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def certs():
    root = pki.make_root("Contoso Client Root")
    server_root = pki.make_root("Contoso Server Root")
    return {
        "root": root,
        "issuing": pki.make_intermediate("Contoso Client Issuing CA", root),
        # the certificate the desired state binds expires in 20 days: every converged host shows it as expiring
        "api": pki.make_leaf(API, server_root, eku=("serverAuth",), san=(API,), not_after=pki.days(20), key_kind="rsa"),
        "old_api": pki.make_leaf(
            API, server_root, eku=("serverAuth",), san=(API,), not_before=pki.days(-400), not_after=pki.days(-5)
        ),
        "intranet": pki.make_leaf(
            "intranet.contoso.example", server_root, eku=("serverAuth",), not_after=pki.days(200)
        ),
        "partner": pki.make_intermediate("Fabrikam Partner Issuing CA", pki.make_root("Fabrikam Partner Root")),
    }


@pytest.fixture(scope="module")
def report(tmp_path_factory, certs):
    tmp_path = tmp_path_factory.mktemp("audit")
    fleet = SimFleet(tmp_path, HOSTS)
    pfx = fleet.write_file("api.pfx", certs["api"].pfx(PFX_PASSWORD))
    fleet.group_vars = {
        "client_cert_auth_trust": {
            "certificates": [{"content": certs["root"].pem}, {"content": certs["issuing"].pem}],
            "client_auth_issuers": [{"content": certs["issuing"].pem}],
        },
        "client_cert_auth_schannel": {"client_auth_trust_mode": "exclusive_ca"},
        "client_cert_auth_sites": [
            {
                "name": SITE,
                "bindings": [
                    {
                        "host": API,
                        "certificate": {"pfx": str(pfx), "password": PFX_PASSWORD},
                        "negotiate_client_certificate": True,
                        "client_auth_issuer_store": "ClientAuthIssuer",
                    }
                ],
                "ssl": [{"path": "api", "client_certificates": "require"}],
            }
        ],
    }
    fleet.run_playbook(REPO_ROOT / "playbooks" / "converge.yml", "-e", "mtls_hosts=windows", "--limit", "web01")
    # web02 drifted: an intermediate in Trusted Root, the binding still on last year's (expired) certificate, and
    # another site's binding that the desired state does not list
    state = fleet.state("web02")
    seed.add_cert(state, "Root", certs["partner"].der)
    seed.add_cert(state, "My", certs["old_api"].der, has_private_key=True)
    seed.add_binding(state, SITE, f"*:443:{API}", ssl_flags=1, certificate_hash=certs["old_api"].thumbprint)
    seed.add_site(state, "Intranet")
    seed.add_cert(state, "My", certs["intranet"].der, has_private_key=True)
    seed.add_binding(state, "Intranet", "*:8443:", certificate_hash=certs["intranet"].thumbprint)
    fleet.save("web02", state)
    state = fleet.state("web03")
    seed.set_iis_installed(state, False)  # the site is missing there: the audit reports web03 as failed
    fleet.save("web03", state)
    fleet.clear_runs()
    before = {h: json.dumps(fleet.state(h), sort_keys=True) for h in HOSTS}
    out = tmp_path / "report"
    run = fleet.run_playbook(
        REPO_ROOT / "playbooks" / "audit.yml", "-e", "mtls_hosts=windows", "-e", f"mtls_audit_report_dir={out}"
    )
    assert run.rc == 0, run.stdout + run.stderr
    runs = {h: [r["mode"] for r in fleet.module_runs(h) if r["mode"]] for h in HOSTS}
    after = {h: json.dumps(fleet.state(h), sort_keys=True) for h in HOSTS}
    return {"tmp": tmp_path, "out": out, "runs": runs, "unchanged": before == after, "stdout": run.stdout}


def dom(report, fragment: str = "") -> str:
    return chromium(report["tmp"], "--dump-dom", f"file://{report['out'] / 'report.html'}{fragment}").stdout


def certificate_order(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<tr class="[^"]*" data-host="([^"]+)" data-kind="[^"]+" data-thumbprint="([0-9A-F]+)"', page)


def test_audit_is_one_gather_per_host_and_changes_nothing(report):
    assert report["runs"] == {host: ["gather"] for host in HOSTS}
    assert report["unchanged"]


def test_every_host_row_and_status_is_in_the_rendered_page(report):
    page = dom(report)
    rows = dict(re.findall(r'<tr data-host="([^"]+)" data-status="([^"]+)">', page))
    assert rows == {"web01": "in_sync", "web02": "drifting", "web03": "failed"}
    expected = json.loads((report["out"] / "report.json").read_text())["summary"]
    assert re.search(rf'id="count-hosts">{expected["hosts"]}<', page)


def test_findings_with_severity_appear_per_host(report):
    page = dom(report)
    web02 = page[page.index('<section class="host" id="host-1">') : page.index('id="host-2"')]
    found = dict(re.findall(r'data-finding="([A-Z0-9_]+)" data-severity="([a-z]+)"', web02))
    assert found["NON_SELF_SIGNED_IN_ROOT"] == "error"
    assert found["SERVER_CERT_EXPIRED"] == "error"
    hosts = {h["host"]: h for h in json.loads((report["out"] / "report.json").read_text())["hosts"]}
    assert {f["id"] for f in hosts["web02"]["findings"]} == set(re.findall(r'data-finding="([A-Z0-9_]+)"', web02))
    assert {f["id"] for f in hosts["web01"]["findings"] if f["severity"] == "error"} == set()


def test_fleet_summary_counts_expiring_server_certificates_and_hosts(report):
    page = dom(report)
    summary = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", re.search(r'<p id="expiry-summary">(.*?)</p>', page, re.S)[1]))
    assert summary.startswith("2 server certificates on 2 hosts expire within 30 days")
    data = json.loads((report["out"] / "report.json").read_text())["summary"]
    assert data["expiring_server"] == {"certificates": 2, "hosts": 2}


def test_certificate_table_lists_every_server_certificate_soonest_expiry_first(report, certs):
    order = certificate_order(dom(report))
    data = json.loads((report["out"] / "report.json").read_text())["certificates"]
    assert order == [(c["host"], c["thumbprint"]) for c in data]
    servers = [(c["host"], c["thumbprint"]) for c in data if c["kind"] == "server"]
    assert servers == [
        ("web02", certs["old_api"].thumbprint),
        ("web01", certs["api"].thumbprint),
        ("web02", certs["intranet"].thumbprint),
    ]
    api = next(c for c in data if c["thumbprint"] == certs["api"].thumbprint)
    assert (api["key"], api["sans"], api["server_auth_eku"], api["expiring"]) == ("RSA 2048", API, True, True)


def test_ca_certificates_client_authentication_relies_on_are_listed(report, certs):
    data = json.loads((report["out"] / "report.json").read_text())["certificates"]
    web01 = {c["thumbprint"]: c for c in data if c["host"] == "web01" and c["kind"] == "ca"}
    assert set(web01) == {certs["root"].thumbprint, certs["issuing"].thumbprint}
    assert "client-auth issuer" in web01[certs["issuing"].thumbprint]["role"]


def test_certificate_table_sorts_by_a_column(report):
    order = certificate_order(dom(report, "#sort=host-desc"))
    assert [host for host, _unused in order] == sorted((host for host, _unused in order), reverse=True)
    assert order != certificate_order(dom(report))


def test_csv_carries_the_certificate_table(report):
    rows = list(csv.DictReader(io.StringIO((report["out"] / "certificates.csv").read_text(), newline="")))
    data = json.loads((report["out"] / "report.json").read_text())["certificates"]
    assert [(r["host"], r["thumbprint"], int(r["days_left"])) for r in rows] == [
        (c["host"], c["thumbprint"], c["days_left"]) for c in data
    ]


def test_screenshot_of_the_report_is_taken(report):
    shot = report["tmp"] / "report.png"
    chromium(
        report["tmp"], "--window-size=1280,2400", f"--screenshot={shot}", f"file://{report['out'] / 'report.html'}"
    )
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 40_000  # a blank page is a few KB; the report has cards, tables and text
