"""Certificate stores through gather and the cert ops."""

from __future__ import annotations

import base64

from simhost import seed
from simhost.host import SimulatedHost
from winmodel.state import State


def test_gather_reports_a_missing_store_without_creating_it(state: State) -> None:
    snapshot = SimulatedHost(state).gather({"stores": ["ClientAuthIssuer"]})
    assert snapshot["stores"]["ClientAuthIssuer"] == {"exists": False, "certificates": []}
    assert not seed.store_exists(state, "ClientAuthIssuer")


def test_gather_returns_thumbprint_der_and_private_key_flag(state: State, chain) -> None:
    seed.add_cert(state, "My", chain.leaf.der, has_private_key=True)
    [cert] = SimulatedHost(state).gather({"stores": ["My"]})["stores"]["My"]["certificates"]
    assert cert == {"thumbprint": chain.leaf.thumbprint, "der": chain.leaf.der_b64, "has_private_key": True}


def test_store_names_are_case_insensitive(state: State, chain) -> None:
    seed.add_cert(state, "Root", chain.root.der)
    snapshot = SimulatedHost(state).gather({"stores": ["ROOT", "root"]})
    assert snapshot["stores"]["ROOT"]["certificates"] == snapshot["stores"]["root"]["certificates"]
    assert seed.thumbprints(state, "rOOt") == {chain.root.thumbprint}


def test_store_create_on_an_existing_store_in_other_case_changes_nothing(state: State) -> None:
    result = SimulatedHost(state).apply([{"op": "store_create", "store": "root"}])
    assert result["results"][0]["changed"] is False
    assert [name for name in state["stores"] if name.casefold() == "root"] == ["Root"]


def test_store_create_creates_a_missing_store(state: State) -> None:
    result = SimulatedHost(state).apply([{"op": "store_create", "store": "ClientAuthIssuer"}])
    assert result["changed"] is True
    assert seed.store_exists(state, "ClientAuthIssuer")


def test_cert_import_is_idempotent(state: State, chain, import_op) -> None:
    host = SimulatedHost(state)
    op = import_op("Root", chain.root)
    first, second = host.apply([op]), host.apply([op])
    assert (first["changed"], second["changed"]) == (True, False)
    assert len(host.gather({"stores": ["Root"]})["stores"]["Root"]["certificates"]) == 1


def test_cert_import_into_a_missing_store_creates_it(state: State, chain, import_op) -> None:
    SimulatedHost(state).apply([import_op("ClientAuthIssuer", chain.root)])
    assert seed.thumbprints(state, "ClientAuthIssuer") == {chain.root.thumbprint}


def test_cert_import_with_a_thumbprint_that_is_not_the_ders_fails(state: State, chain, import_op) -> None:
    op = {**import_op("Root", chain.root), "thumbprint": chain.intermediate.thumbprint}
    result = SimulatedHost(state).apply([op])
    assert result["failed"] is True
    assert chain.root.thumbprint in result["msg"]
    assert seed.thumbprints(state, "Root") == set()


def test_cert_import_of_something_that_is_not_a_certificate_fails(state: State) -> None:
    der = base64.b64encode(b"not a certificate").decode()
    op = {"op": "cert_import", "store": "Root", "der": der, "thumbprint": "A" * 40}
    result = SimulatedHost(state).apply([op])
    assert result["failed"] is True
    assert "not an X.509 certificate" in result["msg"]
    assert seed.thumbprints(state, "Root") == set()


def test_cert_move_adds_to_target_removes_from_source_and_returns_der(state: State, chain) -> None:
    seed.add_cert(state, "Root", chain.intermediate.der)
    op = {"op": "cert_move", "from_store": "Root", "to_store": "CA", "thumbprint": chain.intermediate.thumbprint}
    result = SimulatedHost(state).apply([op])
    assert result["results"] == [
        {"index": 0, "op": "cert_move", "changed": True, "returned": {"der": chain.intermediate.der_b64}}
    ]
    assert seed.thumbprints(state, "Root") == set()
    assert seed.thumbprints(state, "CA") == {chain.intermediate.thumbprint}


def test_cert_move_keeps_the_private_key_flag(state: State, chain) -> None:
    seed.add_cert(state, "My", chain.leaf.der, has_private_key=True)
    op = {"op": "cert_move", "from_store": "My", "to_store": "WebHosting", "thumbprint": chain.leaf.thumbprint}
    SimulatedHost(state).apply([op])
    [cert] = SimulatedHost(state).gather({"stores": ["WebHosting"]})["stores"]["WebHosting"]["certificates"]
    assert cert["has_private_key"] is True


def test_cert_move_repeated_after_it_is_done_changes_nothing(state: State, chain) -> None:
    seed.add_cert(state, "Root", chain.intermediate.der)
    op = {"op": "cert_move", "from_store": "Root", "to_store": "CA", "thumbprint": chain.intermediate.thumbprint}
    host = SimulatedHost(state)
    host.apply([op])
    assert host.apply([op]) == {"changed": False, "results": [{"index": 0, "op": "cert_move", "changed": False}]}


def test_cert_move_of_a_certificate_in_neither_store_fails(state: State, chain) -> None:
    op = {"op": "cert_move", "from_store": "Root", "to_store": "CA", "thumbprint": chain.intermediate.thumbprint}
    result = SimulatedHost(state).apply([op])
    assert result["failed"] is True
    assert chain.intermediate.thumbprint in result["msg"]


def test_cert_move_within_one_store_fails_and_keeps_the_certificate(state: State, chain) -> None:
    seed.add_cert(state, "Root", chain.root.der)
    op = {"op": "cert_move", "from_store": "Root", "to_store": "ROOT", "thumbprint": chain.root.thumbprint}
    result = SimulatedHost(state).apply([op])
    assert result["failed"] is True
    assert seed.thumbprints(state, "Root") == {chain.root.thumbprint}


def test_cert_remove_returns_the_removed_der(state: State, chain) -> None:
    seed.add_cert(state, "Root", chain.intermediate.der)
    op = {"op": "cert_remove", "store": "Root", "thumbprint": chain.intermediate.thumbprint.lower()}
    result = SimulatedHost(state).apply([op])
    assert result["results"][0]["returned"] == {"der": chain.intermediate.der_b64}
    assert seed.thumbprints(state, "Root") == set()


def test_cert_remove_of_an_absent_certificate_is_a_no_op(state: State, chain) -> None:
    op = {"op": "cert_remove", "store": "ClientAuthIssuer", "thumbprint": chain.root.thumbprint}
    result = SimulatedHost(state).apply([op])
    assert result == {"changed": False, "results": [{"index": 0, "op": "cert_remove", "changed": False}]}
    assert not seed.store_exists(state, "ClientAuthIssuer")
