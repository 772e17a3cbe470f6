# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client side of ``mtls.iis.probe``: one TLS connection and one HTTP request, observed as a client sees them.

Runs wherever the probe task runs (the controller, or the host it is delegated to). It decides nothing: it
records what happened (protocol, cipher, the server's chain, when the server asked for a client certificate and
which CA names it sent, the HTTP answer or how the connection ended) for the controller to explain.

Why pyOpenSSL and not Python's ``ssl``: ``ssl`` cannot show the acceptable CA names of the server's
CertificateRequest, nor say whether a certificate was requested at all, nor when (in the handshake, or by a
renegotiation after the request). pyOpenSSL exposes ``SSL_get_client_CA_list`` and OpenSSL's handshake state
machine through an info callback. OpenSSL, like curl and most non-Windows clients, sends its configured
certificate whatever CA names the server lists; Windows and browsers offer only certificates whose chain matches
a listed CA, which the controller judges from the names recorded here.
"""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import base64
import ipaddress
import re
import select
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

try:
    from OpenSSL import SSL

    HAS_PYOPENSSL = True
    PYOPENSSL_IMPORT_ERROR = ""
except ImportError as exc:  # reported by the module with the fix
    HAS_PYOPENSSL = False
    PYOPENSSL_IMPORT_ERROR = str(exc)

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
except ImportError:  # pragma: no cover - pyOpenSSL depends on cryptography
    x509 = None  # type: ignore[assignment]

#: Bytes of the response kept for reading the status and IIS's sub-status.
MAX_RESPONSE = 64 * 1024
BODY_EXCERPT = 600
USER_AGENT = "mtls.iis.probe"

# OpenSSL's state strings (ssl/ssl_stat.c, SSL_state_string_long), stable since OpenSSL 1.1.0.
_READ_CERT_REQUEST = b"read server certificate request"
_READ_HELLO_REQUEST = b"read hello request"
_WRITE_CLIENT_CERT = b"write client certificate"
_ALERT = re.compile(r"(?:sslv3|tlsv1|tlsv13|tls|ssl/tls) alert ([a-z][a-z0-9 ]*)", re.IGNORECASE)

HANDSHAKE = "handshake"
AFTER_REQUEST = "after_request"


class ProbeTimeout(Exception):
    pass


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    path: str = "/"
    server_name: str | None = None  # SNI; None sends none (IP addresses)
    host_header: str = ""
    tls_version: str = "auto"  # auto | 1.2 | 1.3
    timeout: float = 10.0


@dataclass(frozen=True)
class ClientIdentity:
    """A client certificate, its private key and the intermediates the client sends with it."""

    certificate: Any  # cryptography x509.Certificate
    key: Any  # cryptography private key
    chain: tuple[Any, ...] = ()


@dataclass
class _Watch:
    """What OpenSSL's info callback saw, by phase of the conversation."""

    phase: str = HANDSHAKE
    requests: list[dict[str, Any]] = field(default_factory=list)
    sent_certificate: bool = False
    hello_requests: int = 0


def load_identity(cert_pem: str, key_pem: str) -> ClientIdentity:
    """The first certificate of ``cert_pem`` is the client's; the others are sent with it as its chain."""
    certs = x509.load_pem_x509_certificates(cert_pem.encode())
    key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    return ClientIdentity(certs[0], key, tuple(certs[1:]))


def parse_response(raw: bytes) -> dict[str, Any] | None:
    """Status line, headers and the start of the body of an HTTP/1.x response; None when it is not one."""
    head, _separator, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("iso-8859-1").split("\r\n")
    match = re.match(r"HTTP/\d(?:\.\d)?\s+(\d{3})\s*(.*)", lines[0]) if lines else None
    if not match:
        return None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    text = body.decode("utf-8", errors="replace")
    return {
        "status": int(match.group(1)),
        "reason": match.group(2).strip(),
        "headers": headers,
        "substatus": iis_substatus(int(match.group(1)), text),
        "body_excerpt": text[:BODY_EXCERPT],
        "win32_error": _win32_error(text),
    }


def iis_substatus(status: int, body: str) -> int | None:
    """IIS's sub-status as its error pages show it ("HTTP Error 403.16 - Forbidden", title "... - 403.16 - ...").

    WINDOWS_FACTS CLIENTAUTH-PROBE-2: only IIS's detailed error page names it; the custom error page that remote
    clients get by default says "403 - Forbidden: Access is denied." without it.
    """
    for pattern in (rf"HTTP Error {status}\.(\d{{1,3}})\b", rf"\b{status}\.(\d{{1,3}}) - [A-Z]"):
        found = re.search(pattern, body)
        if found:
            return int(found.group(1))
    return None


def _win32_error(body: str) -> str | None:
    """The HRESULT of an IIS detailed error page (Error Code 0x80070032 for the TLS 1.3 trap on Server 2025)."""
    found = re.search(r"0x[0-9a-fA-F]{8}", body)
    return found.group(0).lower() if found else None


def alert_of(error: Exception) -> str | None:
    """The TLS alert named in an OpenSSL error ("unknown ca", "certificate expired", ...)."""
    found = _ALERT.search(str(error))
    return found.group(1).lower() if found else None


def _context(target: Target, identity: ClientIdentity | None, watch: _Watch) -> Any:
    ctx = SSL.Context(SSL.TLS_CLIENT_METHOD)
    ctx.set_min_proto_version(SSL.TLS1_2_VERSION if target.tls_version != "1.3" else SSL.TLS1_3_VERSION)
    if target.tls_version == "1.2":
        ctx.set_max_proto_version(SSL.TLS1_2_VERSION)
    # The server's chain is recorded and validated on the controller; the conversation goes on whatever it is.
    ctx.set_verify(SSL.VERIFY_NONE, lambda *_: True)
    if identity is not None:
        ctx.use_certificate(identity.certificate)
        ctx.use_privatekey(identity.key)
        for cert in identity.chain:
            ctx.add_extra_chain_cert(cert)

    def info(conn: Any, where: int, ret: int) -> None:
        try:
            state = conn.get_state_string() or b""
            if _READ_CERT_REQUEST in state:
                watch.requests.append({"stage": watch.phase, "ca_names": _ca_names(conn)})
            elif _READ_HELLO_REQUEST in state:
                watch.hello_requests += 1
            elif _WRITE_CLIENT_CERT in state and identity is not None:
                watch.sent_certificate = True
        except Exception:
            pass

    ctx.set_info_callback(info)
    return ctx


def _ca_names(conn: Any) -> list[dict[str, str]]:
    """The acceptable CA names of the CertificateRequest just read: DER (base64) and RFC 4514 text."""
    try:
        names = [(n.public_bytes(), n.rfc4514_string()) for n in conn.get_client_ca_list(as_cryptography=True)]
    except TypeError:  # older pyOpenSSL returns X509Name only
        names = [
            (n.der(), ",".join(f"{k.decode()}={v.decode()}" for k, v in reversed(n.get_components())))
            for n in conn.get_client_ca_list()
        ]
    return [{"der": base64.b64encode(der).decode("ascii"), "text": text} for der, text in names]


def _peer_chain(conn: Any) -> list[str]:
    try:
        chain = conn.get_peer_cert_chain(as_cryptography=True) or []
    except TypeError:  # pyOpenSSL < 24.3
        chain = [c.to_cryptography() for c in conn.get_peer_cert_chain() or []]
    return [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode("ascii") for c in chain]


def _io(conn: Any, sock: socket.socket, deadline: float, call: Callable[[], Any]) -> Any:
    """Run a pyOpenSSL call on a non-blocking socket until it completes or the deadline passes."""
    while True:
        try:
            return call()
        except SSL.WantReadError:
            wait = ([sock], [])
        except SSL.WantWriteError:
            wait = ([], [sock])
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not any(select.select(wait[0], wait[1], [], remaining)[:2]):
            raise ProbeTimeout()


def _failure(stage: str, kind: str, message: str, alert: str | None = None) -> dict[str, Any]:
    return {"stage": stage, "kind": kind, "alert": alert, "message": message}


def _classify(stage: str, exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, ProbeTimeout):
        return _failure(stage, "timeout", f"no answer within the timeout during the {stage}")
    if isinstance(exc, SSL.ZeroReturnError):
        return _failure(stage, "closed", "the server closed the TLS session (close_notify)")
    if isinstance(exc, SSL.SysCallError):
        code = exc.args[0] if exc.args else -1
        if code == 104 or "ECONNRESET" in str(exc):
            return _failure(stage, "reset", "the server reset the connection (TCP RST)")
        return _failure(stage, "eof", "the server closed the connection without a TLS alert")
    if isinstance(exc, SSL.Error):
        alert = alert_of(exc)
        if alert:
            return _failure(stage, "alert", f"the server sent the TLS alert '{alert}'", alert)
        return _failure(stage, "tls", f"TLS error: {exc}")
    if isinstance(exc, ConnectionResetError):
        return _failure(stage, "reset", "the server reset the connection (TCP RST)")
    return _failure(stage, "error", f"{type(exc).__name__}: {exc}")


def _pending_alert(conn: Any, sock: socket.socket, failure: BaseException) -> BaseException:
    """A TLS 1.3 server refuses a client certificate after the client's handshake is over: its alert may be waiting
    while sending the request fails on the closed connection. Read it, so the alert is reported, not the reset."""
    try:
        conn.recv(1)
    except SSL.Error as exc:
        if alert_of(exc):
            return exc
    except OSError:
        pass
    return failure


def _request(target: Target) -> bytes:
    host = target.host_header or target.server_name or target.host
    return (
        f"GET {target.path or '/'} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {USER_AGENT}\r\nAccept: */*\r\n"
        "Connection: close\r\n\r\n"
    ).encode("ascii")


def _read_response(conn: Any, sock: socket.socket, deadline: float) -> tuple[bytes, BaseException | None]:
    data = b""
    while len(data) < MAX_RESPONSE:
        try:
            chunk = _io(conn, sock, deadline, lambda: conn.recv(16384))
        except SSL.ZeroReturnError:
            return data, None
        except (SSL.Error, ProbeTimeout, OSError) as exc:
            if data and isinstance(exc, SSL.SysCallError):
                return data, None  # closed without close_notify after answering: usual for HTTP servers
            if data and isinstance(exc, ProbeTimeout) and _complete(data):
                return data, None
            return data, exc
        if not chunk:
            return data, None
        data += chunk
        if _complete(data):
            return data, None
    return data, None


def _complete(data: bytes) -> bool:
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    length = re.search(rb"\r\ncontent-length:\s*(\d+)", head, re.IGNORECASE)
    return bool(length) and len(body) >= int(length.group(1))


def run(target: Target, identity: ClientIdentity | None = None) -> dict[str, Any]:
    """Connect, handshake, send one GET, read the answer; report what happened at each step."""
    watch = _Watch()
    observation: dict[str, Any] = {
        "tls_version_asked": target.tls_version,
        "connected": False,
        "handshake_completed": False,
        "tls": None,
        "server_chain": [],
        "certificate_requests": watch.requests,
        "client_certificate_configured": identity is not None,
        "client_certificate_sent": False,
        "renegotiations": 0,
        "response": None,
        "error": None,
    }
    deadline = time.monotonic() + target.timeout
    try:
        sock = socket.create_connection((target.host, target.port), timeout=target.timeout)
    except TimeoutError:
        observation["error"] = _failure("connect", "timeout", f"no TCP connection to {target.host}:{target.port}")
        return observation
    except socket.gaierror as exc:
        observation["error"] = _failure("connect", "dns", f"{target.host} does not resolve ({exc.strerror})")
        return observation
    except OSError as exc:
        kind = "refused" if isinstance(exc, ConnectionRefusedError) else "network"
        observation["error"] = _failure("connect", kind, f"{target.host}:{target.port}: {exc.strerror or exc}")
        return observation
    observation["connected"] = True
    sock.settimeout(0)
    conn = SSL.Connection(_context(target, identity, watch), sock)
    try:
        if target.server_name:
            conn.set_tlsext_host_name(target.server_name.encode("idna"))
        conn.set_connect_state()
        stage = "handshake"
        try:
            _io(conn, sock, deadline, conn.do_handshake)
            observation["handshake_completed"] = True
            observation["tls"] = {"version": conn.get_protocol_version_name(), "cipher": conn.get_cipher_name()}
            observation["server_chain"] = _peer_chain(conn)
            stage = "request"
            watch.phase = AFTER_REQUEST
            payload = _request(target)
            _io(conn, sock, deadline, lambda: conn.sendall(payload))
            stage = "response"
            raw, failure = _read_response(conn, sock, deadline)
        except (SSL.Error, ProbeTimeout, OSError) as exc:
            raw, failure = b"", _pending_alert(conn, sock, exc) if stage == "request" else exc
        observation["response"] = parse_response(raw) if raw else None
        if failure is not None:
            observation["error"] = _classify(stage, failure)
        observation["renegotiations"] = watch.hello_requests
        observation["client_certificate_sent"] = watch.sent_certificate
    finally:
        sock.close()
    return observation


def looks_like_tls13_trap(observation: dict[str, Any]) -> bool:
    """TLS 1.3, no certificate request in the handshake, and the request answered by a reset or HTTP 500 0x80070032.

    WINDOWS_FACTS CLIENTAUTH-PROBE-1 (REFERENCE.md "TLS 1.3 and client certificates").
    """
    tls = observation.get("tls") or {}
    if tls.get("version") != "TLSv1.3":
        return False
    if any(r["stage"] == HANDSHAKE for r in observation.get("certificate_requests") or []):
        return False
    error = observation.get("error") or {}
    response = observation.get("response")
    if response is None:
        return error.get("stage") == "response" and error.get("kind") in ("reset", "eof", "closed")
    return response["status"] == 500 and response.get("win32_error") == "0x80070032"


def target(url: str, server_name: str | None, tls_version: str, timeout: float) -> Target:
    """Where to connect and what to send for ``url``: SNI from the host name (none for an IP) or ``server_name``."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(
        host=host,
        port=parts.port or 443,
        path=path,
        server_name=server_name or (None if _is_ip(host) else host),
        host_header=server_name or parts.netloc.rsplit("@", 1)[-1],
        tls_version=tls_version,
        timeout=timeout,
    )


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def observe(
    url: str,
    server_name: str | None = None,
    identity: ClientIdentity | None = None,
    tls_version: str = "auto",
    timeout: float = 10.0,
    retry_tls12: bool = True,
) -> dict[str, Any]:
    """The probe: one connection, and a second one pinned to TLS 1.2 when the first shows the TLS 1.3 trap."""
    observation = run(target(url, server_name, tls_version, timeout), identity)
    if retry_tls12 and tls_version == "auto" and looks_like_tls13_trap(observation):
        observation["tls12_retry"] = run(target(url, server_name, "1.2", timeout), identity)
    return observation


def observe_params(params: dict[str, Any]) -> dict[str, Any]:
    """The module's work, from its parameters as the action plugin sends them (certificate and key as PEM text)."""
    cert = params.get("client_certificate") or {}
    identity = load_identity(cert["content"], cert["key_content"]) if cert else None
    return observe(
        params["url"],
        params.get("server_name"),
        identity,
        params.get("tls_version") or "auto",
        float(params.get("timeout") or 10),
        bool(params.get("retry_tls12", True)),
    )
