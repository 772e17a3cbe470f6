"""Failed Request Tracing: the site switch ``traceFailedRequestsLogging`` and ``traceFailedRequests`` rules.

Windows facts followed (the project's REFERENCE.md, "The 403 family"; docs/ENGINE.md, "Diagnosis support
and Failed Request Tracing"):

- Each site has ``sites/site/traceFailedRequestsLogging`` with ``enabled`` (default false), ``directory``
  (default ``%SystemDrive%\\inetpub\\logs\\FailedReqLogFiles``) and ``maxLogFiles`` (uint, default 50). It is
  part of the site schema, so it is always readable.
- The rules live in ``system.webServer/tracing/traceFailedRequests`` (a collection keyed by ``path``, such
  as ``*``), written here at the site's location path. Each rule holds ``traceAreas`` entries (provider,
  areas, verbosity) and ``failureDefinitions@statusCodes`` (``"401,403.7,403.16"``). The section is in IIS's
  own schema whatever features are installed (WINDOWS_FACTS TRACING-2, issue 10 item 9): gather always returns
  the rules and the ops write them without Web-Http-Tracing too (configuration nothing executes then; whether
  the feature is there is the ``features`` scope's answer).
- The section is delegated (TRACING-3): a site's web.config may hold rules (seeded, :mod:`winmodel.webconfig`).
  Gather returns the rules IIS enforces at the site with ``defined_in`` ``site`` (applicationHost.config at the
  site's location) or ``web.config``; ``tracing_set`` refuses to add a rule for a path the web.config already
  has (IIS would see the key twice and fail the site with 500.19). Where both already hold a path (seeded), the
  merged read fails as the Windows model's does (IISCONFIG-19), so gather and ``tracing_set`` fail at that site.
  ``maxLogFiles`` is 1..10000 (TRACING-6).
- ``tracing_set`` writes the site's switch and adds or replaces the rule for ``path`` with provider
  ``WWW Server``, areas ``Authentication,Security``, verbosity ``Verbose`` and the status codes joined with
  ``,``. It changes nothing when all of that is already there: status codes are compared as a set, the
  rest exactly (what the controller compares). Rule paths are matched case-insensitively (an IIS collection
  key); a replaced rule takes the op's spelling. ``tracing_remove`` removes that rule (no-op when absent)
  and sets ``enabled`` false. Both are IIS configuration ops (commit once per run in the module).

State layout: the site switch in ``state["iis"]["sites"][<site>]["traceFailedRequestsLogging"]`` (only the
attributes written; the others are the defaults), the rules beside ``sslFlags`` in the site's
``<location>``::

    state["iis"]["locations"]["Default Web Site"]["traceFailedRequests"] = [
        {"path": "*", "traceAreas": [{"provider": "WWW Server", "areas": "Authentication,Security",
                                      "verbosity": "Verbose"}],
         "failureDefinitions": {"statusCodes": "401,403.7"}}]
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from typing import Any

from winmodel import features as winfeatures
from winmodel import iis as winiis
from winmodel import iisdoc, webconfig
from winmodel import iisschema as schema
from winmodel.errors import StateError
from winmodel.iisschema import IisError
from winmodel.state import State

from simhost import iis
from simhost.errors import OpError

SECTION = "system.webServer/tracing/traceFailedRequests"
LOGGING = "traceFailedRequestsLogging"
RULES = "traceFailedRequests"

#: Attribute -> schema default of ``traceFailedRequestsLogging`` (TRACING-1, IISCONFIG-16; winmodel.iisschema).
LOGGING_DEFAULTS: dict[str, Any] = schema.TRACE_LOGGING.defaults()
#: traceFailedRequestsLogging@maxLogFiles as the schema bounds it (WINDOWS_FACTS TRACING-6; winmodel.iisschema)
MAX_LOG_FILES: tuple[int, int] = schema.TRACE_LOGGING.attribute("maxLogFiles").bounds  # type: ignore[union-attr]

#: What ``tracing_set`` writes in the rule's ``traceAreas``.
PROVIDER = "WWW Server"
AREAS = "Authentication,Security"
VERBOSITY = "Verbose"

#: One status code (``403``, ``403.16``) or a range (``400-499``), as ``failureDefinitions@statusCodes`` holds them.
_STATUS = re.compile(r"[1-9]\d{2}(?:\.\d+)?(?:-[1-9]\d{2}(?:\.\d+)?)?")


# --- storage ------------------------------------------------------------------------------------------


def _logging(site: dict[str, Any]) -> dict[str, Any]:
    """The attributes written in the site's ``traceFailedRequestsLogging`` (mutable)."""
    return site.setdefault(LOGGING, {})


def logging_settings(site: dict[str, Any]) -> dict[str, Any]:
    """The effective ``enabled``/``directory``/``maxLogFiles`` of a site (written values, else defaults)."""
    return {**LOGGING_DEFAULTS, **site.get(LOGGING, {})}


def _stored_rules(state: State, site_name: str) -> list[dict[str, Any]]:
    stored = iis.find_location(state, site_name)
    if stored is None:
        return []
    return iis.locations(state)[stored].get(RULES, [])


def _put_rules(state: State, site_name: str, rules: list[dict[str, Any]]) -> None:
    """Write the rules at the site's location; an empty list removes the element (and an empty location)."""
    locations = iis.locations(state)
    stored = iis.find_location(state, site_name) or site_name
    location = locations.setdefault(stored, {})
    if rules:
        location[RULES] = rules
    else:
        location.pop(RULES, None)
        if not location:
            del locations[stored]


def _find_rule(rules: list[dict[str, Any]], path: str) -> int | None:
    """The rule keyed by ``path`` as IIS keys it (IISCONFIG-7)."""
    wanted = schema.TRACE_RULE.key_of({"path": path})
    return next((index for index, rule in enumerate(rules) if schema.TRACE_RULE.key_of(rule) == wanted), None)


def split_status_codes(text: str) -> list[str]:
    """``"401, 403.7"`` -> ``["401", "403.7"]`` (as gather returns them)."""
    return [part.strip() for part in text.split(",") if part.strip()]


# --- checks -------------------------------------------------------------------------------------------


def _check_path(path: str) -> str:
    if not path.strip():
        raise OpError("path is empty; a traceFailedRequests rule is keyed by its path, such as '*'")
    return path


def check_status_codes(codes: Any) -> list[str]:
    """The op's status codes: a non-empty list of texts like ``401``, ``403.16`` or ``400-499``."""
    if not isinstance(codes, list) or not codes:
        raise OpError("status_codes must be a non-empty list of HTTP status codes such as '403.16'")
    checked: list[str] = []
    for code in codes:
        if not isinstance(code, str) or not _STATUS.fullmatch(code.strip()):
            raise OpError(
                f"status code '{code}' is not an HTTP status code such as '401', '403.16' or a range '400-499' "
                "(failureDefinitions@statusCodes)"
            )
        checked.append(code.strip())
    return checked


def _check_logging(directory: str, max_log_files: int) -> None:
    if not directory.strip():
        raise OpError("directory is empty; traceFailedRequestsLogging needs the folder its log files go to")
    if not MAX_LOG_FILES[0] <= max_log_files <= MAX_LOG_FILES[1]:
        # WINDOWS_FACTS VALID-5: IIS refuses maxLogFiles outside 1..10000 (issue 12's report; unverified).
        raise OpError(
            f"max_log_files {max_log_files} is outside {MAX_LOG_FILES[0]}..{MAX_LOG_FILES[1]} "
            "(traceFailedRequestsLogging@maxLogFiles)"
        )


# --- ops ----------------------------------------------------------------------------------------------


def _wanted_rule(path: str, status_codes: list[str]) -> dict[str, Any]:
    return {
        "path": path,
        "traceAreas": [{"provider": PROVIDER, "areas": AREAS, "verbosity": VERBOSITY}],
        "failureDefinitions": {"statusCodes": ",".join(status_codes)},
    }


def _same_rule(current: dict[str, Any], wanted: dict[str, Any]) -> bool:
    current_codes = set(split_status_codes(current.get("failureDefinitions", {}).get("statusCodes", "")))
    wanted_codes = set(split_status_codes(wanted["failureDefinitions"]["statusCodes"]))
    return (
        current["path"] == wanted["path"]
        and current.get("traceAreas") == wanted["traceAreas"]
        and current_codes == wanted_codes
    )


def tracing_set(
    state: State, site_name: str, enabled: bool, directory: str, max_log_files: int, path: str, status_codes: Any
) -> bool:
    """Op ``tracing_set``: the site's switch and the rule for ``path``; True when something changed."""
    name, site = iis.require_site(state, site_name)
    _check_path(path)
    codes = check_status_codes(status_codes)
    _check_logging(directory, max_log_files)
    _read_merged(state, name)
    in_web_config = _find_rule(_web_config_rules(state, name), path) is not None
    if in_web_config and _find_rule(_stored_rules(state, name), path) is None:
        raise OpError(
            f"site '{name}' already has a Failed Request Tracing rule for path '{path}' in its web.config, which "
            "this collection does not manage; remove that rule from the web.config (IIS Manager, Failed Request "
            "Tracing Rules) and run again"
        )
    changed = False
    written = _logging(site)
    for attribute, value in (("enabled", enabled), ("directory", directory), ("maxLogFiles", max_log_files)):
        if logging_settings(site)[attribute] != value:
            written[attribute] = value
            changed = True
    if not written:
        site.pop(LOGGING, None)
    rules = copy.deepcopy(_stored_rules(state, name))
    wanted = _wanted_rule(path, codes)
    index = _find_rule(rules, path)
    if index is None:
        rules.append(wanted)
    elif not _same_rule(rules[index], wanted):
        rules[index] = wanted
    else:
        return changed
    _put_rules(state, name, rules)
    return True


def tracing_remove(state: State, site_name: str, path: str) -> bool:
    """Op ``tracing_remove``: remove the rule for ``path`` (no-op when absent) and switch tracing off.

    A site that does not exist has nothing to remove (no-op), as for the mapping remove ops.
    """
    _check_path(path)
    if not winfeatures.iis_installed(state):
        raise OpError(iis.NOT_INSTALLED)
    found = iis.find_site(state, site_name)
    if found is None:
        return False
    name, site = found
    changed = False
    if logging_settings(site)["enabled"] is not False:
        _logging(site)["enabled"] = False
        changed = True
    rules = copy.deepcopy(_stored_rules(state, name))
    index = _find_rule(rules, path)
    if index is not None:
        del rules[index]
        _put_rules(state, name, rules)
        changed = True
    return changed


def section_clear(state: State, location: str) -> bool:
    """Op ``section_clear`` for ``tracing``: the rules written at exactly ``location`` go (RevertToParent,
    IISCONFIG-10); no-op when none are. (The simulator holds rules at a site's location only.)"""
    iis.location_segments(location)
    if not winfeatures.iis_installed(state):
        raise OpError(iis.NOT_INSTALLED)
    stored = iis.find_location(state, location)
    if stored is None or RULES not in iis.locations(state)[stored]:
        return False
    _put_rules(state, stored, [])
    return True


# --- gather -------------------------------------------------------------------------------------------


def _web_config_rules(state: State, site_name: str) -> list[dict[str, Any]]:
    return webconfig.section(state, site_name, RULES) or []


def _read_merged(state: State, site_name: str) -> None:
    """Read the rules IIS enforces at the site as the module does (the merged view, the Windows model's
    :func:`winmodel.iis.read_section`): a web.config rule whose path applicationHost.config has at the site fails it
    with IIS's duplicate-key error (IISCONFIG-19, TRACING-3), so gather and ``tracing_set`` fail there."""
    try:
        winiis.read_section(iisdoc.load(state), SECTION, site_name, merged=True)
    except IisError as err:
        raise OpError(f"reading {SECTION} at '{site_name}': {err.message}") from None


def view_rule(rule: dict[str, Any], defined_in: str = "site") -> dict[str, Any]:
    """A rule as gather shows it: status codes split, provider/areas/verbosity of the first trace area, and
    where it is defined."""
    areas = rule.get("traceAreas") or [{}]
    first = areas[0]
    return {
        "path": rule["path"],
        "status_codes": split_status_codes(rule.get("failureDefinitions", {}).get("statusCodes", "")),
        "areas": first.get("areas"),
        "provider": first.get("provider"),
        "verbosity": first.get("verbosity"),
        "defined_in": defined_in,
    }


def view_site(state: State, name: str, site: dict[str, Any]) -> dict[str, Any]:
    """The merged view IIS enforces at the site: its own rules, then those only its web.config has."""
    _read_merged(state, name)
    settings = logging_settings(site)
    own = _stored_rules(state, name)
    from_web_config = [rule for rule in _web_config_rules(state, name) if _find_rule(own, rule["path"]) is None]
    return {
        "enabled": settings["enabled"],
        "directory": settings["directory"],
        "max_log_files": settings["maxLogFiles"],
        "rules": [view_rule(rule) for rule in own] + [view_rule(rule, "web.config") for rule in from_web_config],
    }


def gather(state: State, sites: Iterable[str]) -> dict[str, Any]:
    """``snapshot.tracing``: requested site name -> its tracing; a missing site is absent, no IIS gives ``{}``."""
    result: dict[str, Any] = {}
    if not winfeatures.iis_installed(state):
        return result
    for requested in sites:
        found = iis.find_site(state, requested)
        if found is None or requested.casefold() in {name.casefold() for name in result}:
            continue
        result[requested] = view_site(state, *found)
    return result


# --- seeding ------------------------------------------------------------------------------------------


def seed(
    state: State,
    site_name: str,
    enabled: bool | None = None,
    directory: str | None = None,
    max_log_files: int | None = None,
    rules: list[dict[str, Any]] | None = None,
    web_config_rules: list[dict[str, Any]] | None = None,
) -> None:
    """Write the site's switch (None leaves an attribute) and, when given, replace its rules (applicationHost.config
    at the site) or the rules of the site's web.config.

    Rules in gather's shape (``path``, ``status_codes`` and optionally ``areas``, ``provider``, ``verbosity``,
    defaulting to what ``tracing_set`` writes). No op rules apply.
    """
    found = iis.find_site(state, site_name)
    if found is None:
        raise StateError(f"site {site_name!r} does not exist; add_site first")
    name, site = found
    for attribute, value in (("enabled", enabled), ("directory", directory), ("maxLogFiles", max_log_files)):
        if value is not None:
            _logging(site)[attribute] = value
    if web_config_rules is not None:
        webconfig.seed(state, name, RULES, [_stored_rule(rule) for rule in web_config_rules] or None)
    if rules is not None:
        _put_rules(state, name, [_stored_rule(rule) for rule in rules])


def _stored_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A rule in gather's shape as applicationHost.config (or a web.config) stores it."""
    return {
        "path": rule["path"],
        "traceAreas": [
            {
                "provider": rule.get("provider", PROVIDER),
                "areas": rule.get("areas", AREAS),
                "verbosity": rule.get("verbosity", VERBOSITY),
            }
        ],
        "failureDefinitions": {"statusCodes": ",".join(rule["status_codes"])},
    }
