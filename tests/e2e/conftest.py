import os

import pytest
from support import pki, wire
from support.playbook import SimFleet


def pytest_generate_tests(metafunc):
    """Tests marked ``winrm`` run twice: on the recording test connection and over WinRM (the loopback endpoint)."""
    if metafunc.definition.get_closest_marker("winrm") and "e2e_connection" in metafunc.fixturenames:
        metafunc.parametrize("e2e_connection", ["mtls_sim", "winrm"], indirect=True)


@pytest.fixture(autouse=True)
def e2e_connection(request, monkeypatch):
    """How this test's fleets reach their hosts: ``MTLS_E2E_CONNECTION`` for every test, overridden per test by
    the ``winrm`` marker's second run. SimFleet reads it when created."""
    connection = getattr(request, "param", None) or os.environ.get(wire.CONNECTION_ENV, "mtls_sim")
    monkeypatch.setenv(wire.CONNECTION_ENV, connection)
    return connection


@pytest.fixture
def fleet(tmp_path):
    return SimFleet(tmp_path)


@pytest.fixture(scope="session")
def chain():
    """A client CA chain: root and issuing CA, plus a misplaced partner intermediate."""
    root = pki.make_root("Contoso Client Root")
    issuing = pki.make_intermediate("Contoso Client Issuing CA", root)
    partner_root = pki.make_root("Fabrikam Partner Root")
    partner_issuing = pki.make_intermediate("Fabrikam Partner Issuing CA", partner_root)
    return {"root": root, "issuing": issuing, "partner_root": partner_root, "partner_issuing": partner_issuing}
