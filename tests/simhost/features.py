"""Windows features (roles and role services): ``Get-WindowsFeature`` / ``Install-WindowsFeature``.

Windows facts followed (/work/shared/REFERENCE.md, "IIS client certificate mapping"; and
``plugins/module_utils/WindowsFeature.psm1``):

- ``Web-Cert-Auth`` brings IIS client certificate mapping (``iisClientCertificateMappingAuthentication``),
  ``Web-Client-Auth`` AD client certificate mapping (``clientCertificateMappingAuthentication``);
  ``Web-Http-Tracing`` failed request tracing. A fresh host has none of them; ``Web-Server`` (IIS) is
  installed. The installed state of ``Web-Server`` **is** ``state["iis"]["installed"]`` (one source of
  truth with :mod:`simhost.iis`).
- Feature names compare case-insensitively; a name Windows does not know is an error (the module checks,
  because ``Get-WindowsFeature`` returns nothing for it); wildcards are refused.
- ``Install-WindowsFeature`` adds the features a role service depends on: any other ``Web-*`` feature
  installs ``Web-Server`` too. It reports whether a restart is needed; the simulator answers the
  ``reboot_required`` flag seeded per feature (false unless seeded). An installed feature is reported
  installed at once (an install pending a reboot is not modelled).

State layout (``state["features"]``, see :func:`winmodel.state.new_features`)::

    {"Web-Server": {"reboot_required": false},
     "Web-Cert-Auth": {"installed": false, "reboot_required": false}}
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from winmodel.state import State, new_features

from simhost import iis
from simhost.errors import OpError, StateError

WEB_SERVER = "Web-Server"

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def _features(state: State) -> dict[str, dict[str, Any]]:
    features = state.get("features")
    if features is None:  # a host file written before features were simulated: a fresh host's features
        features = state["features"] = new_features()
    return features


def check_name(name: str, what: str = "name") -> None:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise OpError(
            f"{what} '{name}' is not a Windows feature name such as Web-Cert-Auth "
            "(letters, digits, '-', '_', '.'; no wildcards)"
        )


def find(state: State, name: str) -> str | None:
    """The name as Windows spells it (case-insensitive lookup), or None for a feature Windows does not know."""
    wanted = name.casefold()
    return next((stored for stored in _features(state) if stored.casefold() == wanted), None)


def _require(state: State, name: str) -> str:
    stored = find(state, name)
    if stored is None:
        raise OpError(f"Windows has no feature named '{name}' on this host (Get-WindowsFeature does not list it)")
    return stored


def is_installed(state: State, name: str) -> bool:
    """Whether a known feature is installed (``Web-Server`` = IIS installed); False for an unknown one."""
    stored = find(state, name)
    if stored is None:
        return False
    if stored == WEB_SERVER:
        return iis.is_installed(state)
    return bool(_features(state)[stored].get("installed"))


def _set_installed(state: State, stored: str, installed: bool) -> None:
    if stored == WEB_SERVER:
        iis.set_installed(state, installed)
    else:
        _features(state)[stored]["installed"] = installed


def seed_feature(state: State, name: str, installed: bool = True, reboot_required: bool = False) -> None:
    """Seed: make a feature known (any name), installed or not, and what installing it reports."""
    try:
        check_name(name)
    except OpError as err:
        raise StateError(str(err)) from None
    stored = find(state, name) or name
    _features(state).setdefault(stored, {})["reboot_required"] = reboot_required
    if stored != WEB_SERVER:
        _features(state)[stored].setdefault("installed", False)
    _set_installed(state, stored, installed)


def install(state: State, name: str) -> tuple[bool, bool]:
    """Op ``feature_install``: ``(changed, reboot_required)``; installed already = ``(False, False)``."""
    check_name(name)
    stored = _require(state, name)
    if is_installed(state, stored):
        return False, False
    if stored.casefold().startswith("web-") and stored != WEB_SERVER:
        # Install-WindowsFeature adds what a role service depends on: IIS itself.
        _set_installed(state, WEB_SERVER, True)
    _set_installed(state, stored, True)
    return True, bool(_features(state)[stored].get("reboot_required"))


def gather(state: State, names: Iterable[str]) -> dict[str, bool]:
    """``snapshot.features``: requested name -> installed. An invalid or unknown name fails the gather."""
    result: dict[str, bool] = {}
    for name in names:
        check_name(name, "scope.features entry")
        result[name] = is_installed(state, _require(state, name))
    return result
