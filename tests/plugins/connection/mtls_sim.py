# Test-only connection plugin: a simulated Windows host for the mtls.iis collection.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: mtls_sim
short_description: Run PowerShell modules against a simulated Windows host (tests only)
description:
  - Receives the real payload Ansible builds for a Windows host (PowerShell shell, pipelined) and
    answers it from the simulated host in C(tests/simhost), whose state is the JSON file
    C(<state_dir>/<remote_addr>.json).
  - Every call is logged to C(<state_dir>/<remote_addr>.runs.jsonl).
  - Only the engine's modules (C(host_state_gather), C(host_state_apply)) are simulated; C(raw) commands answer rc 0
    with no output.
  - With O(engine=pwsh) the payload runs on a real PowerShell 7 instead (Ansible's exec wrapper, the real
    C(host_state_gather.ps1) or C(host_state_apply.ps1) and the engine utils it requires); the boundary utils are the
    fakes of the test build (C(tests/pwshhost)), which ask the Windows model server (C(tests/winmodel)) about the same
    state file. Round trips, the run log and connection drops are the same in both engines.
author: mtls.iis maintainers
options:
  remote_addr:
    description: The simulated host; names its state file.
    default: inventory_hostname
    type: str
    vars:
      - name: inventory_hostname
      - name: ansible_host
  state_dir:
    description: Directory holding the host state files and run logs.
    required: true
    type: path
    env:
      - name: MTLS_SIM_STATE_DIR
    vars:
      - name: ansible_mtls_sim_state_dir
  dump_payloads:
    description: Also save the raw bytes of every module payload under C(<state_dir>/<remote_addr>.payloads/).
    default: false
    type: bool
    env:
      - name: MTLS_SIM_DUMP_PAYLOADS
    vars:
      - name: ansible_mtls_sim_dump_payloads
  engine:
    description: C(sim) answers from the simulated op engine; C(pwsh) runs the payload on pwsh (see above).
    default: sim
    choices: [sim, pwsh]
    type: str
    env:
      - name: MTLS_SIM_ENGINE
    vars:
      - name: ansible_mtls_sim_engine
  model_socket:
    description:
      - The Unix socket of the Windows model server (C(tests/winmodel/server.py)); required with O(engine=pwsh).
    type: path
    env:
      - name: MTLS_WINMODEL_SOCKET
    vars:
      - name: ansible_mtls_sim_model_socket
"""

import sys
import typing as t
from pathlib import Path

from ansible.errors import AnsibleConnectionFailure, AnsibleFileNotFound
from ansible.plugins.connection import ConnectionBase
from ansible.utils.display import Display

_TESTS_DIR = str(Path(__file__).resolve().parents[2])
if _TESTS_DIR not in sys.path:
    sys.path.append(_TESTS_DIR)

from simhost import endpoint  # needs the tests dir on sys.path
from simhost.errors import ConnectionDropped

display = Display()


class Connection(ConnectionBase):
    """Answers Windows module payloads from a simulated host file."""

    transport = "mtls_sim"
    has_pipelining = True
    always_pipeline_modules = True
    has_native_async = True
    allow_executable = False
    module_implementation_preferences = (".ps1", ".exe", "")

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        self._shell_type = "powershell"
        super().__init__(*args, **kwargs)

    def _state(self) -> tuple[Path, str]:
        state_dir = self.get_option("state_dir")
        if not state_dir:
            raise AnsibleConnectionFailure(
                "mtls_sim needs state_dir (MTLS_SIM_STATE_DIR or ansible_mtls_sim_state_dir)"
            )
        return Path(state_dir), str(self.get_option("remote_addr"))

    def _connect(self) -> Connection:
        if not self._connected:
            self._state()
            self._connected = True
        return self

    def is_pipelining_enabled(self, wrap_async: bool = False) -> bool:
        # ansible-core >= 2.20 asks the connection; Windows connections always pipeline.
        return True

    def exec_command(self, cmd: str, in_data: bytes | None = None, sudoable: bool = True) -> tuple[int, bytes, bytes]:
        super().exec_command(cmd, in_data=in_data, sudoable=sudoable)
        state_dir, host = self._state()
        display.vvv(f"MTLS_SIM EXEC ({len(in_data or b'')} bytes in)", host=host)
        try:
            if self.get_option("engine") == "pwsh":
                return self._exec_pwsh(state_dir, host, cmd, in_data)
            return endpoint.exec_command(state_dir, host, in_data, dump=bool(self.get_option("dump_payloads")))
        except ConnectionDropped as err:
            # As a WinRM transport error reaches Ansible (ansible.builtin.winrm raises AnsibleConnectionFailure).
            raise AnsibleConnectionFailure(f"mtls_sim: {err}") from err

    def _exec_pwsh(self, state_dir: Path, host: str, cmd: str, in_data: bytes | None) -> tuple[int, bytes, bytes]:
        from pwshhost import host as pwsh_host  # the pwsh engine only
        from support.pwsh import PwshMissing, find_pwsh

        socket = self.get_option("model_socket")
        if not socket:
            raise AnsibleConnectionFailure(
                "mtls_sim engine=pwsh needs model_socket (MTLS_WINMODEL_SOCKET or ansible_mtls_sim_model_socket)"
            )
        try:
            pwsh = find_pwsh()
            return pwsh_host.exec_command(
                state_dir, host, cmd, in_data, socket, pwsh, dump=bool(self.get_option("dump_payloads"))
            )
        except (PwshMissing, pwsh_host.NotATestBuild, ValueError) as err:
            raise AnsibleConnectionFailure(str(err)) from err

    def put_file(self, in_path: str, out_path: str) -> None:
        super().put_file(in_path, out_path)
        state_dir, host = self._state()
        display.vvv(f"MTLS_SIM PUT {in_path} TO {out_path}", host=host)
        endpoint.put_file(state_dir, host, in_path, out_path)

    def fetch_file(self, in_path: str, out_path: str) -> None:
        super().fetch_file(in_path, out_path)
        state_dir, host = self._state()
        display.vvv(f"MTLS_SIM FETCH {in_path} TO {out_path}", host=host)
        try:
            endpoint.fetch_file(state_dir, host, in_path, out_path)
        except FileNotFoundError as err:
            raise AnsibleFileNotFound(str(err)) from err

    def reset(self) -> None:
        self.close()

    def close(self) -> None:
        self._connected = False
