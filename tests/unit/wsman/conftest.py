import pytest
from support import pki
from support.wire import WirePki


@pytest.fixture(scope="session")
def wire_pki(tmp_path_factory):
    return WirePki(tmp_path_factory.mktemp("wire-pki"))


@pytest.fixture(scope="session")
def other_ca():
    return pki.make_root("Some Other CA")
