"""web.config files of sites and applications: configuration IIS merges over applicationHost.config.

Windows facts followed (docs/WINDOWS_FACTS.md):

- IIS enforces at a path the merged view of applicationHost.config and the web.config files of the site and its
  applications down to that path (IISCONFIG-3); the engine reads that view for what IIS enforces.
- ``system.webServer/security/access`` is locked by default, so a web.config holds ``sslFlags`` only where an
  administrator unlocked SSL Settings; then its value is what IIS enforces at and below its path, whatever
  applicationHost.config says (IISCONFIG-13).
- ``system.webServer/tracing/traceFailedRequests`` is delegated: a site's web.config may hold rules (TRACING-3).

Nothing the engine does writes a web.config: only seeding creates one (what an administrator or a deployment does).

State: ``state["iis"]["web_config"][<location path as seeded>]`` = ``{"sslFlags": "Ssl, SslNegotiateCert",
"traceFailedRequests": [<rule as tracing.py stores it>]}``.
"""

from __future__ import annotations

from typing import Any

from simhost.state import State, new_iis


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
