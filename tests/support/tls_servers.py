"""Real TLS servers on loopback for the probe's tests: Debian's nginx, and a small pyOpenSSL server for what nginx
cannot do (ask for the client certificate only after the request line, as IIS does for SslNegotiateCert; reset the
connection or answer HTTP 500 0x80070032 when that request arrives over TLS 1.3).

Each server is a context manager that starts on a free 127.0.0.1 port and is stopped on exit.
"""

from __future__ import annotations

import contextlib
import select
import shutil
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from OpenSSL import SSL, crypto

from support.pki import Issued

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((LOOPBACK, port), timeout=0.5):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {LOOPBACK}:{port} after {timeout} s")


def _pem_chain(leaf: Issued, chain: Sequence[Issued]) -> str:
    return "".join(c.pem for c in (leaf, *chain))


# -- nginx ---------------------------------------------------------------------------------------
NGINX_CONF = """daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log info;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {dir}/tmp/body;
  proxy_temp_path {dir}/tmp/proxy;
  fastcgi_temp_path {dir}/tmp/fastcgi;
  uwsgi_temp_path {dir}/tmp/uwsgi;
  scgi_temp_path {dir}/tmp/scgi;
  server {{
    listen {host}:{port} ssl;
    server_name localhost;
    ssl_certificate {dir}/server.pem;
    ssl_certificate_key {dir}/server.key;
    ssl_protocols {protocols};
{client_auth}    location / {{ return 200 "ok verify=$ssl_client_verify\\n"; }}
  }}
}}
"""


@dataclass
class Nginx:
    """nginx with one TLS server: ``verify`` off / on / optional with ``client_ca`` (sent as acceptable CA names) and
    ``trusted_ca`` (also used to verify client chains, not sent)."""

    workdir: Path
    server: Issued
    server_chain: Sequence[Issued] = ()
    client_ca: Sequence[Issued] = ()
    trusted_ca: Sequence[Issued] = ()
    verify: str = "off"
    protocols: str = "TLSv1.2 TLSv1.3"
    port: int = 0
    process: subprocess.Popen | None = field(default=None, repr=False)

    def config(self) -> str:
        client_auth = ""
        if self.verify != "off":
            client_auth = (
                f"    ssl_verify_client {self.verify};\n"
                f"    ssl_client_certificate {self.workdir}/client-ca.pem;\n"
                + (f"    ssl_trusted_certificate {self.workdir}/trusted-ca.pem;\n" if self.trusted_ca else "")
                + "    ssl_verify_depth 4;\n"
            )
        return NGINX_CONF.format(
            dir=self.workdir, host=LOOPBACK, port=self.port, protocols=self.protocols, client_auth=client_auth
        )

    def __enter__(self) -> Nginx:
        exe = shutil.which("nginx") or "/usr/sbin/nginx"
        assert Path(exe).exists(), "Debian's nginx is needed (make test installs it: tools/ensure-nginx)"
        (self.workdir / "tmp").mkdir(parents=True, exist_ok=True)
        (self.workdir / "server.pem").write_text(_pem_chain(self.server, self.server_chain))
        (self.workdir / "server.key").write_text(self.server.key_pem)
        (self.workdir / "client-ca.pem").write_text("".join(c.pem for c in self.client_ca))
        (self.workdir / "trusted-ca.pem").write_text("".join(c.pem for c in self.trusted_ca))
        for _attempt in range(5):  # another test may take the free port between our look and nginx's bind
            self.port = free_port()
            (self.workdir / "nginx.conf").write_text(self.config())
            self.process = subprocess.Popen(
                [exe, "-p", str(self.workdir), "-c", str(self.workdir / "nginx.conf"), "-e", "stderr"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            try:
                wait_for_port(self.port, timeout=5)
                return self
            except TimeoutError:
                self._stop()
        raise RuntimeError(f"nginx did not start: {self._log()}")

    def _log(self) -> str:
        log = self.workdir / "error.log"
        return log.read_text() if log.exists() else ""

    def _stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process and self.process.stderr:
            self.process.stderr.close()

    def __exit__(self, *exc: object) -> None:
        self._stop()

    @property
    def url(self) -> str:
        return f"https://localhost:{self.port}/"


# -- a small server that behaves like HTTP.sys asking for certificates after the request ---------------------------
IIS_403_7 = (
    "<html><head><title>IIS 10.0 Detailed Error - 403.7 - Forbidden</title></head><body>"
    "<h3>HTTP Error 403.7 - Forbidden</h3><h4>The page you are attempting to access requires your browser to have "
    "a Secure Sockets Layer (SSL) client certificate that the Web server recognizes.</h4></body></html>"
)
IIS_401_2 = (
    "<html><head><title>IIS 10.0 Detailed Error - 401.2 - Unauthorized</title></head><body>"
    "<h3>HTTP Error 401.2 - Unauthorized</h3><h4>You are not authorized to view this page due to invalid "
    "authentication headers.</h4></body></html>"
)
IIS_500_TLS13 = (
    "<html><head><title>IIS 10.0 Detailed Error - 500.0 - Internal Server Error</title></head><body>"
    "<h3>HTTP Error 500.0 - Internal Server Error</h3><table><tr><th>Error Code</th><td>0x80070032</td></tr>"
    "</table></body></html>"
)


def _http(status: str, body: str) -> bytes:
    data = body.encode()
    head = f"HTTP/1.1 {status}\r\nContent-Type: text/html\r\nContent-Length: {len(data)}\r\nConnection: close\r\n\r\n"
    return head.encode() + data


@dataclass
class AfterRequestServer:
    """Asks for a client certificate only after reading the request, as HTTP.sys does for a location with
    SslNegotiateCert on a binding without handshake negotiation (WINDOWS_FACTS CLIENTAUTH-PROBE-4, -1):

    - over TLS 1.2 it renegotiates, sending ``ca_names``; it answers 200 with a certificate, else IIS's 403.7 page;
    - over TLS 1.3, which cannot renegotiate, it resets the connection (``tls13="reset"``, Server 2022) or answers
      HTTP 500 with 0x80070032 (``tls13="http500"``, Server 2025).

    With ``ask="handshake"`` it asks in the handshake instead and, given ``trust``, lets OpenSSL verify the
    certificate and refuse a bad one with a TLS alert.
    """

    server: Issued
    max_version: str = "1.3"
    ask: str = "after_request"
    ca_names: Sequence[Issued] = ()
    trust: Sequence[Issued] = ()
    tls13: str = "reset"
    #: what it answers a request that came with a certificate: 200, or "401.2" (no certificate mapping matched)
    with_certificate: str = "200"
    port: int = 0
    connections: int = 0
    _listener: socket.socket | None = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)

    def _context(self) -> SSL.Context:
        ctx = SSL.Context(SSL.TLS_SERVER_METHOD)
        ctx.set_min_proto_version(SSL.TLS1_2_VERSION)
        ctx.set_max_proto_version(SSL.TLS1_2_VERSION if self.max_version == "1.2" else SSL.TLS1_3_VERSION)
        ctx.use_certificate(self.server.cert)
        ctx.use_privatekey(self.server.key)
        ctx.set_session_id(b"mtls-probe-test")
        # a renegotiation must be a full handshake, or no certificate request is sent
        ctx.set_session_cache_mode(SSL.SESS_CACHE_OFF)
        ctx.set_options(SSL.OP_NO_TICKET)
        for ca in self.ca_names:
            ctx.add_client_ca(ca.cert)
        for ca in self.trust:
            ctx.get_cert_store().add_cert(crypto.X509.from_cryptography(ca.cert))
        if self.ask == "handshake":
            ctx.set_verify(SSL.VERIFY_PEER | SSL.VERIFY_FAIL_IF_NO_PEER_CERT)
        else:
            ctx.set_verify(SSL.VERIFY_NONE, lambda *_unused: True)
        return ctx

    def __enter__(self) -> AfterRequestServer:
        self._listener = socket.socket()
        self._listener.bind((LOOPBACK, 0))
        self._listener.listen(8)
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)
        if self._listener:
            self._listener.close()

    @property
    def url(self) -> str:
        return f"https://localhost:{self.port}/api"

    def _serve(self) -> None:
        assert self._listener is not None
        while not self._stop.is_set():
            ready, _unused, _unused = select.select([self._listener], [], [], 0.1)
            if not ready:
                continue
            sock, _unused = self._listener.accept()
            self.connections += 1
            with contextlib.suppress(Exception):  # a client that hangs up must not stop the server
                self._one(sock)
            sock.close()

    def _one(self, sock: socket.socket) -> None:
        sock.settimeout(0)
        conn = SSL.Connection(self._context(), sock)
        conn.set_accept_state()
        deadline = time.monotonic() + 10
        request = b""
        try:
            _io(sock, deadline, conn.do_handshake)
            while b"\r\n\r\n" not in request:
                request += _io(sock, deadline, lambda: conn.recv(4096))
        except SSL.Error:  # OpenSSL refused the client certificate and sent its alert
            _lingering_close(sock)
            return
        if self.ask == "after_request" and conn.get_protocol_version_name() == "TLSv1.3":
            if self.tls13 == "http500":
                _io(sock, deadline, lambda: conn.sendall(_http("500 Internal Server Error", IIS_500_TLS13)))
                return
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close sends a TCP RST
            return
        if self.ask == "after_request":
            conn.set_verify(SSL.VERIFY_PEER, lambda *_unused: True)
            conn.renegotiate()
            _io(sock, deadline, conn.do_handshake)  # sends HelloRequest
            while conn.renegotiate_pending() and time.monotonic() < deadline:
                try:
                    conn.recv(1)  # processes the client's new handshake
                except SSL.WantReadError:
                    select.select([sock], [], [], 0.1)
        if conn.get_peer_certificate() is None:
            _io(sock, deadline, lambda: conn.sendall(_http("403 Forbidden", IIS_403_7)))
        elif self.with_certificate == "401.2":
            _io(sock, deadline, lambda: conn.sendall(_http("401 Unauthorized", IIS_401_2)))
        else:
            _io(sock, deadline, lambda: conn.sendall(_http("200 OK", "hello client")))
        with contextlib.suppress(SSL.Error):
            conn.shutdown()


def _lingering_close(sock: socket.socket) -> None:
    """Close as web servers do (nginx lingering_close): stop sending, read what the client still sends, then close,
    so the client reads the alert instead of a reset."""
    sock.shutdown(socket.SHUT_WR)
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and select.select([sock], [], [], 0.1)[0]:
        try:
            if not sock.recv(65536):
                return
        except BlockingIOError:
            continue
        except OSError:
            return


def _io(sock: socket.socket, deadline: float, call):  # type: ignore[no-untyped-def]
    while True:
        try:
            return call()
        except SSL.WantReadError:
            wait = ([sock], [])
        except SSL.WantWriteError:
            wait = ([], [sock])
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        select.select(wait[0], wait[1], [], remaining)


@contextlib.contextmanager
def nothing_listening() -> Iterator[int]:
    """A loopback port with nothing on it (connection refused)."""
    yield free_port()
