"""Ask a real WinRM service for two faults and an error stream, print what it answered as JSON (target winrm_faults).

Reads WINRM_PROBE_ENDPOINT, _TRANSPORT, _USER, _PASSWORD and _CERT_VALIDATION from the environment. Opens one
shell, sends a Command to a ShellId that does not exist and a Receive for a CommandId that does not exist, runs
``powershell.exe -EncodedCommand`` with a script that writes an error (the raw stderr, WINDOWS_FACTS WINRM-10), deletes
the shell. Runs on the controller with the Python that runs ansible-playbook (pywinrm is a requirement).
"""

from __future__ import annotations

import base64
import json
import os
import sys

from winrm.exceptions import WSManFaultError
from winrm.protocol import Protocol

MISSING = "00000000-0000-0000-0000-000000000000"
ERROR_SCRIPT = "Write-Error -Message 'mtls.iis probe error'; exit 3"


def error_stream(protocol: Protocol, shell: str) -> dict:
    """Runs ERROR_SCRIPT as ansible.builtin.winrm runs a command; returns the undecoded stderr and the exit code."""
    encoded = base64.b64encode(ERROR_SCRIPT.encode("utf-16-le")).decode()
    arguments = ["-NoProfile", "-NonInteractive", "-EncodedCommand", encoded]
    command = protocol.run_command(shell, "powershell.exe", arguments)
    try:
        _stdout, stderr, exit_code = protocol.get_command_output(shell, command)
    finally:
        protocol.cleanup_command(shell, command)
    return {"stderr": stderr.decode("utf-8", "replace"), "exit_code": exit_code}


def fault(call) -> dict:
    try:
        call()
    except WSManFaultError as err:
        return {
            "http_status": err.code,
            "fault_code": err.fault_code,
            "fault_subcode": err.fault_subcode,
            "wsman_fault_code": err.wsman_fault_code,
            "reason": err.reason,
        }
    return {"error": "no fault"}


def main() -> None:
    env = os.environ
    protocol = Protocol(
        env["WINRM_PROBE_ENDPOINT"],
        transport=env.get("WINRM_PROBE_TRANSPORT", "ntlm"),
        username=env["WINRM_PROBE_USER"],
        password=env["WINRM_PROBE_PASSWORD"],
        server_cert_validation=env.get("WINRM_PROBE_CERT_VALIDATION", "validate"),
    )
    shell = protocol.open_shell()
    try:
        found = {
            "unknown_shell": fault(lambda: protocol.run_command(MISSING, "hostname")),
            "unknown_command": fault(lambda: protocol.get_command_output_raw(shell, MISSING)),
            "error_stream": error_stream(protocol, shell),
        }
    finally:
        protocol.close_shell(shell)
    json.dump(found, sys.stdout)


if __name__ == "__main__":
    main()
