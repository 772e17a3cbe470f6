"""The ``mtls_sim`` connection receives the real payload ``ansible-playbook`` builds for Windows.

A throw-away collection (``simtest.payload``) holds a ``host_state_gather.ps1`` and a ``host_state_apply.ps1`` that
require a C# util and a collection PowerShell util, so the test does not depend on the real modules. It runs
with whatever ansible-core sits next to ``sys.executable``: 2.16 sends the legacy manifest, 2.19+
the bootstrap + exec manifest; both must decode to the same module, args and utils.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ansible.release import __version__ as ansible_version
from simhost import seed
from simhost.endpoint import dumped_payloads
from simhost.payload import DecodedPayload, decode_payload
from simhost.recorder import read_runs
from support.collection import CONNECTION_PLUGINS_DIR, ensure_collection_link
from support.pki import make_root
from winmodel.state import load_state, new_state, save_state

HOST = "web01"
PROBE_UTIL = "ansible_collections.simtest.payload.plugins.module_utils.Probe"
SECRET = "e2e-secret-Value-42"

MODULE_PS1 = """#!powershell
#AnsibleRequires -CSharpUtil Ansible.Basic
#AnsibleRequires -PowerShell ..module_utils.Probe

$spec = @{ options = @{ scope = @{ type = 'dict' } } }
$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)
$module.ExitJson()
"""

PROBE_PSM1 = """Function Get-Probe { 'probe' }
Export-ModuleMember -Function Get-Probe
"""


def _core_version() -> tuple[int, int]:
    major, minor = ansible_version.split(".")[:2]
    return int(major), int(minor)


def _collection(root: Path, module_text: str) -> Path:
    base = root / "ansible_collections" / "simtest" / "payload" / "plugins"
    (base / "modules").mkdir(parents=True, exist_ok=True)
    (base / "module_utils").mkdir(parents=True, exist_ok=True)
    for module_name in ("host_state_gather", "host_state_apply"):
        (base / "modules" / f"{module_name}.ps1").write_text(module_text)
    (base / "module_utils" / "Probe.psm1").write_text(PROBE_PSM1)
    return root


def _run_playbook(
    tmp_path: Path, collections: Path, state_dir: Path, tasks: list[dict[str, Any]]
) -> subprocess.CompletedProcess[str]:
    inventory = tmp_path / "inventory.ini"
    inventory.write_text(
        f"[windows]\n{HOST} ansible_connection=mtls_sim ansible_mtls_sim_state_dir={state_dir}"
        " ansible_mtls_sim_dump_payloads=true\n"
    )
    playbook = tmp_path / "play.yml"  # JSON is YAML
    playbook.write_text(json.dumps([{"hosts": "windows", "gather_facts": False, "tasks": tasks}]))
    config = tmp_path / "ansible.cfg"
    config.write_text("[defaults]\nretry_files_enabled = false\n")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "MTLS_SIM_"))}
    env.update(
        ANSIBLE_CONFIG=str(config),
        ANSIBLE_COLLECTIONS_PATH=os.pathsep.join([str(collections), str(ensure_collection_link())]),
        ANSIBLE_CONNECTION_PLUGINS=str(CONNECTION_PLUGINS_DIR),
        ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"),
        ANSIBLE_NOCOLOR="1",
    )
    return subprocess.run(
        [str(Path(sys.executable).with_name("ansible-playbook")), "-i", str(inventory), str(playbook)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One playbook: gather, apply (with a secret), gather in check mode; results kept on the controller."""
    tmp_path = tmp_path_factory.mktemp("payload")
    collections = _collection(tmp_path / "collections", MODULE_PS1)
    state_dir = tmp_path / "state"
    root = make_root("E2E Payload Root")
    state = new_state()
    seed.add_cert(state, "Root", root.der)
    save_state(state_dir / f"{HOST}.json", state)
    results_file = tmp_path / "registered.json"
    tasks = [
        {
            "name": "gather",
            "simtest.payload.host_state_gather": {"scope": {"stores": ["Root", "ClientAuthIssuer"]}},
            "register": "gathered",
        },
        {
            "name": "apply",
            "simtest.payload.host_state_apply": {
                "ops": [{"op": "store_create", "store": "ClientAuthIssuer"}],
                "secrets": {"mapping_password": SECRET},
            },
            "register": "applied",
        },
        {
            "name": "gather in check mode",
            "simtest.payload.host_state_gather": {"scope": {"stores": ["ClientAuthIssuer"]}},
            "check_mode": True,
            "register": "checked",
        },
        {
            "name": "keep the registered results",
            "ansible.builtin.copy": {
                "content": "{{ {'gathered': gathered, 'applied': applied, 'checked': checked} | to_json }}",
                "dest": str(results_file),
            },
            "delegate_to": "localhost",
        },
    ]
    proc = _run_playbook(tmp_path, collections, state_dir, tasks)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return {
        "root": root,
        "state_dir": state_dir,
        "registered": json.loads(results_file.read_text()),
        "runs": read_runs(state_dir, HOST),
        "payloads": [decode_payload(path.read_bytes()) for path in dumped_payloads(state_dir, HOST)],
        "output": proc.stdout + proc.stderr,
    }


def test_one_recorded_run_per_task_on_the_host(scenario: dict[str, Any]) -> None:
    runs = scenario["runs"]
    assert [(run["module"], run["mode"], run["ops"], run["rc"]) for run in runs] == [
        ("host_state_gather", "gather", None, 0),
        ("host_state_apply", "apply", ["store_create"], 0),
        ("host_state_gather", "gather", None, 0),
    ]


def test_payload_layout_matches_the_ansible_core_version(scenario: dict[str, Any]) -> None:
    expected = "exec_manifest" if _core_version() >= (2, 19) else "legacy_manifest"
    assert {payload.format for payload in scenario["payloads"]} == {expected}
    assert all(run["bytes_in"] > 100_000 for run in scenario["runs"]), "Ansible.Basic alone is ~100 KB"


def test_decoded_args_are_the_task_args(scenario: dict[str, Any]) -> None:
    gather, _applied, checked = scenario["payloads"]
    assert gather.module_args["scope"] == {"stores": ["Root", "ClientAuthIssuer"]}
    assert gather.module_args["_ansible_check_mode"] is False
    assert checked.module_args["_ansible_check_mode"] is True
    assert gather.module_name is not None and gather.module_name.endswith("host_state_gather")


def test_required_utils_were_bundled(scenario: dict[str, Any]) -> None:
    for payload in scenario["payloads"]:
        assert PROBE_UTIL in payload.powershell_utils
        assert payload.csharp_utils == ("Ansible.Basic",)
        assert "Get-Probe" in payload.util_sources[PROBE_UTIL]
        assert "class AnsibleModule" in payload.util_sources["Ansible.Basic"]
        assert payload.module_source == MODULE_PS1
    assert all(PROBE_UTIL in run["powershell_utils"] for run in scenario["runs"])


def test_registered_gather_holds_the_snapshot(scenario: dict[str, Any]) -> None:
    stores = scenario["registered"]["gathered"]["snapshot"]["stores"]
    assert [cert["thumbprint"] for cert in stores["Root"]["certificates"]] == [scenario["root"].thumbprint]
    assert stores["ClientAuthIssuer"] == {"exists": False, "certificates": []}


def test_apply_reached_the_host_file(scenario: dict[str, Any]) -> None:
    assert scenario["registered"]["applied"]["changed"] is True
    assert scenario["registered"]["checked"]["snapshot"]["stores"]["ClientAuthIssuer"]["exists"] is True
    state = load_state(scenario["state_dir"] / f"{HOST}.json")
    assert seed.store_exists(state, "ClientAuthIssuer")
    assert seed.registry_values(state) == {"EventLogging": {"type": "REG_DWORD", "value": 1}}


def test_the_secret_is_in_no_result_and_no_log(scenario: dict[str, Any]) -> None:
    assert SECRET not in json.dumps(scenario["registered"])
    assert SECRET not in json.dumps(scenario["runs"])
    assert SECRET not in scenario["output"]


def test_a_missing_required_util_fails_on_the_controller_before_anything_is_sent(tmp_path: Path) -> None:
    broken = MODULE_PS1.replace("..module_utils.Probe", "..module_utils.Missing")
    collections = _collection(tmp_path / "collections", broken)
    state_dir = tmp_path / "state"
    task = {"simtest.payload.host_state_gather": {}}
    proc = _run_playbook(tmp_path, collections, state_dir, [task])
    assert proc.returncode != 0
    assert "module_utils.Missing" in proc.stdout + proc.stderr
    assert read_runs(state_dir, HOST) == []


UTILS = "ansible_collections.mtls.iis.plugins.module_utils."
#: utils only an apply needs: the writer halves of the split utils and the utils that hold writers only
WRITERS = ("CertPfx", "HttpSys", "IisMapping")


def _real_payload(tmp_path: Path, task: dict[str, Any]) -> DecodedPayload:
    state_dir = tmp_path / "state"
    proc = _run_playbook(tmp_path, tmp_path / "no-extra-collections", state_dir, [task])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    [payload] = [decode_payload(path.read_bytes()) for path in dumped_payloads(state_dir, HOST)]
    return payload


def test_the_real_gather_is_sent_with_the_reader_utils_only(tmp_path: Path) -> None:
    payload = _real_payload(tmp_path, {"mtls.iis.host_state_gather": {"scope": {"stores": ["Root"], "schannel": True}}})
    for name in ("CertStore", "Schannel", "HttpSysRecord"):
        assert UTILS + name in payload.powershell_utils
        assert f"#AnsibleRequires -PowerShell ..module_utils.{name}" in (payload.module_source or "")
    sent = {name.removeprefix(UTILS) for name in payload.powershell_utils}
    assert {name for name in sent if name.endswith("Write") or name in WRITERS} == set()
    assert payload.csharp_utils == ("Ansible.Basic",)


def test_the_real_apply_is_sent_with_the_writer_utils(tmp_path: Path) -> None:
    payload = _real_payload(tmp_path, {"mtls.iis.host_state_apply": {"ops": []}})
    sent = {name.removeprefix(UTILS) for name in payload.powershell_utils}
    assert {"CertStoreWrite", "SchannelWrite", "IisConfigWrite", *WRITERS} <= sent
    assert {"CertStore", "Schannel", "IisConfig"} <= sent  # each writer half requires its readers
