"""``run_module``: option checks, module names, persistence and secrets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from simhost import seed
from simhost.runner import NO_LOG_PLACEHOLDER, run_module
from winmodel.state import load_state, new_state, save_state

SECRET = "Pa55-w0rd-never-shown"


@pytest.mark.parametrize(
    "name",
    [
        "host_state_gather",
        "mtls.iis.host_state_gather",
        "ansible_collections.mtls.iis.plugins.modules.host_state_gather",
        "ansible_collections.mtls.iis.plugins.modules.host_state_gather.ps1",
    ],
)
def test_the_gather_module_runs_under_any_spelling_of_its_name(host_file: Path, name: str) -> None:
    rc, result = run_module(host_file, name, {"scope": {"stores": ["Root"]}})
    assert rc == 0
    assert result["snapshot"]["stores"]["Root"]["exists"] is True


def test_other_modules_are_not_simulated(host_file: Path) -> None:
    rc, result = run_module(host_file, "ansible.windows.win_ping", {})
    assert rc == 1
    assert result["msg"] == "module ansible.windows.win_ping is not simulated"


def test_unknown_option_fails_like_ansible_basic(host_file: Path) -> None:
    rc, result = run_module(host_file, "mtls.iis.host_state_gather", {"scopes": {}})
    assert rc == 1
    assert result["msg"].startswith("Unsupported parameters for (host_state_gather) module: scopes.")


def test_unknown_scope_key_fails_the_gather(host_file: Path) -> None:
    rc, result = run_module(host_file, "host_state_gather", {"scope": {"iis": True}})
    assert rc == 1
    assert result["msg"].startswith("gather failed: unknown scope key 'iis'")


def test_the_gather_module_takes_no_ops(host_file: Path) -> None:
    rc, result = run_module(host_file, "host_state_gather", {"ops": [{"op": "store_create", "store": "X"}]})
    assert rc == 1
    assert result["msg"].startswith("Unsupported parameters for (host_state_gather) module: ops.")
    assert "X" not in load_state(host_file)["stores"]


def test_the_apply_module_takes_no_scope(host_file: Path) -> None:
    rc, result = run_module(host_file, "host_state_apply", {"scope": {"stores": ["Root"]}})
    assert rc == 1
    assert result["msg"].startswith("Unsupported parameters for (host_state_apply) module: scope.")


def test_the_single_engine_module_of_before_issue_15_is_gone(host_file: Path) -> None:
    rc, result = run_module(host_file, "mtls.iis.host_state", {"mode": "gather", "scope": {}})
    assert (rc, result["msg"]) == (1, "module mtls.iis.host_state is not simulated")


def test_apply_without_ops_changes_nothing(host_file: Path) -> None:
    rc, result = run_module(host_file, "host_state_apply", {})
    assert (rc, result["changed"], result["results"]) == (0, False, [])


def test_internal_ansible_keys_are_accepted_and_not_echoed(host_file: Path) -> None:
    args = {"_ansible_check_mode": True, "_ansible_version": "2.21.5", "_ansible_future_key": 1}
    rc, result = run_module(host_file, "host_state_gather", args)
    assert rc == 0
    assert not any(key.startswith("_ansible_") for key in result["invocation"]["module_args"])


def test_gather_does_not_write_the_host_file(host_file: Path) -> None:
    run_module(host_file, "host_state_gather", {"scope": {"stores": ["ClientAuthIssuer"]}})
    assert not host_file.exists()


def test_apply_that_changes_something_is_saved(host_file: Path) -> None:
    ops = [{"op": "store_create", "store": "ClientAuthIssuer"}]
    rc, _result = run_module(host_file, "host_state_apply", {"ops": ops})
    assert rc == 0
    assert seed.store_exists(load_state(host_file), "ClientAuthIssuer")


def test_apply_that_changes_nothing_leaves_the_file_alone(host_file: Path) -> None:
    save_state(host_file, new_state())
    before = host_file.stat().st_mtime_ns
    run_module(host_file, "host_state_apply", {"ops": [{"op": "store_create", "store": "Root"}]})
    assert host_file.stat().st_mtime_ns == before


def test_apply_in_check_mode_fails_with_rc_1(host_file: Path) -> None:
    args = {"ops": [{"op": "store_create", "store": "X"}], "_ansible_check_mode": True}
    rc, result = run_module(host_file, "host_state_apply", args)
    assert (rc, result["failed"]) == (1, True)
    assert not host_file.exists()


def test_partial_failure_is_saved_with_what_ran(host_file: Path, chain) -> None:
    state = new_state()
    seed.add_cert(state, "Root", chain.intermediate.der)
    seed.add_fault(state, "cert_move", {}, "The handle is invalid.", stage="remove")
    save_state(host_file, state)
    op = {"op": "cert_move", "from_store": "Root", "to_store": "CA", "thumbprint": chain.intermediate.thumbprint}
    rc, result = run_module(host_file, "host_state_apply", {"ops": [op]})
    assert (rc, result["changed"]) == (1, True)
    assert seed.thumbprints(load_state(host_file), "CA") == {chain.intermediate.thumbprint}


def test_invocation_summarises_the_ops_as_host_state_does(host_file: Path) -> None:
    ops = [{"op": "store_create", "store": "X"}, {"op": "store_create", "store": "Y"}]
    _rc, result = run_module(host_file, "host_state_apply", {"ops": ops})
    assert result["invocation"] == {"module_args": {"ops": "2 op(s)"}}


def test_invocation_masks_secrets(host_file: Path) -> None:
    args = {"ops": [{"op": "store_create", "store": "X"}], "secrets": {"map1": SECRET}}
    _rc, result = run_module(host_file, "host_state_apply", args)
    assert result["invocation"]["module_args"]["secrets"] == NO_LOG_PLACEHOLDER


@pytest.mark.parametrize("case", ["success", "op_failure", "fault_message"])
def test_no_secret_appears_anywhere_in_the_result(host_file: Path, case: str) -> None:
    state = new_state()
    ops: list[dict] = [{"op": "store_create", "store": "Partners"}]
    if case == "op_failure":
        ops = [{"op": "store_create", "store": f"name-{SECRET}"}, {"op": "cert_remove", "store": SECRET}]
    elif case == "fault_message":
        seed.add_fault(state, "store_create", {}, f"logon failure for password {SECRET}")
    save_state(host_file, state)
    # the action plugins send secrets as reference -> string, the shape host_state masks (Hide-SecretValue)
    args = {"ops": ops, "secrets": {"server_pfx": SECRET}}
    _rc, result = run_module(host_file, "host_state_apply", args)
    assert SECRET not in json.dumps(result)


def test_a_failure_message_masks_the_secret_values_as_host_state_does(host_file: Path) -> None:
    state = new_state()
    seed.add_fault(state, "store_create", {}, f"logon failure for password {SECRET}")
    save_state(host_file, state)
    args = {"ops": [{"op": "store_create", "store": "X"}], "secrets": {"server_pfx": SECRET}}
    _rc, result = run_module(host_file, "host_state_apply", args)
    assert result["msg"] == "op 0 (store_create) failed: logon failure for password ********"


def test_an_option_failure_echoes_the_values_inside_secrets_as_ansible_basic_does(host_file: Path) -> None:
    # WINDOWS_FACTS ANSIBLE-2: Ansible.Basic fails before host_state sets its invocation and masks a no_log dict
    # only by its ToString(); the simulator does not hide what the module would show (the action plugins never
    # send an unknown option: tests/unit/test_op_vocabulary.py).
    args = {"ops": [], "secrets": {"server_pfx": SECRET}, "unexpected": 1}
    rc, result = run_module(host_file, "host_state_apply", args)
    assert rc == 1
    assert result["invocation"]["module_args"]["secrets"] == {"server_pfx": SECRET}


def test_a_secret_value_in_a_result_is_not_scrubbed_by_the_simulator(host_file: Path) -> None:
    # a secret value that equals a word of the result reaches the result, as it would from Windows
    args = {"ops": [{"op": "store_create", "store": "Partners"}], "secrets": {"ref": "store_create"}}
    _rc, result = run_module(host_file, "host_state_apply", args)
    assert result["results"] == [{"index": 0, "op": "store_create", "changed": True}]
