"""HTTP.sys SSL binding records."""

from __future__ import annotations

from typing import Any

import pytest
from simhost import httpsys, seed
from simhost.host import SimulatedHost
from winmodel import httpsys as winhttpsys
from winmodel.errors import StateError
from winmodel.state import State


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
            "app_id": winhttpsys.IIS_APP_ID,
            "ctl_store_name": None,
            "default_flags": 0,
            "cert_check_mode": 0,
            "revocation_freshness_time": 0,
            "revocation_url_retrieval_timeout": 0,
            "ctl_identifier": None,
        }
    ]


def test_a_record_with_the_same_host_key_in_other_case_replaces_the_first(state: State) -> None:
    seed.add_httpsys_binding(state, {"key": "api.contoso.com:443", "kind": "hostnameport"})
    seed.add_httpsys_binding(state, {"key": "API.contoso.com:443", "kind": "hostnameport", "cert_store": "WebHosting"})
    [record] = httpsys.gather(state)
    assert record["cert_store"] == "WebHosting"


def test_an_unknown_record_field_is_refused(state: State) -> None:
    with pytest.raises(StateError):
        seed.add_httpsys_binding(state, {"key": "0.0.0.0:443", "kind": "ipport", "sslflags": 1})


# --- httpsys_set / httpsys_remove ------------------------------------------------------------------------

KEY = "www.contoso.com:443"


def set_op(cert, **overrides: Any) -> dict[str, Any]:
    op: dict[str, Any] = {
        "op": "httpsys_set",
        "key": KEY,
        "kind": "hostnameport",
        "certificate_hash": cert.thumbprint,
        "certificate_store": "My",
        "app_id": winhttpsys.IIS_APP_ID,
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
    }
    op.update(overrides)
    return op


def with_key(state: State, cert) -> State:
    seed.add_cert(state, "My", cert.der, has_private_key=True)
    return state


def test_httpsys_set_writes_the_whole_record(state: State, server) -> None:
    with_key(state, server.first)
    result = SimulatedHost(state).apply([set_op(server.first, disable_tls13=True)])
    assert result["changed"] is True
    assert seed.httpsys_record(state, "hostnameport", KEY) == {
        "key": KEY,
        "kind": "hostnameport",
        "cert_hash": server.first.thumbprint,
        "cert_store": "My",
        "app_id": winhttpsys.IIS_APP_ID,
        "ctl_store_name": "ClientAuthIssuer",
        "default_flags": winhttpsys.NEGOTIATE_CLIENT_CERT | winhttpsys.DISABLE_TLS13,
        "cert_check_mode": 0,
        "revocation_freshness_time": 0,
        "revocation_url_retrieval_timeout": 0,
        "ctl_identifier": None,
    }


def test_httpsys_set_repeated_changes_nothing(state: State, server) -> None:
    with_key(state, server.first)
    host = SimulatedHost(state)
    host.apply([set_op(server.first)])
    assert host.apply([set_op(server.first)])["changed"] is False


def test_httpsys_set_compares_store_names_and_app_id_case_insensitively(state: State, server) -> None:
    with_key(state, server.first)
    host = SimulatedHost(state)
    host.apply([set_op(server.first)])
    again = set_op(server.first, certificate_store="MY", app_id=winhttpsys.IIS_APP_ID.upper(), key=KEY.upper())
    assert host.apply([again])["changed"] is False
    assert seed.httpsys_record(state, "hostnameport", KEY)["cert_store"] == "My"


def test_httpsys_set_replaces_options_it_is_not_given(state: State, server) -> None:
    with_key(state, server.first)
    seed.set_httpsys_options(state, "hostnameport", KEY, cert_hash=server.first.thumbprint, cert_store="My")
    seed.set_httpsys_options(state, "hostnameport", KEY, default_flags=winhttpsys.USE_DS_MAPPER)
    SimulatedHost(state).apply([set_op(server.first, negotiate_client_certificate=False, ctl_store_name=None)])
    record = seed.httpsys_record(state, "hostnameport", KEY)
    assert (record["default_flags"], record["ctl_store_name"]) == (0, None)


@pytest.mark.parametrize(
    ("arg", "bit"),
    [
        ("ds_mapper", winhttpsys.USE_DS_MAPPER),
        ("disable_http2", winhttpsys.DISABLE_HTTP2),
        ("disable_quic", winhttpsys.DISABLE_QUIC),
        ("disable_tls13", winhttpsys.DISABLE_TLS13),
        ("disable_ocsp_stapling", winhttpsys.DISABLE_OCSP_STAPLING),
        ("disable_legacy_tls", winhttpsys.DISABLE_LEGACY_TLS),
    ],
)
def test_httpsys_set_maps_each_option_to_its_default_flags_bit(state: State, server, arg: str, bit: int) -> None:
    with_key(state, server.first)
    SimulatedHost(state).apply([set_op(server.first, negotiate_client_certificate=False, **{arg: True})])
    assert seed.httpsys_record(state, "hostnameport", KEY)["default_flags"] == bit


@pytest.mark.parametrize(("revocation", "mode"), [("online", 0), ("off", 1), ("cached_only", 2)])
def test_httpsys_set_maps_revocation_to_the_check_mode(state: State, server, revocation: str, mode: int) -> None:
    with_key(state, server.first)
    SimulatedHost(state).apply([set_op(server.first, revocation=revocation)])
    assert seed.httpsys_record(state, "hostnameport", KEY)["cert_check_mode"] == mode


def test_httpsys_set_with_a_freshness_time_sets_the_freshness_bit(state: State, server) -> None:
    with_key(state, server.first)
    SimulatedHost(state).apply([set_op(server.first, revocation="cached_only", revocation_freshness_seconds=3600)])
    record = seed.httpsys_record(state, "hostnameport", KEY)
    assert (record["cert_check_mode"], record["revocation_freshness_time"]) == (2 | 4, 3600)


def test_httpsys_set_keeps_a_disabled_usage_check(state: State, server) -> None:
    with_key(state, server.first)
    seed.set_httpsys_options(state, "hostnameport", KEY, cert_check_mode=winhttpsys.CHECK_NO_USAGE_CHECK)
    SimulatedHost(state).apply([set_op(server.first, revocation="off")])
    assert seed.httpsys_record(state, "hostnameport", KEY)["cert_check_mode"] == winhttpsys.CHECK_NO_USAGE_CHECK | 1


@pytest.mark.parametrize(
    "bit",
    [
        winhttpsys.REJECT,
        winhttpsys.ENABLE_TOKEN_BINDING,
        winhttpsys.LOG_EXTENDED_EVENTS,
        winhttpsys.ENABLE_SESSION_TICKET,
        winhttpsys.DISABLE_TLS12,
        winhttpsys.DISABLE_SESSION_ID,
    ],
)
def test_httpsys_set_keeps_a_default_flags_bit_it_does_not_manage(state: State, server, bit: int) -> None:
    # Issue 10 item 5: the record is rewritten (revocation changes) and keeps the unmanaged bit.
    with_key(state, server.first)
    seed.set_httpsys_options(state, "hostnameport", KEY, default_flags=bit)
    SimulatedHost(state).apply([set_op(server.first, revocation="off")])
    record = seed.httpsys_record(state, "hostnameport", KEY)
    assert (record["default_flags"], record["cert_check_mode"]) == (bit | winhttpsys.NEGOTIATE_CLIENT_CERT, 1)


def test_httpsys_set_keeps_the_url_retrieval_timeout_and_the_ctl_identifier(state: State, server) -> None:
    with_key(state, server.first)
    seed.set_httpsys_options(
        state, "hostnameport", KEY, revocation_url_retrieval_timeout=15000, ctl_identifier="PartnerCtl"
    )
    SimulatedHost(state).apply([set_op(server.first, revocation="off")])
    record = seed.httpsys_record(state, "hostnameport", KEY)
    assert (record["revocation_url_retrieval_timeout"], record["ctl_identifier"]) == (15000, "PartnerCtl")


def test_httpsys_set_does_not_rewrite_a_record_for_a_setting_it_keeps(state: State, server) -> None:
    with_key(state, server.first)
    SimulatedHost(state).apply([set_op(server.first)])
    seed.set_httpsys_options(
        state, "hostnameport", KEY, default_flags=winhttpsys.NEGOTIATE_CLIENT_CERT | winhttpsys.REJECT
    )
    result = SimulatedHost(state).apply([set_op(server.first)])
    assert result["changed"] is False
    assert (
        seed.httpsys_record(state, "hostnameport", KEY)["default_flags"]
        == winhttpsys.NEGOTIATE_CLIENT_CERT | winhttpsys.REJECT
    )


def test_hostnameport_without_certificate_store_fails(state: State, server) -> None:
    with_key(state, server.first)
    result = SimulatedHost(state).apply([set_op(server.first, certificate_store="")])
    assert result["failed"] is True
    assert "certificate_store is required" in result["msg"]
    assert httpsys.gather(state) == []


def test_ipport_without_certificate_store_uses_my(state: State, server) -> None:
    with_key(state, server.first)
    SimulatedHost(state).apply([set_op(server.first, kind="ipport", key="0.0.0.0:443", certificate_store="")])
    assert seed.httpsys_record(state, "ipport", "0.0.0.0:443")["cert_store"] == "MY"


def test_httpsys_set_with_a_certificate_not_in_the_store_fails(state: State, server) -> None:
    result = SimulatedHost(state).apply([set_op(server.first)])
    assert result["failed"] is True
    assert "not in LocalMachine\\My" in result["msg"]


def test_httpsys_set_with_a_certificate_without_key_fails(state: State, server) -> None:
    seed.add_cert(state, "My", server.first.der)
    result = SimulatedHost(state).apply([set_op(server.first)])
    assert result["failed"] is True
    assert "logon session" in result["msg"]


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"kind": "scopedccs", "key": "443"}, "argument kind must be one of ipport, hostnameport, ccs"),
        ({"kind": "ccs", "key": "443"}, "a Central Certificate Store record names no certificate_hash"),
        ({"kind": "ccs", "key": "0.0.0.0:443", "certificate_hash": "", "certificate_store": ""}, "is not a number"),
        ({"kind": "ipport", "key": "www.contoso.com:443"}, "does not start with an IP address"),
        # netsh's key parser, shared with winmodel.netsh (issue 20): an IPv4 address is not bracketed
        ({"kind": "ipport", "key": "[10.0.0.5]:443"}, "an IPv4 address is not put in brackets"),
        ({"key": "www.contoso.com"}, "is not '<address>:<port>'"),
        ({"app_id": "iis"}, "is not a GUID"),
        ({"revocation": "strict"}, "argument revocation must be one of"),
        ({"revocation_freshness_seconds": -1}, "revocation_freshness_seconds must be"),
        ({"disable_tls13": "yes"}, "argument disable_tls13 must be bool"),
    ],
)
def test_malformed_httpsys_set_is_refused(state: State, server, overrides: dict, complaint: str) -> None:
    with_key(state, server.first)
    result = SimulatedHost(state).apply([set_op(server.first, **overrides)])
    assert result["failed"] is True
    assert complaint in result["msg"]


def test_httpsys_remove_deletes_the_record(state: State) -> None:
    seed.add_httpsys_binding(state, {"key": KEY, "kind": "hostnameport"})
    result = SimulatedHost(state).apply([{"op": "httpsys_remove", "key": KEY.upper(), "kind": "hostnameport"}])
    assert result["changed"] is True
    assert seed.httpsys_record(state, "hostnameport", KEY) is None


def test_httpsys_remove_of_a_missing_record_changes_nothing(state: State) -> None:
    seed.add_httpsys_binding(state, {"key": "0.0.0.0:443", "kind": "ipport"})
    result = SimulatedHost(state).apply([{"op": "httpsys_remove", "key": "0.0.0.0:443", "kind": "hostnameport"}])
    assert result["changed"] is False
    assert seed.httpsys_record(state, "ipport", "0.0.0.0:443") is not None


def test_httpsys_set_writes_a_ccs_record_without_a_certificate(state: State, server) -> None:
    # No certificate in any store: a ccs record names none, so netsh does not look for one (HTTPSYS-10).
    result = SimulatedHost(state).apply(
        [set_op(server.first, kind="ccs", key="443", certificate_hash="", certificate_store="")]
    )
    assert not result.get("failed"), result.get("msg")
    record = winhttpsys.get_binding(state, "443", "ccs")
    assert (record["cert_hash"], record["default_flags"] & winhttpsys.NEGOTIATE_CLIENT_CERT) == (None, 0x2)
