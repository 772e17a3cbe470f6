"""Role mtls.iis.client_cert_auth and the fleet playbooks on three simulated hosts."""

from __future__ import annotations

import json

import pytest
import yaml
from simhost import seed
from support import pki
from support.collection import REPO_ROOT
from support.playbook import SimFleet

HOSTS = ("web01", "web02", "web03")
SITE = "Default Web Site"
CONVERGE = REPO_ROOT / "playbooks" / "converge.yml"
AUDIT = REPO_ROOT / "playbooks" / "audit.yml"


@pytest.fixture(scope="module")
def chain():
    root = pki.make_root("Contoso Root")
    return root, pki.make_intermediate("Contoso Issuing CA", root)


@pytest.fixture
def fleet(tmp_path, chain):
    fleet = SimFleet(tmp_path, HOSTS)
    root, issuing = chain
    fleet.group_vars = {
        "client_cert_auth_trust": {"certificates": [{"content": root.pem}, {"content": issuing.pem}]},
        "client_cert_auth_schannel": {"client_auth_trust_mode": "machine"},
        "client_cert_auth_sites": [{"name": SITE, "ssl": [{"path": "api", "client_certificates": "accept"}]}],
    }
    return fleet


def runs(fleet):
    return {h: [r["mode"] for r in fleet.module_runs(h) if r["mode"]] for h in HOSTS}


def total(fleet):
    return sum(len(v) for v in runs(fleet).values())


def converge(fleet, *args):
    return fleet.run_playbook(CONVERGE, "-e", "mtls_hosts=windows", *args)


def states(fleet):
    return {h: json.dumps(fleet.state(h), sort_keys=True) for h in HOSTS}


@pytest.mark.winrm
def test_three_hosts_with_changes_cost_six_module_runs(fleet):
    run = converge(fleet)
    assert all(run.recap()[h]["changed"] == 1 for h in HOSTS), run.stdout
    assert total(fleet) == 6


@pytest.mark.winrm
def test_rerun_costs_three_module_runs_and_changes_nothing(fleet):
    converge(fleet)
    fleet.clear_runs()
    run = converge(fleet)
    assert all(run.recap()[h]["changed"] == 0 for h in HOSTS)
    assert total(fleet) == 3


def test_serial_batches_cost_the_same(fleet):
    run = converge(fleet, "-e", "mtls_serial=1")
    assert run.rc == 0
    assert total(fleet) == 6


@pytest.mark.winrm
def test_audit_changes_nothing_and_writes_the_report(fleet, tmp_path):
    before = states(fleet)
    run = fleet.run_playbook(AUDIT, "-e", "mtls_hosts=windows", "-e", f"mtls_audit_report_dir={tmp_path / 'report'}")
    assert run.rc == 0, run.stdout + run.stderr
    assert states(fleet) == before
    assert total(fleet) == 3
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    assert {h["host"]: h["status"] for h in report["hosts"]} == dict.fromkeys(HOSTS, "drifting")
    assert (tmp_path / "report" / "report.html").exists()


def test_invalid_role_variable_fails_before_any_module_run(fleet):
    fleet.group_vars["client_cert_auth_schannel"] = {"client_auth_trust_mode": "strict"}
    run = converge(fleet)
    assert run.rc != 0
    assert "client_auth_trust_mode" in run.stdout
    assert "client_cert_auth_schannel" in run.stdout
    assert total(fleet) == 0


def test_unknown_role_variable_option_fails_before_any_module_run(fleet):
    fleet.group_vars["client_cert_auth_sites"] = [{"name": SITE, "bindngs": []}]
    run = converge(fleet)
    assert run.rc != 0 and "bindngs" in run.stdout
    assert total(fleet) == 0


def _their_playbook(fleet, body):
    path = fleet.workdir / "theirs.yml"
    path.write_text(
        yaml.safe_dump([{"name": "Someone else's play", "hosts": "windows", "gather_facts": False, **body}])
    )
    return path


def test_include_role_from_another_playbook(fleet):
    playbook = _their_playbook(
        fleet,
        {
            "tasks": [
                {"name": "Their own task", "ansible.builtin.debug": {"msg": "hello"}},
                {"name": "Use the role", "ansible.builtin.include_role": {"name": "mtls.iis.client_cert_auth"}},
            ]
        },
    )
    run = fleet.run_playbook(playbook)
    assert run.rc == 0, run.stdout
    assert total(fleet) == 6


def test_import_role_honours_tags(fleet):
    playbook = _their_playbook(
        fleet,
        {"tasks": [{"name": "Use the role", "ansible.builtin.import_role": {"name": "mtls.iis.client_cert_auth"}}]},
    )
    assert fleet.run_playbook(playbook, "--skip-tags", "mtls").rc == 0
    assert total(fleet) == 0
    assert fleet.run_playbook(playbook, "--tags", "client_cert_auth").rc == 0
    assert total(fleet) == 6


@pytest.mark.winrm
def test_check_and_diff_through_the_role_change_nothing(fleet):
    before = states(fleet)
    run = converge(fleet, "--check", "--diff")
    assert run.rc == 0
    assert "--- before: IIS client certificate state" in run.stdout
    assert states(fleet) == before


def test_reboot_without_ansible_windows_fails_clearly(fleet):
    fleet.group_vars["client_cert_auth_schannel"] = {"client_auth_trust_mode": "exclusive_ca"}
    fleet.group_vars["client_cert_auth_reboot"] = True
    run = converge(fleet)
    assert run.rc != 0
    assert "ansible.windows" in run.stdout and "client_cert_auth_reboot" in run.stdout


def test_pending_reboot_is_reported_when_not_rebooting(fleet):
    fleet.group_vars["client_cert_auth_schannel"] = {"client_auth_trust_mode": "exclusive_ca"}
    run = converge(fleet)
    assert run.rc == 0
    assert "needs a reboot" in run.stdout


def test_audit_reports_failed_and_in_sync_hosts(fleet, tmp_path):
    converge(fleet, "--limit", "web01")
    state = fleet.state("web03")
    seed.set_iis_installed(state, False)
    fleet.save("web03", state)
    run = fleet.run_playbook(AUDIT, "-e", "mtls_hosts=windows", "-e", f"mtls_audit_report_dir={tmp_path / 'r'}")
    assert run.rc == 0, run.stdout
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    assert {h["host"]: h["status"] for h in report["hosts"]} == {
        "web01": "in_sync",
        "web02": "drifting",
        "web03": "failed",
    }
    assert report["summary"]["failed"] == 1
