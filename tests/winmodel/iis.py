"""WinIis.psm1 in Python: Microsoft.Web.Administration over the configuration document of :mod:`winmodel.iisdoc`.

Windows facts modelled (docs/WINDOWS_FACTS.md):
- IISCONFIG-1/2: IIS readable here (``state["iis"]["installed"]``).
- IISCONFIG-3: ``merged`` reads add the web.config files down to the path; otherwise applicationHost.config alone:
  the server level, then each ``<location>`` from the site down to the path (IISCONFIG-15 for the access section).
- IISCONFIG-4: ``locally_stored`` of a section is whether it is written at exactly that path; of an entry, whether the
  entry is added there (unverified on Windows).
- IISCONFIG-5: enum and flags values are numbers; IISCONFIG-6: encrypted attributes are never returned.
- IISCONFIG-7: entries are found and compared by their key attributes, strings case-insensitively; a duplicate key is
  refused with IIS's message (IISCONFIG-19); IISCONFIG-11: location paths in any case.
- IISCONFIG-8 (delete), IISCONFIG-9 (one commit; a failed edit commits nothing; reads see pending edits),
  IISCONFIG-10 (revert), IISCONFIG-16 (schema defaults), IISCONFIG-17 (sites only at the server level),
  IISCONFIG-18 (unknown section), IISCONFIG-20 (attribute names and values the schema refuses),
  IISCONFIG-21 (the order of the levels).
- BINDING-1: a binding's certificate is read from its HTTP.sys record; BINDING-2: removing a binding keeps the record;
  BINDING-7: HTTP.sys records of added bindings are written at commit, not before (a CCS binding's: the ccs record of
  its port, HTTPSYS-14).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from xml.etree import ElementTree

from winmodel import features, iisbinding, iisdoc, webconfig
from winmodel import iisschema as schema
from winmodel.errors import UnknownFunction, WindowsError_
from winmodel.iisschema import COM, THROWN, IisError
from winmodel.state import State

Node = dict[str, Any]
ENCRYPTED = "[enc:IISCngProvider:(encrypted by the model):enc]"
_NO_MWA = "Unable to find type [Microsoft.Web.Administration.ServerManager]: IIS is not installed"


def _require(state: State) -> None:
    if not features.iis_installed(state):
        raise WindowsError_(_NO_MWA)


def test_iis(state: State) -> bool:
    """``Test-MtlsWinIis`` (IISCONFIG-1, IISCONFIG-2)."""
    return features.iis_installed(state)


def get_sites(state: State) -> list[dict[str, Any]]:
    """``Get-MtlsWinIisSite``: every site and every binding; an https certificate from HTTP.sys (BINDING-1)."""
    _require(state)
    sites: list[dict[str, Any]] = []
    for name, site in state["iis"]["sites"].items():
        bindings = []
        for binding in site["bindings"]:
            view = iisbinding.view_binding(state, binding)
            bindings.append({**view, "certificate_hash": view["certificate_hash"].upper()})
        sites.append({"name": name, "id": int(site["id"]), "bindings": bindings})
    return sites


# --- reading: the chain of levels down to a path ------------------------------------------------------


def _find_key(levels: Mapping[str, Any], path: str) -> str | None:
    """The stored spelling of a location path (IISCONFIG-11: compared case-insensitively)."""
    return next((stored for stored in levels if stored.casefold() == path.casefold()), None)


def _chain(doc: iisdoc.Doc, section: str, location: str, merged: bool) -> list[tuple[str, Node]]:
    """(level, section node) from the server level ("", then each path in lower case) down to ``location``:
    applicationHost.config's ``<location>`` elements, with ``merged`` each path's web.config after it (IISCONFIG-3,
    IISCONFIG-13); a web.config holding the section where it is locked fails the read (IISCONFIG-22)."""
    found: list[tuple[str, Node]] = []
    server = doc["levels"][""].get(section)
    if server is not None:
        found.append(("", server))
    segments = location.split("/") if location else []
    for depth in range(1, len(segments) + 1):
        path = "/".join(segments[:depth])
        for files, tag in ((doc["levels"], "apphost"), (doc["web_config"], "web")):
            if tag == "web" and not merged:
                continue
            stored = _find_key(files, path)
            if stored is not None and section in files[stored]:
                if tag == "web" and webconfig.override_mode(doc["override_modes"], section, path) == "Deny":
                    raise IisError(COM, webconfig.LOCK_VIOLATION, webconfig.LOCK_MESSAGE)  # IISCONFIG-22
                found.append((path.casefold(), files[stored][section]))
    return found


def _key_of(element: schema.Element, entry: Node) -> tuple[Any, ...]:
    return element.key_of(entry["attributes"])  # IISCONFIG-7


def _duplicate(element: schema.Element, entry: Node) -> IisError:
    """IIS's refusal of a second entry with the same key (IISCONFIG-19)."""
    keys = element.keys
    shown = [schema.text(attr, entry["attributes"].get(attr.name, attr.default)) for attr in keys]
    if len(keys) == 1:
        detail = f"unique key attribute '{keys[0].name}' set to '{shown[0]}'"
    else:
        names = ", ".join(attr.name for attr in keys)
        detail = f"combined key attributes '{names}' respectively set to '{', '.join(shown)}'"
    return IisError(COM, 0x800700B7, f"Cannot add duplicate collection entry of type '{element.name}' with {detail}")


def _encrypted(element: schema.Element, name: str) -> bool:
    attr = element.attribute(name)
    return attr is not None and attr.encrypted


def _merged_attributes(element: schema.Element, layers: list[tuple[str, Node]]) -> dict[str, Any]:
    """Attributes inherit one by one: the innermost layer that writes one wins, else the schema default
    (IISCONFIG-15, IISCONFIG-16); encrypted ones are never returned (IISCONFIG-6)."""
    attributes = {attr.name: attr.default for attr in element.attributes if not attr.encrypted}
    for _level, layer in layers:
        attributes.update({k: v for k, v in layer["attributes"].items() if not _encrypted(element, k)})
    return attributes


def _merge(element: schema.Element, layers: list[tuple[str, Node]], here: str) -> Node:
    """The tree of one element seen through its layers (outermost first): the boundary's plain node."""
    attributes = _merged_attributes(element, layers)
    children = {}
    for child in element.children:
        below = [(level, layer["children"][child.name]) for level, layer in layers if child.name in layer["children"]]
        children[child.name] = _merge(child, below, here)
    collection = None
    if element.entry is not None:
        collection = []
        seen: set[tuple[Any, ...]] = set()
        for level, layer in layers:
            if layer.get("cleared"):
                collection, seen = [], set()
            for entry in layer["collection"] or []:
                key = _key_of(element.entry, entry)
                if key in seen:
                    raise _duplicate(element.entry, entry)
                seen.add(key)
                collection.append(_merge(element.entry, [(level, entry)], here) | {"locally_stored": level == here})
    return {
        "name": element.name,
        "attributes": attributes,
        "locally_stored": bool(layers) and layers[-1][0] == here,
        "children": children,
        "collection": collection,
    }


def _check_location(section: schema.Section, location: str) -> None:
    if section.app_host_only and location:
        # IISCONFIG-17: the sites section is not allowed in a <location>.
        raise IisError(COM, webconfig.LOCK_VIOLATION, webconfig.LOCK_MESSAGE)


def read_section(doc: iisdoc.Doc, path: str, location: str, merged: bool) -> Node:
    """One ``-Read`` request: the section's tree at ``location`` (IISCONFIG-3, IISCONFIG-4, IISCONFIG-16)."""
    section = schema.section(path)
    _check_location(section, location)
    if section.path == schema.SITES:
        layers = [("", {"attributes": {}, "children": {}, "collection": doc["sites"]})]
        return _merge(section.element, layers, "")
    return _merge(section.element, _chain(doc, section.path, location, merged), location.casefold())


def attributes_in_effect(state: State, section_path: str, location: str) -> dict[str, Any]:
    """A section's attributes in effect at ``location`` ("" = the server level) in applicationHost.config alone (the
    server level, then each ``<location>`` from the site down, then the schema default: IISCONFIG-3, IISCONFIG-11,
    IISCONFIG-15, IISCONFIG-16, IISCONFIG-21), enums by name as the host file stores them. The op engine
    (``tests/simhost``) reads inheritance here."""
    section = schema.section(section_path)
    layers = _chain(iisdoc.load(state), section.path, location, False)
    return iisdoc.stored_attributes(section.element, _merged_attributes(section.element, layers))


# --- editing ------------------------------------------------------------------------------------------


def _value(attr: schema.Attr, value: Any) -> Any:
    """``SetAttributeValue``: the value converted as the schema types it; what it cannot convert is refused."""
    if attr.kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.casefold() in ("true", "false"):
            return value.casefold() == "true"
    elif attr.kind == "string":
        return "" if value is None else str(value)
    elif attr.kind == "uint":
        if isinstance(value, int) and not isinstance(value, bool) and attr.bounds[0] <= value <= attr.bounds[1]:
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            low, high = attr.bounds
            raise IisError(COM, 0x80070057, f"Integer value must be between {low} and {high} inclusive")
    elif attr.kind in ("enum", "flags"):
        if isinstance(value, int) and not isinstance(value, bool):
            allowed = sum(attr.values.values()) if attr.kind == "flags" else None
            if (allowed is not None and value >= 0 and not value & ~allowed) or value in attr.values.values():
                return value
        elif isinstance(value, str):
            total = 0
            for part in [p.strip() for p in value.split(",")] if attr.kind == "flags" else [value.strip()]:
                number = next((n for name, n in attr.values.items() if name.casefold() == part.casefold()), None)
                if number is None:
                    break
                total |= number
            else:
                return total
    # IISCONFIG-20 (message unverified): the configuration system refuses a value its type cannot hold.
    raise IisError(COM, 0x80070057, f"The value '{value}' is not valid for attribute '{attr.name}'")


def _attribute(element: schema.Element, name: str) -> schema.Attr:
    attr = element.attribute(name)
    if attr is None:
        raise IisError(COM, 0x80070057, f"Unrecognized attribute '{name}'")  # IISCONFIG-20
    return attr


class _Target:
    """The element an edit names: its schema, its node written at the edit's level (created on write) and the
    collection it is an entry of (None for a section or child element)."""

    def __init__(self, element: schema.Element, local: Node, parent: list[Node] | None):
        self.element, self.local, self.parent = element, local, parent


def _level_sections(doc: iisdoc.Doc, location: str) -> dict[str, Node]:
    stored = _find_key(doc["levels"], location)
    if stored is None:
        doc["levels"][location] = {}
        stored = location
    return doc["levels"][stored]


def _resolve(doc: iisdoc.Doc, section: schema.Section, location: str, steps: list[Any]) -> _Target:
    """Walks the edit's steps (docs/POWERSHELL.md) to the element, creating the written elements on the way."""
    if section.path == schema.SITES:
        local: Node = {"attributes": {}, "children": {}, "collection": doc["sites"]}
    else:
        sections = _level_sections(doc, location)
        local = sections.setdefault(section.path, iisdoc.node(collection=[] if section.element.entry else None))
    element: schema.Element = section.element
    parent: list[Node] | None = None
    inherited_layers = [] if section.path == schema.SITES else _chain(doc, section.path, location, False)[:-1]
    if section.path != schema.SITES and inherited_layers and inherited_layers[-1][1] is local:
        inherited_layers = inherited_layers[:-1]
    for step in steps:
        if isinstance(step, str):
            child = element.child(step)
            if child is None:
                raise IisError(COM, 0x80070057, f"Unrecognized element '{step}'")
            element, parent = child, None
            local = local["children"].setdefault(step, iisdoc.node(collection=[] if child.entry else None))
            inherited_layers = [
                (lvl, layer["children"][step]) for lvl, layer in inherited_layers if step in layer["children"]
            ]
            continue
        entry_schema = element.entry
        if entry_schema is None:
            raise IisError(THROWN, 0x80131501, f"<{element.name}> is not a collection")
        wanted = dict(step["key"])
        for name in wanted:
            attr = entry_schema.attribute(name)
            if attr is None or not attr.key:
                raise IisError(THROWN, 0x80131501, f"'{name}' is not a key attribute of <{entry_schema.name}>")
        probe = iisdoc.node({name: _value(_attribute(entry_schema, name), value) for name, value in wanted.items()})
        found = next((entry for entry in local["collection"] or [] if _matches(entry_schema, probe, entry)), None)
        if found is None:
            if any(
                _matches(entry_schema, probe, entry)
                for _level, layer in inherited_layers
                for entry in layer.get("collection") or []
            ):
                raise UnknownFunction(
                    f"the Windows model does not change an inherited <{element.name}> entry at '{location}' "
                    "(what IIS does there is unverified; not modelled)"
                )
            described = ", ".join(f"{name}='{wanted[name]}'" for name in sorted(wanted))
            raise IisError(THROWN, 0x80131501, f"no entry with {described} in <{element.name}>")
        parent, local, element = local["collection"], found, entry_schema
        inherited_layers = []
    return _Target(element, local, parent)


def _matches(element: schema.Element, probe: Node, entry: Node) -> bool:
    """Whether an entry has the key values the probe names (IISCONFIG-7)."""
    wanted, have = _key_of(element, probe), _key_of(element, entry)
    return all(wanted[i] == have[i] for i, attr in enumerate(element.keys) if attr.name in probe["attributes"])


def _config_edit(doc: iisdoc.Doc, edit: Mapping[str, Any]) -> None:
    section = schema.section(str(edit["section"]))
    location = str(edit.get("location") or "")
    _check_location(section, location)
    action = str(edit["action"])
    steps = [step for step in list(edit.get("element") or []) if step is not None]
    if action == "revert":
        # IISCONFIG-10: what the section has at exactly this path goes; an empty <location> is not kept.
        stored = _find_key(doc["levels"], location)
        if stored is not None:
            doc["levels"][stored].pop(section.path, None)
        return
    target = _resolve(doc, section, location, steps)
    element, local = target.element, target.local
    if action == "set":
        for name in sorted(edit["attributes"]):
            attr = _attribute(element, name)
            local["attributes"][name] = _value(attr, edit["attributes"][name])
            if attr.encrypted:
                local[iisdoc.WRITES] = int(local.get(iisdoc.WRITES, 0)) + 1
    elif action == "delete":
        for name in list(edit["attributes"]):
            _attribute(element, str(name))
            local["attributes"].pop(str(name), None)  # IISCONFIG-8
    elif action == "add":
        if element.entry is None:
            raise IisError(THROWN, 0x80131501, f"<{element.name}> is not a collection")
        entry = iisdoc.node()
        for child in element.entry.children:
            entry["children"][child.name] = iisdoc.node(collection=[] if child.entry else None)
        for name in sorted(edit["attributes"]):
            attr = _attribute(element.entry, name)
            entry["attributes"][name] = _value(attr, edit["attributes"][name])
            if attr.encrypted:
                entry[iisdoc.WRITES] = 1
        key = _key_of(element.entry, entry)
        visible = _visible_entries(doc, section, location, steps, local)
        if any(_key_of(element.entry, other) == key for other in visible):
            raise _duplicate(element.entry, entry)
        local["collection"] = [*(local["collection"] or []), entry]
    elif action == "remove":
        if not steps or isinstance(steps[-1], str) or target.parent is None:
            raise IisError(THROWN, 0x80131501, "edit 'remove' needs the entry's key as the last step of element")
        target.parent.remove(local)
    elif action == "clear":
        if element.entry is None:
            raise IisError(THROWN, 0x80131501, f"<{element.name}> is not a collection")
        if _visible_entries(doc, section, location, steps, local, inherited_only=True):
            local["cleared"] = True
        local["collection"] = []
    else:
        raise IisError(THROWN, 0x80131501, f"unknown edit action '{action}'")


def _visible_entries(
    doc: iisdoc.Doc, section: schema.Section, location: str, steps: list[Any], local: Node, inherited_only: bool = False
) -> list[Node]:
    """The entries a collection has in effect at the edit's level: inherited ones (only for a section's own
    collection: entries of an entry are never inherited separately) and, unless ``inherited_only``, its own."""
    inherited: list[Node] = []
    if section.path != schema.SITES and all(isinstance(step, str) for step in steps):
        for _level, layer in _chain(doc, section.path, location, False):
            holder: Node | None = layer
            for step in steps:
                holder = (holder or {}).get("children", {}).get(step)
            if holder is not None and holder is not local:
                inherited.extend(holder.get("collection") or [])
    return inherited if inherited_only else inherited + list(local["collection"] or [])


# --- bindings -----------------------------------------------------------------------------------------


def _site(doc: iisdoc.Doc, name: str) -> Node:
    found = next((s for s in doc["sites"] if str(s["attributes"]["name"]).casefold() == name.casefold()), None)
    if found is None:
        raise IisError(THROWN, 0x80131501, f"site '{name}' does not exist")
    return found


def _binding_schema() -> schema.Element:
    site = schema.SECTIONS[schema.SITES].element.entry
    bindings = None if site is None else site.child("bindings")
    if bindings is None or bindings.entry is None:
        raise AssertionError("sites/site/bindings is a collection")
    return bindings.entry


def _binding(edit: Mapping[str, Any], information: str) -> Node:
    flags = _value(_attribute(_binding_schema(), "sslFlags"), int(edit.get("ssl_flags") or 0))
    return iisdoc.node({"protocol": str(edit["protocol"]), "bindingInformation": information, "sslFlags": flags})


def _binding_edit(doc: iisdoc.Doc, edit: Mapping[str, Any], rewrites: list[dict[str, Any]]) -> None:
    site = _site(doc, str(edit["site"]))
    bindings = site["children"]["bindings"]["collection"]
    binding_schema = _binding_schema()
    action = str(edit["action"])
    if action == "binding_add":
        new = _binding(edit, str(edit["binding_information"]))
    else:
        wanted = iisdoc.node({"protocol": edit["protocol"], "bindingInformation": edit["binding_information"]})
        old = next((b for b in bindings if _key_of(binding_schema, b) == _key_of(binding_schema, wanted)), None)
        if old is None:
            name, information = site["attributes"]["name"], edit["binding_information"]
            raise IisError(THROWN, 0x80131501, f"site '{name}' has no {edit['protocol']} binding '{information}'")
        bindings.remove(old)  # Remove(binding, $true): the HTTP.sys record stays (BINDING-2)
        if action == "binding_remove":
            return
        if action != "binding_replace":
            raise IisError(THROWN, 0x80131501, f"unknown edit action '{action}'")
        new = _binding(edit, str(edit["new_binding_information"]))
    if any(_key_of(binding_schema, b) == _key_of(binding_schema, new) for b in bindings):
        raise _duplicate(binding_schema, new)
    bindings.append(new)
    # A Central Certificate Store binding names no certificate; IIS writes its port's ccs record (BINDING-9).
    if str(edit.get("certificate_hash") or "") or int(edit.get("ssl_flags") or 0) & iisbinding.CENTRAL_CERT_STORE:
        rewrites.append(
            {
                "binding": new,
                "cert_hash": str(edit.get("certificate_hash") or "").upper(),
                "cert_store": str(edit.get("certificate_store") or "MY"),
            }
        )


def _commit_rewrites(state: State, doc: iisdoc.Doc, rewrites: list[dict[str, Any]]) -> None:
    """BINDING-7: IIS writes the HTTP.sys record of each added binding with a certificate (or of its port, ccs, for a
    Central Certificate Store binding, HTTPSYS-14) when it commits."""
    live = [b for s in doc["sites"] for b in s["children"]["bindings"]["collection"]]
    for rewrite in rewrites:
        binding = rewrite["binding"]
        if not any(binding is other for other in live):
            continue
        information, flags = binding["attributes"]["bindingInformation"], int(binding["attributes"].get("sslFlags", 0))
        iisbinding.write_record(state, information, flags, rewrite["cert_hash"], rewrite["cert_store"])


# --- Invoke-MtlsWinIisEdit ----------------------------------------------------------------------------


def invoke_edit(
    state: State, edits: list[Mapping[str, Any]], reads: list[Mapping[str, Any]], no_commit: bool
) -> dict[str, Any]:
    """``Invoke-MtlsWinIisEdit`` (IISCONFIG-9): the edits in order on one document; a failed edit stops the batch and
    nothing is committed; the reads see the pending edits; one commit unless ``no_commit`` or there are no edits."""
    _require(state)
    doc = iisdoc.load(state)
    rewrites: list[dict[str, Any]] = []
    outcome: dict[str, Any] = {"committed": False, "failed_edit": None, "error": None, "sections": []}
    for index, edit in enumerate(edits):
        try:
            if str(edit.get("action", "")).startswith("binding_"):
                _binding_edit(doc, edit, rewrites)
            else:
                _config_edit(doc, edit)
        except IisError as err:
            outcome.update(failed_edit=index, error=str(err))
            return outcome
    outcome["sections"] = [
        read_section(doc, str(r["section"]), str(r.get("location") or ""), bool(r.get("merged"))) for r in reads
    ]
    if no_commit or not edits:
        return outcome
    try:
        iisdoc.store(doc, state)
        _commit_rewrites(state, doc, rewrites)
    except WindowsError_ as err:  # HTTP.sys refused a record: the file is written, the record is not (IISCONFIG-9)
        outcome["error"] = f"{COM} 0x80070057: {err}"
        return outcome
    outcome["committed"] = True
    return outcome


# --- Read-MtlsWinIisConfigFile ------------------------------------------------------------------------


def _xml(parent: ElementTree.Element, element: schema.Element, node: Node, tag: str | None = None) -> None:
    out = ElementTree.SubElement(parent, tag or element.name)
    for name, value in node["attributes"].items():
        attr = element.attribute(name)
        if attr is None:
            continue
        # An encrypted attribute is on disk as the provider's ciphertext, never the secret (IISCONFIG-6).
        out.set(name, ENCRYPTED if attr.encrypted else schema.text(attr, value))
    if node.get("cleared"):
        ElementTree.SubElement(out, "clear")
    for child in element.children:
        if child.name in node["children"]:
            sub = node["children"][child.name]
            if sub["attributes"] or sub["children"] or sub["collection"] or sub.get("cleared"):
                _xml(out, child, sub)
    if element.entry is not None:
        for entry in node["collection"] or []:
            _xml(out, element.entry, entry)


def _sections_xml(parent: ElementTree.Element, sections: Mapping[str, Node]) -> None:
    for path, node in sections.items():
        *groups, _name = path.split("/")
        holder = parent
        for group in groups:
            found = holder.find(group)
            holder = found if found is not None else ElementTree.SubElement(holder, group)
        _xml(holder, schema.SECTIONS[path].element, node)


def read_config_file(state: State) -> str:
    """``Read-MtlsWinIisConfigFile``: applicationHost.config as committed, in the shape the utils parse (IISCONFIG-2):
    ``/configuration/system.applicationHost/sites`` and one ``/configuration/location[@path]`` per location path."""
    _require(state)
    doc = iisdoc.load(state)
    root = ElementTree.Element("configuration")
    sites = iisdoc.node(collection=doc["sites"])
    host = ElementTree.SubElement(root, "system.applicationHost")
    _xml(host, schema.SECTIONS[schema.SITES].element, sites)
    _sections_xml(root, doc["levels"][""])
    for path, sections in doc["levels"].items():
        if path and sections:
            location = ElementTree.SubElement(root, "location", {"path": path})
            _sections_xml(location, sections)
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"
