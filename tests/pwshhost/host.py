"""What the ``mtls_sim`` connection does in its pwsh engine: run the payload on pwsh, as Windows would.

The payload Ansible built (both layouts, docs of ``simhost.payload``) goes unchanged to ``pwsh`` with the command
line Ansible asked for (its ``PowerShell`` replaced by the pwsh ``tools/find-pwsh`` names): Ansible's own exec
wrapper runs the real engine modules and utils; the boundary utils are the fakes of the test build
(:mod:`pwshhost.build`), which ask the Windows model server named by ``socket`` about the host file of ``host``.
The run log, connection drops and the per-host state file are those of the simulated engine.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import subprocess
import time
from pathlib import Path

from simhost import endpoint
from simhost.errors import ConnectionDropped
from simhost.faults import take_connection_drop
from simhost.payload import DecodedPayload, PayloadError, decode_payload
from simhost.recorder import make_entry, record_run
from simhost.runner import short_module_name
from winmodel.state import load_state, save_state

from pwshhost.build import FAKE_MARKER, REPO_ROOT

#: What marks a payload built from the test build: the fakes need their transport util.
CLIENT_UTIL = "WinModelClient"
SOCKET_ENV = "MTLS_WINMODEL_SOCKET"
STATE_ENV = "MTLS_WINMODEL_STATE"


class NotATestBuild(RuntimeError):
    """The payload carries the real boundary utils: running them here would touch this Linux machine."""


def powershell_shim(pwsh: Path) -> Path:
    """A directory holding ``chcp.com`` and ``PowerShell`` and ``powershell``, symbolic links to the pwsh executable
    in ``$PSHOME`` (:func:`interpreter`): Ansible's exec wrapper looks its interpreter up by that name (2.19+:
    ``powershell``, respawning unless the name resolves to a file in the running ``$PSHOME``; 2.16: ``PowerShell``
    for child processes). Linux file names are case-sensitive, so both."""
    shim_dir = REPO_ROOT / ".build" / "pwsh-bin"
    shim_dir.mkdir(parents=True, exist_ok=True)
    _chcp_shim(shim_dir)
    target = interpreter(pwsh, shim_dir)
    for name in ("PowerShell", "powershell"):
        shim = shim_dir / name
        if not shim.is_symlink() or shim.readlink() != target:
            scratch = shim_dir / f".{name}.{os.getpid()}"
            scratch.unlink(missing_ok=True)
            scratch.symlink_to(target)
            os.replace(scratch, shim)
    return shim_dir


def interpreter(pwsh: Path, shim_dir: Path) -> Path:
    """The pwsh executable inside ``$PSHOME`` of the pwsh ``pwsh`` starts, else ``pwsh`` itself.

    2.19+'s exec wrapper starts a second pwsh for every module run unless its interpreter resolves into the running
    ``$PSHOME`` (``exec_wrapper.ps1`` compares the directories); ``tools/find-pwsh`` may name a launcher script
    outside it (``shared/pwsh/pwsh`` unpacks a bundle and runs ``$PSHOME/pwsh.dll``), which would double every run's
    cost. The executable there needs the launcher's ``DOTNET_ROOT``, which the module process passes on. Asked once
    per launcher and kept in ``shim_dir``.
    """
    cache = shim_dir / f".pshome-{hashlib.sha256(str(pwsh).encode()).hexdigest()[:16]}"
    if not cache.is_file():
        proc = subprocess.run(
            [str(pwsh), "-NoProfile", "-NonInteractive", "-Command", "[Console]::Out.Write($PSHOME)"],
            capture_output=True,
            text=True,
            check=False,
        )
        scratch = shim_dir / f"{cache.name}.{os.getpid()}"
        scratch.write_text(proc.stdout.strip() if proc.returncode == 0 else "")
        os.replace(scratch, cache)
    pshome = cache.read_text()
    candidate = Path(pshome) / "pwsh" if pshome else None
    return candidate if candidate is not None and os.access(candidate, os.X_OK) else pwsh


def check_test_build(payload: DecodedPayload) -> None:
    """Raise :class:`NotATestBuild` when ``payload`` carries the real boundary utils instead of the fakes."""
    if not any(name.endswith(CLIENT_UTIL) for name in payload.powershell_utils) and any(
        ".module_utils.Win" in name for name in payload.powershell_utils
    ):
        raise NotATestBuild(
            "pwsh host: the payload carries the real boundary utils; point ANSIBLE_COLLECTIONS_PATH at "
            f"the test build of tests/pwshhost/build.py (its fakes start with {FAKE_MARKER!r})"
        )


def process_env(pwsh: Path, socket: str, state_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a pwsh process of the host whose file is ``state_path``: the shims first on PATH, the
    Windows model's socket and the host file for the fakes."""
    path = f"{powershell_shim(pwsh)}{os.pathsep}{os.environ.get('PATH', '')}"
    return {**os.environ, "PATH": path, SOCKET_ENV: socket, STATE_ENV: str(state_path), **extra}


#: ansible-core 2.16's bootstrap starts with ``&chcp.com 65001 > $null`` (UTF-8 console output; 2.19+ dropped it).
#: Linux has no chcp.com and pwsh's console is UTF-8 already: the shim answers as chcp.com does (WINDOWS_FACTS
#: WINRM-9) instead of a CommandNotFoundException on stderr that Windows never writes.
CHCP_SHIM = '#!/bin/sh\necho "Active code page: ${1:-65001}"\n'


def _chcp_shim(shim_dir: Path) -> None:
    shim = shim_dir / "chcp.com"
    if shim.is_file() and shim.read_text() == CHCP_SHIM:
        return
    scratch = shim_dir / f".chcp.com.{os.getpid()}"
    scratch.write_text(CHCP_SHIM)
    scratch.chmod(0o755)
    os.replace(scratch, shim)


def _argv(cmd: str, pwsh: Path) -> list[str]:
    argv = shlex.split(cmd)
    if not argv or argv[0].casefold() not in {"powershell", "powershell.exe", "pwsh"}:
        raise ValueError(f"mtls_sim pwsh engine: not a PowerShell command line: {cmd[:80]!r}")
    return [str(pwsh), *argv[1:]]


def exec_command(
    state_dir: Path, host: str, cmd: str, in_data: bytes | None, socket: str, pwsh: Path, dump: bool = False
) -> tuple[int, bytes, bytes]:
    """Run one ``exec_command`` on pwsh; raises ConnectionDropped (recorded) as the simulated engine does."""
    if in_data is None:
        return endpoint.exec_command(state_dir, host, None)
    if dump:
        endpoint._dump(state_dir, host, in_data)
    try:
        payload = decode_payload(in_data)
    except PayloadError as err:
        message = f"mtls_sim: cannot decode the payload: {err}"
        record_run(state_dir, host, make_entry("undecodable", bytes_in=len(in_data), rc=1, reply=message))
        return 1, b"", message.encode()
    check_test_build(payload)
    name = payload.module_name or (payload.actions[-1] if payload.actions else "unknown")
    details = endpoint._details(payload)
    state_path = endpoint.host_file(state_dir, host)
    state = load_state(state_path)
    if details["mode"] and take_connection_drop(state, details["mode"]):
        save_state(state_path, state)
        message = f"the connection to the host was lost before {details['mode']} reached it"
        entry = make_entry(short_module_name(name), bytes_in=payload.byte_count, rc=None, reply=message, **details)
        record_run(state_dir, host, entry)
        raise ConnectionDropped(message)
    if not state_path.exists():
        save_state(state_path, state)  # the model and the simulated engine start from the same fresh host
    env = process_env(pwsh, socket, state_path)
    started = time.monotonic()
    proc = subprocess.run(_argv(cmd, pwsh), input=in_data, capture_output=True, env=env, check=False)
    entry = make_entry(
        short_module_name(name),
        bytes_in=payload.byte_count,
        bytes_out=len(proc.stdout),
        rc=proc.returncode,
        reply=proc.stdout.decode("utf-8", "replace"),
        host_seconds=round(time.monotonic() - started, 3),
        **details,
    )
    record_run(state_dir, host, entry)
    return proc.returncode, proc.stdout, proc.stderr
