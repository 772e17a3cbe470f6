"""Every transport the README documents carries a converge: Ansible's ``winrm`` connection and pywinrm against the
loopback endpoint. One host per transport, one converge across them: Basic over HTTP (message encryption off, as a
lab would), Basic over HTTPS validated against a CA made at test time (``ca_trust_path``), NTLM with message
encryption over HTTP, and certificate authentication (the client certificate's mapping decides the user).
Kerberos is documented, not tested: there is no KDC here.

The HTTP requests of a task are counted from the endpoint's wire log: a shell (Create, Delete) per task and, per
module run, a Command, one Send per 200,000 bytes of payload (the winrm plugin's stdin chunk), a Receive and a
Signal; NTLM adds its three-request handshake.
"""

from __future__ import annotations

import math

import pytest
from simhost import seed
from support.playbook import PlaybookRun, SimFleet
from support.wire import TRANSPORTS, WinRM

#: ansible.builtin.winrm sends the payload in stdin chunks of this many bytes (_wrapper_payload_stream)
STDIN_CHUNK = 200_000


def expected_requests(runs: list[dict], transport: str) -> int:
    per_run = sum(3 + math.ceil(run["bytes_in"] / STDIN_CHUNK) for run in runs)  # Command, Sends, Receive, Signal
    handshake = 3 if transport == "ntlm-http" else 0
    return 2 + per_run + handshake  # Create and Delete of the task's shell


@pytest.fixture(scope="module")
def converged(tmp_path_factory) -> tuple[SimFleet, PlaybookRun]:
    fleet = SimFleet(tmp_path_factory.mktemp("transports"), TRANSPORTS, connection={t: WinRM(t) for t in TRANSPORTS})
    run = fleet.run_module("mtls.iis.schannel", {"client_auth_trust_mode": "exclusive_ca"})
    return fleet, run


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_changing_converge_over_each_transport_costs_two_module_runs(converged, transport):
    fleet, run = converged
    assert run.recap()[transport] == {"ok": 1, "changed": 1, "unreachable": 0, "failed": 0}, run.stdout
    assert [r["mode"] for r in fleet.module_runs(transport)] == ["gather", "apply"]
    assert seed.schannel_value(fleet.state(transport), "ClientAuthTrustMode") == 2


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_each_transport_takes_the_requests_winrs_needs_and_no_more(converged, transport):
    fleet, _unused = converged
    exchanges = fleet.wire(transport)
    assert all(entry["status"] in (200, 401) for entry in exchanges), exchanges
    assert len(exchanges) == expected_requests(fleet.module_runs(transport), transport)
