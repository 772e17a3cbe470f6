"""The pwsh host behind the WinRM endpoint (issue 21): each WinRS command runs in its own pwsh process.

:class:`PwshRunner` plugs into :class:`wsman.server.Endpoint` (``add_host(..., runner=...)``) for the hosts that
should run our real PowerShell: what the ``winrm`` connection sends (``PowerShell -NoProfile -NonInteractive
-ExecutionPolicy Unrestricted -EncodedCommand …`` and the stdin chunks of ``Send``) starts one pwsh process per
``Command`` as WinRS starts one process (WINDOWS_FACTS WINRM-9); stdin is forwarded as it arrives, stdout and stderr
are returned as the process writes them, the exit code when it ends. The collection is the test build of
:mod:`pwshhost.build` (boundary utils faked onto the Windows model server), each host has its own state file.

What differs on Linux is made to look like Windows here, never in the module code (docs/TESTING.md, "The pwsh host
behind WinRM"):

- the command's script gets a preamble setting Windows PowerShell 5.1's ``$ErrorView`` (NormalView) and
  ``$PSStyle.OutputRendering = 'PlainText'``, and the process runs with ``TERM=dumb`` (a WinRS process has no
  terminal): the CLIXML error stream on stderr then carries 5.1's error layout without ANSI escapes (WINRM-10);
- ``chcp.com`` (ansible-core 2.16's bootstrap calls it) is a shim beside the ``PowerShell`` link (``pwshhost.host``);
- ``TEMP``/``TMP``, ``USERPROFILE`` and the working directory are the host's own profile directory under the state
  directory, as a WinRS process starts in the user's profile with its temp folder;
- exit codes are 8-bit on Linux (Windows: 32-bit); the run log records what pwsh returned.

Failures (docs/TESTING.md, "The pwsh host behind WinRM"): a connection drop seeded on the host
(``simhost.seed.add_connection_drop``) stops the module run before its stdin closes, so nothing runs, and the endpoint
resets the connection on its Receive; :meth:`PwshRunner.kill_mid_run` kills the next module run of a mode right after
its n-th change to the host took effect, as a process ended by TerminateProcess stops where it is.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import re
import shlex
import signal
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simhost import endpoint as simhost_endpoint
from simhost.faults import take_connection_drop
from simhost.payload import PayloadError, decode_payload
from simhost.recorder import make_entry, record_run
from simhost.runner import engine_mode, short_module_name
from support.pwsh import find_pwsh
from winmodel.server import on_change
from winmodel.state import load_state, save_state
from wsman.commands import HostContext, encoded_script
from wsman.soap import Output

from pwshhost.build import matching_paren
from pwshhost.host import NotATestBuild, check_test_build, process_env

#: What Windows PowerShell 5.1 renders by default and a WinRS process has: WINDOWS_FACTS WINRM-10.
PREAMBLE = "$ErrorView = 'NormalView'; $PSStyle.OutputRendering = 'PlainText'"
_PARAM = re.compile(r"\A(?:\s|#[^\n]*\n)*param\s*\(", re.IGNORECASE)
_ENCODED_ARG = re.compile(r"^-(?:EncodedCommand|enc|e|ec)$", re.IGNORECASE)
_INTERPRETERS = {"powershell", "powershell.exe", "pwsh"}


def with_preamble(script: str) -> str:
    """``script`` with :data:`PREAMBLE` as its first statement: after a leading ``param(...)`` block (ansible-core
    2.19+'s bootstrap has one, and it must stay first), else on a line of its own; line numbers move down by one."""
    found = _PARAM.match(script)
    if found is None:
        return f"{PREAMBLE}\n{script}"
    end = matching_paren(script, found.end() - 1)
    return f"{script[:end]}\n{PREAMBLE}\n{script[end:]}"


def pwsh_argv(command_line: str, pwsh: Path) -> list[str]:
    """The argv that runs ``command_line`` (a Windows PowerShell command line) on ``pwsh``, its encoded script
    given :data:`PREAMBLE`."""
    argv = shlex.split(command_line)
    if not argv or argv[0].casefold() not in _INTERPRETERS:
        raise ValueError(f"pwsh host: not a PowerShell command line: {command_line[:80]!r}")
    script = encoded_script(command_line)
    out = [str(pwsh)]
    for index, arg in enumerate(argv[1:], start=1):
        if script is not None and index > 1 and _ENCODED_ARG.match(argv[index - 1]):
            arg = base64.b64encode(with_preamble(script).encode("utf-16-le")).decode("ascii")
        out.append(arg)
    return out


@dataclass(frozen=True)
class Kill:
    """Kill the next module run in ``mode`` right after its ``after_changes``-th change to the host took effect,
    counting only the calls of boundary function ``function`` when one is named."""

    mode: str
    after_changes: int = 1
    function: str | None = None


def profile_dir(host: HostContext) -> Path:
    """The host's user profile: the working directory of its processes, TEMP under it."""
    return host.state_dir / f"{host.name}.profile"


@dataclass
class PwshCommand:
    """One pwsh process started by a WinRS Command."""

    host: HostContext
    command_line: str
    console_stdin: bool
    socket: str
    pwsh: Path
    kills: list[Kill] = field(default_factory=list)
    description: dict[str, Any] = field(default_factory=dict)
    _stdin: bytearray = field(default_factory=bytearray)
    _stdin_queue: asyncio.Queue[bytes | None] = field(default_factory=asyncio.Queue)
    _stdout: bytearray = field(default_factory=bytearray)
    _stderr: bytearray = field(default_factory=bytearray)
    _reply: bytearray = field(default_factory=bytearray)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _exit_code: int | None = None
    _process: asyncio.subprocess.Process | None = None
    _started: float = field(default_factory=time.monotonic)
    _task: asyncio.Task[None] | None = None
    _terminated: bool = False
    _armed: bool = False
    _stdin_done: float | None = None

    def __post_init__(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        try:
            await self._start_and_wait()
        except Exception:  # a failure of this runner: the command fails visibly instead of hanging the Receive
            self._finish(1, stderr=f"pwsh host: {traceback.format_exc()}".encode())

    @property
    def _state_path(self) -> Path:
        return simhost_endpoint.host_file(self.host.state_dir, self.host.name)

    async def _start_and_wait(self) -> None:
        state_path = self._state_path
        if not state_path.exists():
            save_state(state_path, load_state(state_path))  # the model starts from the same fresh host
        home = profile_dir(self.host)
        temp = home / "AppData" / "Local" / "Temp"
        temp.mkdir(parents=True, exist_ok=True)
        env = process_env(
            self.pwsh, self.socket, state_path, TEMP=str(temp), TMP=str(temp), USERPROFILE=str(home), TERM="dumb"
        )
        try:
            argv = pwsh_argv(self.command_line, self.pwsh)
        except ValueError as err:
            self._finish(1, stderr=str(err).encode())
            return
        if self.host.process_delay:
            await asyncio.sleep(self.host.process_delay)
        stdin = asyncio.subprocess.DEVNULL if self.console_stdin else asyncio.subprocess.PIPE
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=stdin,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            cwd=home,
            start_new_session=True,  # its own process group: a kill takes its children too, as WinRS's job object does
        )
        self._process = process
        if self._terminated:
            self._kill()
        readers = [self._pump(process.stdout, self._stdout), self._pump(process.stderr, self._stderr)]
        feeder = [] if self.console_stdin else [self._feed(process)]
        try:
            await asyncio.gather(*readers, *feeder)
            self._finish(await process.wait())
        finally:
            if self._armed:
                on_change(state_path, None)

    async def _pump(self, stream: asyncio.StreamReader | None, buffer: bytearray) -> None:
        while stream is not None and (chunk := await stream.read(65536)):
            buffer.extend(chunk)
            if buffer is self._stdout:
                self._reply.extend(chunk)  # the whole stdout for the run log; _stdout is drained by Receive
            self._changed.set()

    async def _feed(self, process: asyncio.subprocess.Process) -> None:
        """Stdin chunks to the process as they come; the payload is checked before stdin closes (both bootstraps
        read stdin to its end before they run anything), so a payload of the real collection never runs here."""
        writer = process.stdin
        if writer is None:
            return
        try:
            while (chunk := await self._stdin_queue.get()) is not None:
                writer.write(chunk)
                await writer.drain()
            self.description = _describe(bytes(self._stdin))
            if self.description.get("refused"):
                self._kill()
                self._stderr.extend(self.description["refused"].encode())
                return
            mode = self.description.get("mode")
            if isinstance(mode, str) and self._connection_dropped(mode):
                self._kill()  # before stdin closes: the bootstrap has not run anything yet
                return
            kill = next((kill for kill in self.kills if kill.mode == mode), None)
            if kill is not None:
                self.kills.remove(kill)
                self._arm(kill, process.pid)
            writer.close()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the process ended without reading all of its stdin, as it may on Windows

    def _connection_dropped(self, mode: str) -> bool:
        """Whether a connection drop seeded on the host fires before this run (``simhost.faults``): the payload never
        reaches the host; the endpoint resets the connection on the Receive (``description["dropped"]``)."""
        state = load_state(self._state_path)
        if not take_connection_drop(state, mode):
            return False
        save_state(self._state_path, state)
        self.description["dropped"] = f"the connection to the host was lost before {mode} reached it"
        return True

    def _arm(self, kill: Kill, pid: int) -> None:
        """Kill the process from the Windows model's thread once ``kill.after_changes`` calls changed the host, before
        the last of them answers: the change took effect, the module never learns it."""
        changes: list[str] = []

        def changed(function: str) -> None:
            if kill.function is not None and function != kill.function:
                return
            changes.append(function)
            if len(changes) == kill.after_changes:
                on_change(self._state_path, None)
                self.description["killed_after"] = list(changes)
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)

        self._armed = True
        on_change(self._state_path, changed)

    def _finish(self, exit_code: int, stderr: bytes = b"") -> None:
        self._stderr.extend(stderr)
        self._exit_code = exit_code
        self._record()
        self._changed.set()

    def _record(self) -> None:
        if self.console_stdin or not self._stdin:
            record_run(self.host.state_dir, self.host.name, make_entry("raw", rc=self._exit_code))
            return
        try:
            payload = decode_payload(bytes(self._stdin))
        except PayloadError:
            return  # not a module run (put_file and the like): the wire log has it
        name = payload.module_name or (payload.actions[-1] if payload.actions else "unknown")
        dropped = self.description.get("dropped")
        entry = make_entry(
            short_module_name(name),
            bytes_in=payload.byte_count,
            bytes_out=len(self._reply),
            rc=None if dropped else self._exit_code,
            reply=dropped or self._reply.decode("utf-8", "replace"),
            host_seconds=round(time.monotonic() - self._started, 3),
            # from the Command to the last Send: the payload on the wire while pwsh starts (tools/bench_wire.py)
            stdin_seconds=None if self._stdin_done is None else round(self._stdin_done - self._started, 3),
            **simhost_endpoint._details(payload),
        )
        record_run(self.host.state_dir, self.host.name, entry)

    async def write(self, data: bytes, end: bool) -> None:
        if self.console_stdin:
            return  # WINRS_CONSOLEMODE_STDIN: the process reads no piped input
        self._stdin.extend(data)
        self._stdin_queue.put_nowait(data)
        if end:
            self._stdin_done = time.monotonic()  # the last Send arrived
            self._stdin_queue.put_nowait(None)

    async def read(self, timeout: float, budget: int) -> Output | None:
        if not self._stdout and not self._stderr and self._exit_code is None:
            self._changed.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout)
            if not self._stdout and not self._stderr and self._exit_code is None:
                return None
        stdout = bytes(self._stdout[:budget])
        del self._stdout[:budget]
        stderr = bytes(self._stderr[: budget - len(stdout)])
        del self._stderr[: len(stderr)]
        done = self._exit_code is not None and not self._stdout and not self._stderr
        return Output(stdout, stderr, done=done, exit_code=self._exit_code or 0)

    async def terminate(self) -> None:
        """Signal terminate: the process is killed where it is (a module mid-apply stops there), or as soon as it
        exists."""
        self._terminated = True
        self._kill()

    def _kill(self) -> None:
        if self._process is not None and self._process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._process.pid, signal.SIGKILL)


def _describe(stdin: bytes) -> dict[str, Any]:
    try:
        payload = decode_payload(stdin)
    except PayloadError:
        return {"kind": "undecodable"}
    try:
        check_test_build(payload)
    except NotATestBuild as err:
        return {"kind": "module", "refused": str(err)}
    mode = engine_mode(payload.module_name or "")
    return {"kind": "module", "module": payload.module_name, "mode": mode}


class PwshRunner:
    """Runs every command of a host on pwsh, its boundary answered by the Windows model server at ``socket``."""

    def __init__(self, socket: str, pwsh: Path | None = None) -> None:
        self.socket = socket
        self.pwsh = pwsh or find_pwsh()
        #: pending kills, shared with the commands (each takes the first of its mode)
        self.kills: list[Kill] = []

    def kill_mid_run(self, mode: str = "apply", after_changes: int = 1, function: str | None = None) -> None:
        """The next module run in ``mode`` is killed (SIGKILL; TerminateProcess on Windows) right after its
        ``after_changes``-th change to the host took effect (of boundary function ``function``, when named: the
        Windows model counts every call that changed the host file, a registry key created on the way included),
        before it can report that change."""
        self.kills.append(Kill(mode, after_changes, function))

    def start(self, host: HostContext, command_line: str, console_stdin: bool) -> PwshCommand:
        return PwshCommand(host, command_line, console_stdin, self.socket, self.pwsh, self.kills)
