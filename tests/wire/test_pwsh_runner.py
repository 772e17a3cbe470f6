"""A WinRS command on the pwsh host: one pwsh process per command, as Windows runs it (WINDOWS_FACTS WINRM-9/10).

pywinrm against the endpoint with :class:`pwshhost.winrs.PwshRunner`; each test starts one real pwsh process.
"""

from __future__ import annotations

import base64
import time

import pytest
from pwshhost.winrs import PwshRunner, profile_dir
from simhost import recorder
from support.wire import PASSWORD, USER
from winmodel.server import WinModelServer
from winrm.protocol import Protocol
from wsman.commands import HostContext
from wsman.server import Endpoint
from wsman.service import Listener

pytestmark = pytest.mark.pwsh_host
#: what ansible.builtin.winrm runs, before the encoded script
POWERSHELL = "PowerShell -NoProfile -NonInteractive -ExecutionPolicy Unrestricted -EncodedCommand"


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    state_dir = tmp_path_factory.mktemp("pwsh-winrs")
    with WinModelServer() as server:
        endpoint = Endpoint()
        address, port = endpoint.add_host(
            "win01", state_dir, Listener("http", {USER: PASSWORD}), runner=PwshRunner(server.socket_path)
        )
        yield f"http://{address}:{port}/wsman", state_dir
        endpoint.stop()


def _protocol(url: str) -> Protocol:
    return Protocol(
        url, transport="basic", username=USER, password=PASSWORD, message_encryption="never", ca_trust_path=None
    )


def _command(script: str) -> str:
    return f"{POWERSHELL} {base64.b64encode(script.encode('utf-16-le')).decode('ascii')}"


def _run(url: str, script: str, stdin: list[bytes] | None = None) -> tuple[bytes, bytes, int]:
    protocol = _protocol(url)
    shell = protocol.open_shell()
    command_id = protocol.run_command(shell, _command(script), console_mode_stdin=stdin is None)
    for index, chunk in enumerate(stdin or ()):
        protocol.send_command_input(shell, command_id, chunk, end=index == len(stdin or ()) - 1)
    output = protocol.get_command_output(shell, command_id)
    protocol.cleanup_command(shell, command_id)
    protocol.close_shell(shell)
    return output


def test_the_error_stream_is_clixml_in_windows_powershell_5_1_layout_without_ansi_escapes(url):
    stdout, stderr, rc = _run(url[0], "Write-Output 'before'; Write-Error 'boom'; exit 3")
    assert (stdout, rc) == (b"before\n", 3)
    assert stderr.startswith(b"#< CLIXML\r\n") or stderr.startswith(b"#< CLIXML\n")
    assert b"\x1b" not in stderr and b"_x001B_" not in stderr
    assert b"+ CategoryInfo          : NotSpecified: (:) [Write-Error], WriteErrorException" in stderr


def test_stdin_sent_in_several_chunks_reaches_the_process_whole(url):
    chunks = [b"line-%d\r\n" % index * 1000 for index in range(3)]
    stdout, stderr, rc = _run(url[0], "$n = 0; foreach ($line in $input) { $n++ }; $n", stdin=chunks)
    assert (stdout.strip(), stderr, rc) == (b"3000", b"", 0)


def test_the_process_starts_in_the_host_profile_with_its_temp_folder_and_chcp_answers(url):
    script = "&chcp.com 65001 > $null; $env:TEMP; (Get-Location).Path"
    stdout, stderr, rc = _run(url[0], script)
    home = profile_dir(HostContext("win01", url[1]))
    assert (stdout.decode().split(), stderr, rc) == ([f"{home}/AppData/Local/Temp", str(home)], b"", 0)


def test_a_signal_terminate_kills_the_running_process(url):
    runs = len(recorder.read_runs(url[1], "win01"))
    protocol = _protocol(url[0])
    shell = protocol.open_shell()
    command_id = protocol.run_command(shell, _command("Start-Sleep -Seconds 600"), console_mode_stdin=True)
    time.sleep(1)
    protocol.cleanup_command(shell, command_id)
    protocol.close_shell(shell)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(recorder.read_runs(url[1], "win01")) == runs:
        time.sleep(0.5)
    assert recorder.read_runs(url[1], "win01")[-1]["rc"] == -9  # SIGKILL: killed, not finished
