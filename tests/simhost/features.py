"""Windows features for the op engine: ``feature_install``, ``snapshot.features`` and seeding.

What a feature is, its installed state (``Web-Server`` = ``state["iis"]["installed"]``) and what installing adds are
the Windows model's (:mod:`winmodel.features`, FEATURE-2, FEATURE-3). This module checks names as
``plugins/module_utils/WindowsFeature.psm1`` does: a name Windows does not know is an error (the module checks,
because ``Get-WindowsFeature`` returns nothing for it); wildcards are refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from winmodel import features as winfeatures
from winmodel.errors import StateError
from winmodel.state import State

from simhost.errors import OpError

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def check_name(name: str, what: str = "name") -> None:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise OpError(
            f"{what} '{name}' is not a Windows feature name such as Web-Cert-Auth "
            "(letters, digits, '-', '_', '.'; no wildcards)"
        )


def _require(state: State, name: str) -> str:
    stored = winfeatures.find(state, name)
    if stored is None:
        raise OpError(f"Windows has no feature named '{name}' on this host (Get-WindowsFeature does not list it)")
    return stored


def seed_feature(state: State, name: str, installed: bool = True, reboot_required: bool = False) -> None:
    """Seed: make a feature known (any name), installed or not, and what installing it reports."""
    try:
        check_name(name)
    except OpError as err:
        raise StateError(str(err)) from None
    stored = winfeatures.find(state, name) or name
    winfeatures.features_of(state).setdefault(stored, {})["reboot_required"] = reboot_required
    if stored != winfeatures.WEB_SERVER:
        winfeatures.features_of(state)[stored].setdefault("installed", False)
    winfeatures.set_installed(state, stored, installed)


def install(state: State, name: str) -> tuple[bool, bool]:
    """Op ``feature_install``: ``(changed, reboot_required)``; installed already = ``(False, False)``."""
    check_name(name)
    stored = _require(state, name)
    return winfeatures.install(state, stored)


def gather(state: State, names: Iterable[str]) -> dict[str, bool]:
    """``snapshot.features``: requested name -> installed. An invalid or unknown name fails the gather."""
    result: dict[str, bool] = {}
    for name in names:
        check_name(name, "scope.features entry")
        result[name] = winfeatures.is_installed(state, _require(state, name))
    return result
