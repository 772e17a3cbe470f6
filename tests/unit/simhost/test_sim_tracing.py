"""Failed Request Tracing: gather ``tracing_sites`` and the ops ``tracing_set`` / ``tracing_remove``."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from simhost import seed
from simhost.errors import OpError
from simhost.host import SimulatedHost
from simhost.runner import run_module
from winmodel.state import State, load_state, save_state

SITE = "Default Web Site"
DEFAULT_DIRECTORY = "%SystemDrive%\\inetpub\\logs\\FailedReqLogFiles"
CODES = ["401", "403.7", "403.16"]


@pytest.fixture
def traced(state: State) -> State:
    """A host with Web-Http-Tracing installed."""
    seed.install_feature(state, "Web-Http-Tracing")
    return state


def gather(state: State, *sites: str) -> dict[str, Any]:
    return SimulatedHost(state).gather({"tracing_sites": list(sites or [SITE])})["tracing"]


def set_op(**overrides: Any) -> dict[str, Any]:
    op = {
        "op": "tracing_set",
        "site": SITE,
        "enabled": True,
        "directory": DEFAULT_DIRECTORY,
        "max_log_files": 50,
        "path": "*",
        "status_codes": list(CODES),
    }
    return {**op, **overrides}


def remove_op(path: str = "*", site: str = SITE) -> dict[str, Any]:
    return {"op": "tracing_remove", "site": site, "path": path}


def apply(state: State, *ops: dict[str, Any]) -> dict[str, Any]:
    result = SimulatedHost(state).apply(list(ops))
    assert not result.get("failed"), result
    return result


def failure(state: State, op: dict[str, Any]) -> str:
    result = SimulatedHost(state).apply([op])
    assert result["failed"] is True
    return result["msg"]


def rule(path: str = "*", codes: list[str] | None = None) -> dict[str, Any]:
    return {
        "path": path,
        "status_codes": list(CODES if codes is None else codes),
        "areas": "Authentication,Security",
        "provider": "WWW Server",
        "verbosity": "Verbose",
        "defined_in": "site",
    }


# --- gather -------------------------------------------------------------------------------------------


def test_gather_gives_the_schema_defaults_and_no_rules(traced: State) -> None:
    assert gather(traced) == {
        SITE: {"enabled": False, "directory": DEFAULT_DIRECTORY, "max_log_files": 50, "rules": []}
    }


def test_gather_without_the_feature_gives_the_rules_and_the_site_switch(state: State) -> None:
    # Issue 10 item 9: the section is in IIS's own schema whatever the features (WINDOWS_FACTS TRACING-2).
    seed.set_tracing(state, SITE, rules=[{"path": "*", "status_codes": CODES}])
    assert gather(state) == {
        SITE: {"enabled": False, "directory": DEFAULT_DIRECTORY, "max_log_files": 50, "rules": [rule()]}
    }


def test_gather_keys_sites_as_requested_and_leaves_out_a_missing_site(traced: State) -> None:
    assert list(gather(traced, "default web site", "Nowhere")) == ["default web site"]


def test_gather_without_iis_gives_no_sites(traced: State) -> None:
    seed.set_iis_installed(traced, False)
    assert gather(traced) == {}


def test_gather_of_an_empty_site_name_fails(traced: State) -> None:
    with pytest.raises(OpError, match="empty site name"):
        SimulatedHost(traced).gather({"tracing_sites": [" "]})


def test_gather_without_the_tracing_sites_key_reads_no_tracing(traced: State) -> None:
    assert "tracing" not in SimulatedHost(traced).gather({"sites": [SITE]})


def test_gather_shows_seeded_rules_with_the_first_trace_area(traced: State) -> None:
    seed.set_tracing(
        traced, SITE, enabled=True, rules=[{"path": "*.aspx", "status_codes": ["500"], "areas": "Rewrite"}]
    )
    assert gather(traced)[SITE]["rules"] == [
        {
            "path": "*.aspx",
            "status_codes": ["500"],
            "areas": "Rewrite",
            "provider": "WWW Server",
            "verbosity": "Verbose",
            "defined_in": "site",
        }
    ]


def test_gather_shows_a_rule_of_the_sites_web_config_and_where_it_lives(traced: State) -> None:
    # Issue 10 item 15 (WINDOWS_FACTS TRACING-3): the section is delegated; IIS enforces the merged view.
    seed.set_tracing(traced, SITE, web_config_rules=[{"path": "*.aspx", "status_codes": ["500"]}])
    assert [(r["path"], r["defined_in"]) for r in gather(traced)[SITE]["rules"]] == [("*.aspx", "web.config")]


def test_tracing_set_refuses_a_path_the_sites_web_config_already_has(traced: State) -> None:
    seed.set_tracing(traced, SITE, web_config_rules=[{"path": "*", "status_codes": ["500"]}])
    before = copy.deepcopy(traced)
    assert "in its web.config" in failure(traced, set_op())
    assert traced == before


def test_a_web_config_rule_with_a_path_the_site_has_fails_the_gather(traced: State) -> None:
    # IISCONFIG-19, TRACING-3: the merged view holds the key twice (the Windows model's read, as the module's).
    both = [{"path": "*", "status_codes": ["500"]}]
    seed.set_tracing(traced, SITE, rules=both, web_config_rules=both)
    with pytest.raises(OpError, match="Cannot add duplicate collection entry of type 'add' with unique key attribute"):
        gather(traced)


def test_a_web_config_rule_with_a_path_the_site_has_fails_tracing_set(traced: State) -> None:
    both = [{"path": "*", "status_codes": ["500"]}]
    seed.set_tracing(traced, SITE, rules=both, web_config_rules=both)
    before = copy.deepcopy(traced)
    assert "Cannot add duplicate collection entry" in failure(traced, set_op(path="*"))
    assert traced == before


def test_seed_tracing_is_what_gather_shows(traced: State) -> None:
    seed.set_tracing(traced, SITE, enabled=True, rules=[{"path": "*", "status_codes": CODES}], max_log_files=10)
    assert seed.tracing(traced, SITE) == gather(traced)[SITE]


# --- tracing_set --------------------------------------------------------------------------------------


def test_tracing_set_writes_the_site_switch_and_the_rule(traced: State) -> None:
    result = apply(traced, set_op(directory="D:\\frt", max_log_files=20))
    assert result["changed"] is True
    assert gather(traced)[SITE] == {"enabled": True, "directory": "D:\\frt", "max_log_files": 20, "rules": [rule()]}


def test_tracing_set_again_changes_nothing(traced: State) -> None:
    apply(traced, set_op())
    before = copy.deepcopy(traced)
    assert apply(traced, set_op())["changed"] is False
    assert traced == before


def test_tracing_set_compares_status_codes_as_a_set(traced: State) -> None:
    apply(traced, set_op())
    assert apply(traced, set_op(status_codes=list(reversed(CODES))))["changed"] is False
    assert gather(traced)[SITE]["rules"][0]["status_codes"] == CODES


def test_tracing_set_with_other_status_codes_replaces_the_rule(traced: State) -> None:
    apply(traced, set_op())
    assert apply(traced, set_op(status_codes=["403.16"]))["changed"] is True
    assert gather(traced)[SITE]["rules"] == [rule(codes=["403.16"])]


def test_tracing_set_with_only_the_switch_different_changes_it(traced: State) -> None:
    apply(traced, set_op())
    assert apply(traced, set_op(max_log_files=5))["changed"] is True
    assert gather(traced)[SITE]["max_log_files"] == 5


def test_tracing_set_replaces_a_rule_with_other_trace_areas(traced: State) -> None:
    seed.set_tracing(traced, SITE, enabled=True, rules=[{"path": "*", "status_codes": CODES, "areas": "Security"}])
    assert apply(traced, set_op())["changed"] is True
    assert gather(traced)[SITE]["rules"] == [rule()]


def test_tracing_set_matches_the_rule_path_case_insensitively_and_takes_the_ops_spelling(traced: State) -> None:
    seed.set_tracing(traced, SITE, rules=[{"path": "*.ASPX", "status_codes": CODES}])
    apply(traced, set_op(path="*.aspx"))
    assert [r["path"] for r in gather(traced)[SITE]["rules"]] == ["*.aspx"]


def test_tracing_set_keeps_the_sites_other_rules(traced: State) -> None:
    seed.set_tracing(traced, SITE, rules=[{"path": "*.aspx", "status_codes": ["500"]}])
    apply(traced, set_op())
    assert [r["path"] for r in gather(traced)[SITE]["rules"]] == ["*.aspx", "*"]


def test_tracing_set_writes_the_rule_at_the_sites_location_under_its_own_spelling(traced: State) -> None:
    apply(traced, set_op(site="DEFAULT WEB SITE"))
    assert gather(traced)[SITE]["rules"] == [rule()]
    assert list(traced["iis"]["locations"]) == [SITE]


def test_tracing_set_without_the_feature_writes_the_configuration(state: State) -> None:
    # Issue 10 item 9: configuration nothing executes until Web-Http-Tracing is installed (TRACING-2).
    assert apply(state, set_op())["changed"] is True
    assert gather(state)[SITE]["rules"] == [rule()]


def test_tracing_set_on_a_missing_site_fails(traced: State) -> None:
    assert "site 'Nowhere' does not exist" in failure(traced, set_op(site="Nowhere"))


def test_tracing_set_without_iis_fails(traced: State) -> None:
    seed.set_iis_installed(traced, False)
    assert "IIS is not installed" in failure(traced, set_op())


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"status_codes": []}, "non-empty list"),
        ({"status_codes": ["forbidden"]}, "'forbidden' is not an HTTP status code"),
        ({"status_codes": [403]}, "'403' is not an HTTP status code"),
        ({"path": " "}, "path is empty"),
        ({"directory": ""}, "directory is empty"),
        ({"max_log_files": -1}, "outside 1..10000"),
        ({"max_log_files": 0}, "outside 1..10000"),
        ({"max_log_files": 10001}, "outside 1..10000"),
    ],
)
def test_tracing_set_refuses_a_bad_argument_and_changes_nothing(
    traced: State, overrides: dict[str, Any], complaint: str
) -> None:
    before = copy.deepcopy(traced)
    assert complaint in failure(traced, set_op(**overrides))
    assert traced == before


def test_tracing_set_accepts_a_status_code_range(traced: State) -> None:
    apply(traced, set_op(status_codes=["400-499"]))
    assert gather(traced)[SITE]["rules"][0]["status_codes"] == ["400-499"]


# --- tracing_remove -----------------------------------------------------------------------------------


def test_tracing_remove_removes_the_rule_and_switches_tracing_off(traced: State) -> None:
    apply(traced, set_op())
    assert apply(traced, remove_op())["changed"] is True
    tracing = gather(traced)[SITE]
    assert (tracing["enabled"], tracing["rules"]) == (False, [])


def test_tracing_remove_again_changes_nothing(traced: State) -> None:
    apply(traced, set_op(), remove_op())
    assert apply(traced, remove_op())["changed"] is False


def test_tracing_remove_switches_tracing_off_when_the_rule_is_absent(traced: State) -> None:
    seed.set_tracing(traced, SITE, enabled=True)
    assert apply(traced, remove_op())["changed"] is True
    assert gather(traced)[SITE]["enabled"] is False


def test_tracing_remove_keeps_the_sites_other_rules(traced: State) -> None:
    seed.set_tracing(
        traced, SITE, rules=[{"path": "*.aspx", "status_codes": ["500"]}, {"path": "*", "status_codes": CODES}]
    )
    apply(traced, remove_op())
    assert [r["path"] for r in gather(traced)[SITE]["rules"]] == ["*.aspx"]


def test_tracing_remove_of_the_last_rule_leaves_no_empty_location(traced: State) -> None:
    apply(traced, set_op(), remove_op())
    assert traced["iis"]["locations"] == {}


def test_tracing_remove_without_the_feature_removes_the_rule(state: State) -> None:
    seed.set_tracing(state, SITE, enabled=True, rules=[{"path": "*", "status_codes": CODES}])
    assert apply(state, remove_op())["changed"] is True
    assert gather(state)[SITE]["rules"] == []


def test_section_clear_removes_the_rules_written_at_the_location(traced: State) -> None:
    seed.set_tracing(traced, SITE, rules=[{"path": "*", "status_codes": CODES}])
    op = {"op": "section_clear", "location": SITE, "section": "tracing"}
    assert apply(traced, op)["changed"] is True
    assert gather(traced)[SITE]["rules"] == []
    assert apply(traced, op)["changed"] is False


def test_tracing_remove_on_a_missing_site_changes_nothing(traced: State) -> None:
    assert apply(traced, remove_op(site="Nowhere"))["changed"] is False


# --- through the module -------------------------------------------------------------------------------


def test_tracing_set_through_the_module_is_saved(host_file: Path) -> None:
    state = load_state(host_file)
    seed.install_feature(state, "Web-Http-Tracing")
    save_state(host_file, state)
    rc, _result = run_module(host_file, "host_state_apply", {"ops": [set_op()]})
    _rc, result = run_module(host_file, "host_state_gather", {"scope": {"tracing_sites": [SITE]}})
    assert (rc, result["snapshot"]["tracing"][SITE]["rules"]) == (0, [rule()])
