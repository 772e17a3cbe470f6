"""applicationHost.config and the web.config files as configuration elements, derived from the simulated host's
``state["iis"]`` and written back to it.

**Which state is the source, and why.** The host file keeps the op engine's layout (``tests/simhost/iis.py``,
``auth.py``, ``tracing.py``, ``webconfig.py``); this module derives the configuration document the Windows model
works on from it and writes a committed document back into it. One host file is read by both engines, as for the
registry and the stores. The layout is the source because every seed, fixture and e2e test writes it, and because it
holds exactly what our utils touch; the projection is lossless both ways for that content (a unit test round-trips
every seeded shape). What the layout cannot hold (a ``<clear/>`` or ``<remove>`` marker hiding inherited entries,
server-level tracing rules, a write to a web.config) fails loudly as not modelled, never silently.

A document::

    {"sites": [<node of a site>...],                          # system.applicationHost/sites (server level only)
     "levels": {"": {<section path>: <node>}, "Site/app": {...}},   # server level and <location path="...">
     "web_config": {"Site/app": {<section path>: <node>}},
     "override_modes": {"Site": {<section path>: "Allow" | "Deny"}}}      # <location overrideMode="...">

A node holds only what is written there: ``{"attributes": {name: typed value}, "children": {name: node},
"collection": [entry node...] or None}``; enums and flags are numbers (IISCONFIG-5), an entry's write count of its
encrypted password rides along as ``_password_writes`` (the simulator's bookkeeping, never read by a boundary call).
"""

from __future__ import annotations

from typing import Any

from winmodel import iisbinding
from winmodel import iisschema as schema
from winmodel.errors import UnknownFunction
from winmodel.state import State, new_iis

Node = dict[str, Any]
Doc = dict[str, Any]

_AUTH: dict[str, str] = {
    "iisClientCertificateMappingAuthentication": schema.IIS_MAPPING,
    "clientCertificateMappingAuthentication": schema.AD_MAPPING,
    "anonymousAuthentication": schema.ANONYMOUS,
}
_MAPPINGS = ("oneToOneMappings", "manyToOneMappings")
WRITES = "_password_writes"


def node(attributes: dict[str, Any] | None = None, collection: list[Node] | None = None) -> Node:
    return {"attributes": dict(attributes or {}), "children": {}, "collection": collection}


def typed(attr: schema.Attr, value: Any) -> Any:
    """A stored value (names for enums and flags) as the number MWA reads (IISCONFIG-5)."""
    if attr.kind == "enum" and isinstance(value, str):
        return next(number for name, number in attr.values.items() if name.casefold() == value.casefold())
    if attr.kind == "flags" and isinstance(value, str):
        return iisbinding.access_flags_value(value) if attr.name == "sslFlags" and "Ssl" in attr.values else int(value)
    return value


def _typed_attributes(element: schema.Element, stored: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in stored.items():
        attr = element.attribute(name)
        if attr is None or value is None:
            continue
        out[name] = typed(attr, value)
    return out


def stored_attributes(element: schema.Element, typed_attributes: dict[str, Any]) -> dict[str, Any]:
    """Typed attributes back as the simulator stores them (enum names)."""
    out: dict[str, Any] = {}
    for name, value in typed_attributes.items():
        attr = element.attribute(name)
        out[name] = schema.text(attr, value) if attr is not None and attr.kind == "enum" else value
    return out


# --- state -> document --------------------------------------------------------------------------------


def _mapping_entry(entry_schema: schema.Element, stored: dict[str, Any]) -> Node:
    plain = {key: value for key, value in stored.items() if key not in ("rules", "password_writes")}
    entry = node(_typed_attributes(entry_schema, plain))
    entry[WRITES] = int(stored.get("password_writes", 0))
    rules = entry_schema.child("rules")
    if rules is not None and rules.entry is not None:
        entry["children"]["rules"] = node(
            collection=[node(_typed_attributes(rules.entry, rule)) for rule in stored.get("rules", [])]
        )
    return entry


def _auth_node(path: str, stored: dict[str, Any]) -> Node:
    element = schema.SECTIONS[path].element
    section = node(_typed_attributes(element, stored.get("attributes", {})))
    for name in _MAPPINGS:
        child = element.child(name)
        if child is not None and child.entry is not None:
            section["children"][name] = node(collection=[_mapping_entry(child.entry, m) for m in stored.get(name, [])])
    return section


def _tracing_node(rules: list[dict[str, Any]]) -> Node:
    rule_schema = schema.SECTIONS[schema.TRACING].element.entry
    if rule_schema is None:
        raise AssertionError("traceFailedRequests is a collection")
    areas_schema = rule_schema.child("traceAreas").entry  # type: ignore[union-attr]
    entries: list[Node] = []
    for rule in rules:
        entry = node({"path": rule["path"]})
        entry["children"]["traceAreas"] = node(
            collection=[node(_typed_attributes(areas_schema, area)) for area in rule.get("traceAreas", [])]  # type: ignore[arg-type]
        )
        entry["children"]["failureDefinitions"] = node(dict(rule.get("failureDefinitions", {})))
        entries.append(entry)
    return node(collection=entries)


def _level(body: dict[str, Any]) -> dict[str, Node]:
    """The sections one ``<location>`` (or a web.config) holds, from the simulator's entry for that path."""
    sections: dict[str, Node] = {}
    if body.get("sslFlags") is not None:
        sections[schema.ACCESS] = node({"sslFlags": iisbinding.access_flags_value(body["sslFlags"])})
    for name, stored in body.get("auth", {}).items():
        sections[_AUTH[name]] = _auth_node(_AUTH[name], stored)
    if body.get("traceFailedRequests"):
        sections[schema.TRACING] = _tracing_node(body["traceFailedRequests"])
    return sections


def _site(name: str, site: dict[str, Any]) -> Node:
    entry = node({"name": name, "id": int(site["id"])})
    entry["children"]["bindings"] = node(
        collection=[
            node({"protocol": b["protocol"], "bindingInformation": b["binding_information"], "sslFlags": flags})
            for b in site["bindings"]
            for flags in [int(b["ssl_flags"])]
        ]
    )
    entry["children"]["traceFailedRequestsLogging"] = node(dict(site.get("traceFailedRequestsLogging", {})))
    return entry


def load(state: State) -> Doc:
    """The document of the committed configuration the host file holds."""
    store = state.get("iis") or new_iis()
    server: dict[str, Node] = {
        schema.ACCESS: node({"sslFlags": iisbinding.access_flags_value(store["server_ssl_flags"])})
    }
    # A host file from before authentication was simulated holds what a fresh install writes (as simhost.auth reads it)
    for name, stored in store.get("server_auth", new_iis()["server_auth"]).items():
        server[_AUTH[name]] = _auth_node(_AUTH[name], stored)
    levels: dict[str, dict[str, Node]] = {"": server}
    for path, body in store.get("locations", {}).items():
        levels[path] = _level(body)
    return {
        "sites": [_site(name, site) for name, site in store["sites"].items()],
        "levels": levels,
        "web_config": {path: _level(body) for path, body in store.get("web_config", {}).items()},
        # Feature Delegation's overrideMode per <location> and section: read by the merged view, never written by
        # our utils (IISCONFIG-22)
        "override_modes": store.get("override_modes", {}),
    }


# --- document -> state --------------------------------------------------------------------------------


def _not_held(what: str) -> UnknownFunction:
    return UnknownFunction(f"the Windows model cannot keep {what} in the simulated host file (not modelled)")


def _store_mapping(entry_schema: schema.Element, entry: Node) -> dict[str, Any]:
    values = {attr.name: attr.default for attr in entry_schema.attributes if not attr.encrypted}
    values.update(stored_attributes(entry_schema, entry["attributes"]))
    values.setdefault("password", None)
    values["password_writes"] = int(entry.get(WRITES, 0))
    rules = entry_schema.child("rules")
    if rules is not None and rules.entry is not None:
        child = entry["children"].get("rules") or node(collection=[])
        values["rules"] = [_defaults_then(rules.entry, rule) for rule in child["collection"] or []]
    return values


def _defaults_then(element: schema.Element, entry: Node) -> dict[str, Any]:
    values = {attr.name: attr.default for attr in element.attributes if not attr.encrypted}
    values.update(stored_attributes(element, entry["attributes"]))
    return values


def _store_auth(path: str, section: Node) -> dict[str, Any]:
    element = schema.SECTIONS[path].element
    stored: dict[str, Any] = {"attributes": stored_attributes(element, section["attributes"])}
    for name in _MAPPINGS:
        child = element.child(name)
        if child is not None and child.entry is not None:
            entries = (section["children"].get(name) or node(collection=[]))["collection"] or []
            stored[name] = [_store_mapping(child.entry, entry) for entry in entries]
    return stored


def _store_tracing(section: Node) -> list[dict[str, Any]]:
    rule_schema = schema.SECTIONS[schema.TRACING].element.entry
    areas_schema = rule_schema.child("traceAreas").entry  # type: ignore[union-attr]
    rules: list[dict[str, Any]] = []
    for entry in section["collection"] or []:
        areas = (entry["children"].get("traceAreas") or node(collection=[]))["collection"] or []
        rules.append(
            {
                "path": entry["attributes"]["path"],
                "traceAreas": [_defaults_then(areas_schema, area) for area in areas],  # type: ignore[arg-type]
                "failureDefinitions": dict((entry["children"].get("failureDefinitions") or node())["attributes"]),
            }
        )
    return rules


def _store_level(path: str, sections: dict[str, Node]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for name, section in sections.items():
        if section.get("cleared"):
            raise _not_held(f"a <clear/> of inherited entries in {name} at '{path}'")
        if name == schema.ACCESS:
            if "sslFlags" in section["attributes"]:
                body["sslFlags"] = iisbinding.access_flags_text(section["attributes"]["sslFlags"])
        elif name == schema.TRACING:
            if not path:
                raise _not_held("traceFailedRequests rules at the server level")
            if section["collection"]:
                body["traceFailedRequests"] = _store_tracing(section)
        else:
            short = name.rsplit("/", 1)[-1]
            body.setdefault("auth", {})[short] = _store_auth(name, section)
    return body


def store(doc: Doc, state: State) -> None:
    """Write a committed document back into the host file (the simulator's layout)."""
    iis_state = state.setdefault("iis", new_iis())
    sites: dict[str, Any] = {}
    for entry in doc["sites"]:
        site: dict[str, Any] = {
            "id": int(entry["attributes"]["id"]),
            "bindings": [
                {
                    "protocol": b["attributes"]["protocol"],
                    "binding_information": b["attributes"]["bindingInformation"],
                    "ssl_flags": int(b["attributes"].get("sslFlags", 0)),
                }
                for b in entry["children"]["bindings"]["collection"] or []
            ],
        }
        logging = entry["children"]["traceFailedRequestsLogging"]["attributes"]
        if logging:
            site["traceFailedRequestsLogging"] = dict(logging)
        sites[entry["attributes"]["name"]] = site
    iis_state["sites"] = sites
    server = _store_level("", doc["levels"][""])
    iis_state["server_ssl_flags"] = server.get("sslFlags", "None")
    iis_state["server_auth"] = server.get("auth", {})
    locations: dict[str, Any] = {}
    for path, sections in doc["levels"].items():
        if path:
            body = _store_level(path, sections)
            if body:  # a <location> left without content is not kept (IISCONFIG-10)
                locations[path] = body
    iis_state["locations"] = locations
    if doc["web_config"] != load(state)["web_config"]:
        raise _not_held("a write to a web.config")
