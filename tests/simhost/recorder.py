"""A log of every run on a simulated host: ``<state_dir>/<host>.runs.jsonl``, one JSON object a line.

Entries written by the connection plugin::

    {"module": "host_state_gather", "mode": "gather", "ops": null, "bytes_in": 180001,
     "bytes_out": 812, "rc": 0, "reply": "<the module's JSON>"}

``module`` is the short module name, ``put_file``, ``fetch_file`` or ``raw``; ``mode`` is
``gather`` for ``host_state_gather`` and ``apply`` for ``host_state_apply`` (else null), so a count of the
engine's round trips reads ``mode`` whichever module ran; ``ops`` lists the op names of an apply (else
null). Module runs also carry ``format`` (payload layout), ``check_mode`` and the bundled
``powershell_utils`` / ``csharp_utils``. Tests count round trips and bytes from this file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

Entry = dict[str, Any]


def runs_path(state_dir: Path, host: str) -> Path:
    return Path(state_dir) / f"{host}.runs.jsonl"


def make_entry(
    module: str,
    *,
    mode: str | None = None,
    ops: list[str] | None = None,
    bytes_in: int = 0,
    bytes_out: int = 0,
    rc: int = 0,
    reply: str = "",
    **extra: Any,
) -> Entry:
    """One run, with the keys every entry has (``extra`` adds more)."""
    return {
        "module": module,
        "mode": mode,
        "ops": ops,
        "bytes_in": bytes_in,
        "bytes_out": bytes_out,
        "rc": rc,
        "reply": reply,
        **extra,
    }


def record_run(state_dir: Path, host: str, entry: Entry) -> None:
    """Append one entry as a single write (forked workers of other hosts write other files)."""
    path = runs_path(state_dir, host)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(entry, sort_keys=True) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def read_runs(state_dir: Path, host: str) -> list[Entry]:
    """Every recorded run of a host, oldest first; empty when nothing ran."""
    try:
        text = runs_path(state_dir, host).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def clear_runs(state_dir: Path, host: str) -> None:
    runs_path(state_dir, host).unlink(missing_ok=True)
