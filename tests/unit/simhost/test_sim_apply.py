"""The apply contract: ordering, failures, faults, check mode, the op registry."""

from __future__ import annotations

import pytest
from ansible_collections.mtls.iis.plugins.plugin_utils.ops import OP_ARGS as CONTROLLER_ARGS
from ansible_collections.mtls.iis.plugins.plugin_utils.ops import OP_NAMES
from simhost import seed
from simhost.host import SimulatedHost
from simhost.ops import OP_ARGS, OP_HANDLERS, Arg
from winmodel.errors import StateError
from winmodel.state import State


def test_the_simulator_handles_exactly_the_op_vocabulary() -> None:
    assert set(OP_HANDLERS) == OP_NAMES
    assert set(OP_ARGS) == OP_NAMES


def test_ops_run_in_order_and_report_each(state: State, chain, import_op) -> None:
    ops = [
        {"op": "store_create", "store": "ClientAuthIssuer"},
        import_op("ClientAuthIssuer", chain.intermediate),
        {"op": "store_create", "store": "ClientAuthIssuer"},
    ]
    result = SimulatedHost(state).apply(ops)
    assert result == {
        "changed": True,
        "results": [
            {"index": 0, "op": "store_create", "changed": True},
            {"index": 1, "op": "cert_import", "changed": True},
            {"index": 2, "op": "store_create", "changed": False},
        ],
    }


def test_apply_in_check_mode_fails_and_changes_nothing(state: State) -> None:
    result = SimulatedHost(state).apply([{"op": "store_create", "store": "ClientAuthIssuer"}], check_mode=True)
    assert result["failed"] is True
    assert "check mode" in result["msg"]
    assert not seed.store_exists(state, "ClientAuthIssuer")


def test_unknown_op_fails_naming_it_and_its_index(state: State) -> None:
    result = SimulatedHost(state).apply([{"op": "store_create", "store": "X"}, {"op": "store_wipe", "store": "Root"}])
    assert result["failed"] is True
    assert result["failed_index"] == 1
    assert result["msg"] == "op 1 (store_wipe) failed: unknown op"
    assert result["results"][-1] == {"index": 1, "op": "store_wipe", "changed": False, "failed": True}


@pytest.mark.parametrize(
    ("op", "complaint"),
    [
        ({"op": "cert_remove", "store": "Root"}, "missing argument(s): thumbprint"),
        ({"op": "store_create", "store": "Root", "force": True}, "unsupported argument(s): force"),
        ({"op": "schannel_set", "name": "ClientAuthTrustMode", "value": "1"}, "argument value must be int"),
        ({"op": "cert_remove", "store": "Root", "thumbprint": "AB:CD"}, "is not 40 hexadecimal characters"),
    ],
)
def test_malformed_op_fails_before_doing_anything(state: State, op: dict, complaint: str) -> None:
    result = SimulatedHost(state).apply([op])
    assert result["failed"] is True
    assert complaint in result["msg"]


def test_fault_stops_the_run_and_reports_which_ops_ran(state: State, chain, import_op) -> None:
    seed.add_cert(state, "Root", chain.intermediate.der)
    seed.add_fault(state, "cert_remove", {"store": "root"}, "Access is denied.")
    ops = [
        import_op("CA", chain.intermediate),
        {"op": "cert_remove", "store": "Root", "thumbprint": chain.intermediate.thumbprint},
        {"op": "schannel_set", "name": "ClientAuthTrustMode", "value": 2},
    ]
    result = SimulatedHost(state).apply(ops)
    assert result["failed"] is True
    assert result["changed"] is True
    assert result["failed_index"] == 1
    assert "cert_remove" in result["msg"] and "Access is denied." in result["msg"]
    assert [(r["index"], r["op"], r["changed"], r.get("failed", False)) for r in result["results"]] == [
        (0, "cert_import", True, False),
        (1, "cert_remove", False, True),
    ]
    assert seed.thumbprints(state, "Root") == {chain.intermediate.thumbprint}
    assert seed.schannel_value(state, "ClientAuthTrustMode") is None


def test_fault_matches_only_ops_with_the_given_arguments(state: State) -> None:
    seed.add_fault(state, "store_create", {"store": "ClientAuthIssuer"}, "Access is denied.")
    result = SimulatedHost(state).apply([{"op": "store_create", "store": "Partners"}])
    assert result == {"changed": True, "results": [{"index": 0, "op": "store_create", "changed": True}]}


def test_move_fault_at_stage_remove_leaves_the_certificate_in_both_stores(state: State, chain) -> None:
    seed.add_cert(state, "Root", chain.intermediate.der)
    seed.add_fault(state, "cert_move", {"from_store": "Root"}, "The handle is invalid.", stage="remove")
    op = {"op": "cert_move", "from_store": "Root", "to_store": "CA", "thumbprint": chain.intermediate.thumbprint}
    result = SimulatedHost(state).apply([op])
    assert result["failed"] is True
    assert result["changed"] is True
    assert result["results"] == [{"index": 0, "op": "cert_move", "changed": True, "failed": True}]
    assert "The handle is invalid." in result["msg"]
    assert seed.thumbprints(state, "Root") == {chain.intermediate.thumbprint}
    assert seed.thumbprints(state, "CA") == {chain.intermediate.thumbprint}


def test_move_fault_without_stage_moves_nothing(state: State, chain) -> None:
    seed.add_cert(state, "Root", chain.intermediate.der)
    seed.add_fault(state, "cert_move", {"to_store": "ca"}, "Access is denied.")
    op = {"op": "cert_move", "from_store": "Root", "to_store": "CA", "thumbprint": chain.intermediate.thumbprint}
    result = SimulatedHost(state).apply([op])
    assert result["changed"] is False
    assert seed.thumbprints(state, "CA") == set()


def test_a_stage_an_op_does_not_have_is_refused(state: State) -> None:
    with pytest.raises(StateError):
        seed.add_fault(state, "cert_remove", {}, "nope", stage="remove")


def test_fault_on_an_iis_op_matches_the_site_name_case_insensitively(state: State) -> None:
    seed.add_fault(state, "access_set", {"location": "default web site"}, "Filename: applicationHost.config is locked")
    result = SimulatedHost(state).apply([{"op": "access_set", "location": "Default Web Site", "ssl_flags": 8}])
    assert result["failed"] is True
    assert "is locked" in result["msg"]
    assert seed.location_flags(state, "Default Web Site") is None


def test_the_simulator_may_leave_out_exactly_the_controllers_optional_arguments() -> None:
    optional = {
        name: {arg for arg, rule in spec.items() if isinstance(rule, Arg) and rule.optional}
        for name, spec in OP_ARGS.items()
    }
    assert optional == {name: set(CONTROLLER_ARGS[name][1]) for name in OP_NAMES}
