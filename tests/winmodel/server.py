"""One long-lived local server answering the boundary fakes from the Windows model.

Protocol: the fake connects to a Unix socket (no port, no token: only the owner of the socket's directory can
reach it) and writes one JSON line ``{"state": <host file>, "function": <name>, "parameters": {...}}``; the server
answers one line ``{"ok": true, "value": ...}`` (no ``value`` for a function that returns nothing) or
``{"ok": false, "error": <message>}`` (with ``exception_type`` and ``hresult`` when the model names the .NET
exception Windows throws, :class:`winmodel.errors.WindowsError_`). Byte arrays travel as ``{"__bytes__": <base64>}``
both ways.
Secrets (PFX and mapping passwords) travel only in these request bodies, never on a command line.
Each call is atomic: the host file is read, the call applied and the file written back (only when the call changed
it) under a lock per file.

Run standalone (``make demo``): ``python -m winmodel.server SOCKET``; tests use :class:`WinModelServer`.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import socketserver
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from winmodel.dispatch import VOID, handler
from winmodel.errors import UnknownFunction, WindowsError_
from winmodel.state import load_state, save_state

_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()
#: host file (real path) -> what runs after a call changed it, before the fake gets its answer
_AFTER_CHANGE: dict[str, Callable[[str], None]] = {}


def _lock(path: str) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(os.path.realpath(path), threading.Lock())


def on_change(state_path: Path, callback: Callable[[str], None] | None) -> None:
    """Run ``callback(function)`` after every call that changes the host file ``state_path``, before the calling
    fake gets its answer (None removes it). Tests stop a pwsh process there: the change took effect, the module
    never learns it did (``pwshhost.winrs``, a process killed mid-apply)."""
    key = os.path.realpath(state_path)
    with _LOCKS_GUARD:
        if callback is None:
            _AFTER_CHANGE.pop(key, None)
        else:
            _AFTER_CHANGE[key] = callback


def _changed(state_path: Path, function: str) -> None:
    with _LOCKS_GUARD:
        callback = _AFTER_CHANGE.get(os.path.realpath(state_path))
    if callback is not None:
        callback(function)


def decode(value: Any) -> Any:
    """JSON from a fake -> Python: ``{"__bytes__": b64}`` -> bytes."""
    if isinstance(value, dict):
        if set(value) == {"__bytes__"}:
            return base64.b64decode(value["__bytes__"])
        return {key: decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decode(item) for item in value]
    return value


def encode(value: Any) -> Any:
    """Python -> JSON for a fake: bytes -> ``{"__bytes__": b64}``."""
    if isinstance(value, (bytes, bytearray)):
        return {"__bytes__": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dict):
        return {key: encode(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(item) for item in value]
    return value


def call(request: dict[str, Any]) -> dict[str, Any]:
    """Answer one request (also used directly by unit tests)."""
    state_path = Path(str(request["state"]))
    try:
        answer = handler(str(request["function"]))
        with _lock(str(state_path)):
            state = load_state(state_path)
            before = copy.deepcopy(state)
            value = answer(state, decode(request.get("parameters") or {}))
            changed = state != before
            if changed:
                save_state(state_path, state)
        if changed:
            _changed(state_path, str(request["function"]))
    except WindowsError_ as err:
        reply: dict[str, Any] = {"ok": False, "error": str(err)}
        if err.exception_type is not None:
            reply.update({"exception_type": err.exception_type, "hresult": err.hresult})
        return reply
    except UnknownFunction as err:
        return {"ok": False, "error": str(err)}
    except Exception as err:  # a model bug: the fake throws it, the module fails loudly
        return {"ok": False, "error": f"Windows model error in {request.get('function')}: {type(err).__name__}: {err}"}
    if request["function"] in VOID:
        return {"ok": True}  # nothing reaches the caller's pipeline, as from the real function
    return {"ok": True, "value": encode(value)}


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        line = self.rfile.readline()
        try:
            reply = call(json.loads(line))
        except (ValueError, KeyError) as err:
            reply = {"ok": False, "error": f"bad request to the Windows model: {err}"}
        self.wfile.write(json.dumps(reply).encode("utf-8") + b"\n")


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class WinModelServer:
    """The server on a Unix socket in a private temporary directory, served by a daemon thread."""

    def __init__(self) -> None:
        self._dir = tempfile.mkdtemp(prefix="winmodel-")  # mode 0700: only this user reaches the socket
        self.socket_path = os.path.join(self._dir, "s")
        self._server = _Server(self.socket_path, _Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="winmodel", daemon=True)

    def start(self) -> WinModelServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        Path(self.socket_path).unlink(missing_ok=True)
        os.rmdir(self._dir)

    def __enter__(self) -> WinModelServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str]) -> int:
    server = _Server(argv[1], _Handler)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        Path(argv[1]).unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
