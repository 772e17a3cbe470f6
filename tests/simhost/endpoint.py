"""What the simulated host does with each connection call; the ``mtls_sim`` plugin only forwards.

Files of host ``H`` under the state directory: ``H.json`` (the host), ``H.runs.jsonl`` (the run log,
:mod:`simhost.recorder`), ``H.files/`` (files sent with ``put_file``) and, when payload dumping is on,
``H.payloads/0001.bin``… (the raw bytes of each module payload, for tests that decode them).
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from simhost.errors import ConnectionDropped
from simhost.payload import DecodedPayload, PayloadError, decode_payload
from simhost.recorder import make_entry, record_run
from simhost.runner import engine_mode, run_module, short_module_name


def _checked_host(host: str) -> str:
    if not host or host in {".", ".."} or "/" in host or "\0" in host:
        raise ValueError(f"host name {host!r} cannot name a simulated host file")
    return host


def host_file(state_dir: Path, host: str) -> Path:
    return Path(state_dir) / f"{_checked_host(host)}.json"


def payload_dir(state_dir: Path, host: str) -> Path:
    return Path(state_dir) / f"{_checked_host(host)}.payloads"


def _remote_file(state_dir: Path, host: str, remote_path: str) -> Path:
    return Path(state_dir) / f"{_checked_host(host)}.files" / quote(remote_path, safe="")


def dumped_payloads(state_dir: Path, host: str) -> list[Path]:
    """Raw payloads saved for a host, oldest first."""
    return sorted(payload_dir(state_dir, host).glob("*.bin"))


def _dump(state_dir: Path, host: str, data: bytes) -> None:
    directory = payload_dir(state_dir, host)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{len(list(directory.glob('*.bin'))) + 1:04d}.bin").write_bytes(data)


def _details(payload: DecodedPayload) -> dict[str, Any]:
    args = payload.module_args
    mode = engine_mode(payload.module_name or "")
    ops = args.get("ops") if mode == "apply" and isinstance(args.get("ops"), list) else None
    return {
        "mode": mode,
        "ops": None if ops is None else [op.get("op") if isinstance(op, dict) else None for op in ops],
        "format": payload.format,
        "check_mode": bool(args.get("_ansible_check_mode", False)),
        "powershell_utils": list(payload.powershell_utils),
        "csharp_utils": list(payload.csharp_utils),
    }


def exec_command(state_dir: Path, host: str, in_data: bytes | None, dump: bool = False) -> tuple[int, bytes, bytes]:
    """Answer one ``exec_command``: a module payload runs on the host; anything else is ``raw``.

    Raises :class:`~simhost.errors.ConnectionDropped` (after recording the run with ``rc`` null) when an
    injected fault loses the connection: the caller must fail the call as its transport would.
    """
    if in_data is None:
        record_run(state_dir, host, make_entry("raw"))
        return 0, b"", b""
    if dump:
        _dump(state_dir, host, in_data)
    started = time.process_time()  # the simulated host's work, which a real Windows host would do itself
    try:
        payload = decode_payload(in_data)
    except PayloadError as err:
        message = f"mtls_sim: cannot decode the payload: {err}"
        record_run(state_dir, host, make_entry("undecodable", bytes_in=len(in_data), rc=1, reply=message))
        return 1, b"", message.encode()
    name = payload.module_name or (payload.actions[-1] if payload.actions else "unknown")
    try:
        rc, result = run_module(host_file(state_dir, host), name, payload.module_args)
    except ConnectionDropped as err:
        entry = make_entry(
            short_module_name(name), bytes_in=payload.byte_count, rc=None, reply=str(err), **_details(payload)
        )
        record_run(state_dir, host, entry)
        raise
    reply = json.dumps(result)
    entry = make_entry(
        short_module_name(name),
        bytes_in=payload.byte_count,
        bytes_out=len(reply.encode()),
        rc=rc,
        reply=reply,
        host_cpu=time.process_time() - started,
        **_details(payload),  # mode, ops, format, check_mode and the utils
    )
    record_run(state_dir, host, entry)
    return rc, reply.encode(), b""


def put_file(state_dir: Path, host: str, in_path: str, out_path: str) -> None:
    """Keep a copy of the file as the host's ``out_path`` and record the transfer."""
    store_file(state_dir, host, out_path, Path(in_path).read_bytes())


def store_file(state_dir: Path, host: str, out_path: str, data: bytes) -> None:
    """The host's ``out_path`` now holds ``data`` (a file sent by the connection); the transfer is recorded."""
    target = _remote_file(state_dir, host, out_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    record_run(state_dir, host, make_entry("put_file", bytes_in=len(data), path=out_path))


def fetch_file(state_dir: Path, host: str, in_path: str, out_path: str) -> None:
    """Copy the host's ``in_path`` (a file sent earlier with put_file) to ``out_path``."""
    source = _remote_file(state_dir, host, in_path)
    if not source.is_file():
        record_run(state_dir, host, make_entry("fetch_file", rc=1, path=in_path))
        raise FileNotFoundError(f"{in_path} does not exist on the simulated host {host}")
    shutil.copyfile(source, out_path)
    record_run(state_dir, host, make_entry("fetch_file", bytes_out=source.stat().st_size, path=in_path))
