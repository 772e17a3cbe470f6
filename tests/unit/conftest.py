"""Unit-test hooks.

``ansible-test units`` runs each test in a child forked from the pytest worker, so whatever a test starts dies
with it. The static PowerShell checks therefore start their pwsh and check the collection's files here, in the
worker, once collection is done: every forked test inherits the answers and the server (tests/support/psstatic.py).
"""

from __future__ import annotations

import sys

import pytest


def pytest_collection_finish(session: pytest.Session) -> None:
    # Only when a collected test module uses the checks (pwsh is not needed otherwise).
    if session.items and "support.psstatic" in sys.modules:
        from support import psstatic

        psstatic.prewarm()
