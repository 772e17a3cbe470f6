"""IIS runs commit once (HTTP.sys rewritten at commit), faults after an op took effect, lost connections,
and the copies httpsys_save keeps."""

from __future__ import annotations

import pytest
from simhost import seed
from simhost.errors import ConnectionDropped
from simhost.host import SimulatedHost
from simhost.ops import OP_ARGS
from winmodel.state import State

SITE = "Default Web Site"
INFO = "*:443:www.contoso.com"
KEY = ("hostnameport", "www.contoso.com:443")


@pytest.fixture
def bound(state: State, server) -> State:
    seed.add_cert(state, "My", server.first.der, has_private_key=True)
    seed.add_cert(state, "My", server.second.der, has_private_key=True)
    seed.add_binding(state, SITE, INFO, ssl_flags=1, certificate_hash=server.first.thumbprint)
    seed.set_httpsys_options(state, *KEY, default_flags=0x2, ctl_store_name="ClientAuthIssuer")
    return state


def rebind(server) -> dict:
    return {
        "op": "binding_set_cert",
        "site": SITE,
        "binding_information": INFO,
        "certificate_hash": server.second.thumbprint,
        "certificate_store": "My",
    }


ACCESS = {"op": "access_set", "location": SITE, "ssl_flags": 8}


def test_a_failure_later_in_an_iis_run_discards_the_whole_run_and_its_httpsys_rewrite(bound, server):
    seed.add_fault(bound, "access_set", {}, "Filename: applicationHost.config is locked")
    result = SimulatedHost(bound).apply([rebind(server), ACCESS])
    assert result["failed"] and result["results"][0]["changed"] is False
    assert "op(s) 0 were not committed" in result["msg"]
    record = seed.httpsys_record(bound, *KEY)
    assert (record["cert_hash"], record["ctl_store_name"]) == (server.first.thumbprint, "ClientAuthIssuer")


def test_iis_rewrites_the_httpsys_record_when_the_run_commits(bound, server):
    SimulatedHost(bound).apply([rebind(server), ACCESS])
    record = seed.httpsys_record(bound, *KEY)
    assert (record["cert_hash"], record["ctl_store_name"], record["default_flags"]) == (
        server.second.thumbprint,
        None,
        0,
    )


def test_a_fault_after_an_iis_op_commits_its_run_then_fails(bound, server):
    seed.add_fault(bound, "binding_set_cert", {"site": SITE}, "The commit reported an error.", stage="after")
    result = SimulatedHost(bound).apply([ACCESS, rebind(server)])
    assert (result["failed_index"], result["results"][1]["changed"]) == (1, True)
    assert seed.location_flags(bound, SITE) == "Ssl"
    assert seed.httpsys_record(bound, *KEY)["cert_hash"] == server.second.thumbprint


def test_a_fault_after_a_non_iis_op_leaves_its_change(state: State, chain, import_op):
    seed.add_fault(state, "cert_import", {"store": "CA"}, "The RPC server is unavailable.", stage="after")
    result = SimulatedHost(state).apply([import_op("CA", chain.intermediate)])
    assert result["failed"] and result["results"][0]["changed"] is True
    assert chain.intermediate.thumbprint in seed.thumbprints(state, "CA")


def test_a_lost_connection_after_an_op_keeps_what_ran_and_answers_nothing(bound, server):
    seed.add_fault(bound, "binding_set_cert", {}, "unused", stage="disconnect")
    with pytest.raises(ConnectionDropped, match=r"after op 0 \(binding_set_cert\)"):
        SimulatedHost(bound).apply([rebind(server), ACCESS])
    assert seed.httpsys_record(bound, *KEY)["cert_hash"] == server.second.thumbprint
    assert seed.location_flags(bound, SITE) is None


def saved_args(server, **changes) -> dict:
    args = {
        "key": KEY[1],
        "kind": KEY[0],
        "certificate_hash": server.first.thumbprint,
        "certificate_store": "My",
        "app_id": "{4dc3e181-e14b-4a21-b022-59fc669b0914}",
        "negotiate_client_certificate": True,
        "ctl_store_name": "ClientAuthIssuer",
        "ds_mapper": False,
        "revocation": "online",
        "revocation_freshness_seconds": 0,
        "disable_tls13": False,
        "disable_legacy_tls": False,
        "disable_http2": False,
        "disable_quic": False,
        "disable_ocsp_stapling": False,
        "reject": False,
        "enable_token_binding": False,
        "log_extended_events": False,
        "enable_session_ticket": False,
        "disable_tls12": False,
        "disable_session_id": False,
        "usage_check_disabled": False,
        "url_retrieval_timeout": 0,
        "ctl_identifier": "",
    }
    return {**args, **changes}


def set_args(server) -> dict:
    """The httpsys_set op of the saved record (its arguments without the kept settings)."""
    return {name: value for name, value in saved_args(server).items() if name in OP_ARGS["httpsys_set"]}


def test_httpsys_save_keeps_a_copy_that_gather_returns(bound, server):
    result = SimulatedHost(bound).apply([{"op": "httpsys_save", **saved_args(server)}])
    assert result["results"][0]["changed"] is True
    saved = SimulatedHost(bound).gather({"httpsys": True})["httpsys_saved"]
    assert [(s["kind"], s["key"], s["record"]["ctl_store_name"]) for s in saved] == [(*KEY, "ClientAuthIssuer")]


def test_the_same_copy_again_changes_nothing(bound, server):
    SimulatedHost(bound).apply([{"op": "httpsys_save", **saved_args(server)}])
    assert SimulatedHost(bound).apply([{"op": "httpsys_save", **saved_args(server)}])["changed"] is False


def test_httpsys_set_forgets_the_copy_and_reports_it_changed_even_when_the_record_was_right(bound, server):
    SimulatedHost(bound).apply([{"op": "httpsys_save", **saved_args(server)}])
    result = SimulatedHost(bound).apply([{"op": "httpsys_set", **set_args(server)}])
    assert result["results"][0]["changed"] is True
    assert SimulatedHost(bound).gather({"httpsys": True})["httpsys_saved"] == []


def test_httpsys_set_restores_the_kept_settings_of_the_copy_iis_dropped(bound, server):
    # An apply interrupted after IIS rewrote the record: the record lost reject, disabletls12, the usage check, the URL
    # retrieval timeout and the CTL identifier; the rerun's httpsys_set brings them back from the copy.
    kept = {"reject": True, "disable_tls12": True, "usage_check_disabled": True}
    copy = saved_args(server, **kept, url_retrieval_timeout=15000, ctl_identifier="Partners")
    SimulatedHost(bound).apply([{"op": "httpsys_save", **copy}])
    SimulatedHost(bound).apply([{"op": "httpsys_set", **set_args(server)}])
    record = seed.httpsys_record(bound, *KEY)
    assert (record["default_flags"], record["cert_check_mode"]) == (0x2 | 0x8 | 0x1000, 0x10000)
    assert (record["revocation_url_retrieval_timeout"], record["ctl_identifier"]) == (15000, "Partners")
