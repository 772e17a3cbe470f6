"""pfx_import on Windows before build 17763: PBES2/AES PKCS#12 cannot be opened (WINDOWS_FACTS CERT-9)."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from simhost import seed
from simhost.host import SimulatedHost
from winmodel.state import State

PASSWORD = "Pfx-Pa55-never-shown"


def op(cert, pfx: bytes) -> dict:
    return {
        "op": "pfx_import",
        "store": "My",
        "pfx": base64.b64encode(pfx).decode(),
        "password_ref": "pfx0",
        "thumbprint": cert.thumbprint,
    }


def legacy_pfx(cert) -> bytes:
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
        .hmac_hash(hashes.SHA1())
        .build(PASSWORD.encode())
    )
    return pkcs12.serialize_key_and_certificates(None, cert.key, cert.cert, None, encryption)


def test_server_2016_cannot_open_an_aes_pfx(state: State, server) -> None:
    seed.set_os_version(state, "10.0.14393")
    result = SimulatedHost(state).apply([op(server.first, server.first.pfx(PASSWORD))], secrets={"pfx0": PASSWORD})
    assert result["failed"] is True
    assert "The specified network password is not correct" in result["msg"]
    assert seed.thumbprints(state, "My") == set()


def test_server_2016_says_why_it_cannot_open_an_aes_pfx_and_what_to_do(state: State, server) -> None:
    seed.set_os_version(state, "10.0.14393")
    result = SimulatedHost(state).apply([op(server.first, server.first.pfx(PASSWORD))], secrets={"pfx0": PASSWORD})
    assert "this Windows build (14393) cannot open PFX files encrypted with PBES2/AES-256" in result["msg"]
    assert "re-export the PFX with TripleDES-SHA1 ('openssl pkcs12 -export -legacy')" in result["msg"]
    assert PASSWORD not in result["msg"]


def test_server_2016_opens_a_3des_pfx(state: State, server) -> None:
    seed.set_os_version(state, "10.0.14393")
    result = SimulatedHost(state).apply([op(server.first, legacy_pfx(server.first))], secrets={"pfx0": PASSWORD})
    assert result["changed"] is True
    assert seed.thumbprints(state, "My") == {server.first.thumbprint}


def test_server_2019_opens_an_aes_pfx(state: State, server) -> None:
    seed.set_os_version(state, "10.0.17763")
    result = SimulatedHost(state).apply([op(server.first, server.first.pfx(PASSWORD))], secrets={"pfx0": PASSWORD})
    assert result["changed"] is True
