"""HTTP.sys SSL binding records."""

from __future__ import annotations

import pytest
from simhost import httpsys, seed
from simhost.errors import StateError
from simhost.host import SimulatedHost
from simhost.state import State


def test_gather_without_httpsys_in_scope_leaves_it_out(state: State) -> None:
    assert "httpsys" not in SimulatedHost(state).gather({"stores": ["My"]})


def test_gather_returns_seeded_records_with_defaults(state: State) -> None:
    seed.add_httpsys_binding(state, {"key": "0.0.0.0:443", "kind": "ipport", "cert_hash": "ab12"})
    assert SimulatedHost(state).gather({"httpsys": True})["httpsys"] == [
        {
            "key": "0.0.0.0:443",
            "kind": "ipport",
            "cert_hash": "AB12",
            "cert_store": "MY",
            "app_id": httpsys.IIS_APP_ID,
            "ctl_store_name": None,
            "default_flags": 0,
            "cert_check_mode": 0,
            "revocation_freshness_time": 0,
        }
    ]


def test_a_record_with_the_same_host_key_in_other_case_replaces_the_first(state: State) -> None:
    seed.add_httpsys_binding(state, {"key": "api.contoso.com:443", "kind": "hostnameport"})
    seed.add_httpsys_binding(state, {"key": "API.contoso.com:443", "kind": "hostnameport", "cert_store": "WebHosting"})
    [record] = httpsys.gather(state)
    assert record["cert_store"] == "WebHosting"


def test_iis_rewrite_drops_client_cert_options_and_keeps_the_rest() -> None:
    record = {
        "key": "0.0.0.0:443",
        "kind": "ipport",
        "ctl_store_name": "ClientAuthIssuer",
        "default_flags": httpsys.NEGOTIATE_CLIENT_CERT | httpsys.USE_DS_MAPPER | httpsys.DISABLE_TLS13,
    }
    rewritten = httpsys.iis_rewrite(record, cert_hash="cd34")
    assert rewritten["ctl_store_name"] is None
    assert rewritten["default_flags"] == httpsys.DISABLE_TLS13
    assert rewritten["cert_hash"] == "CD34"


def test_an_unknown_record_field_is_refused(state: State) -> None:
    with pytest.raises(StateError):
        seed.add_httpsys_binding(state, {"key": "0.0.0.0:443", "kind": "ipport", "sslflags": 1})
