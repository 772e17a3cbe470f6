"""The WinRM test CA, and the differential summary printed at the end of the run (also with -q)."""

from __future__ import annotations

import pytest
from differential.conftest import pytest_terminal_summary  # noqa: F401  (the scenario count and disagreements)
from support.wire import WirePki


@pytest.fixture(scope="session")
def wire_pki(tmp_path_factory):
    return WirePki(tmp_path_factory.mktemp("wire-pki"))
