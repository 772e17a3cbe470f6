"""The loopback WinRM endpoint as pywinrm sees it: transports, quotas, limits and faults (WINDOWS_FACTS WINRM)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
import requests
from support import pki
from support.wire import PASSWORD, USER
from winrm.exceptions import InvalidCredentialsError, WinRMOperationTimeoutError, WinRMTransportError, WSManFaultError
from winrm.protocol import Protocol
from wsman.commands import HostContext
from wsman.server import Endpoint, Misbehaviour, read_wire
from wsman.service import CertMapping, Limits, Listener
from wsman.soap import Output

USERS = {USER: PASSWORD}


@dataclass
class FixedOutput:
    """A runner's command that writes ``size`` bytes to stdout: the endpoint does not care what runs."""

    size: int
    description: dict = field(default_factory=lambda: {"kind": "fixed"})
    _sent: int = 0

    async def write(self, data: bytes, end: bool) -> None:
        return None

    async def read(self, timeout: float, budget: int) -> Output | None:
        await asyncio.sleep(0)
        chunk = min(budget, self.size - self._sent)
        self._sent += chunk
        return Output(stdout=b"x" * chunk, done=self._sent >= self.size, exit_code=0)

    async def terminate(self) -> None:
        return None


class FixedRunner:
    def __init__(self, size: int) -> None:
        self.size = size

    def start(self, host: HostContext, command_line: str, console_stdin: bool) -> FixedOutput:
        return FixedOutput(self.size)


@pytest.fixture(scope="module")
def endpoint(wire_pki):
    served = Endpoint(authorities=[wire_pki.ca.cert])
    yield served
    served.stop()


def serve(endpoint, tmp_path, listener=None, limits=None, tls=None, name="web01"):
    address = endpoint.reserve_address()
    tls = tls(address) if callable(tls) else tls
    listener = listener or Listener(users=USERS)
    address, port = endpoint.add_host(name, tmp_path, listener, address=address, limits=limits, tls=tls)
    return f"{listener.scheme}://{address}:{port}/wsman", address


def client(url, **kwargs):
    # ca_trust_path None: no CA bundle from the environment (pywinrm warns about that legacy behaviour)
    options = {
        "transport": "basic",
        "username": USER,
        "password": PASSWORD,
        "message_encryption": "never",
        "ca_trust_path": None,
    }
    return Protocol(url, **{**options, **kwargs})


def run(protocol, command="powershell", stdin=None):
    shell = protocol.open_shell()
    command_id = protocol.run_command(shell, command, console_mode_stdin=stdin is None)
    if stdin is not None:
        protocol.send_command_input(shell, command_id, stdin, end=True)
    output = protocol.get_command_output(shell, command_id)
    protocol.cleanup_command(shell, command_id)
    protocol.close_shell(shell)
    return output


# -- transports ----------------------------------------------------------------------------------


def test_basic_over_http_runs_a_command_and_records_each_exchange(endpoint, tmp_path):
    url, _unused = serve(endpoint, tmp_path)
    assert run(client(url)) == (b"", b"", 0)
    ops = [entry["op"] for entry in read_wire(tmp_path, "web01")]
    assert ops == ["Create", "Command", "Receive", "Signal", "Delete"]


def test_wrong_password_is_refused_with_401(endpoint, tmp_path):
    url, _unused = serve(endpoint, tmp_path)
    with pytest.raises(InvalidCredentialsError):
        client(url, password="not-" + PASSWORD).open_shell()
    assert [entry["status"] for entry in read_wire(tmp_path, "web01")] == [401]


def test_ntlm_with_message_encryption_runs_a_command(endpoint, tmp_path):
    url, _unused = serve(endpoint, tmp_path, Listener(users=USERS, basic=False, negotiate=True))
    protocol = client(url, transport="ntlm", message_encryption="always")
    _unused, stderr, rc = run(protocol, stdin=b"not a payload")
    assert protocol.transport.encryption is not None
    # the sealed stdin reached the simulated host intact, which refused it as no module payload
    assert (rc, stderr) == (
        1,
        b"mtls_sim: cannot decode the payload: no manifest separator: not a PowerShell exec wrapper payload",
    )


def test_ntlm_with_a_wrong_password_is_refused(endpoint, tmp_path):
    url, _unused = serve(endpoint, tmp_path, Listener(users=USERS, basic=False, negotiate=True))
    with pytest.raises(InvalidCredentialsError):
        client(url, transport="ntlm", password="wrong", message_encryption="always").open_shell()


def test_basic_is_refused_where_the_service_allows_only_negotiate(endpoint, tmp_path):
    url, _unused = serve(endpoint, tmp_path, Listener(users=USERS, basic=False, negotiate=True))
    with pytest.raises(InvalidCredentialsError):
        client(url).open_shell()


def test_https_listener_is_trusted_through_the_test_ca(endpoint, tmp_path, wire_pki):
    url, _unused = serve(endpoint, tmp_path, Listener("https", USERS), tls=lambda a: wire_pki.server_tls("web01", a))
    protocol = client(url, server_cert_validation="validate", ca_trust_path=str(wire_pki.ca_file))
    assert run(protocol) == (b"", b"", 0)


def test_https_listener_is_refused_when_its_ca_is_not_trusted(endpoint, tmp_path, wire_pki, other_ca):
    url, _unused = serve(endpoint, tmp_path, Listener("https", USERS), tls=lambda a: wire_pki.server_tls("web01", a))
    other = tmp_path / "other-ca.pem"
    other.write_text(other_ca.pem)
    with pytest.raises(requests.exceptions.SSLError):
        client(url, server_cert_validation="validate", ca_trust_path=str(other)).open_shell()


def _cert_listener(wire_pki, subject=f"{USER}@localhost"):
    mapping = CertMapping(issuer=wire_pki.ca.thumbprint, subject=subject, user=USER)
    return Listener("https", USERS, basic=False, certificate=True, cert_mappings=(mapping,))


def _cert_client(url, wire_pki, cert):
    cert_file, key_file = wire_pki.directory / f"{cert.thumbprint}.pem", wire_pki.directory / f"{cert.thumbprint}.key"
    cert_file.write_text(cert.pem)
    key_file.write_text(cert.key_pem)
    return client(
        url,
        transport="certificate",
        cert_pem=str(cert_file),
        cert_key_pem=str(key_file),
        server_cert_validation="validate",
        ca_trust_path=str(wire_pki.ca_file),
    )


def test_certificate_authentication_maps_the_client_certificate_to_the_user(endpoint, tmp_path, wire_pki):
    url, _unused = serve(endpoint, tmp_path, _cert_listener(wire_pki), tls=lambda a: wire_pki.server_tls("web01", a))
    cert = pki.make_leaf(USER, wire_pki.ca, san=(f"UPN:{USER}@localhost",))
    assert run(_cert_client(url, wire_pki, cert)) == (b"", b"", 0)


def test_certificate_of_an_unmapped_user_is_refused(endpoint, tmp_path, wire_pki):
    url, _unused = serve(endpoint, tmp_path, _cert_listener(wire_pki), tls=lambda a: wire_pki.server_tls("web01", a))
    cert = pki.make_leaf("mallory", wire_pki.ca, san=("UPN:mallory@localhost",))
    with pytest.raises(InvalidCredentialsError):
        _cert_client(url, wire_pki, cert).open_shell()


def test_certificate_without_client_authentication_usage_is_refused(endpoint, tmp_path, wire_pki):
    url, address = serve(endpoint, tmp_path, _cert_listener(wire_pki), tls=lambda a: wire_pki.server_tls("web01", a))
    cert = pki.make_leaf(USER, wire_pki.ca, eku=("serverAuth",), san=(f"UPN:{USER}@localhost",))
    # Refused in the TLS handshake here (OpenSSL's client purpose check); which layer refuses it on Windows is
    # not settled (WINDOWS_FACTS WINRM-8), the outcome is: no shell.
    with pytest.raises((InvalidCredentialsError, requests.exceptions.ConnectionError)):
        _cert_client(url, wire_pki, cert).open_shell()
    assert endpoint.open_shells(address) == 0


def test_certificate_mapping_with_a_wildcard_subject_matches_the_suffix():
    mapping = CertMapping(issuer="AB CD", subject="*@localhost", user=USER)
    assert mapping.matches("ABCD", "ansible@localhost")
    assert not mapping.matches("ABCD", "ansible@contoso.com")
    assert not mapping.matches("ABCE", "ansible@localhost")


# -- quotas and limits ---------------------------------------------------------------------------


def test_a_shell_over_max_shells_per_user_is_refused_until_one_closes(endpoint, tmp_path):
    url, address = serve(endpoint, tmp_path, limits=Limits(max_shells_per_user=2))
    idle = endpoint.open_idle_shells(address, USER, 2)
    with pytest.raises(WSManFaultError) as caught:
        client(url).open_shell()
    assert caught.value.wsman_fault_code == 2150859173
    assert "maximum number of 2 concurrent shells" in caught.value.response
    endpoint.close_shells(address, idle[:1])
    assert client(url).open_shell()


def test_commands_count_against_the_operations_quota_until_the_shell_is_deleted(endpoint, tmp_path):
    url, _unused = serve(endpoint, tmp_path, limits=Limits(max_operations_per_user=2))
    protocol = client(url)
    shell = protocol.open_shell()
    for _unused in range(2):
        protocol.cleanup_command(shell, protocol.run_command(shell, "powershell"))
    with pytest.raises(WSManFaultError) as caught:
        protocol.run_command(shell, "powershell")
    assert caught.value.wmierror_code == 0x803381A6
    protocol.close_shell(shell)
    assert run(client(url)) == (b"", b"", 0)


def test_receive_without_output_times_out_after_the_operation_timeout(endpoint, tmp_path):
    url, _unused = serve(endpoint, tmp_path)
    protocol = client(url, operation_timeout_sec=1, read_timeout_sec=5)
    shell = protocol.open_shell()
    command = protocol.run_command(shell, "powershell", console_mode_stdin=False)  # waits for stdin that never comes
    started = time.monotonic()
    with pytest.raises(WinRMOperationTimeoutError):
        protocol.get_command_output_raw(shell, command)
    assert 1 <= time.monotonic() - started < 4


def test_operation_timeout_is_capped_by_max_timeout_ms(endpoint, tmp_path):
    url, _unused = serve(endpoint, tmp_path, limits=Limits(max_timeout_ms=500))
    protocol = client(url, operation_timeout_sec=20, read_timeout_sec=30)
    shell = protocol.open_shell()
    command = protocol.run_command(shell, "powershell", console_mode_stdin=False)
    started = time.monotonic()
    with pytest.raises(WinRMOperationTimeoutError):
        protocol.get_command_output_raw(shell, command)
    assert time.monotonic() - started < 3


def test_an_envelope_over_max_envelope_size_kb_is_refused_with_413(endpoint, tmp_path):
    url, _unused = serve(endpoint, tmp_path, limits=Limits(max_envelope_kb=32))
    protocol = client(url)
    shell = protocol.open_shell()
    command = protocol.run_command(shell, "powershell", console_mode_stdin=False)
    with pytest.raises(WinRMTransportError) as caught:
        protocol.send_command_input(shell, command, b"x" * 30_000, end=True)
    assert caught.value.code == 413
    protocol.send_command_input(shell, command, b"x" * 10_000, end=True)  # a smaller chunk still goes through


def test_output_larger_than_the_envelope_is_returned_over_several_receives(tmp_path):
    endpoint = Endpoint(runner=FixedRunner(400_000))
    try:
        url, _unused = serve(endpoint, tmp_path)
        stdout, _unused, rc = run(client(url))
    finally:
        endpoint.stop()
    assert (len(stdout), rc) == (400_000, 0)
    receives = [entry for entry in read_wire(tmp_path, "web01") if entry["op"] == "Receive"]
    assert len(receives) >= 4  # 400 KB of output, base64, in envelopes of at most 153600 bytes (pywinrm's request)
    assert all(entry["bytes_out"] <= 153_600 + 512 for entry in receives)


def test_an_unknown_shell_is_answered_with_the_shell_not_found_fault(endpoint, tmp_path):
    url, _unused = serve(endpoint, tmp_path)
    with pytest.raises(WSManFaultError) as caught:
        client(url).run_command("00000000-0000-0000-0000-000000000000", "powershell")
    assert caught.value.wsman_fault_code == 2150858843


# -- misbehaviour ----------------------------------------------------------------------------------


def test_reset_misbehaviour_runs_the_command_then_drops_the_connection(endpoint, tmp_path):
    url, address = serve(endpoint, tmp_path)
    endpoint.misbehave(address, Misbehaviour("reset"))
    protocol = client(url)
    shell = protocol.open_shell()
    command = protocol.run_command(shell, "powershell")
    with pytest.raises(requests.exceptions.ConnectionError):
        protocol.get_command_output(shell, command)
    ops = Counter(entry["op"] for entry in read_wire(tmp_path, "web01"))
    assert ops["Receive-reset"] == 1
    assert (tmp_path / "web01.runs.jsonl").read_text().count('"raw"') == 1  # it did run on the host


class DroppedRunner:
    """A command the host's connection was lost on (a seeded drop): the runner marks it, the endpoint resets."""

    def start(self, host: HostContext, command_line: str, console_stdin: bool) -> FixedOutput:
        return FixedOutput(10, description={"kind": "module", "mode": "apply", "dropped": "lost before apply"})


def test_a_command_marked_dropped_gets_its_connection_reset_on_the_receive(endpoint, tmp_path):
    address = endpoint.reserve_address()
    address, port = endpoint.add_host("web02", tmp_path, Listener(users=USERS), address=address, runner=DroppedRunner())
    protocol = client(f"http://{address}:{port}/wsman")
    shell = protocol.open_shell()
    command = protocol.run_command(shell, "powershell")
    with pytest.raises(requests.exceptions.ConnectionError):
        protocol.get_command_output(shell, command)
    assert [entry["op"] for entry in read_wire(tmp_path, "web02")][-1] == "Receive-dropped"
