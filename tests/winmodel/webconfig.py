"""web.config files of sites and applications: configuration IIS merges over applicationHost.config.

Windows facts followed (docs/WINDOWS_FACTS.md):

- IIS enforces at a path the merged view of applicationHost.config and the web.config files of the site and its
  applications down to that path (IISCONFIG-3); the engine reads that view for what IIS enforces.
- ``system.webServer/security/access`` is locked by default, so a web.config holds ``sslFlags`` only where an
  administrator unlocked SSL Settings; then its value is what IIS enforces at and below its path, whatever
  applicationHost.config says (IISCONFIG-13).
- ``system.webServer/tracing/traceFailedRequests`` is delegated: a site's web.config may hold rules (TRACING-3).
- Whether a web.config at a path may hold a section is decided by the ``overrideMode`` of the nearest
  applicationHost.config ``<location>`` at or above that path that sets one for the section, else by the section's
  ``overrideModeDefault``; a web.config holding a locked section fails every merged read through it with IIS's lock
  violation (HTTP 500.19, 0x80070021) (IISCONFIG-22).

Nothing the engine does writes a web.config: only seeding creates one (what an administrator or a deployment does).

State: ``state["iis"]["web_config"][<location path as seeded>]`` = ``{"sslFlags": "Ssl, SslNegotiateCert",
"traceFailedRequests": [<rule as tracing.py stores it>]}``; ``state["iis"]["override_modes"][<location path>]`` =
``{<section path>: "Allow" | "Deny"}`` (what Feature Delegation writes on a ``<location>``; only seeding writes it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from winmodel import iisschema
from winmodel.state import State, new_iis

ACCESS = iisschema.ACCESS
#: What IIS answers for a section a web.config may not hold, or a section opened at a path it is not allowed at
#: (HTTP 500.19 "Config Error", 0x80070021; WINDOWS_FACTS IISCONFIG-17, IISCONFIG-22).
LOCK_VIOLATION = 0x80070021
LOCK_MESSAGE = (
    "This configuration section cannot be used at this path. This happens when the section is locked at a parent "
    'level. Locking is either by default (overrideModeDefault="Deny"), or set explicitly by a location tag with '
    'overrideMode="Deny" or the legacy allowOverride="false".'
)


def _files(state: State) -> dict[str, dict[str, Any]]:
    """The web.config files, created for writing (seeding only)."""
    store = state.get("iis")
    if store is None:
        store = state["iis"] = new_iis()
    return store.setdefault("web_config", {})


def find(state: State, path: str) -> dict[str, Any] | None:
    """The sections the web.config at ``path`` holds (paths compared case-insensitively), or None. Reads only."""
    wanted = path.casefold()
    files = (state.get("iis") or {}).get("web_config") or {}
    return next((body for stored, body in files.items() if stored.casefold() == wanted), None)


def section(state: State, path: str, name: str) -> Any:
    """What the web.config at exactly ``path`` sets for a section (``sslFlags``, ``traceFailedRequests``), or None."""
    body = find(state, path)
    return None if body is None else body.get(name)


def seed(state: State, path: str, name: str, value: Any) -> None:
    """Write (or with None remove) a section of the web.config at ``path``."""
    files = _files(state)
    stored = next((key for key in files if key.casefold() == path.casefold()), path)
    body = files.setdefault(stored, {})
    if value is None:
        body.pop(name, None)
        if not body:
            del files[stored]
    else:
        body[name] = value


def override_modes(state: State) -> Mapping[str, Mapping[str, str]]:
    return (state.get("iis") or {}).get("override_modes") or {}


def override_mode(modes: Mapping[str, Mapping[str, str]], section: str, path: str) -> str:
    """``Allow`` or ``Deny``: whether a web.config at ``path`` may hold ``section`` (IISCONFIG-22). The nearest
    ``<location>`` at or above ``path`` (paths in any case, IISCONFIG-11) that sets an overrideMode for the section
    decides, else the section's ``overrideModeDefault``."""
    segments = path.split("/") if path else []
    for depth in range(len(segments), -1, -1):
        wanted = "/".join(segments[:depth]).casefold()
        for stored, sections in modes.items():
            if stored.casefold() == wanted and section in sections:
                return sections[section]
    return iisschema.section(section).override_mode_default


def seed_override_mode(state: State, path: str, section: str, mode: str) -> None:
    """Set the overrideMode of a section on the ``<location>`` of ``path`` ("" is the server level), as IIS Manager's
    Feature Delegation does."""
    iisschema.section(section)
    if mode not in ("Allow", "Deny"):
        raise ValueError(f"overrideMode {mode!r} is not Allow or Deny")
    store = state.get("iis")
    if store is None:
        store = state["iis"] = new_iis()
    modes = store.setdefault("override_modes", {})
    stored = next((key for key in modes if key.casefold() == path.casefold()), path)
    modes.setdefault(stored, {})[section] = mode
