"""What a converge reports of its apply: the ops host_state says ran, or that nobody knows (issue 13's contract)."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from ansible_collections.mtls.iis.plugins.plugin_utils.action_base import HostStateAction
from ansible_collections.mtls.iis.plugins.plugin_utils.schannel import SchannelDesired, plan_schannel
from support.snapshots import snapshot

#: what ansible-core makes of a module run whose process ended without writing its JSON (killed mid-apply)
NO_REPORT = {"failed": True, "msg": "MODULE FAILURE: No start of json char found", "rc": 1, "module_stdout": ""}


class _Answering(HostStateAction):
    """The action with the module run's outcome given: running the module is all that is replaced."""

    reply: dict[str, Any] | BaseException

    def _execute_module(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        if isinstance(self.reply, BaseException):
            raise self.reply
        return self.reply


def _apply(reply: dict[str, Any] | BaseException) -> dict[str, Any]:
    plan = plan_schannel(SchannelDesired(client_auth_trust_mode=2, send_trusted_issuer_list=False), snapshot())
    action = _Answering.__new__(_Answering)  # no task or connection: _apply needs neither
    action.reply = reply
    return action._apply(plan, {})


def test_an_apply_that_never_reported_claims_no_op_ran_nor_none_and_says_it_is_not_known():
    result = _apply(NO_REPORT)
    assert (result["failed"], result["changed"], "ops_ran" in result) == (True, False, False)
    assert "Which of the plan's 2 op(s) ran is not known" in result["msg"]
    assert "MODULE FAILURE" in result["msg"]


def test_an_apply_that_failed_at_an_op_reports_the_ops_it_ran():
    reply = {
        "failed": True,
        "msg": "op 2 failed",
        "results": [{"index": 0, "op": "schannel_set", "changed": True}, {"index": 1, "failed": True}],
    }
    result = _apply(reply)
    assert [op["status"] for op in result["ops_ran"]] == ["changed", "failed"]
    assert "1 of 2 op(s) changed the host" in result["msg"]


def test_a_connection_reset_while_the_apply_runs_is_unreachable_and_says_which_ops_ran_is_not_known():
    # what ansible.builtin.winrm lets through when the connection is reset during a command
    reset = requests.exceptions.ConnectionError(ConnectionResetError(104, "Connection reset by peer"))
    result = _apply(reset)
    assert (result["unreachable"], result["changed"], "ops_ran" in result) == (True, False, False)
    assert "Connection reset by peer" in result["msg"] and "which of them ran is not known" in result["msg"]


def test_an_os_error_that_is_not_the_connection_is_not_reported_unreachable():
    with pytest.raises(PermissionError):
        _apply(PermissionError(13, "Permission denied", "/controller/tmp"))
