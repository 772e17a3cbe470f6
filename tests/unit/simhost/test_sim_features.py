"""Windows features: gather ``features`` and the ``feature_install`` op."""

from __future__ import annotations

from pathlib import Path

import pytest
from simhost import seed
from simhost.errors import OpError
from simhost.host import SimulatedHost
from simhost.runner import run_module
from winmodel.errors import StateError
from winmodel.state import State, load_state, new_state, save_state

MAPPING_FEATURES = ["Web-Server", "Web-Cert-Auth", "Web-Client-Auth", "Web-Http-Tracing"]


def gather(state: State, names: list[str]) -> dict[str, bool]:
    return SimulatedHost(state).gather({"features": names})["features"]


def install(state: State, name: str) -> dict:
    return SimulatedHost(state).apply([{"op": "feature_install", "name": name}])


def test_fresh_host_has_iis_but_none_of_the_mapping_features(state: State) -> None:
    assert gather(state, MAPPING_FEATURES) == {
        "Web-Server": True,
        "Web-Cert-Auth": False,
        "Web-Client-Auth": False,
        "Web-Http-Tracing": False,
    }


def test_gather_keys_features_by_the_name_as_requested_in_any_case(state: State) -> None:
    seed.install_feature(state, "Web-Cert-Auth")
    assert gather(state, ["web-cert-auth"]) == {"web-cert-auth": True}


def test_gather_without_the_features_key_reads_no_features(state: State) -> None:
    assert "features" not in SimulatedHost(state).gather({"schannel": True})


@pytest.mark.parametrize(("name", "complaint"), [("Web-Nope", "no feature named 'Web-Nope'"), ("Web-*", "wildcards")])
def test_gather_of_an_unknown_or_wildcard_feature_fails(state: State, name: str, complaint: str) -> None:
    with pytest.raises(OpError, match=complaint):
        gather(state, [name])


def test_feature_install_installs_and_reports_no_reboot_by_default(state: State) -> None:
    result = install(state, "Web-Cert-Auth")
    assert result == {
        "changed": True,
        "results": [{"index": 0, "op": "feature_install", "changed": True, "reboot_required": False}],
    }
    assert seed.feature_installed(state, "Web-Cert-Auth")


def test_feature_install_of_an_installed_feature_changes_nothing(state: State) -> None:
    install(state, "Web-Cert-Auth")
    result = install(state, "web-cert-auth")
    assert result["changed"] is False
    assert result["results"][0]["reboot_required"] is False


def test_feature_install_reports_the_reboot_seeded_for_that_feature(state: State) -> None:
    seed.install_feature(state, "Web-Client-Auth", installed=False, reboot_required=True)
    assert install(state, "Web-Client-Auth")["results"][0]["reboot_required"] is True
    assert install(state, "Web-Http-Tracing")["results"][0]["reboot_required"] is False


def test_feature_install_reports_no_reboot_once_installed(state: State) -> None:
    seed.install_feature(state, "Web-Client-Auth", installed=False, reboot_required=True)
    install(state, "Web-Client-Auth")
    assert install(state, "Web-Client-Auth")["results"][0] == {
        "index": 0,
        "op": "feature_install",
        "changed": False,
        "reboot_required": False,
    }


def test_feature_install_of_an_unknown_feature_fails(state: State) -> None:
    result = install(state, "Web-Cert-Auth2")
    assert result["failed"] is True
    assert "no feature named 'Web-Cert-Auth2'" in result["msg"]


def test_feature_install_of_a_role_service_installs_iis_it_depends_on(state: State) -> None:
    seed.set_iis_installed(state, False)
    install(state, "Web-Cert-Auth")
    assert gather(state, ["Web-Server", "Web-Cert-Auth"]) == {"Web-Server": True, "Web-Cert-Auth": True}
    assert SimulatedHost(state).gather({"sites": []})["iis"]["available"] is True


def test_web_server_is_the_iis_installed_state(state: State) -> None:
    seed.set_iis_installed(state, False)
    assert gather(state, ["Web-Server"]) == {"Web-Server": False}


def test_seeding_can_add_a_feature_the_fresh_host_does_not_list(state: State) -> None:
    seed.install_feature(state, "Web-Basic-Auth", installed=False)
    assert gather(state, ["Web-Basic-Auth"]) == {"Web-Basic-Auth": False}
    assert install(state, "Web-Basic-Auth")["changed"] is True


def test_asking_the_seed_about_an_unknown_feature_is_an_error(state: State) -> None:
    with pytest.raises(StateError):
        seed.feature_installed(state, "Web-Typo")


def test_a_host_file_from_before_features_were_simulated_has_a_fresh_hosts_features(host_file: Path) -> None:
    state = new_state()
    del state["features"]
    save_state(host_file, state)
    assert gather(load_state(host_file), MAPPING_FEATURES)["Web-Cert-Auth"] is False


def test_feature_install_through_the_module_is_saved_and_reports_the_reboot(host_file: Path) -> None:
    state = new_state()
    seed.install_feature(state, "Web-Cert-Auth", installed=False, reboot_required=True)
    save_state(host_file, state)
    rc, result = run_module(
        host_file, "host_state_apply", {"ops": [{"op": "feature_install", "name": "Web-Cert-Auth"}]}
    )
    assert (rc, result["results"][0]["reboot_required"]) == (0, True)
    assert seed.feature_installed(load_state(host_file), "Web-Cert-Auth")
