"""The Failed Request Tracing planner."""

from __future__ import annotations

import pytest
from ansible_collections.mtls.iis.plugins.plugin_utils.errors import OptionError
from ansible_collections.mtls.iis.plugins.plugin_utils.snapshot import Snapshot
from ansible_collections.mtls.iis.plugins.plugin_utils.tracing import DEFAULT_STATUS_CODES, TracingDesired, plan_tracing

SITE = "Default Web Site"


def host(
    enabled=True,
    codes=DEFAULT_STATUS_CODES,
    directory="%SystemDrive%\\inetpub\\logs\\FailedReqLogFiles",
    feature=True,
    rules=True,
):
    tracing = {
        "enabled": enabled,
        "directory": directory,
        "max_log_files": 50,
        "rules": ([{"path": "*", "status_codes": list(codes)}] if rules else []) if feature else None,
    }
    return Snapshot.from_wire(
        {
            "host": {},
            "stores": {},
            "iis": {"available": True, "sites": {SITE: {"id": 1, "bindings": []}}, "access": {}},
            "features": {"Web-Http-Tracing": feature},
            "tracing": {SITE: tracing},
        }
    )


def names(plan):
    return [op.name for op in plan.ops]


def test_converged_tracing_plans_nothing():
    assert plan_tracing(TracingDesired(SITE), host()).ops == ()


def test_status_code_order_does_not_matter():
    assert plan_tracing(TracingDesired(SITE), host(codes=tuple(reversed(DEFAULT_STATUS_CODES)))).ops == ()


def test_expanded_directory_is_the_same_directory():
    assert plan_tracing(TracingDesired(SITE), host(directory="C:\\inetpub\\logs\\FailedReqLogFiles\\")).ops == ()


def test_disabled_site_switch_is_turned_on():
    assert names(plan_tracing(TracingDesired(SITE), host(enabled=False))) == ["tracing_set"]


def test_missing_feature_is_installed_first():
    assert names(plan_tracing(TracingDesired(SITE), host(feature=False))) == ["feature_install", "tracing_set"]


def test_missing_feature_without_install_feature_is_an_error():
    with pytest.raises(OptionError, match=r"^enabled: .*Web-Http-Tracing"):
        plan_tracing(TracingDesired(SITE, install_feature=False), host(feature=False))


def test_turning_off_removes_the_rule():
    assert names(plan_tracing(TracingDesired(SITE, enabled=False), host())) == ["tracing_remove"]


def test_turning_off_what_is_off_plans_nothing():
    assert plan_tracing(TracingDesired(SITE, enabled=False), host(enabled=False, rules=False)).ops == ()


def test_bad_status_code_is_refused():
    with pytest.raises(OptionError, match=r"^status_codes: 999x are not IIS status codes"):
        TracingDesired.from_options({"site": SITE, "status_codes": ["403.16", "999x"]})
