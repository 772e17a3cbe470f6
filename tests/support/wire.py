"""Reach simulated hosts over real WinRM: Ansible's ``winrm`` connection and pywinrm against ``tests/wsman``.

One endpoint per test process (:func:`shared_endpoint`) serves every fleet; each host gets its own loopback
address. :class:`WinRM` names how the inventory reaches the hosts — one of :data:`TRANSPORTS`, the ones the README
documents — and yields both the host's listener (what the "Windows" side accepts) and the inventory variables
(what the controller sends). A test CA made at test time signs the HTTPS listeners' certificates and the client
certificate of certificate authentication.
"""

from __future__ import annotations

import atexit
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wsman.commands import CommandRunner
from wsman.server import Endpoint, Tls, read_wire, wire_log

__all__ = ["CommandRunner", "Endpoint"]  # re-exported for SimFleet
from wsman.service import CertMapping, Limits, Listener

from support import pki

USER = "ansible"
#: test-only credential of the simulated hosts' local account
PASSWORD = "WinRM-test-Pa55"
TRANSPORTS = ("basic-http", "basic-https", "ntlm-http", "certificate")
#: ``MTLS_E2E_CONNECTION``: ``mtls_sim`` (default), ``winrm`` (basic over HTTP) or ``winrm-<transport>``
CONNECTION_ENV = "MTLS_E2E_CONNECTION"


@dataclass(frozen=True)
class WinRM:
    """How the inventory reaches the simulated hosts over WinRM, and how those hosts are set up."""

    transport: str = "basic-http"
    #: the password the inventory sends (the hosts' account always has PASSWORD)
    password: str = PASSWORD
    operation_timeout: int | None = None
    read_timeout: int | None = None
    limits: Limits = field(default_factory=Limits)
    #: seconds each command takes on the hosts before it answers
    process_delay: float = 0.0

    def __post_init__(self) -> None:
        if self.transport not in TRANSPORTS:
            raise ValueError(f"unknown WinRM transport {self.transport!r}; one of {', '.join(TRANSPORTS)}")

    @property
    def scheme(self) -> str:
        return "https" if self.transport in ("basic-https", "certificate") else "http"

    def listener(self, pki_files: WirePki) -> Listener:
        users = {USER: PASSWORD}
        if self.transport == "ntlm-http":
            return Listener("http", users, basic=False, negotiate=True)
        if self.transport == "certificate":
            mapping = CertMapping(issuer=pki_files.ca.thumbprint, subject=f"{USER}@localhost", user=USER)
            return Listener("https", users, basic=False, certificate=True, cert_mappings=(mapping,))
        return Listener(self.scheme, users, basic=True)

    def inventory_vars(self, pki_files: WirePki) -> dict[str, Any]:
        found: dict[str, Any] = {"ansible_connection": "winrm", "ansible_winrm_scheme": self.scheme}
        if self.transport == "certificate":
            found.update(
                ansible_winrm_transport="certificate",
                ansible_winrm_cert_pem=str(pki_files.client_cert),
                ansible_winrm_cert_key_pem=str(pki_files.client_key),
            )
        else:
            found.update(
                ansible_user=USER,
                ansible_password=self.password,
                ansible_winrm_transport="ntlm" if self.transport == "ntlm-http" else "basic",
            )
        if self.transport == "basic-http":
            found["ansible_winrm_message_encryption"] = "never"  # a lab's plain HTTP listener
        if self.transport == "ntlm-http":
            found["ansible_winrm_message_encryption"] = "always"
        if self.scheme == "https":
            found["ansible_winrm_server_cert_validation"] = "validate"
            found["ansible_winrm_ca_trust_path"] = str(pki_files.ca_file)
        if self.operation_timeout is not None:
            found["ansible_winrm_operation_timeout_sec"] = self.operation_timeout
        if self.read_timeout is not None:
            found["ansible_winrm_read_timeout_sec"] = self.read_timeout
        return found


def connection_from_env() -> str | WinRM:
    """``mtls_sim`` or the WinRM transport ``MTLS_E2E_CONNECTION`` asks for."""
    wanted = os.environ.get(CONNECTION_ENV, "mtls_sim")
    if wanted == "mtls_sim":
        return "mtls_sim"
    if wanted == "winrm":
        return WinRM()
    if wanted.startswith("winrm-"):
        return WinRM(wanted.removeprefix("winrm-"))
    raise ValueError(f"{CONNECTION_ENV}={wanted!r}: use mtls_sim, winrm or winrm-<{'|'.join(TRANSPORTS)}>")


class WirePki:
    """The test CA, a server certificate per host and the client certificate of certificate authentication."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.ca = pki.make_root("mtls.iis WinRM test CA")
        self.ca_file = directory / "winrm-ca.pem"
        self.ca_file.write_text(self.ca.pem)
        client = pki.make_leaf(USER, self.ca, eku=("clientAuth",), san=(f"UPN:{USER}@localhost",))
        self.client_cert = directory / "winrm-client.pem"
        self.client_key = directory / "winrm-client.key"
        self.client_cert.write_text(client.pem)
        self.client_key.write_text(client.key_pem)

    def server_tls(self, name: str, address: str) -> Tls:
        """The HTTPS listener certificate of one host: its name and address, server authentication."""
        leaf = pki.make_leaf(name, self.ca, eku=("serverAuth",), san=(name, f"IP:{address}"))
        return Tls(leaf.pem, leaf.key_pem)


@dataclass
class _Shared:
    endpoint: Endpoint
    pki: WirePki


_shared: _Shared | None = None


def _get_shared() -> _Shared:
    global _shared
    if _shared is None:
        directory = Path(tempfile.mkdtemp(prefix="wsman-pki-"))
        wire_pki = WirePki(directory)
        _shared = _Shared(Endpoint(authorities=[wire_pki.ca.cert]), wire_pki)
        atexit.register(_shared.endpoint.stop)
    return _shared


def shared_endpoint() -> Endpoint:
    """The process's endpoint (started on first use, stopped at exit)."""
    return _get_shared().endpoint


def serve(
    hosts: tuple[str, ...], state_dir: Path, profile: WinRM, runner: CommandRunner | None = None
) -> dict[str, dict[str, Any]]:
    """Serve ``hosts`` over ``profile``; return each host's inventory variables (its address and port).

    ``runner`` executes their commands: the simulated host by default, pwsh with ``pwshhost.winrs.PwshRunner``."""
    shared = _get_shared()
    found: dict[str, dict[str, Any]] = {}
    for host in hosts:
        address = shared.endpoint.reserve_address()
        tls = shared.pki.server_tls(host, address) if profile.scheme == "https" else None
        address, port = shared.endpoint.add_host(
            host,
            state_dir,
            profile.listener(shared.pki),
            address=address,
            limits=profile.limits,
            tls=tls,
            process_delay=profile.process_delay,
            runner=runner,
        )
        found[host] = {"ansible_host": address, "ansible_port": port}
    return found


def group_vars(profile: WinRM) -> dict[str, Any]:
    return profile.inventory_vars(_get_shared().pki)


def wire_log_path(state_dir: Path, host: str) -> Path:
    return wire_log(state_dir, host)


def wire(state_dir: Path, host: str) -> list[dict[str, Any]]:
    """Every HTTP exchange with ``host`` (``op``, ``status``, ``bytes_in``, ``bytes_out``), oldest first."""
    return read_wire(state_dir, host)
