"""Helpers for tests to seed and inspect a simulated host.

They work on the dict returned by :func:`winmodel.state.load_state`; the caller saves it with
:func:`winmodel.state.save_state`::

    state = load_state(host_file)
    add_cert(state, "Root", root.der)
    add_binding(state, "Default Web Site", "*:443:", certificate_hash=leaf.thumbprint)
    add_fault(state, "cert_remove", {"store": "Root"}, "Access is denied.")
    install_feature(state, "Web-Cert-Auth")
    set_auth(state, "Default Web Site", "iis_mapping", enabled=True)
    add_one_to_one(state, "Default Web Site", alice.der_b64, "CONTOSO\\alice", password="pw")
    set_tracing(state, "Default Web Site", enabled=True, rules=[{"path": "*", "status_codes": ["403.16"]}])
    reboot(state)
    save_state(host_file, state)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from winmodel import features as winfeatures
from winmodel import hive, iisbinding, stores, webconfig
from winmodel import httpsys as winhttpsys
from winmodel.errors import StateError
from winmodel.state import SCHANNEL_KEY, State

from simhost import auth, faults, features, iis, registry
from simhost import tracing as tracing_module
from simhost.errors import OpError
from simhost.faults import make_fault


def add_cert(state: State, store: str, der_bytes: bytes, has_private_key: bool = False) -> str:
    """Put a certificate in a store (created when missing); return its thumbprint."""
    stores.add_certificate(state, store, der_bytes, has_private_key=has_private_key)
    return stores.thumbprint_of(der_bytes)


def thumbprints(state: State, store: str) -> set[str]:
    """Thumbprints in a store (case-insensitive name); empty for a missing store."""
    return {cert["thumbprint"] for cert in stores.certificates(state, store)}


def store_exists(state: State, store: str) -> bool:
    return stores.store_exists(state, store)


def set_registry_value(state: State, name: str, value: Any, type: str = "REG_DWORD") -> None:
    """Set any value under the Schannel key, owned or not, of any type (seeding may do what ops may not)."""
    hive.set_value(state, SCHANNEL_KEY, name, value, type)


def schannel_value(state: State, name: str) -> Any:
    """The raw value of a Schannel registry value, or None when absent."""
    entry = hive.get_value(state, SCHANNEL_KEY, name)
    return None if entry is None else entry["value"]


def registry_values(state: State) -> dict[str, dict[str, Any]]:
    """Every value under the Schannel key, siblings included: ``{name: {"type", "value"}}``."""
    return hive.all_values(state, SCHANNEL_KEY)


def set_os_version(state: State, version: str) -> None:
    """The Windows version gather reports, e.g. ``10.0.14393`` (Server 2016) or ``10.0.17763`` (Server 2019)."""
    state["host"]["os_version"] = version


def reboot(state: State) -> None:
    """Restart the host: the boot advances and volatile registry keys go, so no Schannel change is pending."""
    hive.reboot(state)


def schannel_pending_reboot(state: State) -> bool:
    """What gather returns as ``schannel.pending_reboot``: the volatile marker key an op created exists."""
    return registry.schannel_pending_reboot(state)


def add_httpsys_binding(state: State, record: Mapping[str, Any]) -> None:
    """Add or replace an HTTP.sys SSL binding record (``key``, ``kind`` and any snapshot fields)."""
    winhttpsys.put_binding(state, dict(record))


def add_fault(state: State, op: str, match: Mapping[str, Any], message: str, stage: str | None = None) -> None:
    """Make ``op`` fail with ``message`` when its arguments match (see :mod:`simhost.faults`)."""
    state.setdefault("faults", []).append(make_fault(op, match, message, stage))


def add_connection_drop(state: State, before: str) -> None:
    """Lose the connection once, before the next module run in mode ``before`` (``gather``/``apply``) reaches the
    host (see :mod:`simhost.faults`)."""
    faults.add_connection_drop(state, before)


def clear_faults(state: State) -> None:
    """Remove every fault and pending connection drop."""
    faults.clear_faults(state)


# --- IIS and HTTP.sys -----------------------------------------------------------------------------------


def set_iis_installed(state: State, installed: bool) -> None:
    """Install or uninstall IIS (uninstalled: gather says ``available: false``, IIS ops fail)."""
    winfeatures.set_iis_installed(state, installed)


def add_site(state: State, name: str, id: int | None = None) -> int:
    """Create an IIS site without bindings; return its id (the next free one when not given)."""
    return iis.add_site(state, name, id)


def add_binding(
    state: State,
    site: str,
    binding_information: str,
    ssl_flags: int = 0,
    certificate_hash: str = "",
    certificate_store: str = "My",
    protocol: str = "https",
) -> None:
    """Add a binding to a site; with a certificate (or as a Central Certificate Store binding, sslFlags bit 2), also
    the HTTP.sys record IIS would write for it.

    The certificate need not be in the store (seeding may do what ops may not).
    """
    found = iis.find_site(state, site)
    if found is None:
        raise StateError(f"site {site!r} does not exist; add_site first")
    binding = {"protocol": protocol, "binding_information": binding_information, "ssl_flags": ssl_flags}
    try:
        iis.parse_binding_information(binding_information)
        has_record = certificate_hash or ssl_flags & iisbinding.CENTRAL_CERT_STORE
        endpoint = iis.httpsys_endpoint(binding_information, ssl_flags) if has_record else None
    except OpError as err:
        raise StateError(str(err)) from err
    found[1]["bindings"].append(binding)
    if endpoint is not None:
        kind, key = endpoint
        record = winhttpsys.iis_record(
            kind, key, certificate_hash, certificate_store, iisbinding.mirrored_flags(ssl_flags)
        )
        winhttpsys.put_binding(state, record)


def binding(state: State, site: str, binding_information: str) -> dict[str, Any] | None:
    """An https binding as gather shows it (certificate read from HTTP.sys), or None."""
    found = iis.find_site(state, site)
    entry = None if found is None else iis.find_binding(found[1], binding_information)
    return None if entry is None else iisbinding.view_binding(state, entry)


def httpsys_record(state: State, kind: str, key: str) -> dict[str, Any] | None:
    """The HTTP.sys record of that kind and key (host names case-insensitive), or None."""
    return winhttpsys.get_binding(state, key, kind)


def set_httpsys_options(state: State, kind: str, key: str, **fields: Any) -> None:
    """Set fields of an HTTP.sys record (``ctl_store_name``, ``default_flags``…); created when missing."""
    record = winhttpsys.get_binding(state, key, kind) or {"key": key, "kind": kind}
    record.update(fields)
    winhttpsys.put_binding(state, record)


def set_location_flags(state: State, path: str, flags: str | None) -> None:
    """Write the sslFlags string at a location path as applicationHost.config would hold it; None removes it.

    Any spelling of known names is kept as given (``"Ssl,SslNegotiateCert"``); no op rules apply.
    """
    iis.set_location_flags(state, path, flags)


def set_web_config_flags(state: State, path: str, flags: str | None) -> None:
    """Write (None removes) sslFlags in the web.config of a site or application path, as an administrator does once
    SSL Settings are unlocked for it (WINDOWS_FACTS IISCONFIG-13); IIS then enforces it there and below."""
    iisbinding.access_flags_value(flags or "None")
    webconfig.seed(state, path, "sslFlags", flags)


def set_override_mode(state: State, path: str, section: str, mode: str) -> None:
    """Unlock (``Allow``) or lock (``Deny``) a configuration section for the web.config files at and below ``path``
    ("" for the server level), as IIS Manager's Feature Delegation writes it on a ``<location>`` (IISCONFIG-22)."""
    webconfig.seed_override_mode(state, path, section, mode)


def unlock_ssl_settings(state: State, path: str) -> None:
    """Delegate SSL Settings for ``path``: its web.config and those below it may set sslFlags (IISCONFIG-13)."""
    set_override_mode(state, path, webconfig.ACCESS, "Allow")


def location_flags(state: State, path: str) -> str | None:
    """The sslFlags string written at exactly that location path, or None when it inherits."""
    return iis.explicit_flags(state, path)


# --- Windows features -----------------------------------------------------------------------------------


def install_feature(state: State, name: str, installed: bool = True, reboot_required: bool = False) -> None:
    """Make a feature known (any name), installed or not; ``reboot_required`` is what ``feature_install`` reports.

    ``Web-Server`` is IIS itself (same as :func:`set_iis_installed`).
    """
    features.seed_feature(state, name, installed, reboot_required)


def feature_installed(state: State, name: str) -> bool:
    """Whether a feature is installed (name case-insensitive); StateError for a feature the host does not know."""
    if winfeatures.find(state, name) is None:
        raise StateError(f"the host knows no feature {name!r}; install_feature(..., installed=False) first")
    return winfeatures.is_installed(state, name)


# --- IIS authentication and certificate mapping -----------------------------------------------------------


def set_auth(state: State, location: str, section: str, **attributes: Any) -> None:
    """Write attributes of an authentication section at any location path ("" = server level).

    ``section``: ``iis_mapping`` / ``ad_mapping`` / ``anonymous`` or the IIS section name. Attribute names
    are IIS's (``enabled``, ``manyToOneCertificateMappingsEnabled``, ``logonMethod``…); None removes one.
    Creates the section element even without attributes (so ``set_auth(state, "Site/app", "iis_mapping")``
    makes ``Site/app`` appear in ``below_site``). Features are not checked: seeding may do what ops may not.
    """
    auth.seed_attributes(state, location, auth.section_key(section), attributes)


def clear_auth_section(state: State, location: str, section: str) -> None:
    """Remove a section written at exactly ``location`` (no op does this: it is a hand remedy)."""
    auth.seed_clear_section(state, location, auth.section_key(section))


def auth_section(state: State, location: str, section: str, explicit: bool = False) -> dict[str, Any]:
    """The section's attributes at a location path: effective values (inherited included), or with
    ``explicit=True`` only those written at exactly that path (``{}`` when none)."""
    key = auth.section_key(section)
    if explicit:
        return auth.explicit_attributes(state, location, key)
    return auth.effective_attributes(state, location, key)


def add_one_to_one(
    state: State, location: str, der_b64: str, user: str, enabled: bool = True, password: str | None = None
) -> None:
    """Add a one-to-one mapping at any location path; the blob is stored as given (line breaks too).

    A password given here counts as one write (``password_writes`` 1).
    """
    auth.seed_one_to_one(state, location, der_b64, user, enabled, password)


def one_to_one(state: State, location: str) -> list[dict[str, Any]]:
    """The one-to-one mappings written at exactly that path: gather's fields plus ``has_password`` and
    ``password_writes``; never the password (see :func:`mapping_password`)."""
    return [
        {
            **auth.view_one_to_one(m),
            "has_password": m.get("password") is not None,
            "password_writes": m["password_writes"],
        }
        for m in auth.stored_mappings(state, location, auth.ONE_TO_ONE)
    ]


def add_many_to_one(
    state: State,
    location: str,
    name: str,
    user: str,
    rules: list[dict[str, Any]],
    description: str = "",
    enabled: bool = True,
    permission: str = "Allow",
    password: str | None = None,
) -> None:
    """Add a many-to-one mapping at any location path. ``rules`` in gather's shape
    (``field``, ``subfield``, ``match``, ``case_sensitive`` — the last defaults to true, as in IIS).
    A password given here counts as one write."""
    full_rules = [{"case_sensitive": True, **rule} for rule in rules]
    try:
        stored_rules = auth.check_rules(full_rules)
        permission = auth.choice(permission, auth.PERMISSIONS, "permission")
    except OpError as err:
        raise StateError(str(err)) from None
    mapping = {
        "name": name,
        "description": description,
        "enabled": enabled,
        "permissionMode": permission,
        "userName": user,
        "rules": stored_rules,
    }
    auth.seed_many_to_one(state, location, mapping, password)


def many_to_one(state: State, location: str) -> list[dict[str, Any]]:
    """The many-to-one mappings written at exactly that path: gather's fields plus ``has_password`` and
    ``password_writes``; never the password."""
    return [
        {
            **auth.view_many_to_one(m),
            "has_password": m.get("password") is not None,
            "password_writes": m["password_writes"],
        }
        for m in auth.stored_mappings(state, location, auth.MANY_TO_ONE)
    ]


def mapping_password(state: State, location: str, kind: str, key: str) -> str | None:
    """The stored password of a mapping (``kind`` ``one_to_one`` keyed by certificate blob, ``many_to_one`` by
    name), None when it has none; StateError when there is no such mapping. For tests only."""
    mapping = auth.find_stored_mapping(state, location, kind, key)
    if mapping is None:
        raise StateError(f"no {kind} mapping {key[:24]!r}… at {location!r}")
    return mapping.get("password")


# --- Failed Request Tracing -------------------------------------------------------------------------------


def tracing(state: State, site: str) -> dict[str, Any]:
    """A site's Failed Request Tracing as gather shows it (``rules`` None without Web-Http-Tracing).

    StateError for a site that does not exist.
    """
    found = iis.find_site(state, site)
    if found is None:
        raise StateError(f"site {site!r} does not exist")
    return tracing_module.view_site(state, *found)


def set_tracing(
    state: State,
    site: str,
    enabled: bool | None = None,
    rules: list[dict[str, Any]] | None = None,
    directory: str | None = None,
    max_log_files: int | None = None,
    web_config_rules: list[dict[str, Any]] | None = None,
) -> None:
    """Seed a site's ``traceFailedRequestsLogging`` (None leaves an attribute as it is) and, when ``rules`` is
    given, replace its ``traceFailedRequests`` rules in applicationHost.config; ``web_config_rules`` replaces those
    of the site's web.config (``[]`` removes them). Rules in gather's shape: ``path``, ``status_codes`` and
    optionally ``areas``/``provider``/``verbosity`` (default: what ``tracing_set`` writes). Seeding may do what ops
    may not.
    """
    tracing_module.seed(state, site, enabled, directory, max_log_files, rules, web_config_rules)
