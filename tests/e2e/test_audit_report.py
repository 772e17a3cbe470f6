"""The audit report renders in headless Chromium with every host's row and status."""

from __future__ import annotations

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
def report(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("audit")
    fleet = SimFleet(tmp_path, HOSTS)
    root = pki.make_root("Contoso Root")
    fleet.group_vars = {
        "client_cert_auth_trust": {"certificates": [{"content": root.pem}]},
        "client_cert_auth_schannel": {"client_auth_trust_mode": "exclusive_ca"},
        "client_cert_auth_sites": [{"name": "Default Web Site", "ssl": [{"path": "api", "require_ssl": True}]}],
    }
    fleet.run_playbook(REPO_ROOT / "playbooks" / "converge.yml", "-e", "mtls_hosts=windows", "--limit", "web01")
    state = fleet.state("web03")
    seed.set_iis_installed(state, False)  # the site is missing there: the audit reports web03 as failed
    fleet.save("web03", state)
    out = tmp_path / "report"
    run = fleet.run_playbook(
        REPO_ROOT / "playbooks" / "audit.yml", "-e", "mtls_hosts=windows", "-e", f"mtls_audit_report_dir={out}"
    )
    assert run.rc == 0, run.stdout + run.stderr
    return tmp_path, out


def test_every_host_row_and_status_is_in_the_rendered_page(report):
    tmp_path, out = report
    dom = chromium(tmp_path, "--dump-dom", f"file://{out / 'report.html'}").stdout
    rows = dict(re.findall(r'<tr data-host="([^"]+)" data-status="([^"]+)">', dom))
    assert rows == {"web01": "in_sync", "web02": "drifting", "web03": "failed"}
    expected = json.loads((out / "report.json").read_text())["summary"]
    assert re.search(rf'id="count-hosts">{expected["hosts"]}<', dom)


def test_screenshot_of_the_report_is_taken(report):
    tmp_path, out = report
    shot = tmp_path / "report.png"
    chromium(tmp_path, f"--screenshot={shot}", f"file://{out / 'report.html'}")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 20_000  # a blank page is a few KB; the report has tables and text
