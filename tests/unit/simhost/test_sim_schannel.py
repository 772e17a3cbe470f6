"""Schannel registry values: only ours, typed, siblings untouched."""

from __future__ import annotations

from simhost import seed
from simhost.host import SimulatedHost
from winmodel.state import State

SIBLING = {"EventLogging": {"type": "REG_DWORD", "value": 1}}


def test_gather_reports_absent_values_as_null(state: State) -> None:
    snapshot = SimulatedHost(state).gather({"schannel": True})
    assert snapshot["schannel"] == {"ClientAuthTrustMode": None, "SendTrustedIssuerList": None, "pending_reboot": False}


def test_gather_reports_only_the_values_we_own(state: State) -> None:
    seed.set_registry_value(state, "SendTrustedIssuerList", 0)
    snapshot = SimulatedHost(state).gather({"schannel": True})
    assert snapshot["schannel"] == {"ClientAuthTrustMode": None, "SendTrustedIssuerList": 0, "pending_reboot": False}


def test_gather_reports_a_value_of_another_type_as_a_string(state: State) -> None:
    seed.set_registry_value(state, "ClientAuthTrustMode", "2", type="REG_SZ")
    assert SimulatedHost(state).gather({"schannel": True})["schannel"]["ClientAuthTrustMode"] == "2"


def test_schannel_set_writes_a_dword_and_leaves_siblings_untouched(state: State) -> None:
    result = SimulatedHost(state).apply([{"op": "schannel_set", "name": "ClientAuthTrustMode", "value": 2}])
    assert result["changed"] is True
    assert seed.registry_values(state) == {**SIBLING, "ClientAuthTrustMode": {"type": "REG_DWORD", "value": 2}}


def test_schannel_set_rewrites_a_string_value_as_dword(state: State) -> None:
    seed.set_registry_value(state, "ClientAuthTrustMode", "2", type="REG_SZ")
    result = SimulatedHost(state).apply([{"op": "schannel_set", "name": "ClientAuthTrustMode", "value": 2}])
    assert result["changed"] is True
    assert seed.registry_values(state)["ClientAuthTrustMode"] == {"type": "REG_DWORD", "value": 2}


def test_schannel_set_of_the_current_value_changes_nothing(state: State) -> None:
    seed.set_registry_value(state, "SendTrustedIssuerList", 0)
    result = SimulatedHost(state).apply([{"op": "schannel_set", "name": "SendTrustedIssuerList", "value": 0}])
    assert result["changed"] is False


def test_schannel_unset_deletes_our_value_and_leaves_siblings_untouched(state: State) -> None:
    seed.set_registry_value(state, "ClientAuthTrustMode", 1)
    host = SimulatedHost(state)
    first = host.apply([{"op": "schannel_unset", "name": "ClientAuthTrustMode"}])
    second = host.apply([{"op": "schannel_unset", "name": "ClientAuthTrustMode"}])
    assert (first["changed"], second["changed"]) == (True, False)
    assert seed.registry_values(state) == SIBLING


def test_schannel_ops_refuse_a_value_we_do_not_own(state: State) -> None:
    for op in (
        {"op": "schannel_set", "name": "EventLogging", "value": 0},
        {"op": "schannel_unset", "name": "EventLogging"},
    ):
        result = SimulatedHost(state).apply([op])
        assert result["failed"] is True
        assert "EventLogging" in result["msg"]
    assert seed.registry_values(state) == SIBLING


def test_schannel_set_refuses_a_value_outside_dword_range(state: State) -> None:
    result = SimulatedHost(state).apply([{"op": "schannel_set", "name": "ClientAuthTrustMode", "value": -1}])
    assert result["failed"] is True
    assert seed.schannel_value(state, "ClientAuthTrustMode") is None


def test_schannel_names_in_ops_are_case_sensitive(state: State) -> None:
    result = SimulatedHost(state).apply([{"op": "schannel_set", "name": "clientauthtrustmode", "value": 1}])
    assert result["failed"] is True
    assert seed.registry_values(state) == SIBLING


def test_a_stored_value_in_other_casing_is_still_ours(state: State) -> None:
    seed.set_registry_value(state, "clientauthtrustmode", 1)
    assert SimulatedHost(state).gather({"schannel": True})["schannel"]["ClientAuthTrustMode"] == 1
    SimulatedHost(state).apply([{"op": "schannel_unset", "name": "ClientAuthTrustMode"}])
    assert seed.registry_values(state) == SIBLING
