"""Schannel pending reboot: the marker under HKLM\\SOFTWARE\\mtls.iis, boots and ``schannel.pending_reboot``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from simhost import registry, seed
from simhost.host import SimulatedHost
from simhost.runner import run_module
from simhost.state import MTLS_KEY, State, load_state, new_state, save_state

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


def test_the_marker_is_the_current_boot_time_as_reg_sz_under_the_engines_own_key(state: State) -> None:
    apply(state, SET_MODE_2)
    assert registry.all_values(state, MTLS_KEY) == {
        "SchannelChangedAtBoot": {"type": "REG_SZ", "value": registry.boot_time(state)}
    }


def test_boot_time_is_formatted_as_the_module_writes_it(state: State) -> None:
    assert registry.boot_time(state) == "2024-01-15T06:00:00Z"


def test_a_reboot_moves_the_boot_time_on(state: State) -> None:
    before = registry.boot_time(state)
    seed.reboot(state)
    assert registry.boot_time(state) > before


def test_the_marker_never_touches_the_schannel_key_or_its_siblings(state: State) -> None:
    apply(state, SET_MODE_2, {"op": "schannel_unset", "name": "ClientAuthTrustMode"})
    assert seed.registry_values(state) == SIBLING


def test_the_marker_is_not_in_the_schannel_snapshot(state: State) -> None:
    apply(state, SET_MODE_2)
    snapshot = SimulatedHost(state).gather({"schannel": True})["schannel"]
    assert set(snapshot) == {"ClientAuthTrustMode", "SendTrustedIssuerList", "pending_reboot"}


def test_a_marker_within_five_minutes_of_the_boot_time_is_pending(state: State) -> None:
    registry.set_value(state, MTLS_KEY, "SchannelChangedAtBoot", "2024-01-15T06:04:59Z", "REG_SZ")
    assert pending(state) is True


def test_a_marker_more_than_five_minutes_from_the_boot_time_is_not_pending(state: State) -> None:
    registry.set_value(state, MTLS_KEY, "SchannelChangedAtBoot", "2024-01-15T06:05:01Z", "REG_SZ")
    assert pending(state) is False


def test_a_marker_that_is_not_a_time_is_not_pending(state: State) -> None:
    registry.set_value(state, MTLS_KEY, "SchannelChangedAtBoot", "yesterday", "REG_SZ")
    assert pending(state) is False


def test_a_marker_of_another_type_is_not_pending(state: State) -> None:
    registry.set_value(state, MTLS_KEY, "SchannelChangedAtBoot", 1, "REG_DWORD")
    assert pending(state) is False


def test_a_host_file_from_before_boots_were_simulated_is_at_its_first_boot(host_file: Path) -> None:
    old = new_state()
    del old["boot"]
    host_file.write_text(json.dumps(old), encoding="utf-8")
    state = load_state(host_file)
    assert registry.boot_time(state) == registry.boot_time(new_state())


def test_the_pending_reboot_survives_in_the_host_file_until_a_reboot(host_file: Path) -> None:
    rc, _result = run_module(host_file, "host_state", {"mode": "apply", "ops": [SET_MODE_2]})
    _rc, before = run_module(host_file, "host_state", {"mode": "gather", "scope": {"schannel": True}})
    state = load_state(host_file)
    seed.reboot(state)
    save_state(host_file, state)
    _rc, after = run_module(host_file, "host_state", {"mode": "gather", "scope": {"schannel": True}})
    assert (rc, before["snapshot"]["schannel"]["pending_reboot"], after["snapshot"]["schannel"]["pending_reboot"]) == (
        0,
        True,
        False,
    )
