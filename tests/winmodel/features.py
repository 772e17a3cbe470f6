"""Windows features (roles and role services) as the host state holds them, and WinFeature.psm1 in Python
(``Get-WindowsFeature`` / ``Install-WindowsFeature`` of the ServerManager module).

The feature table is the lower layer of the simulator (issue 20, "The simulator in two layers"): the boundary
functions below and the engine's ``feature_install`` and ``snapshot.features`` (``simhost/features.py``) read and
install features through :func:`find`, :func:`is_installed` and :func:`install`.

State: ``state["features"]`` (see :func:`winmodel.state.new_features`)::

    {"Web-Server": {"reboot_required": false},
     "Web-Cert-Auth": {"installed": false, "reboot_required": false}}

and ``state["iis"]["installed"]``, which **is** the installed state of ``Web-Server`` (one source of truth with IIS).

Windows facts modelled:
- FEATURE-1: a Windows Server host has the ServerManager module (``available``); ``state["host"]["server_manager"]``
  false models a client edition without it.
- FEATURE-2: names are matched in any case; one entry per feature Windows knows, in Windows' spelling; an unknown
  name returns nothing (no error).
- FEATURE-3: an install adds the features it depends on (a ``Web-*`` role service: Web-Server) and answers
  ``Success``, ``ExitCode`` and ``RestartNeeded`` (``No``/``Yes``): the ``reboot_required`` flag seeded per feature
  (false unless seeded).
- FEATURE-4 (install pending a restart) is not modelled: an install is visible at once.
- ``Web-Cert-Auth`` brings IIS client certificate mapping (``iisClientCertificateMappingAuthentication``),
  ``Web-Client-Auth`` AD client certificate mapping (``clientCertificateMappingAuthentication``), ``Web-Http-Tracing``
  failed request tracing (the project's REFERENCE.md, "IIS client certificate mapping"); a fresh host has none of them.
"""

from __future__ import annotations

from typing import Any

from winmodel.state import State, iis_of, new_features

WEB_SERVER = "Web-Server"


# --- the feature table --------------------------------------------------------------------------------


def features_of(state: State) -> dict[str, dict[str, Any]]:
    """``state["features"]``; a host file written before features were simulated gets a fresh host's features."""
    features = state.get("features")
    if features is None:
        features = state["features"] = new_features()
    return features


def iis_installed(state: State) -> bool:
    """Whether IIS (``Web-Server``) is installed."""
    return bool(iis_of(state)["installed"])


def set_iis_installed(state: State, installed: bool) -> None:
    iis_of(state)["installed"] = installed


def find(state: State, name: str) -> str | None:
    """The name as Windows spells it (case-insensitive lookup, FEATURE-2), or None for a feature Windows does not
    know."""
    wanted = name.casefold()
    return next((stored for stored in features_of(state) if stored.casefold() == wanted), None)


def is_installed(state: State, name: str) -> bool:
    """Whether a known feature is installed (``Web-Server`` = IIS installed); False for an unknown one."""
    stored = find(state, name)
    if stored is None:
        return False
    if stored == WEB_SERVER:
        return iis_installed(state)
    return bool(features_of(state)[stored].get("installed"))


def set_installed(state: State, stored: str, installed: bool) -> None:
    """Install or uninstall a known feature (its stored name), nothing else."""
    if stored == WEB_SERVER:
        set_iis_installed(state, installed)
    else:
        features_of(state)[stored]["installed"] = installed


def install(state: State, stored: str) -> tuple[bool, bool]:
    """``Install-WindowsFeature`` of a known feature (its stored name): ``(changed, restart needed)``, FEATURE-3;
    installed already = ``(False, False)``."""
    if is_installed(state, stored):
        return False, False
    if stored.casefold().startswith("web-") and stored != WEB_SERVER:
        # Install-WindowsFeature adds what a role service depends on: IIS itself.
        set_installed(state, WEB_SERVER, True)
    set_installed(state, stored, True)
    return True, bool(features_of(state)[stored].get("reboot_required"))


# --- WinFeature.psm1 ----------------------------------------------------------------------------------


def get_features(state: State, names: list[str]) -> dict[str, Any]:
    """``Get-MtlsWinFeature -Name``."""
    if state.get("host", {}).get("server_manager") is False:
        return {"available": False, "features": []}
    found: list[dict[str, Any]] = []
    for name in names:
        stored = find(state, name)
        if stored is None or any(entry["name"] == stored for entry in found):
            continue
        installed = is_installed(state, stored)
        found.append(
            {"name": stored, "installed": installed, "install_state": "Installed" if installed else "Available"}
        )
    return {"available": True, "features": found}


def install_feature(state: State, name: str) -> dict[str, Any]:
    """``Install-MtlsWinFeature -Name`` (FEATURE-3)."""
    stored = find(state, name)
    if stored is None:
        # Install-WindowsFeature fails for a name it does not know (the engine checks before calling).
        return {"success": False, "exit_code": "InvalidArgs", "restart_needed": "No"}
    changed, reboot = install(state, stored)
    return {
        "success": True,
        "exit_code": "Success" if changed else "NoChangeNeeded",
        "restart_needed": "Yes" if reboot else "No",
    }
