import pytest
from support import pki
from support.playbook import SimFleet


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
