"""IIS authentication sections: client certificate mapping (IIS one-to-one / many-to-one, AD) and anonymous.

Windows facts followed (the project's REFERENCE.md, "IIS client certificate mapping"), as the module
``plugins/module_utils/IisAuth.psm1`` applies them:

- ``iisClientCertificateMappingAuthentication``, ``clientCertificateMappingAuthentication`` (AD mapping) and
  ``anonymousAuthentication`` are in IIS's own schema whatever features are installed (WINDOWS_FACTS AUTH-1,
  issue 10 item 9): Web-Cert-Auth and Web-Client-Auth add the modules that act on them. So gather always returns
  the sections and the ops write them without the features too (configuration nothing executes then); whether
  a feature is there is the ``features`` scope's answer.
- Schema defaults and enum names are :mod:`winmodel.iisschema`'s (AUTH-4, IISCONFIG-16): the IIS mapping section's
  ``enabled`` false, one-to-one and many-to-one enabled true, ``logonMethod`` ClearText, ``defaultLogonDomain`` "";
  AD mapping ``enabled`` false; anonymous ``enabled`` false in the schema, true as a fresh install writes it at the
  server level (:func:`winmodel.state.new_iis`). Attributes inherit one by one: location path, its parent paths, the
  server level, the schema default.
- ``oneToOneMappings/add`` is keyed by ``certificate``, the base64 of the client certificate's DER on one
  line (IIS compares it with the certificate it receives, so a PEM header or a line break never matches: the
  op refuses them, AUTH-6). A mapping stored with line breaks (seeded) is gathered exactly as stored, and
  ``one_to_one_set`` replaces it by one on one line, which needs the password (it cannot be read).
  ``manyToOneMappings/add`` is keyed by ``name``, compared case-insensitively as the schema keys it (IISCONFIG-7,
  issue 10 item 13): an op naming ``Partners`` updates ``partners`` and rewrites its name. A mapping holds
  ``rules/add`` with ``certificateField`` Subject or Issuer only, ``certificateSubField``, ``matchCriteria``,
  ``compareCaseSensitive``; two rules with the same field, subfield and match (any case) are refused (AUTH-8).
  A mapping needs a ``userName``.
- Mappings written at the server level are inherited by every site: gather lists them first with ``inherited``
  true. The collections have no ``<remove>`` element (AUTH-7), so an op that would change or remove an inherited
  mapping at a site fails and changes nothing.
- **Passwords are write-only**: stored (``password``) with a count of writes (``password_writes``), never
  returned by gather, never compared. An op given a password writes it and reports changed.
- Mappings are honoured at site level only (AUTH-3): the ops write at a site's location path (the site name),
  and gather lists in ``below_site`` the location paths under a site that hold an explicit
  ``iisClientCertificateMappingAuthentication`` section (IIS ignores it there; only seeding creates one).
  ``section_clear`` removes such a section element (``RevertToParent``, IISCONFIG-10).
- IIS many-to-one mapping and AD mapping are mutually exclusive on a site. The conflict is what the module
  checks (``Assert-MtlsIisAuthConsistent``): the IIS mapping section enabled, many-to-one mappings enabled,
  at least one many-to-one mapping, and AD mapping enabled. Like the module, the simulator checks once before a
  run of IIS ops that changed something commits, for the sites the run changed (:func:`run_conflict`); a refused
  run is discarded whole (settled by the differential test, issue 20).

State layout: the sections live in ``state["iis"]["locations"][path]["auth"]`` beside ``sslFlags`` (one
``<location path>`` of applicationHost.config), the server level in ``state["iis"]["server_auth"]``::

    {"iisClientCertificateMappingAuthentication": {
        "attributes": {"enabled": true},
        "oneToOneMappings": [{"certificate": "MII...", "userName": "CONTOSO\\\\svc", "enabled": true,
                              "password": null, "password_writes": 0}],
        "manyToOneMappings": [{"name": "partners", "description": "", "enabled": true,
                               "permissionMode": "Allow", "userName": "CONTOSO\\\\svc", "password": "...",
                               "password_writes": 1,
                               "rules": [{"certificateField": "Subject", "certificateSubField": "O",
                                          "matchCriteria": "Fabrikam*", "compareCaseSensitive": true}]}]},
     "clientCertificateMappingAuthentication": {"attributes": {"enabled": false}},
     "anonymousAuthentication": {"attributes": {"enabled": false}}}
"""

from __future__ import annotations

import base64
import binascii
import copy
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from winmodel import features as winfeatures
from winmodel import iis as winiis
from winmodel import iisschema as schema
from winmodel.errors import StateError
from winmodel.state import State, new_iis

from simhost import iis
from simhost.errors import OpError

SECTION_PREFIX = schema.AUTH_PREFIX
IIS_MAPPING = "iisClientCertificateMappingAuthentication"
AD_MAPPING = "clientCertificateMappingAuthentication"
ANONYMOUS = "anonymousAuthentication"

# Enum names, defaults and collection keys are the IIS schema's (winmodel.iisschema: AUTH-4, AUTH-8, IISCONFIG-7,
# IISCONFIG-16); this module keeps what the ops add to them.
LOGON_METHODS: tuple[str, ...] = tuple(schema.LOGON_METHODS)
PERMISSIONS: tuple[str, ...] = tuple(schema.PERMISSION_MODES)
RULE_FIELDS: tuple[str, ...] = tuple(schema.CERTIFICATE_FIELDS)
RULE_KEYS: tuple[str, ...] = ("field", "subfield", "match", "case_sensitive")

ONE_TO_ONE = "one_to_one"
MANY_TO_ONE = "many_to_one"


@dataclass(frozen=True)
class Section:
    """One authentication section: its IIS name and the attributes ``auth_set`` writes (the op contract); their
    types and defaults are the schema's."""

    name: str
    written: tuple[str, ...]

    @property
    def path(self) -> str:
        return SECTION_PREFIX + self.name

    def attribute(self, name: str) -> schema.Attr:
        attr = schema.SECTIONS[self.path].element.attribute(name)
        if attr is None:
            raise AssertionError(f"{self.path} declares {name}")
        return attr


#: The contract's section names (``auth_set``'s ``section``) -> the sections.
SECTIONS: dict[str, Section] = {
    "iis_mapping": Section(
        IIS_MAPPING,
        (
            "enabled",
            "oneToOneCertificateMappingsEnabled",
            "manyToOneCertificateMappingsEnabled",
            "logonMethod",
            "defaultLogonDomain",
        ),
    ),
    "ad_mapping": Section(AD_MAPPING, ("enabled",)),
    "anonymous": Section(ANONYMOUS, ("enabled",)),
}

_BY_IIS_NAME: dict[str, str] = {section.name.casefold(): key for key, section in SECTIONS.items()}


def section_key(name: str) -> str:
    """The contract name of a section given by its contract name or its IIS name (seeding accepts both)."""
    if name in SECTIONS:
        return name
    short = name.rsplit("/", 1)[-1].casefold()
    if short in _BY_IIS_NAME:
        return _BY_IIS_NAME[short]
    raise StateError(f"unknown authentication section {name!r}; known: {', '.join(SECTIONS)}")


# --- storage ------------------------------------------------------------------------------------------


def _iis_state(state: State) -> dict[str, Any]:
    store = state.get("iis")
    if store is None:
        store = state["iis"] = new_iis()
    return store


def _server(state: State) -> dict[str, Any]:
    server = _iis_state(state).get("server_auth")
    if server is None:  # a host file from before authentication was simulated: what a fresh install writes
        server = _iis_state(state)["server_auth"] = copy.deepcopy(new_iis()["server_auth"])
    return server


def _explicit(state: State, path: str, key: str) -> dict[str, Any] | None:
    """The section element written at exactly ``path`` ("" = server level), or None."""
    name = SECTIONS[key].name
    if not path:
        return _server(state).get(name)
    stored = iis.find_location(state, path)
    if stored is None:
        return None
    return _iis_state(state)["locations"][stored].get("auth", {}).get(name)


def _element(state: State, path: str, key: str) -> dict[str, Any]:
    """The section element at ``path`` ("" = server level), created (empty) when missing."""
    name = SECTIONS[key].name
    if not path:
        holder = _server(state)
    else:
        locations = _iis_state(state)["locations"]
        stored = iis.find_location(state, path) or path
        holder = locations.setdefault(stored, {}).setdefault("auth", {})
    element = holder.setdefault(name, {})
    element.setdefault("attributes", {})
    if key == "iis_mapping":
        element.setdefault("oneToOneMappings", [])
        element.setdefault("manyToOneMappings", [])
    return element


def effective_attributes(state: State, path: str, key: str) -> dict[str, Any]:
    """The attributes ``auth_set`` writes as in effect at ``path`` ("" = server level): the Windows model's
    inheritance (nearest explicit ancestor, server level, schema default; :func:`winmodel.iis.attributes_in_effect`)."""
    values = winiis.attributes_in_effect(state, SECTIONS[key].path, path)
    return {attribute: values[attribute] for attribute in SECTIONS[key].written}


def effective(state: State, path: str, key: str, attribute: str) -> Any:
    """The value of one attribute at ``path`` (:func:`effective_attributes`)."""
    return effective_attributes(state, path, key)[attribute]


def _mappings(state: State, path: str, collection: str) -> list[dict[str, Any]]:
    """The mappings written at exactly ``path`` ("" = server level)."""
    element = _explicit(state, path, "iis_mapping")
    return [] if element is None else element.get(collection, [])


def mappings_in_effect(state: State, site: str, collection: str) -> list[tuple[dict[str, Any], bool]]:
    """(mapping, inherited) of a site: the server level's first, then the site's own (IIS appends local entries)."""
    inherited = [(m, True) for m in _mappings(state, "", collection)]
    return inherited + [(m, False) for m in _mappings(state, site, collection)]


def _refuse_inherited(site: str, what: str, collection: str) -> OpError:
    return OpError(
        f"{what} is inherited by site '{site}' from the server level of applicationHost.config; the {collection} "
        "collection has no <remove> element, so IIS cannot remove or change it at the site: change it at the "
        "server level"
    )


def compact_certificate(stored: str) -> str:
    """A stored certificate blob on one line (IIS Manager may store line breaks; the contract returns one line)."""
    return re.sub(r"\s", "", stored)


# --- checks -------------------------------------------------------------------------------------------


def check_location(location: str) -> None:
    """Refuse a location that is not a site: mappings are honoured at site level only."""
    if not location.strip():
        raise OpError(
            "location is empty (the server level); authentication settings are written per site "
            "(the site name, e.g. 'Default Web Site')"
        )
    if location.startswith("/"):
        raise OpError(f"location '{location}' starts with '/': applicationHost.config paths look like 'Site'")
    if "/" in location or "\\" in location:
        raise OpError(
            f"location '{location}' is not a site name; IIS honours client certificate mappings at site level "
            "only, so they are written at the site ('Default Web Site'), not at an application or directory"
        )


def _target_site(state: State, location: str) -> str:
    """The site an auth op writes at (as IIS spells it); fails for a missing site or IIS."""
    check_location(location)
    name, _site = iis.require_site(state, location)
    return name


def _existing_site(state: State, location: str) -> str | None:
    """For the remove ops: the site, or None when it does not exist (nothing to remove)."""
    check_location(location)
    if not winfeatures.iis_installed(state):
        raise OpError(iis.NOT_INSTALLED)
    found = iis.find_site(state, location)
    return None if found is None else found[0]


def check_certificate(certificate: str) -> str:
    """A one-to-one mapping's certificate: base64 of a DER certificate, on one line."""
    if not certificate.strip():
        raise OpError(
            "certificate is empty; give the client certificate's DER as base64 (no PEM header, no line breaks)"
        )
    if "-----" in certificate:
        raise OpError(
            "certificate is PEM; IIS compares the base64 DER on one line without the BEGIN/END lines, "
            "so this mapping would never match"
        )
    if re.search(r"\s", certificate):
        raise OpError(
            "certificate contains line breaks or spaces; IIS compares the base64 DER on one line, "
            "so this mapping would never match"
        )
    try:
        der = base64.b64decode(certificate, validate=True)
    except (binascii.Error, ValueError):
        raise OpError("certificate is not valid base64 (IIS keys one-to-one mappings by the base64 DER)") from None
    try:
        x509.load_der_x509_certificate(der)
    except ValueError:
        raise OpError("certificate is base64 but not of a DER X.509 certificate") from None
    return certificate


def check_user(user: Any, what: str) -> str:
    if not isinstance(user, str) or not user.strip():
        raise OpError(
            f"{what} has no user; IIS refuses a certificate mapping without the Windows account it maps to "
            "(user, e.g. 'CONTOSO\\svc-api')"
        )
    return user


def choice(value: Any, choices: tuple[str, ...], what: str) -> str:
    if isinstance(value, str):
        for choice in choices:
            if choice.casefold() == value.strip().casefold():
                return choice
    raise OpError(f"{what} '{value}' is not one of {', '.join(choices)}")


def _check_bool(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise OpError(f"{what} must be true or false, got '{value}'")
    return value


def check_attributes(key: str, attributes: Mapping[str, Any]) -> dict[str, Any]:
    """Validated attribute values (enum names canonical); unknown names (case-sensitive) fail."""
    section = SECTIONS[key]
    wanted: dict[str, Any] = {}
    for name in sorted(attributes):
        if name not in section.written:
            known = ", ".join(section.written)
            raise OpError(f"section {key} has no attribute '{name}' that auth_set writes; known: {known}")
        value = attributes[name]
        attr = section.attribute(name)
        if attr.kind == "bool":
            value = _check_bool(value, f"{key} attribute {name}")
        elif attr.kind == "enum":
            value = choice(value, tuple(attr.values), f"{key} attribute {name}")
        elif not isinstance(value, str):
            raise OpError(f"{key} attribute {name} must be text, got '{value}'")
        wanted[name] = value
    return wanted


def check_rules(rules: Any) -> list[dict[str, Any]]:
    """The rules of a many-to-one mapping, as IIS stores them; a field other than Subject/Issuer fails."""
    if not isinstance(rules, list):
        raise OpError("rules must be a list of {field, subfield, match, case_sensitive}")
    stored: list[dict[str, Any]] = []
    for position, rule in enumerate(rules):
        if not isinstance(rule, Mapping):
            raise OpError(f"rule {position} is not a dictionary of field, subfield, match, case_sensitive")
        unknown = sorted(set(rule) - set(RULE_KEYS))
        if unknown:
            raise OpError(f"rule {position} has unknown key(s) {', '.join(unknown)}; a rule has {', '.join(RULE_KEYS)}")
        missing = [name for name in RULE_KEYS if name not in rule]
        if missing:
            raise OpError(f"rule {position} lacks {', '.join(missing)}")
        field = rule["field"]
        if not isinstance(field, str) or field.strip().casefold() not in {f.casefold() for f in RULE_FIELDS}:
            raise OpError(
                f"rule {position} field '{field}' is not Subject or Issuer; IIS many-to-one rules match only "
                "those two certificate fields"
            )
        subfield, match = rule["subfield"], rule["match"]
        if not isinstance(subfield, str) or not subfield.strip():
            raise OpError(f"rule {position} has no subfield (CN, O, OU, L, S, C...)")
        if not isinstance(match, str) or not match:
            raise OpError(f"rule {position} has no match text (wildcards allowed, e.g. 'Fabrikam*')")
        entry = {
            "certificateField": choice(field, RULE_FIELDS, f"rule {position} field"),
            "certificateSubField": subfield,
            "matchCriteria": match,
            "compareCaseSensitive": _check_bool(rule["case_sensitive"], f"rule {position} case_sensitive"),
        }
        for earlier, other in enumerate(stored):
            if _rule_key(other) == _rule_key(entry):
                raise OpError(
                    f"rule {position} repeats rule {earlier} ({entry['certificateField']} {subfield} = {match}); IIS "
                    "keys many-to-one rules by field, subfield and match, so list each once"
                )
        stored.append(entry)
    return stored


def _rule_key(rule: Mapping[str, Any]) -> tuple[Any, ...]:
    """What IIS keys a rule by: field, subfield and match together (WINDOWS_FACTS AUTH-8, IISCONFIG-7)."""
    return schema.MAPPING_RULE.key_of({**rule, "certificateField": schema.CERTIFICATE_FIELDS[rule["certificateField"]]})


def conflict(state: State, site: str) -> str | None:
    """Why IIS refuses the site's configuration (many-to-one with AD mapping, AUTH-5), or None."""
    count = len(mappings_in_effect(state, site, "manyToOneMappings"))
    many_to_one_on = (
        effective(state, site, "iis_mapping", "enabled")
        and effective(state, site, "iis_mapping", "manyToOneCertificateMappingsEnabled")
        and count > 0
    )
    if many_to_one_on and effective(state, site, "ad_mapping", "enabled"):
        return (
            "IIS refuses many-to-one client certificate mappings together with Active Directory client "
            f"certificate mapping on one site, and this op would enable both on site '{site}' ({count} "
            "many-to-one mapping(s)); disable one of them (iis_mapping manyToOneCertificateMappingsEnabled or "
            "enabled false, no many-to-one mappings, or ad_mapping enabled false)"
        )
    return None


#: Transient key of the state (never saved): the sites whose authentication an op of the uncommitted IIS run changed.
CHANGED_SITES = "_auth_changed_sites"


def _consistent(state: State, site: str, change: Callable[[], bool]) -> bool:
    """Run one auth op's change atomically (a failing op changes nothing); a change is checked when the run commits
    (:func:`run_conflict`), as host_state.ps1 checks once per committed run of IIS ops (Assert-MtlsIisAuthConsistent;
    settled by the differential test, issue 20)."""
    before = copy.deepcopy(_iis_state(state))
    try:
        changed = change()
    except OpError:
        state["iis"] = before
        raise
    if changed:
        _note_changed(state, site)
    return changed


def _note_changed(state: State, site: str) -> None:
    sites = state.setdefault(CHANGED_SITES, [])
    if site.casefold() not in {name.casefold() for name in sites}:
        sites.append(site)


def run_conflict(state: State) -> str | None:
    """Before an IIS run commits: why IIS refuses the sites whose authentication the run changed (many-to-one with AD
    mapping, AUTH-5), as host_state.ps1 words it, or None. Forgets the sites either way."""
    conflicts = []
    for site in sorted(state.pop(CHANGED_SITES, []), key=str.casefold):
        if iis.find_site(state, site) is None:
            continue
        count = len(mappings_in_effect(state, site, "manyToOneMappings"))
        if conflict(state, site) is not None:
            conflicts.append(f"'{site}' ({count} many-to-one mapping(s))")
    if not conflicts:
        return None
    return (
        "IIS refuses many-to-one client certificate mappings together with Active Directory client certificate "
        f"mapping on one site, and these ops would enable both on site(s) {', '.join(conflicts)}; disable one of them "
        "(iis_mapping manyToOneCertificateMappingsEnabled or enabled false, no many-to-one mappings, or ad_mapping "
        "enabled false)"
    )


# --- ops ----------------------------------------------------------------------------------------------


def _write_password(mapping: dict[str, Any], password: str | None) -> None:
    if password is not None:
        mapping["password"] = password
        mapping["password_writes"] = int(mapping.get("password_writes", 0)) + 1


def auth_set(state: State, location: str, key: str, attributes: Mapping[str, Any]) -> bool:
    """Op ``auth_set``: write the given attributes that differ from their value at the site."""
    if key not in SECTIONS:
        raise OpError(f"unknown section '{key}'; auth_set knows {', '.join(SECTIONS)}")
    wanted = check_attributes(key, attributes)
    site = _target_site(state, location)

    def change() -> bool:
        differing = {name: value for name, value in wanted.items() if effective(state, site, key, name) != value}
        if differing:
            _element(state, site, key)["attributes"].update(differing)
        return bool(differing)

    return _consistent(state, site, change)


def _one_to_one_matches(state: State, site: str, certificate: str) -> list[tuple[dict[str, Any], bool]]:
    """(mapping, inherited) whose stored certificate, without whitespace, is this one."""
    return [
        (m, inherited)
        for m, inherited in mappings_in_effect(state, site, "oneToOneMappings")
        if compact_certificate(m["certificate"]) == certificate
    ]


def one_to_one_set(
    state: State, location: str, certificate: str, user: Any, enabled: bool, password: str | None
) -> bool:
    """Op ``one_to_one_set``: add or update the mapping keyed by the certificate blob; a copy stored with line
    breaks is replaced by one on one line, which needs the password (AUTH-6)."""
    certificate = check_certificate(certificate)
    user = check_user(user, "the one-to-one mapping")
    site = _target_site(state, location)
    what = f"the one-to-one mapping of user '{user}'"

    def change() -> bool:
        found = _one_to_one_matches(state, site, certificate)
        exact = [(m, inherited) for m, inherited in found if m["certificate"] == certificate]
        stale = [(m, inherited) for m, inherited in found if m["certificate"] != certificate]
        if exact:
            mapping, inherited = exact[0]
            if mapping["userName"] == user and mapping["enabled"] == enabled and password is None and not stale:
                return False
            if inherited:
                raise _refuse_inherited(site, what, "oneToOneMappings")
        elif stale and password is None:
            raise OpError(
                f"{what} is stored with line breaks or spaces in its certificate, so IIS never matches it; replacing "
                "it needs the account's password, which cannot be read back: give the mapping's password"
            )
        if any(inherited for _unused, inherited in stale):
            raise _refuse_inherited(site, what, "oneToOneMappings")
        mappings = _element(state, site, "iis_mapping")["oneToOneMappings"]
        mappings[:] = [m for m in mappings if all(m is not old for old, _unused in stale)]
        if exact:
            mapping = exact[0][0]
            mapping.update(userName=user, enabled=enabled)
        else:
            mapping = {"certificate": certificate, "userName": user, "enabled": enabled}
            mapping.update(password=None, password_writes=0)
            mappings.append(mapping)
        _write_password(mapping, password)
        return True

    return _consistent(state, site, change)


def one_to_one_remove(state: State, location: str, certificate: str) -> bool:
    """Op ``one_to_one_remove``: removes the mapping and copies stored with line breaks; no-op when the mapping
    (or the site) is not there; an inherited one is refused (AUTH-7)."""
    certificate = check_certificate(certificate)
    site = _existing_site(state, location)
    if site is None:
        return False

    def change() -> bool:
        found = _one_to_one_matches(state, site, certificate)
        for mapping, inherited in found:
            if inherited:
                what = f"the one-to-one mapping of user '{mapping['userName']}'"
                raise _refuse_inherited(site, what, "oneToOneMappings")
        element = _explicit(state, site, "iis_mapping")
        if element is None or not found:
            return False
        element["oneToOneMappings"] = [
            m for m in element["oneToOneMappings"] if all(m is not f for f, _unused in found)
        ]
        return True

    return _consistent(state, site, change)


def _name_key(name: str) -> tuple[Any, ...]:
    """A many-to-one mapping's key: its name, without case (IISCONFIG-7, the schema's key)."""
    return schema.MANY_TO_ONE_ENTRY.key_of({"name": name})


def _find_many_to_one(state: State, site: str, name: str) -> tuple[dict[str, Any], bool] | None:
    """The many-to-one mapping of a site with this name in any case (IISCONFIG-7), and whether it is inherited."""
    found = mappings_in_effect(state, site, "manyToOneMappings")
    return next(((m, inherited) for m, inherited in found if _name_key(m["name"]) == _name_key(name)), None)


def many_to_one_set(
    state: State,
    location: str,
    name: str,
    description: str | None,
    enabled: bool,
    permission: str,
    user: Any,
    rules: Any,
    password: str | None,
) -> bool:
    """Op ``many_to_one_set``: add or update the mapping with this name in any case (rewriting the name when only
    its case differs), replacing its rules when they differ."""
    if not name.strip():
        raise OpError("name is empty; a many-to-one mapping is keyed by its name")
    description = description or ""
    user = check_user(user, f"many-to-one mapping '{name}'")
    permission = choice(permission, PERMISSIONS, "permission")
    wanted_rules = check_rules(rules)
    site = _target_site(state, location)
    wanted = {
        "name": name,
        "description": description,
        "enabled": enabled,
        "permissionMode": permission,
        "userName": user,
        "rules": wanted_rules,
    }

    def change() -> bool:
        found = _find_many_to_one(state, site, name)
        if found is None:
            mapping = {**wanted, "password": None, "password_writes": 0}
            _write_password(mapping, password)
            _element(state, site, "iis_mapping")["manyToOneMappings"].append(mapping)
            return True
        mapping, inherited = found
        if all(mapping[field] == value for field, value in wanted.items()) and password is None:
            return False
        if inherited:
            raise _refuse_inherited(site, f"many-to-one mapping '{mapping['name']}'", "manyToOneMappings")
        mapping.update(wanted)
        _write_password(mapping, password)
        return True

    return _consistent(state, site, change)


def many_to_one_remove(state: State, location: str, name: str) -> bool:
    """Op ``many_to_one_remove``: the mapping with this name in any case; no-op when it (or the site) is not
    there; an inherited one is refused (AUTH-7)."""
    if not name.strip():
        raise OpError("name is empty; a many-to-one mapping is keyed by its name")
    site = _existing_site(state, location)
    if site is None:
        return False

    def change() -> bool:
        found = _find_many_to_one(state, site, name)
        if found is None:
            return False
        mapping, inherited = found
        if inherited:
            raise _refuse_inherited(site, f"many-to-one mapping '{mapping['name']}'", "manyToOneMappings")
        element = _explicit(state, site, "iis_mapping")
        assert element is not None
        element["manyToOneMappings"] = [m for m in element["manyToOneMappings"] if m is not mapping]
        return True

    return _consistent(state, site, change)


def section_clear(state: State, location: str) -> bool:
    """Op ``section_clear`` for ``iis_mapping``: the section element at exactly ``location`` goes (RevertToParent,
    IISCONFIG-10); no-op when none is written there."""
    iis.location_segments(location)
    if not winfeatures.iis_installed(state):
        raise OpError(iis.NOT_INSTALLED)
    stored = iis.find_location(state, location)
    if stored is None or IIS_MAPPING not in _iis_state(state)["locations"][stored].get("auth", {}):
        return False
    seed_clear_section(state, location, "iis_mapping")
    _note_changed(state, location.split("/", 1)[0])
    return True


# --- gather -------------------------------------------------------------------------------------------


def view_one_to_one(mapping: Mapping[str, Any], inherited: bool = False) -> dict[str, Any]:
    """A one-to-one mapping as gather shows it: the certificate as stored, never its password."""
    return {
        "certificate": mapping["certificate"],
        "user": mapping["userName"],
        "enabled": mapping["enabled"],
        "inherited": inherited,
    }


def view_many_to_one(mapping: Mapping[str, Any], inherited: bool = False) -> dict[str, Any]:
    """A many-to-one mapping as gather shows it: never its password."""
    return {
        "name": mapping["name"],
        "description": mapping["description"],
        "enabled": mapping["enabled"],
        "permission": mapping["permissionMode"],
        "user": mapping["userName"],
        "rules": [
            {
                "field": rule["certificateField"],
                "subfield": rule["certificateSubField"],
                "match": rule["matchCriteria"],
                "case_sensitive": rule["compareCaseSensitive"],
            }
            for rule in mapping["rules"]
        ],
        "inherited": inherited,
    }


def _view_iis_mapping(state: State, site: str) -> dict[str, Any]:
    values = effective_attributes(state, site, "iis_mapping")
    return {
        "enabled": values["enabled"],
        "one_to_one_enabled": values["oneToOneCertificateMappingsEnabled"],
        "many_to_one_enabled": values["manyToOneCertificateMappingsEnabled"],
        "logon_method": values["logonMethod"],
        "default_logon_domain": values["defaultLogonDomain"],
        "one_to_one": [view_one_to_one(m, i) for m, i in mappings_in_effect(state, site, "oneToOneMappings")],
        "many_to_one": [view_many_to_one(m, i) for m, i in mappings_in_effect(state, site, "manyToOneMappings")],
    }


def below_site(state: State, site: str) -> list[str]:
    """Location paths under the site with an explicit IIS mapping section, as applicationHost.config writes them."""
    prefix = site.casefold() + "/"
    return sorted(
        (
            path
            for path, location in _iis_state(state)["locations"].items()
            if path.casefold().startswith(prefix) and IIS_MAPPING in location.get("auth", {})
        ),
        key=str.casefold,
    )


def gather(state: State, sites: Iterable[str]) -> dict[str, Any]:
    """``snapshot.auth``: requested site name -> its sections at the site's location path, always all three
    (AUTH-1). A missing site is absent; no IIS gives ``{}``.
    """
    result: dict[str, Any] = {}
    if not winfeatures.iis_installed(state):
        return result
    for requested in sites:
        found = iis.find_site(state, requested)
        if found is None or requested.casefold() in {name.casefold() for name in result}:
            continue
        site = found[0]
        result[requested] = {
            "iis_mapping": _view_iis_mapping(state, site),
            "ad_mapping": {"enabled": effective(state, site, "ad_mapping", "enabled")},
            "anonymous": {"enabled": effective(state, site, "anonymous", "enabled")},
            "below_site": below_site(state, site),
        }
    return result


# --- seeding ------------------------------------------------------------------------------------------


def seed_attributes(state: State, location: str, key: str, attributes: Mapping[str, Any]) -> None:
    """Write attributes at any location path ("" = server level); None removes one. No op rules apply."""
    element = _element(state, location, key)
    try:
        checked = check_attributes(key, {name: value for name, value in attributes.items() if value is not None})
    except OpError as err:
        raise StateError(str(err)) from None
    for name, value in attributes.items():
        if value is None:
            element["attributes"].pop(name, None)
    element["attributes"].update(checked)


def seed_one_to_one(
    state: State, location: str, certificate: str, user: str, enabled: bool, password: str | None
) -> None:
    mappings = _element(state, location, "iis_mapping")["oneToOneMappings"]
    if any(compact_certificate(m["certificate"]) == compact_certificate(certificate) for m in mappings):
        raise StateError(f"location {location!r} already has a one-to-one mapping for that certificate")
    mapping = {"certificate": certificate, "userName": user, "enabled": enabled, "password": None}
    mapping["password_writes"] = 0
    _write_password(mapping, password)
    mappings.append(mapping)


def seed_many_to_one(state: State, location: str, mapping: Mapping[str, Any], password: str | None) -> None:
    mappings = _element(state, location, "iis_mapping")["manyToOneMappings"]
    if any(_name_key(m["name"]) == _name_key(mapping["name"]) for m in mappings):
        raise StateError(f"location {location!r} already has a many-to-one mapping named {mapping['name']!r}")
    stored = {**mapping, "password": None, "password_writes": 0}
    _write_password(stored, password)
    mappings.append(stored)


def stored_mappings(state: State, location: str, kind: str) -> list[dict[str, Any]]:
    """The mappings written at exactly that location path (``one_to_one`` / ``many_to_one``), as stored."""
    if kind not in (ONE_TO_ONE, MANY_TO_ONE):
        raise StateError(f"mapping kind {kind!r} is not {ONE_TO_ONE} or {MANY_TO_ONE}")
    return _mappings(state, location, "oneToOneMappings" if kind == ONE_TO_ONE else "manyToOneMappings")


def find_stored_mapping(state: State, location: str, kind: str, key: str) -> dict[str, Any] | None:
    for mapping in stored_mappings(state, location, kind):
        if kind == ONE_TO_ONE and compact_certificate(mapping["certificate"]) == compact_certificate(key):
            return mapping
        if kind == MANY_TO_ONE and _name_key(mapping["name"]) == _name_key(key):
            return mapping
    return None


def explicit_attributes(state: State, location: str, key: str) -> dict[str, Any]:
    element = _explicit(state, location, key)
    return {} if element is None else dict(element.get("attributes", {}))


def seed_clear_section(state: State, location: str, key: str) -> None:
    """Delete the section element written at exactly ``location`` (what an administrator does by hand)."""
    stored = iis.find_location(state, location)
    if stored is not None:
        body = _iis_state(state)["locations"][stored]
        body.get("auth", {}).pop(SECTIONS[key].name, None)
        # RevertToParent leaves no empty element, and a <location> without content is not kept (IISCONFIG-10;
        # settled by the differential test, issue 20).
        if not body.get("auth", True):
            del body["auth"]
        if not body:
            del _iis_state(state)["locations"][stored]
