"""pfx_import: certificate and private key from a password-protected PKCS#12."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from simhost import seed
from simhost.host import SimulatedHost
from simhost.runner import run_module
from winmodel import stores
from winmodel.state import State

PASSWORD = "Pfx-Pa55-never-shown"


def pfx_op(cert, pfx: bytes, thumbprint: str | None = None, store: str = "My") -> dict[str, Any]:
    return {
        "op": "pfx_import",
        "store": store,
        "pfx": base64.b64encode(pfx).decode("ascii"),
        "password_ref": "server_pfx",
        "thumbprint": thumbprint or cert.thumbprint,
    }


def apply(state: State, op: dict[str, Any], password: str = PASSWORD) -> dict[str, Any]:
    return SimulatedHost(state).apply([op], secrets={"server_pfx": password})


def test_pfx_import_adds_the_certificate_with_its_private_key(state: State, server) -> None:
    result = apply(state, pfx_op(server.first, server.first.pfx(PASSWORD)))
    assert result["changed"] is True
    assert stores.find_certificate(state, "My", server.first.thumbprint)["has_private_key"] is True


def test_pfx_import_repeated_changes_nothing(state: State, server) -> None:
    op = pfx_op(server.first, server.first.pfx(PASSWORD))
    apply(state, op)
    assert apply(state, op)["changed"] is False
    assert seed.thumbprints(state, "My") == {server.first.thumbprint}


def test_pfx_import_gives_a_certificate_already_there_its_key(state: State, server) -> None:
    seed.add_cert(state, "My", server.first.der, has_private_key=False)
    result = apply(state, pfx_op(server.first, server.first.pfx(PASSWORD)))
    assert result["changed"] is True
    assert stores.find_certificate(state, "My", server.first.thumbprint)["has_private_key"] is True


def test_pfx_import_into_a_missing_store_creates_it(state: State, server) -> None:
    apply(state, pfx_op(server.first, server.first.pfx(PASSWORD), store="Partners"))
    assert seed.thumbprints(state, "Partners") == {server.first.thumbprint}


def test_pfx_import_imports_only_the_certificate_with_the_key(state: State, server, chain) -> None:
    pfx = server.first.pfx(PASSWORD, chain=[chain.intermediate, chain.root])
    apply(state, pfx_op(server.first, pfx))
    assert seed.thumbprints(state, "My") == {server.first.thumbprint}
    assert seed.thumbprints(state, "Root") == set()


def test_pfx_import_with_a_wrong_password_fails_and_never_shows_it(state: State, server) -> None:
    result = apply(state, pfx_op(server.first, server.first.pfx("the-right-one")))
    assert result["failed"] is True
    assert "secrets['server_pfx']" in result["msg"] and "password is wrong" in result["msg"]
    assert PASSWORD not in json.dumps(result)
    assert seed.thumbprints(state, "My") == set()


def test_pfx_import_wrong_password_is_masked_in_the_module_result(host_file: Path, server) -> None:
    args = {"ops": [pfx_op(server.first, server.first.pfx("x"))], "secrets": {"server_pfx": PASSWORD}}
    rc, result = run_module(host_file, "host_state_apply", args)
    assert rc == 1
    assert PASSWORD not in json.dumps(result)


def test_pfx_import_of_another_certificate_than_the_thumbprint_fails(state: State, server) -> None:
    result = apply(state, pfx_op(server.first, server.first.pfx(PASSWORD), thumbprint=server.second.thumbprint))
    assert result["failed"] is True
    assert server.first.thumbprint in result["msg"] and server.second.thumbprint in result["msg"]
    assert seed.thumbprints(state, "My") == set()


def test_pfx_import_without_the_secret_fails_naming_the_reference(state: State, server) -> None:
    result = SimulatedHost(state).apply([pfx_op(server.first, server.first.pfx(PASSWORD))], secrets={})
    assert result["failed"] is True
    assert "password_ref 'server_pfx'" in result["msg"]


def test_pfx_import_of_data_that_is_not_base64_fails(state: State, server) -> None:
    result = apply(state, {**pfx_op(server.first, b""), "pfx": "not base64!"})
    assert result["failed"] is True
    assert "not valid base64" in result["msg"]


def test_pfx_without_password_imports_with_an_empty_secret(state: State, server) -> None:
    result = apply(state, pfx_op(server.first, server.first.pfx(None)), password="")
    assert result["changed"] is True


def test_pfx_without_the_private_key_fails(state: State, server) -> None:
    encryption = serialization.BestAvailableEncryption(PASSWORD.encode())
    pfx = pkcs12.serialize_key_and_certificates(None, None, server.first.cert, None, encryption)
    result = apply(state, pfx_op(server.first, pfx))
    assert result["failed"] is True
    assert "without its private key" in result["msg"]
    assert seed.thumbprints(state, "My") == set()
