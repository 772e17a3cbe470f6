"""The op vocabulary is defined once in Python; PowerShell, the simulator and the diff projections follow it."""

from __future__ import annotations

from ansible_collections.mtls.iis.plugins.plugin_utils.diff import OP_PROJECTIONS
from ansible_collections.mtls.iis.plugins.plugin_utils.ops import OP_ARGS, OP_NAMES
from simhost.ops import OP_ARGS as SIM_OP_ARGS
from simhost.ops import OP_HANDLERS
from support import psparse
from support.collection import REPO_ROOT

HOST_STATE = REPO_ROOT / "plugins" / "modules" / "host_state_apply.ps1"


def _all_args(name: str) -> set[str]:
    required, optional = OP_ARGS[name]
    return set(required | optional)


def test_powershell_dispatcher_handles_exactly_the_vocabulary():
    assert psparse.dispatcher_op_names(HOST_STATE) == set(OP_NAMES)


def test_powershell_accepts_exactly_the_arguments_of_each_op():
    declared = psparse.top_level_hashtable(HOST_STATE, "OpArguments")
    assert {name: set(args) for name, args in declared.items()} == {name: _all_args(name) for name in OP_NAMES}


def test_simulator_handles_exactly_the_vocabulary():
    assert set(OP_HANDLERS) == set(OP_NAMES)


def test_simulator_accepts_exactly_the_arguments_of_each_op():
    assert {name: set(args) for name, args in SIM_OP_ARGS.items()} == {name: _all_args(name) for name in OP_NAMES}


def test_every_op_has_a_diff_projection():
    assert set(OP_PROJECTIONS) == set(OP_NAMES)
