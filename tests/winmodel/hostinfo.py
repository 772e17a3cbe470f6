"""WinHost.psm1 in Python: the computer's NetBIOS name (WINDOWS_FACTS HOST-3), ``state["host"]["computer_name"]``."""

from __future__ import annotations

from winmodel.state import State


def computer_name(state: State) -> str:
    return str(state["host"]["computer_name"])
