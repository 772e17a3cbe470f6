"""The Schannel planner."""

from __future__ import annotations

import pytest
from ansible_collections.mtls.iis.plugins.plugin_utils.errors import OptionError
from ansible_collections.mtls.iis.plugins.plugin_utils.schannel import SchannelDesired, plan_schannel, schannel_view
from support.snapshots import snapshot

BINDING_WITH_CTL = {"key": "0.0.0.0:443", "kind": "ipport", "ctl_store_name": "ClientAuthIssuer"}
BINDING_WITHOUT_CTL = {"key": "0.0.0.0:443", "kind": "ipport", "ctl_store_name": None}


def host(trust_mode=None, send_list=None, httpsys=(BINDING_WITH_CTL,)):
    return snapshot(
        schannel={"ClientAuthTrustMode": trust_mode, "SendTrustedIssuerList": send_list}, httpsys=list(httpsys)
    )


def wire(plan):
    return [op.to_wire() for op in plan.ops]


def test_trust_mode_is_written_as_dword():
    plan = plan_schannel(SchannelDesired(client_auth_trust_mode=2), host())
    assert wire(plan) == [{"op": "schannel_set", "name": "ClientAuthTrustMode", "value": 2}]


def test_change_requires_reboot():
    assert plan_schannel(SchannelDesired(client_auth_trust_mode=2), host()).reboot_required is True


def test_same_value_plans_nothing_and_needs_no_reboot():
    plan = plan_schannel(SchannelDesired(client_auth_trust_mode=2, send_trusted_issuer_list=0), host(2, 0))
    assert (plan.ops, plan.reboot_required) == ((), False)


def test_default_removes_a_present_value():
    plan = plan_schannel(SchannelDesired(send_trusted_issuer_list="default"), host(send_list=1))
    assert wire(plan) == [{"op": "schannel_unset", "name": "SendTrustedIssuerList"}]


def test_default_with_absent_value_plans_nothing():
    assert plan_schannel(SchannelDesired(client_auth_trust_mode="default"), host()).ops == ()


def test_value_of_wrong_registry_type_is_rewritten():
    plan = plan_schannel(SchannelDesired(client_auth_trust_mode=1), host(trust_mode="1"))
    assert wire(plan) == [{"op": "schannel_set", "name": "ClientAuthTrustMode", "value": 1}]


def test_omitted_options_leave_values_alone():
    assert plan_schannel(SchannelDesired(), host(2, 1)).ops == ()


@pytest.mark.parametrize(("given", "expected"), [(True, 1), ("no", 0), ("default", "default"), (None, None)])
def test_send_trusted_issuer_list_accepts_bool_and_default(given, expected):
    desired = SchannelDesired.from_options({"client_auth_trust_mode": None, "send_trusted_issuer_list": given})
    assert desired.send_trusted_issuer_list == expected


def test_send_trusted_issuer_list_rejects_other_words():
    with pytest.raises(OptionError, match=r"^send_trusted_issuer_list: 'sometimes' is not true, false or default"):
        SchannelDesired.from_options({"send_trusted_issuer_list": "sometimes"})


@pytest.mark.parametrize(("current", "wanted"), [(0, 2), (1, 2), (2, 1), (2, 0)])
def test_a_dword_of_another_value_is_rewritten(current, wanted):
    plan = plan_schannel(SchannelDesired(client_auth_trust_mode=wanted), host(trust_mode=current))
    assert wire(plan) == [{"op": "schannel_set", "name": "ClientAuthTrustMode", "value": wanted}]


def test_the_view_shows_the_values_on_the_host():
    assert schannel_view(host(2, 0)) == {"schannel": {"ClientAuthTrustMode": 2, "SendTrustedIssuerList": 0}}
