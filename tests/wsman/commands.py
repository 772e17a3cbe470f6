"""What executes a WinRS command: the pluggable part of the endpoint.

The endpoint speaks WS-Management; a :class:`CommandRunner` turns each ``Command`` into a :class:`Command`
object that behaves like the process Windows would start: it takes stdin in chunks (``write``), produces
stdout/stderr and an exit code (``read``) and can be terminated (``terminate``). The runner here,
:class:`SimulatedRunner`, answers from the simulated host (``tests/simhost``) through the same
``simhost.endpoint`` calls the ``mtls_sim`` connection plugin makes, so one simulator serves both paths. A runner
that starts a real PowerShell process per command (issue 21) implements the same two protocols.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from simhost import endpoint as simhost_endpoint
from simhost.errors import ConnectionDropped
from simhost.payload import NEW_SEPARATOR, PayloadError, decode_payload
from simhost.runner import engine_mode

from wsman.soap import Output

_ENCODED = re.compile(r"(?:^|\s)-(?:EncodedCommand|enc|e|ec)\s+([A-Za-z0-9+/=]+)", re.IGNORECASE)
#: ansible-core <= 2.18 put_file: the script holds the target path, stdin carries base64 lines.
_LEGACY_PUT_PATH = re.compile(r"\$path\s*=\s*'((?:[^']|'')*)'")


def encoded_script(command_line: str) -> str | None:
    """The script of a ``powershell … -EncodedCommand <base64 of UTF-16-LE>`` command line, as PowerShell decodes it."""
    match = _ENCODED.search(command_line)
    if not match:
        return None
    try:
        return base64.b64decode(match.group(1)).decode("utf-16-le")
    except (ValueError, UnicodeDecodeError):
        return None


@dataclass(frozen=True)
class HostContext:
    """The simulated host a command runs on."""

    name: str
    state_dir: Path
    #: seconds the host takes before a command's output appears (a slow or loaded host)
    process_delay: float = 0.0


class Command(Protocol):
    """One process started by a WinRS Command request."""

    #: what the command is, once known (``kind``: module/raw/put_file; ``module``, ``mode``): for records and tests;
    #: ``dropped`` (the reason) when the connection to the host is lost on this command: its Receive gets a reset
    description: dict[str, Any]

    async def write(self, data: bytes, end: bool) -> None:
        """Feed ``data`` to the command's stdin; ``end`` closes it."""

    async def read(self, timeout: float, budget: int) -> Output | None:
        """Output produced so far (at most ``budget`` bytes), waiting up to ``timeout`` s; None when none came."""

    async def terminate(self) -> None:
        """Stop the command (a Signal terminate, or the shell deleted)."""


class CommandRunner(Protocol):
    def start(self, host: HostContext, command_line: str, console_stdin: bool) -> Command:
        """Start ``command_line`` for ``host``; ``console_stdin`` when the client sends stdin as a console would."""


@dataclass
class _Pending:
    stdout: bytes = b""
    stderr: bytes = b""
    exit_code: int = 0


@dataclass
class SimulatedCommand:
    """A command answered by the simulated host when its stdin is complete (or at once without stdin)."""

    host: HostContext
    command_line: str
    console_stdin: bool
    description: dict[str, Any] = field(default_factory=dict)
    _stdin: bytearray = field(default_factory=bytearray)
    _finished: asyncio.Event = field(default_factory=asyncio.Event)
    _pending: _Pending = field(default_factory=_Pending)
    _started: bool = False

    def __post_init__(self) -> None:
        # WINRS_CONSOLEMODE_STDIN=TRUE: the process reads no piped input (Ansible's raw and put-less commands).
        if self.console_stdin:
            self._start(None)

    async def write(self, data: bytes, end: bool) -> None:
        if self._started:
            return  # the process no longer reads stdin
        self._stdin.extend(data)
        if end:
            self._start(bytes(self._stdin))

    def _start(self, in_data: bytes | None) -> None:
        self._started = True
        asyncio.get_running_loop().create_task(self._run(in_data))

    async def _run(self, in_data: bytes | None) -> None:
        if self.host.process_delay:
            await asyncio.sleep(self.host.process_delay)
        try:
            rc, stdout, stderr = self._execute(in_data)
        except ConnectionDropped as err:  # a seeded drop or a disconnect fault: the endpoint resets the connection
            self.description["dropped"] = str(err)
            rc, stdout, stderr = -1, b"", b""
        self._pending = _Pending(stdout, stderr, rc)
        self._finished.set()

    def _execute(self, in_data: bytes | None) -> tuple[int, bytes, bytes]:
        script = encoded_script(self.command_line) or ""
        put = _put_file_target(script, in_data)
        if put is not None:
            path, data = put
            self.description = {"kind": "put_file", "path": path}
            simhost_endpoint.store_file(self.host.state_dir, self.host.name, path, data)
            return 0, json.dumps({"sha1": hashlib.sha1(data).hexdigest()}).encode() + b"\r\n", b""
        self.description = _describe(in_data)
        return simhost_endpoint.exec_command(self.host.state_dir, self.host.name, in_data)

    async def read(self, timeout: float, budget: int) -> Output | None:
        try:
            await asyncio.wait_for(self._finished.wait(), timeout)
        except asyncio.TimeoutError:
            return None
        pending = self._pending
        stdout, pending.stdout = pending.stdout[:budget], pending.stdout[budget:]
        stderr, pending.stderr = pending.stderr[: budget - len(stdout)], pending.stderr[budget - len(stdout) :]
        return Output(stdout, stderr, done=not pending.stdout and not pending.stderr, exit_code=pending.exit_code)

    async def terminate(self) -> None:
        if not self._started:
            self._started = True
            self._pending = _Pending(exit_code=-1)  # killed before it ran: no output
            self._finished.set()


def _describe(in_data: bytes | None) -> dict[str, Any]:
    if in_data is None:
        return {"kind": "raw"}
    try:
        payload = decode_payload(in_data)
    except PayloadError:
        return {"kind": "undecodable"}
    mode = engine_mode(payload.module_name or "")
    return {"kind": "module", "module": payload.module_name, "mode": mode}


def _put_file_target(script: str, in_data: bytes | None) -> tuple[str, bytes] | None:
    """``(remote path, file bytes)`` when the command is Ansible's winrm put_file, in either generation."""
    if in_data is None:
        return None
    if in_data.lstrip().startswith(b"{") and NEW_SEPARATOR in in_data:
        # ansible-core >= 2.19: bootstrap + exec manifest running winrm_put_file.ps1, then the file as base64 lines
        parts = in_data.split(NEW_SEPARATOR, 2)
        try:
            manifest = json.loads(parts[1])
            action = manifest["actions"][-1]
        except (IndexError, KeyError, ValueError):
            return None
        if action.get("name") != "winrm_put_file.ps1" or len(parts) < 3:
            return None
        return str(action["params"]["Path"]), _base64_lines(parts[2])
    if "FromBase64String($input)" in script:
        match = _LEGACY_PUT_PATH.search(script)
        if match:
            return match.group(1).replace("''", "'"), _base64_lines(in_data)
    return None


def _base64_lines(data: bytes) -> bytes:
    return b"".join(base64.b64decode(line) for line in data.split(b"\r\n") if line.strip())


class SimulatedRunner:
    """Runs every command on the simulated host (``tests/simhost``)."""

    def start(self, host: HostContext, command_line: str, console_stdin: bool) -> Command:
        return SimulatedCommand(host, command_line, console_stdin)
