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
    defined_in="site",
):
    # The rules IIS has, whatever the feature (WINDOWS_FACTS TRACING-2); the feature is the features scope's answer.
    tracing = {
        "enabled": enabled,
        "directory": directory,
        "max_log_files": 50,
        "rules": [{"path": "*", "status_codes": list(codes), "defined_in": defined_in}] if rules else [],
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
    assert names(plan_tracing(TracingDesired(SITE), host(feature=False, rules=False))) == [
        "feature_install",
        "tracing_set",
    ]


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


def test_a_configured_rule_without_the_feature_still_installs_the_feature():
    # Issue 10 item 9: the rule is there (the section is in IIS's schema), but nothing traces without the module.
    assert names(plan_tracing(TracingDesired(SITE), host(feature=False, rules=True))) == ["feature_install"]


@pytest.mark.parametrize("count", [0, 10001])
def test_max_log_files_outside_what_iis_accepts_is_refused_on_the_controller(count):
    with pytest.raises(OptionError) as raised:
        TracingDesired.from_options({"site": SITE, "max_log_files": count}, prefix="sites[0].tracing.")
    assert raised.value.option == "sites[0].tracing.max_log_files"
    assert f"{count} is outside IIS's range 1..10000" in str(raised.value)


def test_max_log_files_at_the_upper_bound_is_taken():
    assert TracingDesired.from_options({"site": SITE, "max_log_files": 10000}).max_log_files == 10000


def test_a_rule_in_the_sites_web_config_is_refused_naming_where_it_lives():
    with pytest.raises(OptionError) as raised:
        plan_tracing(TracingDesired(SITE, prefix="sites[0].tracing."), host(codes=("500",), defined_in="web.config"))
    assert raised.value.option == "sites[0].tracing.enabled"
    assert "in its web.config" in str(raised.value)


def test_turning_tracing_off_leaves_a_web_config_rule_to_its_owner():
    snapshot = host(enabled=False, defined_in="web.config")
    assert plan_tracing(TracingDesired(SITE, enabled=False), snapshot).ops == ()


def test_the_rule_path_is_found_in_any_case():
    snapshot = Snapshot.from_wire(
        {
            "host": {},
            "stores": {},
            "iis": {"available": True, "sites": {SITE: {"id": 1, "bindings": []}}, "access": {}},
            "features": {"Web-Http-Tracing": True},
            "tracing": {
                SITE: {
                    "enabled": True,
                    "directory": "%SystemDrive%\\inetpub\\logs\\FailedReqLogFiles",
                    "max_log_files": 50,
                    "rules": [{"path": "API/*", "status_codes": ["500"]}],
                }
            },
        }
    )
    assert snapshot.site_tracing(SITE).rule("api/*").status_codes == ("500",)


def test_another_directory_is_rewritten():
    assert names(plan_tracing(TracingDesired(SITE), host(directory="D:\\logs\\FailedReqLogFiles"))) == ["tracing_set"]


def test_other_status_codes_are_rewritten():
    assert names(plan_tracing(TracingDesired(SITE), host(codes=("500",)))) == ["tracing_set"]
