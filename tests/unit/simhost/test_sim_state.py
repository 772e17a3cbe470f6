"""The host file: a fresh Windows Server 2022, and atomic saves."""

from __future__ import annotations

from pathlib import Path

import pytest
from simhost import seed
from winmodel.errors import StateError
from winmodel.state import DEFAULT_STORES, load_state, new_state, save_state


def test_fresh_host_has_the_default_stores_empty() -> None:
    state = new_state()
    for store in DEFAULT_STORES:
        assert seed.store_exists(state, store)
        assert seed.thumbprints(state, store) == set()


def test_fresh_host_has_no_client_auth_issuer_store() -> None:
    assert not seed.store_exists(new_state(), "ClientAuthIssuer")


def test_fresh_host_holds_a_schannel_value_we_do_not_own() -> None:
    assert seed.registry_values(new_state()) == {"EventLogging": {"type": "REG_DWORD", "value": 1}}


def test_missing_file_loads_as_a_fresh_host_named_after_it(tmp_path: Path) -> None:
    state = load_state(tmp_path / "web02.contoso.com.json")
    assert state["host"] == {"os_version": "10.0.20348", "computer_name": "WEB02"}
    assert not (tmp_path / "web02.contoso.com.json").exists()


def test_saved_state_loads_back_equal(host_file: Path, chain) -> None:
    state = new_state()
    seed.add_cert(state, "Root", chain.root.der)
    save_state(host_file, state)
    assert load_state(host_file) == state


def test_save_leaves_no_temporary_files(host_file: Path) -> None:
    save_state(host_file, new_state())
    save_state(host_file, new_state())
    assert [p.name for p in host_file.parent.iterdir()] == [host_file.name]


def test_a_file_that_is_not_a_host_is_refused(host_file: Path) -> None:
    host_file.write_text('{"stores": {}}')
    with pytest.raises(StateError):
        load_state(host_file)


def test_fresh_host_has_iis_with_the_default_web_site_on_http_only() -> None:
    site = new_state()["iis"]["sites"]["Default Web Site"]
    assert site == {"id": 1, "bindings": [{"protocol": "http", "binding_information": "*:80:", "ssl_flags": 0}]}


def test_a_host_file_from_before_iis_was_simulated_has_a_fresh_iis(host_file: Path) -> None:
    state = new_state()
    del state["iis"]
    save_state(host_file, state)
    assert seed.binding(load_state(host_file), "Default Web Site", "*:443:") is None
    assert seed.location_flags(load_state(host_file), "Default Web Site") is None
