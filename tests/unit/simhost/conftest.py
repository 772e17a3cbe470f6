"""Fixtures for the simulated-host tests: real certificates and a fresh host."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from support.pki import Issued, make_intermediate, make_leaf, make_root
from winmodel.state import State, new_state


@dataclass(frozen=True)
class Chain:
    root: Issued
    intermediate: Issued
    leaf: Issued


@pytest.fixture(scope="session")
def chain() -> Chain:
    root = make_root("Sim Test Root")
    intermediate = make_intermediate("Sim Test Issuing CA", root)
    leaf = make_leaf("alice", intermediate)
    return Chain(root, intermediate, leaf)


@dataclass(frozen=True)
class ServerCerts:
    """Two server certificates (serverAuth), for binding and rebinding."""

    first: Issued
    second: Issued


@pytest.fixture(scope="session")
def server(chain: Chain) -> ServerCerts:
    return ServerCerts(
        make_leaf("www.contoso.com", chain.intermediate, eku=("serverAuth",), san=("www.contoso.com",)),
        make_leaf("www2.contoso.com", chain.intermediate, eku=("serverAuth",), san=("www2.contoso.com",)),
    )


@pytest.fixture
def state() -> State:
    return new_state()


@pytest.fixture
def host_file(tmp_path: Path) -> Path:
    return tmp_path / "web01.json"


@pytest.fixture
def import_op() -> Callable[[str, Issued], dict[str, Any]]:
    """Build a ``cert_import`` op as the planner does (thumbprint computed on the controller)."""

    def build(store: str, cert: Issued) -> dict[str, Any]:
        return {"op": "cert_import", "store": store, "der": cert.der_b64, "thumbprint": cert.thumbprint}

    return build
