"""Schannel pending reboot: the volatile key SOFTWARE\\mtls.iis\\SchannelRebootPending and ``pending_reboot``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from simhost import registry, seed
from simhost.host import SimulatedHost
from simhost.runner import run_module
from winmodel import hive
from winmodel.errors import StateError
from winmodel.state import MTLS_KEY, State, load_state, new_state, save_state

SIBLING = {"EventLogging": {"type": "REG_DWORD", "value": 1}}
SET_MODE_2 = {"op": "schannel_set", "name": "ClientAuthTrustMode", "value": 2}


def pending(state: State) -> bool:
    return SimulatedHost(state).gather({"schannel": True})["schannel"]["pending_reboot"]


def apply(state: State, *ops: dict[str, Any]) -> dict[str, Any]:
    result = SimulatedHost(state).apply(list(ops))
    assert not result.get("failed"), result
    return result


def test_a_fresh_host_has_no_schannel_reboot_pending(state: State) -> None:
    assert pending(state) is False


def test_schannel_set_that_changes_a_value_makes_a_reboot_pending(state: State) -> None:
    apply(state, SET_MODE_2)
    assert pending(state) is True


def test_schannel_set_of_the_value_already_there_does_not_make_a_reboot_pending(state: State) -> None:
    seed.set_registry_value(state, "ClientAuthTrustMode", 2)
    assert apply(state, SET_MODE_2)["changed"] is False
    assert pending(state) is False


def test_schannel_unset_that_deletes_a_value_makes_a_reboot_pending(state: State) -> None:
    seed.set_registry_value(state, "SendTrustedIssuerList", 1)
    apply(state, {"op": "schannel_unset", "name": "SendTrustedIssuerList"})
    assert pending(state) is True


def test_schannel_unset_of_an_absent_value_does_not_make_a_reboot_pending(state: State) -> None:
    apply(state, {"op": "schannel_unset", "name": "SendTrustedIssuerList"})
    assert pending(state) is False


def test_a_reboot_clears_the_pending_reboot(state: State) -> None:
    apply(state, SET_MODE_2)
    seed.reboot(state)
    assert (pending(state), seed.schannel_pending_reboot(state)) == (False, False)


def test_a_change_after_a_reboot_is_pending_again(state: State) -> None:
    apply(state, SET_MODE_2)
    seed.reboot(state)
    apply(state, {"op": "schannel_set", "name": "ClientAuthTrustMode", "value": 1})
    assert pending(state) is True


def test_a_converged_run_after_the_reboot_leaves_no_reboot_pending(state: State) -> None:
    apply(state, SET_MODE_2)
    seed.reboot(state)
    apply(state, SET_MODE_2)
    assert pending(state) is False


def test_the_marker_is_a_volatile_key_under_an_ordinary_engine_key(state: State) -> None:
    apply(state, SET_MODE_2)
    assert (hive.key_exists(state, registry.MARKER_KEY), hive.is_volatile(state, registry.MARKER_KEY)) == (
        True,
        True,
    )
    assert (hive.key_exists(state, MTLS_KEY), hive.is_volatile(state, MTLS_KEY)) == (True, False)


def test_the_marker_holds_no_value(state: State) -> None:
    apply(state, SET_MODE_2)
    assert hive.all_values(state, registry.MARKER_KEY) == {}


def test_a_reboot_removes_the_volatile_marker_and_keeps_the_engine_key(state: State) -> None:
    apply(state, SET_MODE_2)
    seed.reboot(state)
    assert (hive.key_exists(state, registry.MARKER_KEY), hive.key_exists(state, MTLS_KEY)) == (False, True)


def test_a_reboot_advances_the_boot_counter(state: State) -> None:
    before = hive.boot(state)
    seed.reboot(state)
    assert hive.boot(state) == before + 1


def test_the_marker_never_touches_the_schannel_key_or_its_siblings(state: State) -> None:
    apply(state, SET_MODE_2, {"op": "schannel_unset", "name": "ClientAuthTrustMode"})
    assert seed.registry_values(state) == SIBLING


def test_the_marker_is_not_in_the_schannel_snapshot(state: State) -> None:
    apply(state, SET_MODE_2)
    snapshot = SimulatedHost(state).gather({"schannel": True})["schannel"]
    assert set(snapshot) == {"ClientAuthTrustMode", "SendTrustedIssuerList", "pending_reboot"}


def test_a_marker_key_created_by_someone_else_reads_as_pending(state: State) -> None:
    # Gather cannot tell who created the key (WINDOWS_FACTS SCHANNEL-4): its existence is the whole signal.
    hive.create_key(state, registry.MARKER_KEY, volatile=True)
    assert pending(state) is True


def test_a_value_left_by_the_former_boot_time_marker_is_not_pending(state: State) -> None:
    hive.set_value(state, MTLS_KEY, "SchannelChangedAtBoot", "2024-01-15T06:00:00Z", "REG_SZ")
    assert pending(state) is False


def test_a_volatile_key_created_with_its_missing_parent_makes_the_parent_volatile_too(state: State) -> None:
    hive.create_key(state, r"HKLM\SOFTWARE\Other\Child", volatile=True)
    seed.reboot(state)
    assert hive.key_exists(state, r"HKLM\SOFTWARE\Other") is False


def test_an_ordinary_key_cannot_be_created_under_a_volatile_key(state: State) -> None:
    hive.create_key(state, r"HKLM\SOFTWARE\Other", volatile=True)
    with pytest.raises(StateError, match="stable subkey under the volatile key"):
        hive.create_key(state, r"HKLM\SOFTWARE\Other\Child")


def test_creating_an_existing_key_keeps_its_volatility(state: State) -> None:
    hive.create_key(state, MTLS_KEY)
    hive.create_key(state, MTLS_KEY, volatile=True)
    assert hive.is_volatile(state, MTLS_KEY) is False


def test_a_host_file_from_before_boots_were_simulated_is_at_its_first_boot(host_file: Path) -> None:
    old = new_state()
    del old["boot"]
    host_file.write_text(json.dumps(old), encoding="utf-8")
    state = load_state(host_file)
    assert hive.boot(state) == hive.boot(new_state())


def test_the_pending_reboot_survives_in_the_host_file_until_a_reboot(host_file: Path) -> None:
    rc, _result = run_module(host_file, "host_state_apply", {"ops": [SET_MODE_2]})
    _rc, before = run_module(host_file, "host_state_gather", {"scope": {"schannel": True}})
    state = load_state(host_file)
    seed.reboot(state)
    save_state(host_file, state)
    _rc, after = run_module(host_file, "host_state_gather", {"scope": {"schannel": True}})
    assert (rc, before["snapshot"]["schannel"]["pending_reboot"], after["snapshot"]["schannel"]["pending_reboot"]) == (
        0,
        True,
        False,
    )
