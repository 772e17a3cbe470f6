"""Run one of the collection's action plugins in-process against a simulated host: a fast unit test of the action
flow (validate -> gather -> plan -> check/diff -> apply -> result) without ansible-playbook.

Only what Ansible hands an action is stood in for: the task (its args, check and diff mode), the connection (its
shell family) and ``_execute_module``, which runs the engine's modules in the simulator (``simhost.runner``) as the test
connection would, a lost connection raising ``AnsibleConnectionFailure`` as ``ansible.builtin.winrm`` does, and
``mtls.iis.probe``'s client (``tls_probe.observe_params``, the module's own work) in this process. The plugin's own
code, the plan and the result all run as they do under ansible-playbook.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from ansible.errors import AnsibleConnectionFailure
from ansible.parsing.dataloader import DataLoader
from ansible.parsing.vault import VaultSecret
from ansible.plugins import loader as plugin_loader
from ansible_collections.mtls.iis.plugins.module_utils import tls_probe
from simhost.errors import ConnectionDropped
from simhost.runner import engine_mode, run_module
from winmodel.state import State, load_state, save_state


@dataclass
class ActionRun:
    """What one task returned, and the module runs it made (``(module, mode)`` each, in order)."""

    result: dict[str, Any]
    runs: list[tuple[str, str]] = field(default_factory=list)

    @property
    def modes(self) -> list[str]:
        return [mode for _module, mode in self.runs]


class SimHost:
    """One simulated host in a file; ``run`` executes a task of an action plugin against it."""

    def __init__(self, directory: Path, name: str = "web01") -> None:
        self.path = Path(directory) / f"{name}.json"
        self.files = Path(directory)

    def state(self) -> State:
        return load_state(self.path)

    @contextmanager
    def seeded(self) -> Iterator[State]:
        """The host's state to seed; saved when the block ends."""
        state = self.state()
        yield state
        save_state(self.path, state)

    def run(
        self,
        plugin: str,
        args: dict[str, Any],
        *,
        check_mode: bool = False,
        diff: bool = False,
        shell_family: str = "powershell",
        vault_password: str | None = None,
    ) -> ActionRun:
        """Run the action plugin ``plugin`` (``client_cert_info``, ``site_binding``...) with ``args``; with
        ``vault_password`` the loader opens vault-encrypted files as ``--ask-vault-pass`` would."""
        action_class = importlib.import_module(f"ansible_collections.mtls.iis.plugins.action.{plugin}").ActionModule
        runs: list[tuple[str, str]] = []
        path = self.path

        def execute_module(
            _action: Any, module_name: str, module_args: dict[str, Any], task_vars: dict[str, Any]
        ) -> dict[str, Any]:
            runs.append((module_name, engine_mode(module_name) or ""))
            if module_name == "mtls.iis.probe":
                return {"changed": False, "observation": tls_probe.observe_params(module_args)}
            try:
                _rc, reply = run_module(path, module_name, {**module_args, "_ansible_check_mode": check_mode})
            except ConnectionDropped as err:
                raise AnsibleConnectionFailure(f"simulated: {err}") from err
            return reply

        simulated = type(f"Simulated{plugin}", (action_class,), {"_execute_module": execute_module})
        task = SimpleNamespace(
            args=dict(args),
            action=f"mtls.iis.{plugin}",
            async_val=0,
            check_mode=check_mode,
            diff=diff,
            delegate_to=None,
            get_search_path=lambda: [str(self.files)],
        )
        connection = SimpleNamespace(_shell=SimpleNamespace(tmpdir=str(self.files), SHELL_FAMILY=shell_family))
        loader = DataLoader()
        if vault_password is not None:
            loader.set_vault_secrets([("default", VaultSecret(vault_password.encode()))])
        # shared_loader_obj: required by ansible-core 2.16, ignored by newer versions (which use the global loader)
        action = simulated(task, connection, None, loader, None, plugin_loader)
        result = action.run(task_vars={"inventory_hostname": self.path.stem})
        return ActionRun(result, runs)
