"""IIS site bindings and the HTTP.sys records IIS writes for them."""

from __future__ import annotations

from typing import Any

import pytest
from simhost import httpsys, seed
from simhost.errors import OpError
from simhost.host import SimulatedHost
from winmodel import httpsys as winhttpsys
from winmodel.state import State

SITE = "Default Web Site"
SNI_BI = "*:443:www.contoso.com"
IP_BI = "*:443:"

#: Client-certificate options someone set on a record with netsh (what IIS drops on a rewrite).
OPTIONS: dict[str, Any] = {
    "ctl_store_name": "ClientAuthIssuer",
    "default_flags": winhttpsys.NEGOTIATE_CLIENT_CERT | winhttpsys.USE_DS_MAPPER,
    "cert_check_mode": winhttpsys.CHECK_CACHED_ONLY,
}


def add_op(cert, bi: str = SNI_BI, ssl_flags: int = 1, store: str = "My", site: str = SITE) -> dict[str, Any]:
    return {
        "op": "binding_add",
        "site": site,
        "binding_information": bi,
        "ssl_flags": ssl_flags,
        "certificate_hash": cert.thumbprint,
        "certificate_store": store,
    }


def set_cert_op(cert, bi: str = SNI_BI, store: str = "My") -> dict[str, Any]:
    return {
        "op": "binding_set_cert",
        "site": SITE,
        "binding_information": bi,
        "certificate_hash": cert.thumbprint,
        "certificate_store": store,
    }


def set_flags_op(ssl_flags: int, bi: str = SNI_BI) -> dict[str, Any]:
    return {"op": "binding_set_flags", "site": SITE, "binding_information": bi, "ssl_flags": ssl_flags}


def with_keys(state: State, *certs) -> State:
    for cert in certs:
        seed.add_cert(state, "My", cert.der, has_private_key=True)
    return state


def apply(state: State, *ops: dict[str, Any]) -> dict[str, Any]:
    return SimulatedHost(state).apply(list(ops))


# --- the fresh host and gather ---------------------------------------------------------------------------


def test_fresh_host_has_the_default_web_site_without_https_bindings(state: State) -> None:
    iis = SimulatedHost(state).gather({"sites": [SITE]})["iis"]
    assert iis == {
        "available": True,
        "sites": {SITE: {"id": 1, "bindings": []}},
        "access": {SITE: {"effective": 0, "explicit": None}},
        "all_bindings": [],
    }


def test_gather_of_a_missing_site_omits_it(state: State) -> None:
    iis = SimulatedHost(state).gather({"sites": ["Contoso"]})["iis"]
    assert iis == {"available": True, "sites": {}, "access": {}, "all_bindings": []}


def test_gather_lists_the_https_bindings_of_every_site_whatever_sites_are_asked(state: State) -> None:
    # Issue 10 item 10: the planner must know who else uses a shared HTTP.sys record.
    seed.add_site(state, "Shop", id=2)
    seed.add_binding(state, "Shop", "*:443:shop.contoso.com", ssl_flags=0)
    iis = SimulatedHost(state).gather({"sites": [SITE]})["iis"]
    assert iis["all_bindings"] == [{"site": "Shop", "binding_information": "*:443:shop.contoso.com", "ssl_flags": 0}]


def test_gather_finds_a_site_by_any_case_of_its_name(state: State) -> None:
    seed.add_site(state, "Contoso", id=7)
    iis = SimulatedHost(state).gather({"sites": ["CONTOSO"]})["iis"]
    assert iis["sites"]["CONTOSO"]["id"] == 7


def test_gather_without_iis_scope_leaves_iis_out(state: State) -> None:
    assert "iis" not in SimulatedHost(state).gather({"httpsys": True})


def test_gather_on_a_host_without_iis_says_so(state: State) -> None:
    seed.set_iis_installed(state, False)
    iis = SimulatedHost(state).gather({"sites": [SITE], "access_paths": [SITE]})["iis"]
    assert iis == {"available": False, "sites": {}, "access": {}, "all_bindings": []}


def test_binding_certificate_is_read_from_httpsys(state: State, server) -> None:
    seed.add_binding(state, SITE, SNI_BI, ssl_flags=1, certificate_hash=server.first.thumbprint)
    seed.set_httpsys_options(state, "hostnameport", "www.contoso.com:443", cert_hash=server.second.thumbprint)
    assert seed.binding(state, SITE, SNI_BI)["certificate_hash"] == server.second.thumbprint


def test_binding_without_httpsys_record_shows_no_certificate(state: State, server) -> None:
    seed.add_binding(state, SITE, SNI_BI, ssl_flags=1, certificate_hash=server.first.thumbprint)
    winhttpsys.delete_binding(state, "www.contoso.com:443", "hostnameport")
    view = seed.binding(state, SITE, SNI_BI)
    assert (view["certificate_hash"], view["certificate_store"]) == ("", "")


# --- binding_add ---------------------------------------------------------------------------------------


def test_binding_add_writes_the_binding_and_a_fresh_httpsys_record(state: State, server) -> None:
    with_keys(state, server.first)
    result = apply(state, add_op(server.first))
    assert result["changed"] is True
    assert seed.binding(state, SITE, SNI_BI) == {
        "protocol": "https",
        "binding_information": SNI_BI,
        "ssl_flags": 1,
        "certificate_hash": server.first.thumbprint,
        "certificate_store": "My",
    }
    assert seed.httpsys_record(state, "hostnameport", "www.contoso.com:443") == {
        "key": "www.contoso.com:443",
        "kind": "hostnameport",
        "cert_hash": server.first.thumbprint,
        "cert_store": "My",
        "app_id": winhttpsys.IIS_APP_ID,
        "ctl_store_name": None,
        "default_flags": 0,
        "cert_check_mode": 0,
        "revocation_freshness_time": 0,
        "revocation_url_retrieval_timeout": 0,
        "ctl_identifier": None,
    }


def test_binding_add_repeated_changes_nothing(state: State, server) -> None:
    with_keys(state, server.first)
    apply(state, add_op(server.first))
    assert apply(state, add_op(server.first))["changed"] is False


def test_binding_add_over_a_leftover_record_drops_its_options(state: State, server) -> None:
    with_keys(state, server.first)
    seed.set_httpsys_options(state, "hostnameport", "www.contoso.com:443", **OPTIONS)
    apply(state, add_op(server.first))
    record = seed.httpsys_record(state, "hostnameport", "www.contoso.com:443")
    assert (record["ctl_store_name"], record["default_flags"], record["cert_check_mode"]) == (None, 0, 0)


def test_binding_add_on_an_existing_binding_brings_it_to_the_new_certificate(state: State, server) -> None:
    with_keys(state, server.first, server.second)
    apply(state, add_op(server.first))
    result = apply(state, add_op(server.second))
    assert result["changed"] is True
    assert seed.binding(state, SITE, SNI_BI)["certificate_hash"] == server.second.thumbprint


def test_ip_binding_maps_to_ipport_all_addresses(state: State, server) -> None:
    with_keys(state, server.first)
    apply(state, add_op(server.first, bi=IP_BI, ssl_flags=0))
    assert seed.httpsys_record(state, "ipport", "0.0.0.0:443")["cert_hash"] == server.first.thumbprint


def test_binding_on_a_specific_ip_maps_to_that_ip(state: State, server) -> None:
    with_keys(state, server.first)
    apply(state, add_op(server.first, bi="10.0.0.5:8443:", ssl_flags=0))
    assert seed.httpsys_record(state, "ipport", "10.0.0.5:8443") is not None


def test_ipv6_binding_maps_to_a_bracketed_key(state: State, server) -> None:
    with_keys(state, server.first)
    apply(state, add_op(server.first, bi="[2001:db8::5]:443:", ssl_flags=0))
    assert seed.httpsys_record(state, "ipport", "[2001:db8::5]:443") is not None


def test_host_name_without_sni_bit_maps_to_ipport(state: State, server) -> None:
    with_keys(state, server.first)
    apply(state, add_op(server.first, ssl_flags=0))
    assert seed.httpsys_record(state, "ipport", "0.0.0.0:443") is not None
    assert seed.httpsys_record(state, "hostnameport", "www.contoso.com:443") is None


def test_sni_without_host_name_fails_and_adds_nothing(state: State, server) -> None:
    with_keys(state, server.first)
    result = apply(state, add_op(server.first, bi=IP_BI, ssl_flags=1))
    assert result["failed"] is True
    assert "SNI" in result["msg"] and "host name" in result["msg"]
    assert seed.binding(state, SITE, IP_BI) is None
    assert httpsys.gather(state) == []


def test_binding_to_a_certificate_not_in_the_store_fails(state: State, server) -> None:
    seed.add_cert(state, "WebHosting", server.first.der, has_private_key=True)
    result = apply(state, add_op(server.first, store="My"))
    assert result["failed"] is True
    assert server.first.thumbprint in result["msg"] and "not in LocalMachine\\My" in result["msg"]
    assert seed.binding(state, SITE, SNI_BI) is None


def test_binding_to_a_certificate_without_private_key_fails(state: State, server) -> None:
    seed.add_cert(state, "My", server.first.der, has_private_key=False)
    result = apply(state, add_op(server.first))
    assert result["failed"] is True
    assert "no private key" in result["msg"]
    assert seed.binding(state, SITE, SNI_BI) is None
    assert httpsys.gather(state) == []


def test_binding_on_a_missing_site_fails_naming_it(state: State, server) -> None:
    with_keys(state, server.first)
    result = apply(state, add_op(server.first, site="Contoso"))
    assert result["failed"] is True
    assert "site 'Contoso' does not exist" in result["msg"]


def test_binding_ops_fail_when_iis_is_not_installed(state: State, server) -> None:
    with_keys(state, server.first)
    seed.set_iis_installed(state, False)
    result = apply(state, add_op(server.first))
    assert result["failed"] is True
    assert "IIS is not installed" in result["msg"]


def test_binding_add_with_the_central_certificate_store_bit_and_a_certificate_is_refused(state: State, server) -> None:
    with_keys(state, server.first)
    result = apply(state, add_op(server.first, ssl_flags=1 | 2))
    assert result["failed"] is True
    assert "takes no certificate_hash" in result["msg"]


def ccs_add_op(bi: str = SNI_BI, ssl_flags: int = 1 | 2) -> dict[str, Any]:
    return {
        "op": "binding_add",
        "site": SITE,
        "binding_information": bi,
        "ssl_flags": ssl_flags,
        "certificate_hash": "",
        "certificate_store": "",
    }


def test_a_ccs_binding_gets_the_ccs_record_of_its_port_at_commit(state: State) -> None:
    assert apply(state, ccs_add_op())["changed"] is True
    record = winhttpsys.get_binding(state, "443", "ccs")
    assert (record["cert_hash"], record["cert_store"], record["app_id"]) == (None, None, winhttpsys.IIS_APP_ID)
    assert winhttpsys.get_binding(state, "www.contoso.com:443", "hostnameport") is None


def test_a_fixed_binding_turned_to_ccs_gets_the_ccs_record_and_keeps_its_hostnameport_one(state: State, server) -> None:
    # Remove(old, $true) keeps the old record (BINDING-2): deleting it is the planner's httpsys_remove.
    with_keys(state, server.first)
    apply(state, add_op(server.first))
    assert apply(state, ccs_add_op())["changed"] is True
    assert winhttpsys.get_binding(state, "www.contoso.com:443", "hostnameport") is not None
    assert winhttpsys.get_binding(state, "443", "ccs") is not None


def test_binding_set_flags_does_not_turn_the_central_certificate_store_bit_on(state: State, server) -> None:
    with_keys(state, server.first)
    apply(state, add_op(server.first))
    result = apply(state, set_flags_op(1 | 2))
    assert result["failed"] is True
    assert "binding_add replaces the binding" in result["msg"]


def test_binding_set_cert_is_refused_on_a_ccs_binding(state: State, server) -> None:
    with_keys(state, server.first)
    apply(state, ccs_add_op())
    result = apply(state, set_cert_op(server.first))
    assert result["failed"] is True
    assert "Central Certificate Store" in result["msg"]


@pytest.mark.parametrize("ssl_flags", [-1, 256])
def test_binding_flags_outside_the_schema_are_refused(state: State, server, ssl_flags: int) -> None:
    with_keys(state, server.first)
    result = apply(state, add_op(server.first, ssl_flags=ssl_flags))
    assert result["failed"] is True
    assert "outside 0..255" in result["msg"]


@pytest.mark.parametrize("bi", ["*:443", "*:https:", "host:443:", "[zz::1]:443:", "::1:443:"])
def test_malformed_binding_information_is_refused(state: State, server, bi: str) -> None:
    with_keys(state, server.first)
    result = apply(state, add_op(server.first, bi=bi, ssl_flags=0))
    assert result["failed"] is True
    assert "binding information" in result["msg"]


@pytest.mark.parametrize(
    "host",
    ["www.contoso.com.", "münchen.de", "a..contoso.com", "-bad.contoso.com", "www.*.contoso.com", "a_b.contoso.com"],
)
def test_binding_host_iis_refuses_is_refused_and_nothing_is_added(state: State, server, host: str) -> None:
    """WINDOWS_FACTS VALID-1/VALID-2: ASCII DNS labels only (an IDN as its A-label), no trailing dot."""
    with_keys(state, server.first)
    result = apply(state, add_op(server.first, bi=f"*:443:{host}"))
    assert result["failed"] is True
    assert "is not a host name" in result["msg"]
    assert seed.binding(state, SITE, f"*:443:{host}") is None


@pytest.mark.parametrize("host", ["xn--mnchen-3ya.de", "*.contoso.com", "api-2.contoso.com"])
def test_binding_host_in_dns_grammar_is_accepted(state: State, server, host: str) -> None:
    with_keys(state, server.first)
    assert apply(state, add_op(server.first, bi=f"*:443:{host}"))["changed"] is True


# --- the IIS rewrite -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("binding_bit", "httpsys_bit"),
    [
        (4, winhttpsys.DISABLE_HTTP2),
        (8, winhttpsys.DISABLE_OCSP_STAPLING),
        (16, winhttpsys.DISABLE_QUIC),
        (32, winhttpsys.DISABLE_TLS13),
        (64, winhttpsys.DISABLE_LEGACY_TLS),
        (128, winhttpsys.NEGOTIATE_CLIENT_CERT),
    ],
)
def test_binding_tls_bits_are_mirrored_into_the_record(state: State, server, binding_bit: int, httpsys_bit: int):
    with_keys(state, server.first)
    apply(state, add_op(server.first, ssl_flags=1 | binding_bit))
    assert seed.httpsys_record(state, "hostnameport", "www.contoso.com:443")["default_flags"] == httpsys_bit


def test_rebind_to_another_certificate_drops_negotiate_ctl_and_ds_mapper(state: State, server) -> None:
    with_keys(state, server.first, server.second)
    seed.add_binding(state, SITE, SNI_BI, ssl_flags=1 | 32, certificate_hash=server.first.thumbprint)
    seed.set_httpsys_options(state, "hostnameport", "www.contoso.com:443", **OPTIONS)
    result = apply(state, set_cert_op(server.second))
    assert result["changed"] is True
    record = seed.httpsys_record(state, "hostnameport", "www.contoso.com:443")
    assert record["cert_hash"] == server.second.thumbprint
    assert record["ctl_store_name"] is None
    assert record["default_flags"] == winhttpsys.DISABLE_TLS13  # only the mirrored TLS bit is left
    assert record["cert_check_mode"] == 0


def test_set_cert_with_the_same_certificate_changes_nothing_and_keeps_options(state: State, server) -> None:
    with_keys(state, server.first)
    seed.add_binding(state, SITE, SNI_BI, ssl_flags=1, certificate_hash=server.first.thumbprint)
    seed.set_httpsys_options(state, "hostnameport", "www.contoso.com:443", **OPTIONS)
    before = seed.httpsys_record(state, "hostnameport", "www.contoso.com:443")
    result = apply(state, set_cert_op(server.first, store="MY"))
    assert result["changed"] is False
    assert seed.httpsys_record(state, "hostnameport", "www.contoso.com:443") == before


def test_set_cert_to_a_certificate_without_key_fails_and_keeps_the_record(state: State, server) -> None:
    with_keys(state, server.first)
    seed.add_cert(state, "My", server.second.der, has_private_key=False)
    seed.add_binding(state, SITE, SNI_BI, ssl_flags=1, certificate_hash=server.first.thumbprint)
    seed.set_httpsys_options(state, "hostnameport", "www.contoso.com:443", **OPTIONS)
    before = seed.httpsys_record(state, "hostnameport", "www.contoso.com:443")
    result = apply(state, set_cert_op(server.second))
    assert result["failed"] is True
    assert seed.httpsys_record(state, "hostnameport", "www.contoso.com:443") == before


def test_set_cert_on_a_missing_binding_fails_naming_it(state: State, server) -> None:
    with_keys(state, server.first)
    result = apply(state, set_cert_op(server.first))
    assert result["failed"] is True
    assert f"has no https binding '{SNI_BI}'" in result["msg"]


def test_set_flags_rewrites_the_record_and_drops_options(state: State, server) -> None:
    with_keys(state, server.first)
    seed.add_binding(state, SITE, SNI_BI, ssl_flags=1, certificate_hash=server.first.thumbprint)
    seed.set_httpsys_options(state, "hostnameport", "www.contoso.com:443", **OPTIONS)
    result = apply(state, set_flags_op(1 | 32))
    assert result["changed"] is True
    record = seed.httpsys_record(state, "hostnameport", "www.contoso.com:443")
    assert (record["default_flags"], record["ctl_store_name"]) == (winhttpsys.DISABLE_TLS13, None)
    assert seed.binding(state, SITE, SNI_BI)["ssl_flags"] == 1 | 32


def test_set_flags_to_the_same_value_changes_nothing(state: State, server) -> None:
    with_keys(state, server.first)
    seed.add_binding(state, SITE, SNI_BI, ssl_flags=1, certificate_hash=server.first.thumbprint)
    seed.set_httpsys_options(state, "hostnameport", "www.contoso.com:443", **OPTIONS)
    before = seed.httpsys_record(state, "hostnameport", "www.contoso.com:443")
    assert apply(state, set_flags_op(1))["changed"] is False
    assert seed.httpsys_record(state, "hostnameport", "www.contoso.com:443") == before


def test_turning_sni_on_writes_the_new_keys_record_and_leaves_the_old_one(state: State, server) -> None:
    # The engine replaces the binding with Remove(old, $true), which keeps the old record (BINDING-2); the planner
    # removes it with httpsys_remove when no other binding uses it (issue 10 items 10 and 12).
    with_keys(state, server.first)
    seed.add_binding(state, SITE, SNI_BI, ssl_flags=0, certificate_hash=server.first.thumbprint)
    apply(state, set_flags_op(1))
    assert seed.httpsys_record(state, "ipport", "0.0.0.0:443")["cert_hash"] == server.first.thumbprint
    assert seed.httpsys_record(state, "hostnameport", "www.contoso.com:443")["cert_hash"] == server.first.thumbprint


def test_turning_sni_off_writes_the_ipport_record_and_leaves_the_sni_one(state: State, server) -> None:
    with_keys(state, server.first)
    seed.add_binding(state, SITE, SNI_BI, ssl_flags=1, certificate_hash=server.first.thumbprint)
    apply(state, set_flags_op(0))
    assert seed.httpsys_record(state, "hostnameport", "www.contoso.com:443")["cert_hash"] == server.first.thumbprint
    assert seed.httpsys_record(state, "ipport", "0.0.0.0:443")["cert_hash"] == server.first.thumbprint


def test_moving_a_key_keeps_the_old_record_another_binding_still_uses(state: State, server) -> None:
    with_keys(state, server.first)
    seed.add_binding(state, SITE, SNI_BI, ssl_flags=0, certificate_hash=server.first.thumbprint)
    seed.add_binding(state, SITE, "*:443:www2.contoso.com", ssl_flags=0, certificate_hash=server.first.thumbprint)
    apply(state, set_flags_op(1))
    assert seed.httpsys_record(state, "ipport", "0.0.0.0:443") is not None


def test_set_flags_adding_sni_to_a_binding_without_host_fails(state: State, server) -> None:
    with_keys(state, server.first)
    seed.add_binding(state, SITE, IP_BI, ssl_flags=0, certificate_hash=server.first.thumbprint)
    result = apply(state, set_flags_op(1, bi=IP_BI))
    assert result["failed"] is True
    assert seed.binding(state, SITE, IP_BI)["ssl_flags"] == 0


def test_non_sni_bindings_on_one_port_share_one_certificate(state: State, server) -> None:
    with_keys(state, server.first, server.second)
    seed.add_binding(state, SITE, SNI_BI, ssl_flags=0, certificate_hash=server.first.thumbprint)
    seed.add_binding(state, SITE, "*:443:www2.contoso.com", ssl_flags=0, certificate_hash=server.first.thumbprint)
    apply(state, set_cert_op(server.second, bi="*:443:www2.contoso.com"))
    assert seed.binding(state, SITE, SNI_BI)["certificate_hash"] == server.second.thumbprint


# --- binding_remove ------------------------------------------------------------------------------------


def test_binding_remove_removes_the_binding_and_leaves_the_record(state: State, server) -> None:
    seed.add_binding(state, SITE, SNI_BI, ssl_flags=1, certificate_hash=server.first.thumbprint)
    result = apply(state, {"op": "binding_remove", "site": SITE, "binding_information": SNI_BI})
    assert result["changed"] is True
    assert seed.binding(state, SITE, SNI_BI) is None
    assert seed.httpsys_record(state, "hostnameport", "www.contoso.com:443") is not None


def test_binding_remove_of_a_missing_binding_changes_nothing(state: State) -> None:
    result = apply(state, {"op": "binding_remove", "site": SITE, "binding_information": SNI_BI})
    assert result["changed"] is False


def test_binding_remove_leaves_the_http_binding(state: State) -> None:
    apply(state, {"op": "binding_remove", "site": SITE, "binding_information": "*:80:"})
    assert [b["protocol"] for b in state["iis"]["sites"][SITE]["bindings"]] == ["http"]


def test_a_web_config_that_sets_ssl_flags_is_what_gather_reports_as_effective_and_where(state: State) -> None:
    # Issue 10 item 14 (WINDOWS_FACTS IISCONFIG-3, IISCONFIG-13): the merged view wins over applicationHost.config.
    seed.set_location_flags(state, f"{SITE}/api", "Ssl")
    seed.unlock_ssl_settings(state, SITE)
    seed.set_web_config_flags(state, SITE, "Ssl, SslNegotiateCert, SslRequireCert")
    iis = SimulatedHost(state).gather({"access_paths": [f"{SITE}/api"]})["iis"]
    assert iis["access"][f"{SITE}/api"] == {"effective": 8 | 32 | 64, "explicit": "Ssl", "web_config": SITE}


def test_a_web_config_that_sets_ssl_flags_where_they_are_locked_fails_the_gather(state: State) -> None:
    # WINDOWS_FACTS IISCONFIG-22: the merged view IIS reads fails on a locked section in a web.config on the way.
    seed.set_web_config_flags(state, SITE, "Ssl, SslRequireCert")
    with pytest.raises(OpError, match="locked at a parent level"):
        SimulatedHost(state).gather({"access_paths": [f"{SITE}/api"]})
