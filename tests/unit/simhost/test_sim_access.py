"""system.webServer/security/access@sslFlags per applicationHost.config location path."""

from __future__ import annotations

from typing import Any

import pytest
from simhost import seed
from simhost.errors import OpError
from simhost.host import SimulatedHost
from winmodel.errors import StateError
from winmodel.state import State

SITE = "Default Web Site"
SSL, NEGOTIATE, REQUIRE, SSL128 = 8, 32, 64, 256


def set_op(location: str, ssl_flags: int) -> dict[str, Any]:
    return {"op": "access_set", "location": location, "ssl_flags": ssl_flags}


def unset_op(location: str) -> dict[str, Any]:
    return {"op": "access_unset", "location": location}


def apply(state: State, *ops: dict[str, Any]) -> dict[str, Any]:
    return SimulatedHost(state).apply(list(ops))


def access(state: State, *paths: str) -> dict[str, Any]:
    return SimulatedHost(state).gather({"access_paths": list(paths)})["iis"]["access"]


# --- gather --------------------------------------------------------------------------------------------


def test_a_path_without_explicit_flags_inherits_from_its_nearest_ancestor(state: State) -> None:
    seed.set_location_flags(state, SITE, "Ssl")
    seed.set_location_flags(state, f"{SITE}/app", "Ssl, SslNegotiateCert")
    assert access(state, f"{SITE}/app/dir")[f"{SITE}/app/dir"] == {"effective": SSL | NEGOTIATE, "explicit": None}


def test_a_site_without_explicit_flags_has_the_server_default(state: State) -> None:
    assert access(state, SITE)[SITE] == {"effective": 0, "explicit": None}


def test_explicit_flags_are_returned_as_written(state: State) -> None:
    seed.set_location_flags(state, f"{SITE}/api", "Ssl,SslNegotiateCert")
    assert access(state, f"{SITE}/api")[f"{SITE}/api"] == {"effective": 40, "explicit": "Ssl,SslNegotiateCert"}


def test_location_paths_are_case_insensitive(state: State) -> None:
    seed.set_location_flags(state, f"{SITE}/API", "Ssl")
    assert access(state, "default web site/api")["default web site/api"] == {"effective": SSL, "explicit": "Ssl"}


def test_site_gather_lists_the_root_and_every_explicit_location_under_it(state: State) -> None:
    seed.add_site(state, "Default Web Site 2")
    seed.set_location_flags(state, f"{SITE}/api", "Ssl")
    seed.set_location_flags(state, f"{SITE}/api/public", "None")
    seed.set_location_flags(state, "Default Web Site 2/x", "Ssl")
    iis = SimulatedHost(state).gather({"sites": [SITE]})["iis"]
    assert iis["access"] == {
        SITE: {"effective": 0, "explicit": None},
        f"{SITE}/api": {"effective": SSL, "explicit": "Ssl"},
        f"{SITE}/api/public": {"effective": 0, "explicit": "None"},
    }


def test_an_access_path_of_a_missing_site_reports_what_it_inherits(state: State) -> None:
    assert access(state, "Contoso/app")["Contoso/app"] == {"effective": 0, "explicit": None}


@pytest.mark.parametrize("path", ["", "/Default Web Site", f"{SITE}/app/"])
def test_gather_of_an_impossible_location_path_fails(state: State, path: str) -> None:
    with pytest.raises(OpError, match=r"scope\.access_paths"):
        access(state, path)


# --- access_set ----------------------------------------------------------------------------------------


def test_access_set_writes_the_flags_string_iis_writes(state: State) -> None:
    result = apply(state, set_op(f"{SITE}/api", SSL | NEGOTIATE | REQUIRE))
    assert result["changed"] is True
    assert seed.location_flags(state, f"{SITE}/api") == "Ssl, SslNegotiateCert, SslRequireCert"


def test_access_set_of_zero_writes_none(state: State) -> None:
    apply(state, set_op(SITE, 0))
    assert seed.location_flags(state, SITE) == "None"


def test_access_set_of_the_same_bits_changes_nothing_whatever_the_spelling(state: State) -> None:
    seed.set_location_flags(state, f"{SITE}/api", "ssl,sslnegotiatecert")
    assert apply(state, set_op(f"{SITE}/API", SSL | NEGOTIATE))["changed"] is False
    assert seed.location_flags(state, f"{SITE}/api") == "ssl,sslnegotiatecert"


def test_access_set_equal_to_the_inherited_value_still_writes_it_explicitly(state: State) -> None:
    seed.set_location_flags(state, SITE, "Ssl")
    assert apply(state, set_op(f"{SITE}/api", SSL))["changed"] is True
    assert seed.location_flags(state, f"{SITE}/api") == "Ssl"


def test_access_set_of_require_without_negotiate_is_accepted(state: State) -> None:
    apply(state, set_op(SITE, SSL | REQUIRE))
    assert seed.location_flags(state, SITE) == "Ssl, SslRequireCert"


def test_access_set_of_ssl128_is_accepted(state: State) -> None:
    apply(state, set_op(SITE, SSL | SSL128))
    assert seed.location_flags(state, SITE) == "Ssl, Ssl128"


def test_access_set_at_server_level_is_refused(state: State) -> None:
    result = apply(state, set_op("", SSL))
    assert result["failed"] is True
    assert "server level" in result["msg"] and "locked" in result["msg"]


def test_access_set_with_a_leading_slash_is_refused(state: State) -> None:
    result = apply(state, set_op(f"/{SITE}/api", SSL))
    assert result["failed"] is True
    assert "starts with '/'" in result["msg"]
    assert seed.location_flags(state, f"{SITE}/api") is None


def test_access_set_on_a_missing_site_is_refused(state: State) -> None:
    result = apply(state, set_op("Contoso/api", SSL))
    assert result["failed"] is True
    assert "site 'Contoso' does not exist" in result["msg"]


@pytest.mark.parametrize("flags", [128, SSL | 128, 1, 512, -8])
def test_access_set_with_bits_outside_the_schema_is_refused(state: State, flags: int) -> None:
    result = apply(state, set_op(SITE, flags))
    assert result["failed"] is True
    assert "SslMapCert" in result["msg"]
    assert seed.location_flags(state, SITE) is None


def test_access_ops_fail_when_iis_is_not_installed(state: State) -> None:
    seed.set_iis_installed(state, False)
    result = apply(state, set_op(SITE, SSL))
    assert result["failed"] is True
    assert "IIS is not installed" in result["msg"]


# --- access_unset --------------------------------------------------------------------------------------


def test_access_unset_makes_the_path_inherit(state: State) -> None:
    seed.set_location_flags(state, SITE, "Ssl")
    seed.set_location_flags(state, f"{SITE}/api", "Ssl, SslNegotiateCert, SslRequireCert")
    assert apply(state, unset_op(f"{SITE}/api"))["changed"] is True
    assert access(state, f"{SITE}/api")[f"{SITE}/api"] == {"effective": SSL, "explicit": None}


def test_access_unset_without_explicit_flags_changes_nothing(state: State) -> None:
    assert apply(state, unset_op(f"{SITE}/api"))["changed"] is False


def test_access_unset_cleans_up_a_location_of_a_deleted_site(state: State) -> None:
    seed.set_location_flags(state, "Old Site/api", "Ssl")
    assert apply(state, unset_op("Old Site/api"))["changed"] is True
    assert seed.location_flags(state, "Old Site/api") is None


def test_access_unset_at_server_level_is_refused(state: State) -> None:
    result = apply(state, unset_op(""))
    assert result["failed"] is True
    assert "server level" in result["msg"]


def test_seeding_an_unknown_flag_name_is_refused(state: State) -> None:
    with pytest.raises(StateError, match="SslMapCert"):
        seed.set_location_flags(state, SITE, "Ssl, SslMapCert")
