"""WinFeature.psm1 in Python: ``Get-WindowsFeature`` / ``Install-WindowsFeature`` of the ServerManager module.

State: ``state["features"]`` and ``state["iis"]["installed"]`` (Web-Server), the layout of ``simhost.features``.

Windows facts modelled:
- FEATURE-1: a Windows Server host has the ServerManager module (``available``); ``state["host"]["server_manager"]``
  false models a client edition without it.
- FEATURE-2: names are matched in any case; one entry per feature Windows knows, in Windows' spelling; an unknown
  name returns nothing (no error).
- FEATURE-3: an install adds the features it depends on (a ``Web-*`` role service: Web-Server) and answers
  ``Success``, ``ExitCode`` and ``RestartNeeded`` (``No``/``Yes``).
- FEATURE-4 (install pending a restart) is not modelled: an install is visible at once.
"""

from __future__ import annotations

from typing import Any

from simhost import features as simfeatures

from winmodel.state import State


def get_features(state: State, names: list[str]) -> dict[str, Any]:
    """``Get-MtlsWinFeature -Name``."""
    if state.get("host", {}).get("server_manager") is False:
        return {"available": False, "features": []}
    found: list[dict[str, Any]] = []
    for name in names:
        stored = simfeatures.find(state, name)
        if stored is None or any(entry["name"] == stored for entry in found):
            continue
        installed = simfeatures.is_installed(state, stored)
        found.append(
            {"name": stored, "installed": installed, "install_state": "Installed" if installed else "Available"}
        )
    return {"available": True, "features": found}


def install_feature(state: State, name: str) -> dict[str, Any]:
    """``Install-MtlsWinFeature -Name`` (FEATURE-3)."""
    stored = simfeatures.find(state, name)
    if stored is None:
        # Install-WindowsFeature fails for a name it does not know (the engine checks before calling).
        return {"success": False, "exit_code": "InvalidArgs", "restart_needed": "No"}
    changed, reboot = simfeatures.install(state, stored)
    return {
        "success": True,
        "exit_code": "Success" if changed else "NoChangeNeeded",
        "restart_needed": "Yes" if reboot else "No",
    }
