"""Gather ``ctl_stores``: the client-auth issuer stores the HTTP.sys records name, read into ``stores``."""

from __future__ import annotations

from typing import Any

from simhost import seed
from simhost.host import SimulatedHost
from winmodel.state import State


def ctl_record(key: str, ctl: str | None, kind: str = "ipport") -> dict[str, Any]:
    return {"key": key, "kind": kind, "cert_hash": "AB" * 20, "ctl_store_name": ctl}


def gather(state: State, **scope: Any) -> dict[str, Any]:
    return SimulatedHost(state).gather({"ctl_stores": True, **scope})


def test_ctl_stores_adds_the_store_a_binding_names(state: State, chain) -> None:
    seed.add_cert(state, "ClientAuthIssuer", chain.intermediate.der)
    seed.add_httpsys_binding(state, ctl_record("0.0.0.0:443", "ClientAuthIssuer"))
    stores = gather(state, stores=["Root"])["stores"]
    assert list(stores) == ["Root", "ClientAuthIssuer"]
    assert [c["thumbprint"] for c in stores["ClientAuthIssuer"]["certificates"]] == [chain.intermediate.thumbprint]


def test_ctl_stores_reports_a_missing_store_and_does_not_create_it(state: State) -> None:
    seed.add_httpsys_binding(state, ctl_record("0.0.0.0:443", "PartnerIssuers"))
    assert gather(state)["stores"] == {"PartnerIssuers": {"exists": False, "certificates": []}}
    assert not seed.store_exists(state, "PartnerIssuers")


def test_ctl_stores_implies_httpsys(state: State) -> None:
    seed.add_httpsys_binding(state, ctl_record("0.0.0.0:443", "ClientAuthIssuer"))
    assert [record["key"] for record in gather(state)["httpsys"]] == ["0.0.0.0:443"]


def test_ctl_stores_does_not_repeat_a_requested_store_in_another_case(state: State) -> None:
    seed.add_httpsys_binding(state, ctl_record("0.0.0.0:443", "clientauthissuer"))
    assert list(gather(state, stores=["ClientAuthIssuer"])["stores"]) == ["ClientAuthIssuer"]


def test_ctl_stores_names_a_store_two_bindings_share_once(state: State) -> None:
    seed.add_httpsys_binding(state, ctl_record("0.0.0.0:443", "ClientAuthIssuer"))
    seed.add_httpsys_binding(state, ctl_record("www.contoso.com:443", "CLIENTAUTHISSUER", kind="hostnameport"))
    assert list(gather(state)["stores"]) == ["ClientAuthIssuer"]


def test_ctl_stores_without_ctl_stores_on_the_bindings_adds_no_store(state: State) -> None:
    seed.add_httpsys_binding(state, ctl_record("0.0.0.0:443", None))
    assert gather(state)["stores"] == {}


def test_without_ctl_stores_the_bindings_stores_are_not_read(state: State) -> None:
    seed.add_httpsys_binding(state, ctl_record("0.0.0.0:443", "ClientAuthIssuer"))
    snapshot = SimulatedHost(state).gather({"stores": ["Root"], "httpsys": True, "ctl_stores": False})
    assert list(snapshot["stores"]) == ["Root"]
