"""The bad-input catalogue (tests/support/bad_inputs.py) end to end: real ansible-playbook runs at -vvv.

Three playbook runs serve every row (one task or play per row, each a named test below): the rows judged from the
options alone (no module run may happen on the host), the rows that need the host's state (one gather each, never
an apply; warnings run in check mode) and the role's rows (one host each). After each run the host files must be
byte-identical, and no output may hold a traceback or a secret. Secrets reach the tasks from a vars file, as a
user's vault would: ansible-core 2.19+ prints the playbook source around a failing task, so a password written
literally into the playbook would show there whatever the module does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import yaml
from simhost import seed
from support import pki
from support.bad_inputs import CASES, PFX_PASSWORD, SITE, BadInput, materialise
from support.playbook import PlaybookRun, SimFleet
from winmodel.state import new_state

HOST = "win01"
ROLE_CASES = [c for c in CASES if c.module == "role"]
PURE_CASES = [c for c in CASES if c.module != "role" and not c.host]
HOST_CASES = [c for c in CASES if c.module != "role" and c.host]
ROLE_HOSTS = {case.name: f"role{index:02d}" for index, case in enumerate(ROLE_CASES)}
SECRETS = {
    secret: f"catalogue_secret_{index}" for index, secret in enumerate(sorted({s for c in CASES for s in c.secrets}))
}


@dataclass
class Outcome:
    run: PlaybookRun
    modes: dict[str, list[str]]  # host -> modes of the module runs
    unchanged: dict[str, bool]  # host -> host file byte-identical

    def output(self) -> str:
        return self.run.stdout + self.run.stderr


def _files(fleet: SimFleet) -> tuple[dict[str, str], pki.Issued]:
    ca = pki.make_root("Contoso Catalogue CA")
    server = pki.make_leaf("www.contoso.com", ca, eku=("serverAuth",), san=("www.contoso.com",))
    other = pki.make_leaf("www.contoso.com", ca, eku=("serverAuth",), san=("www.contoso.com",))
    client = pki.make_leaf("alice", ca)
    directory = fleet.files / "a-directory"
    directory.mkdir(exist_ok=True)
    files = {
        "@PFX": str(fleet.write_file("server.pfx", server.pfx(PFX_PASSWORD))),
        "@OTHER_PFX": str(fleet.write_file("other.pfx", other.pfx(PFX_PASSWORD))),
        "@CA_PEM": str(fleet.write_file("ca.pem", ca.pem)),
        "@CA_PEM_CONTENT": ca.pem,
        "@LEAF_PEM_CONTENT": client.pem,
        "@DIR": str(directory),
        "@THUMBPRINT": server.thumbprint,
    }
    files.update({secret: f"{{{{ {name} }}}}" for secret, name in SECRETS.items()})
    return files, server


def _seed(fleet: SimFleet, server: pki.Issued) -> None:
    """win01: the server certificate with its key in My, bound to *:443: whose record names ClientAuthIssuer (which
    does not exist); one fresh host per role row."""
    state = new_state()
    seed.add_cert(state, "My", server.der, has_private_key=True)
    seed.add_binding(state, SITE, "*:443:", 0, server.thumbprint)
    seed.set_httpsys_options(state, "ipport", "0.0.0.0:443", ctl_store_name="ClientAuthIssuer")
    fleet.save(HOST, state)
    for host in ROLE_HOSTS.values():
        fleet.save(host, new_state())


def _task(case: BadInput, files: dict[str, str]) -> dict[str, Any]:
    task: dict[str, Any] = {"name": case.name, f"mtls.iis.{case.module}": materialise(case.args, files)}
    task["ignore_errors"] = True
    if case.warning:
        task["check_mode"] = True
    if case.module == "probe":
        task["delegate_to"] = "localhost"
    return task


def _run(fleet: SimFleet, playbook: list[dict[str, Any]], name: str) -> Outcome:
    before = {host: fleet.state_path(host).read_bytes() for host in fleet.hosts}
    fleet.clear_runs()
    path = fleet.workdir / f"{name}.yml"
    path.write_text(yaml.safe_dump(playbook, sort_keys=False))
    run = fleet.run_playbook(path, "-vvv")
    return Outcome(
        run,
        {host: [r["mode"] for r in fleet.module_runs(host)] for host in fleet.hosts},
        {host: fleet.state_path(host).read_bytes() == before[host] for host in fleet.hosts},
    )


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    fleet = SimFleet(tmp_path_factory.mktemp("bad-inputs"), hosts=(HOST, *ROLE_HOSTS.values()))
    files, server = _files(fleet)
    _seed(fleet, server)

    secrets_file = fleet.write_file("secrets.yml", yaml.safe_dump({name: secret for secret, name in SECRETS.items()}))

    def play(hosts: str, tasks: list[dict[str, Any]], variables: dict[str, Any] | None = None) -> dict[str, Any]:
        return {
            "name": f"bad inputs on {hosts}",
            "hosts": hosts,
            "gather_facts": False,
            "vars_files": [str(secrets_file)],
            "vars": variables or {},
            "tasks": tasks,
        }

    # One play over every role host (a play whose hosts all fail would end the playbook), each host with its row's
    # variables in host_vars/ beside the playbook.
    host_vars = fleet.workdir / "host_vars"
    host_vars.mkdir(exist_ok=True)
    for case in ROLE_CASES:
        (host_vars / f"{ROLE_HOSTS[case.name]}.yml").write_text(yaml.safe_dump(materialise(case.args, files)))
    role_play = play(
        ",".join(ROLE_HOSTS.values()), [{"ansible.builtin.include_role": {"name": "mtls.iis.client_cert_auth"}}]
    )
    return {
        "pure": _run(fleet, [play(HOST, [_task(c, files) for c in PURE_CASES])], "pure"),
        "host": _run(fleet, [play(HOST, [_task(c, files) for c in HOST_CASES])], "host"),
        "role": _run(fleet, [role_play], "role"),
    }


def _check_message(case: BadInput, text: str) -> None:
    assert case.option in text
    assert case.fix in text
    assert case.core_message or "Fix:" in text
    assert "Traceback" not in text


def _check_output(case: BadInput, outcome: Outcome) -> None:
    output = outcome.output()
    assert "Traceback" not in output
    assert not [secret for secret in case.secrets if secret in output]


@pytest.mark.parametrize("case", PURE_CASES, ids=[c.name for c in PURE_CASES])
def test_mistake_fails_on_the_controller_with_no_module_run(case: BadInput, outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes["pure"]
    result = outcome.run.result(case.name, HOST)
    assert result["failed"] is True
    _check_message(case, result["msg"])
    _check_output(case, outcome)
    assert outcome.modes[HOST] == []  # no row of this run ran a module on the host
    assert outcome.unchanged[HOST]


@pytest.mark.parametrize("case", HOST_CASES, ids=[c.name for c in HOST_CASES])
def test_mistake_needing_the_host_is_caught_after_one_gather(case: BadInput, outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes["host"]
    result = outcome.run.result(case.name, HOST)
    if case.warning:
        assert not result.get("failed"), result.get("msg")
        found = [w for w in result.get("warnings", []) if case.option in w and case.fix in w]
        assert found, result.get("warnings")
        _check_message(case, found[0])
    else:
        assert result["failed"] is True
        _check_message(case, result["msg"])
    _check_output(case, outcome)
    assert outcome.modes[HOST] == ["gather"] * len(HOST_CASES)  # one gather per row, never an apply
    assert outcome.unchanged[HOST]


@pytest.mark.parametrize("case", ROLE_CASES, ids=[c.name for c in ROLE_CASES])
def test_role_mistake_fails_before_anything_runs_on_the_host(case: BadInput, outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes["role"]
    host = ROLE_HOSTS[case.name]
    failed = [r["result"] for r in outcome.run.results if r["host"] == host and r["status"] == "failed"]
    assert len(failed) == 1, outcome.output()[-3000:]
    _check_message(case, failed[0]["msg"])
    _check_output(case, outcome)
    assert outcome.modes[host] == []
    assert outcome.unchanged[host]
    assert outcome.run.recap()[host]["failed"] == 1
