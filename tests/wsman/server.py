"""A WS-Management endpoint on loopback: one listener per simulated host, each on its own loopback address.

A fleet here looks like a real one: host ``web01`` listens on ``127.77.0.1:<port>``, ``web02`` on ``127.77.0.2``,
all on the same HTTP (and HTTPS) port, and the inventory reaches each through ``ansible_host``. Requests are read as
HTTP/1.1 on persistent connections (NTLM and its message encryption are bound to the connection), authenticated
(``wsman.auth``), size-checked against ``MaxEnvelopeSizekb`` and handed to the host's WinRS service
(``wsman.shells``), whose commands run through a pluggable :class:`~wsman.commands.CommandRunner`.

Every HTTP exchange is appended to ``<state_dir>/<host>.wire.jsonl`` (operation, status, bytes each way), next
to the simulator's run log, so tests and ``make bench`` count requests and bytes on the wire per host.

The endpoint runs an asyncio loop in a daemon thread of the calling process; :class:`Endpoint` is its handle.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import ipaddress
import json
import socket
import ssl
import struct
import tempfile
import threading
import traceback
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from wsman import auth, service
from wsman.commands import CommandRunner, HostContext, SimulatedRunner
from wsman.shells import FaultError, HostShells
from wsman.soap import SoapError, fault_response, parse_request

T = TypeVar("T")
ADDRESS_BASE = ipaddress.IPv4Address("127.77.0.1")
_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 413: "Request Entity Too Large", 500: "Internal Error"}


def wire_log(state_dir: Path, host: str) -> Path:
    return Path(state_dir) / f"{host}.wire.jsonl"


def read_wire(state_dir: Path, host: str) -> list[dict[str, Any]]:
    """Every HTTP exchange with a host, oldest first."""
    try:
        text = wire_log(state_dir, host).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@dataclass(frozen=True)
class Misbehaviour:
    """How a host or its network fails on a Receive, once per entry.

    ``reset``: the command runs to the end on the host, then the TCP connection is reset instead of answering.
    ``stall``: the command runs, then the answer is held for ``seconds`` (past the client's read timeout).
    ``mode`` limits it to module runs in that mode (``gather``/``apply``); None matches any command.
    """

    kind: str  # reset | stall
    mode: str | None = None
    seconds: float = 0.0

    def matches(self, description: dict[str, Any]) -> bool:
        return self.mode is None or (description.get("kind") == "module" and description.get("mode") == self.mode)


@dataclass(frozen=True)
class Tls:
    """The HTTPS listener's certificate (PEM), as the WinRM HTTPS listener's CertificateThumbprint names it."""

    cert_pem: str
    key_pem: str


@dataclass
class _Host:
    name: str
    address: str
    port: int
    listener: service.Listener
    shells: HostShells
    log: Path
    server: asyncio.base_events.Server | None = None
    misbehaviours: list[Misbehaviour] = field(default_factory=list)

    def take(self, description: dict[str, Any]) -> Misbehaviour | None:
        for misbehaviour in self.misbehaviours:
            if misbehaviour.matches(description):
                self.misbehaviours.remove(misbehaviour)
                return misbehaviour
        return None


@dataclass
class _Connection:
    ntlm: auth.NtlmAcceptor = field(default_factory=auth.NtlmAcceptor)
    peer_der: bytes | None = None


@dataclass
class _Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    op: str = ""
    reset: bool = False
    delay: float = 0.0

    def encode(self) -> bytes:
        lines = [
            f"HTTP/1.1 {self.status} {_REASONS.get(self.status, 'Error')}",
            "Server: Microsoft-HTTPAPI/2.0",
            *(f"{name}: {value}" for name, value in self.headers.items()),
            f"Content-Length: {len(self.body)}",
        ]
        if self.body and "Content-Type" not in self.headers:
            lines.append("Content-Type: application/soap+xml;charset=UTF-8")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + self.body


class Endpoint:
    """The loopback WS-Management endpoint serving a fleet of simulated hosts."""

    def __init__(self, runner: CommandRunner | None = None, authorities: Sequence[x509.Certificate] = ()) -> None:
        self.runner = runner or SimulatedRunner()
        #: CAs the HTTPS listeners trust for client certificates (certificate authentication)
        self.authorities = list(authorities)
        self.ntlm_users = auth.NtlmUsers()
        self._hosts: dict[str, _Host] = {}
        self._next_address = 0
        self._ports: dict[str, int] = {}
        self._loop = asyncio.new_event_loop()
        self._loop.set_exception_handler(lambda loop, context: None)  # TLS handshakes refused by a test client
        self._thread = threading.Thread(target=self._loop.run_forever, name="wsman-endpoint", daemon=True)
        self._thread.start()

    # -- control (called from any thread) ------------------------------------------------------
    def _call(self, coroutine: Awaitable[T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()  # type: ignore[arg-type]

    def _sync(self, function: Callable[[], T]) -> T:
        async def run() -> T:
            return function()

        return self._call(run())

    def reserve_address(self) -> str:
        """A loopback address no host uses yet (for a listener certificate made before ``add_host``)."""
        address = str(ADDRESS_BASE + self._next_address)
        self._next_address += 1
        return address

    def add_host(
        self,
        name: str,
        state_dir: Path,
        listener: service.Listener,
        *,
        address: str | None = None,
        limits: service.Limits | None = None,
        tls: Tls | None = None,
        process_delay: float = 0.0,
        runner: CommandRunner | None = None,
    ) -> tuple[str, int]:
        """Serve host ``name`` (state file ``<state_dir>/<name>.json``) on its own address; return address and port.

        Hosts are told apart by address, as in a real fleet; the control calls below take that address. ``runner``
        executes this host's commands (default: the endpoint's, the simulated host).
        """
        if listener.scheme == "https" and tls is None:
            raise ValueError("an HTTPS listener needs a certificate")
        address = address or self.reserve_address()
        if address in self._hosts:
            raise ValueError(f"{address} already serves host {self._hosts[address].name}")
        self.ntlm_users.add(listener.users)
        context = HostContext(name, Path(state_dir), process_delay)
        shells = HostShells(context, runner or self.runner, limits or service.Limits())
        host = _Host(name, address, self._port(listener.scheme), listener, shells, wire_log(state_dir, name))
        self._call(self._listen(host, self._tls_context(listener, tls)))
        self._hosts[address] = host
        return address, host.port

    def misbehave(self, address: str, misbehaviour: Misbehaviour) -> None:
        """The host at ``address`` fails its next matching Receive this way."""
        self._sync(lambda: self._hosts[address].misbehaviours.append(misbehaviour))

    def runner_of(self, address: str) -> CommandRunner:
        """What executes the commands of the host at ``address`` (to make a pwsh process fail mid-run, say)."""
        return self._hosts[address].shells.runner

    def set_limits(self, address: str, limits: service.Limits) -> None:
        def apply() -> None:
            self._hosts[address].shells.limits = limits

        self._sync(apply)

    def set_process_delay(self, address: str, seconds: float) -> None:
        """Commands started on the host from now on take ``seconds`` before they answer."""

        def apply() -> None:
            shells = self._hosts[address].shells
            shells.host = dataclasses.replace(shells.host, process_delay=seconds)

        self._sync(apply)

    def open_idle_shells(self, address: str, user: str, count: int) -> list[str]:
        """Shells of ``user`` left open on the host by some other client."""
        return self._sync(lambda: self._hosts[address].shells.open_idle_shells(user, count))

    def close_shells(self, address: str, shell_ids: list[str]) -> None:
        self._sync(lambda: self._hosts[address].shells.close(shell_ids))

    def open_shells(self, address: str) -> int:
        """How many shells the host has open (any user)."""
        return self._sync(lambda: len(self._hosts[address].shells.shells))

    def stop(self) -> None:
        async def close() -> None:
            for host in self._hosts.values():
                if host.server is not None:
                    host.server.close()

        self._call(close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self.ntlm_users.remove()

    # -- listeners ----------------------------------------------------------------------------
    def _port(self, scheme: str) -> int:
        """One port per scheme for the whole fleet, as 5985/5986 are on every real host: a free loopback port."""
        if scheme not in self._ports:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                self._ports[scheme] = probe.getsockname()[1]
        return self._ports[scheme]

    def _tls_context(self, listener: service.Listener, tls: Tls | None) -> ssl.SSLContext | None:
        if listener.scheme != "https" or tls is None:
            return None
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with tempfile.NamedTemporaryFile("w", suffix=".pem") as chain:  # ssl loads a key only from a file
            chain.write(tls.cert_pem + tls.key_pem)
            chain.flush()
            context.load_cert_chain(chain.name)
        if listener.certificate:
            context.verify_mode = ssl.CERT_OPTIONAL
            context.load_verify_locations(
                cadata="".join(c.public_bytes(Encoding.PEM).decode() for c in self.authorities) or None
            )
        return context

    async def _listen(self, host: _Host, context: ssl.SSLContext | None) -> None:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await self._serve(host, reader, writer)

        host.server = await asyncio.start_server(serve, host.address, host.port, ssl=context, reuse_address=True)

    # -- HTTP -------------------------------------------------------------------------------
    async def _serve(self, host: _Host, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        ssl_object = writer.get_extra_info("ssl_object")
        connection = _Connection(peer_der=ssl_object.getpeercert(binary_form=True) if ssl_object else None)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                headers = _headers(head)
                body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
                try:
                    reply = await self._handle(host, connection, headers, body)
                except Exception:  # an endpoint bug: answer like a failing service, keep the trace in the log
                    reply = _Reply(500, op="endpoint-error", headers={"X-Trace": "see wire log"})
                    _record(host, reply, len(head) + len(body), 0, traceback.format_exc())
                    raise
                if reply.reset:
                    _record(host, reply, len(head) + len(body), 0)
                    _reset(writer)
                    return
                if reply.delay:
                    await asyncio.sleep(reply.delay)
                data = reply.encode()
                _record(host, reply, len(head) + len(body), len(data))  # before the client can read the answer
                writer.write(data)
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ssl.SSLError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def _handle(self, host: _Host, connection: _Connection, headers: dict[str, str], body: bytes) -> _Reply:
        listener = host.listener
        header = headers.get("authorization", "")
        scheme = header.split(" ", 1)[0].lower()
        encrypted = headers.get("content-type", "").lower().startswith("multipart/encrypted")
        try:
            if scheme == "basic" and listener.basic:
                user = auth.basic_user(header, listener.users)
            elif scheme in ("negotiate", "ntlm") and listener.negotiate:
                token = connection.ntlm.step(header.split(" ", 1)[1] if " " in header else "")
                if not connection.ntlm.established:
                    challenge = f"Negotiate {base64.b64encode(token or b'').decode()}"
                    return _Reply(401, headers={"WWW-Authenticate": challenge}, op="auth")
                user = _known(connection.ntlm.user, listener)
            elif header == auth.CERT_AUTH_HEADER and listener.certificate:
                user = auth.certificate_user(connection.peer_der, self.authorities, listener.cert_mappings)
            elif connection.ntlm.established:
                user = _known(connection.ntlm.user, listener)
            elif encrypted:
                # A message sealed for another connection's context: Windows answers 400 (WINDOWS_FACTS WINRM-7).
                return _Reply(400, op="undecryptable")
            else:
                raise auth.AuthError("no credentials")
            if encrypted:
                body = connection.ntlm.unwrap(body)
        except auth.AuthError:
            return _unauthorized(listener)
        if not body:
            return _Reply(200, op="auth")  # pywinrm's empty POST that sets up message encryption
        reply = await self._winrs(host, user, body)
        if encrypted and reply.body:
            reply.body = connection.ntlm.wrap(reply.body)
            reply.headers["Content-Type"] = auth.ENCRYPTED_CONTENT_TYPE
        return reply

    async def _winrs(self, host: _Host, user: str, body: bytes) -> _Reply:
        shells = host.shells
        if len(body) > shells.limits.max_envelope_bytes:
            return _Reply(service.ENTITY_TOO_LARGE, op="too-large")  # WINDOWS_FACTS WINRM-2
        try:
            request = parse_request(body)
        except SoapError:
            return _Reply(400, op="malformed")
        op = request.operation
        try:
            if op == "Create":
                return _Reply(200, shells.create(request, user), op=op)
            if op == "Command":
                return _Reply(200, shells.command(request, user), op=op)
            if op == "Send":
                return _Reply(200, await shells.send(request, user), op=op)
            if op == "Receive":
                command = shells.command_of(request, user)
                envelope = await shells.receive(request, user)
                if command.description.get("dropped"):
                    # a connection drop seeded on the host (simhost.faults): the client gets no answer at all
                    return _Reply(0, op="Receive-dropped", reset=True)
                misbehaviour = host.take(command.description)
                if misbehaviour is not None and misbehaviour.kind == "reset":
                    return _Reply(0, op="Receive-reset", reset=True)
                delay = misbehaviour.seconds if misbehaviour is not None else 0.0
                return _Reply(200, envelope, op=op, delay=delay)
            if op == "Signal":
                return _Reply(200, await shells.signal(request, user), op=op)
            if op == "Delete":
                return _Reply(200, shells.delete(request, user), op=op)
            raise FaultError(service.not_supported(request.action))
        except FaultError as err:
            envelope = fault_response(request.message_id, err.fault, host.name)
            return _Reply(err.fault.http_status, envelope, op=f"{op}-fault")


def _known(user: str | None, listener: service.Listener) -> str:
    account = next((name for name in listener.users if user and name.lower() == user.lower()), None)
    if account is None:
        raise auth.AuthError(f"{user} is not an account of this host")
    return account


def _unauthorized(listener: service.Listener) -> _Reply:
    offered = [name for name, on in (("Negotiate", listener.negotiate), ('Basic realm="WSMAN"', listener.basic)) if on]
    return _Reply(401, headers={"WWW-Authenticate": ", ".join(offered)} if offered else {}, op="unauthorized")


def _headers(head: bytes) -> dict[str, str]:
    lines = head.decode("latin-1").split("\r\n")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return headers


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP RST (SO_LINGER 0), as a dropped connection looks to the client."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def _record(host: _Host, reply: _Reply, bytes_in: int, bytes_out: int, error: str | None = None) -> None:
    entry: dict[str, Any] = {"op": reply.op, "status": reply.status, "bytes_in": bytes_in, "bytes_out": bytes_out}
    if error:
        entry["error"] = error
    host.log.parent.mkdir(parents=True, exist_ok=True)
    with host.log.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry) + "\n")
