"""Helpers for tests to seed and inspect a simulated host.

They work on the dict returned by :func:`simhost.state.load_state`; the caller saves it with
:func:`simhost.state.save_state`::

    state = load_state(host_file)
    add_cert(state, "Root", root.der)
    add_binding(state, "Default Web Site", "*:443:", certificate_hash=leaf.thumbprint)
    add_fault(state, "cert_remove", {"store": "Root"}, "Access is denied.")
    save_state(host_file, state)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simhost import certstore, httpsys, iis, registry
from simhost.errors import OpError, StateError
from simhost.faults import make_fault
from simhost.state import SCHANNEL_KEY, State


def add_cert(state: State, store: str, der_bytes: bytes, has_private_key: bool = False) -> str:
    """Put a certificate in a store (created when missing); return its thumbprint."""
    certstore.add_certificate(state, store, der_bytes, has_private_key=has_private_key)
    return certstore.thumbprint_of(der_bytes)


def thumbprints(state: State, store: str) -> set[str]:
    """Thumbprints in a store (case-insensitive name); empty for a missing store."""
    return {cert["thumbprint"] for cert in certstore.certificates(state, store)}


def store_exists(state: State, store: str) -> bool:
    return certstore.store_exists(state, store)


def set_registry_value(state: State, name: str, value: Any, type: str = "REG_DWORD") -> None:
    """Set any value under the Schannel key, owned or not, of any type (seeding may do what ops may not)."""
    registry.set_value(state, SCHANNEL_KEY, name, value, type)


def schannel_value(state: State, name: str) -> Any:
    """The raw value of a Schannel registry value, or None when absent."""
    entry = registry.get_value(state, SCHANNEL_KEY, name)
    return None if entry is None else entry["value"]


def registry_values(state: State) -> dict[str, dict[str, Any]]:
    """Every value under the Schannel key, siblings included: ``{name: {"type", "value"}}``."""
    return registry.all_values(state, SCHANNEL_KEY)


def add_httpsys_binding(state: State, record: Mapping[str, Any]) -> None:
    """Add or replace an HTTP.sys SSL binding record (``key``, ``kind`` and any snapshot fields)."""
    httpsys.put_binding(state, dict(record))


def add_fault(state: State, op: str, match: Mapping[str, Any], message: str, stage: str | None = None) -> None:
    """Make ``op`` fail with ``message`` when its arguments match (see :mod:`simhost.faults`)."""
    state.setdefault("faults", []).append(make_fault(op, match, message, stage))


# --- IIS and HTTP.sys -----------------------------------------------------------------------------------


def set_iis_installed(state: State, installed: bool) -> None:
    """Install or uninstall IIS (uninstalled: gather says ``available: false``, IIS ops fail)."""
    iis.set_installed(state, installed)


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
    """Add a binding to a site; with a certificate, also the HTTP.sys record IIS would write for it.

    The certificate need not be in the store (seeding may do what ops may not).
    """
    found = iis.find_site(state, site)
    if found is None:
        raise StateError(f"site {site!r} does not exist; add_site first")
    binding = {"protocol": protocol, "binding_information": binding_information, "ssl_flags": ssl_flags}
    try:
        iis.parse_binding_information(binding_information)
        endpoint = iis.httpsys_endpoint(binding_information, ssl_flags) if certificate_hash else None
    except OpError as err:
        raise StateError(str(err)) from err
    found[1]["bindings"].append(binding)
    if endpoint is not None:
        kind, key = endpoint
        record = httpsys.iis_record(kind, key, certificate_hash, certificate_store, iis.mirrored_flags(ssl_flags))
        httpsys.put_binding(state, record)


def binding(state: State, site: str, binding_information: str) -> dict[str, Any] | None:
    """An https binding as gather shows it (certificate read from HTTP.sys), or None."""
    found = iis.find_site(state, site)
    entry = None if found is None else iis.find_binding(found[1], binding_information)
    return None if entry is None else iis.view_binding(state, entry)


def httpsys_record(state: State, kind: str, key: str) -> dict[str, Any] | None:
    """The HTTP.sys record of that kind and key (host names case-insensitive), or None."""
    return httpsys.get_binding(state, key, kind)


def set_httpsys_options(state: State, kind: str, key: str, **fields: Any) -> None:
    """Set fields of an HTTP.sys record (``ctl_store_name``, ``default_flags``…); created when missing."""
    record = httpsys.get_binding(state, key, kind) or {"key": key, "kind": kind}
    record.update(fields)
    httpsys.put_binding(state, record)


def set_location_flags(state: State, path: str, flags: str | None) -> None:
    """Write the sslFlags string at a location path as applicationHost.config would hold it; None removes it.

    Any spelling of known names is kept as given (``"Ssl,SslNegotiateCert"``); no op rules apply.
    """
    iis.set_location_flags(state, path, flags)


def location_flags(state: State, path: str) -> str | None:
    """The sslFlags string written at exactly that location path, or None when it inherits."""
    return iis.explicit_flags(state, path)
