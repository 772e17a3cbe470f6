"""Run real ansible-playbook against simulated Windows hosts and read what happened."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from simhost import recorder
from winmodel.state import load_state, save_state

from support import wire
from support.collection import TESTS_DIR, sim_env


def pwsh_collections() -> Path:
    """The collections dir of the pwsh host's test build (the boundary utils replaced by fakes)."""
    from pwshhost.build import build  # tests/ is on sys.path

    return build()


CALLBACK_PLUGINS_DIR = TESTS_DIR / "plugins" / "callback"
_RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.MULTILINE)


@dataclass
class PlaybookRun:
    rc: int
    stdout: str
    stderr: str
    results: list[dict[str, Any]] = field(default_factory=list)

    def result(self, task: str, host: str) -> dict[str, Any]:
        found = [r["result"] for r in self.results if r["task"] == task and r["host"] == host]
        assert found, f"no result for task {task!r} on {host}; stdout:\n{self.stdout}\n{self.stderr}"
        return found[-1]

    def recap(self) -> dict[str, dict[str, int]]:
        return {
            m[1]: {"ok": int(m[2]), "changed": int(m[3]), "unreachable": int(m[4]), "failed": int(m[5])}
            for m in _RECAP.finditer(self.stdout)
        }


class SimFleet:
    """Simulated Windows hosts in one state directory, and a way to run plays against them.

    ``connection`` is ``"mtls_sim"`` (the recording test connection) or a :class:`support.wire.WinRM` (Ansible's
    ``winrm`` connection and pywinrm against the loopback WS-Management endpoint), or a WinRM per host; by default
    what ``MTLS_E2E_CONNECTION`` says, so every e2e test can run over either. Each host is served by the endpoint
    on first use with its WinRM's listener and limits; a later change of ``connection`` changes only what the
    inventory sends (a corrected password, say).
    """

    def __init__(
        self,
        workdir: Path,
        hosts: tuple[str, ...] = ("win01",),
        connection: str | wire.WinRM | dict[str, wire.WinRM] | None = None,
        model_socket: str | None = None,
    ) -> None:
        self.workdir = workdir
        #: with the socket of a Windows model server (tests/winmodel): the pwsh host of issue 20 (the real
        #: the engine modules on pwsh through the test build of tests/pwshhost) instead of the simulated op engine,
        #: over mtls_sim or behind the WinRM endpoint (a pwsh process per WinRS command, issue 21)
        self.model_socket = model_socket
        self.hosts = hosts
        self.connection = connection if connection is not None else wire.connection_from_env()
        #: per-host inventory variables of the WinRM endpoint (address, port), once served
        self.addresses: dict[str, dict[str, Any]] = {}
        self.state_dir = workdir / "hosts"
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.files = workdir / "files"
        self.files.mkdir(exist_ok=True)
        self._count = 0
        #: variables of the inventory group (for example a role's desired state)
        self.group_vars: dict[str, Any] = {}

    # -- host state ----------------------------------------------------------------------------
    def state_path(self, host: str) -> Path:
        return self.state_dir / f"{host}.json"

    def state(self, host: str) -> dict[str, Any]:
        return load_state(self.state_path(host))

    def save(self, host: str, state: dict[str, Any]) -> None:
        save_state(self.state_path(host), state)

    def module_runs(self, host: str) -> list[dict[str, Any]]:
        return [r for r in recorder.read_runs(self.state_dir, host) if r["module"] != "raw"]

    def wire(self, host: str) -> list[dict[str, Any]]:
        """The HTTP exchanges with ``host`` over WinRM (empty on the ``mtls_sim`` connection)."""
        return wire.wire(self.state_dir, host)

    def clear_runs(self) -> None:
        for host in self.hosts:
            recorder.clear_runs(self.state_dir, host)
            wire.wire_log_path(self.state_dir, host).unlink(missing_ok=True)

    @property
    def endpoint(self) -> wire.Endpoint:
        """The WS-Management endpoint serving this fleet over WinRM (to make its hosts misbehave)."""
        return wire.shared_endpoint()

    def address(self, host: str) -> str:
        """The loopback address of ``host``'s WinRM listener (served on first use)."""
        self._serve()
        return str(self.addresses[host]["ansible_host"])

    def winrm(self, host: str) -> wire.WinRM | None:
        """How the inventory reaches ``host`` over WinRM; None on the ``mtls_sim`` connection."""
        if isinstance(self.connection, dict):
            return self.connection[host]
        return self.connection if isinstance(self.connection, wire.WinRM) else None

    def _serve(self) -> None:
        for host in self.hosts:
            profile = self.winrm(host)
            if profile is not None and host not in self.addresses:
                self.addresses.update(wire.serve((host,), self.state_dir, profile, self._runner()))

    def _runner(self) -> wire.CommandRunner | None:
        """With a Windows model socket, the hosts behind WinRM run our PowerShell on pwsh (issue 21)."""
        if not self.model_socket:
            return None
        from pwshhost.winrs import PwshRunner  # tests/ is on sys.path

        return PwshRunner(self.model_socket)

    def write_file(self, name: str, content: str | bytes) -> Path:
        path = self.files / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        return path

    # -- running -------------------------------------------------------------------------------
    def inventory(self) -> Path:
        path = self.workdir / "inventory.yml"
        self._serve()
        sim_vars = {"ansible_connection": "mtls_sim", "ansible_mtls_sim_state_dir": str(self.state_dir)}
        if self.model_socket:
            sim_vars.update(ansible_mtls_sim_engine="pwsh", ansible_mtls_sim_model_socket=self.model_socket)
        hosts: dict[str, Any] = {}
        for host in self.hosts:
            profile = self.winrm(host)
            hosts[host] = {**self.addresses[host], **wire.group_vars(profile)} if profile else dict(sim_vars)
        inventory = {"windows": {"hosts": hosts, "vars": dict(self.group_vars)}}
        path.write_text(yaml.safe_dump(inventory))
        return path

    def env(self, results_file: Path) -> dict[str, str]:
        pwsh_build = {"ANSIBLE_COLLECTIONS_PATH": str(pwsh_collections())} if self.model_socket else {}
        return sim_env(
            **pwsh_build,
            ANSIBLE_CALLBACK_PLUGINS=str(CALLBACK_PLUGINS_DIR),
            ANSIBLE_CALLBACKS_ENABLED="mtls_results",
            ANSIBLE_LOCAL_TEMP=str(self.workdir / "tmp"),
            MTLS_RESULTS_FILE=str(results_file),
            MTLS_IIS_CACHE_DIR=str(self.workdir / "cache"),
        )

    def run_playbook(self, playbook: Path, *args: str, timeout: int = 600) -> PlaybookRun:
        self._count += 1
        results_file = self.workdir / f"results-{self._count}.jsonl"
        cmd = [str(Path(sys.executable).with_name("ansible-playbook")), "-i", str(self.inventory()), str(playbook)]
        proc = subprocess.run(
            [*cmd, *args], env=self.env(results_file), capture_output=True, text=True, check=False, timeout=timeout
        )
        results = []
        if results_file.exists():
            results = [json.loads(line) for line in results_file.read_text().splitlines() if line]
        return PlaybookRun(proc.returncode, proc.stdout, proc.stderr, results)

    def run_tasks(
        self, tasks: list[dict[str, Any]], *args: str, check: bool = False, diff: bool = False
    ) -> PlaybookRun:
        """One play over every host with these tasks (gather_facts off)."""
        play = [{"name": "test play", "hosts": "windows", "gather_facts": False, "tasks": tasks}]
        playbook = self.workdir / f"play-{self._count + 1}.yml"
        playbook.write_text(yaml.safe_dump(play, sort_keys=False))
        flags = [*(["--check"] if check else []), *(["--diff"] if diff else [])]
        return self.run_playbook(playbook, *flags, *args)

    def run_module(self, module: str, args: dict[str, Any], **kwargs: Any) -> PlaybookRun:
        return self.run_tasks([{"name": "under test", module: args}], **kwargs)
