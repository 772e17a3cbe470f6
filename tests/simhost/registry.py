"""The registry, as far as the collection touches it: the Schannel key and the engine's pending-reboot marker.

Windows facts followed (docs/WINDOWS_FACTS.md): ``ClientAuthTrustMode`` and ``SendTrustedIssuerList`` are
REG_DWORD values under ``HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL``; an absent
value means the Windows default; only those two values are ours, siblings (``EventLogging``, protocol subkeys…) are
never touched (SCHANNEL-1, SCHANNEL-2). Registry key paths and value names are case-insensitive (REG-2). Schannel
lives in LSASS, so a change takes effect at the next restart (SCHANNEL-3).

Volatile keys (REG-6): a key created volatile lives in memory only and is gone after the next restart; every key one
create call makes is volatile when the call asks for it (missing parents included); an existing key is left as it
is; a non-volatile key cannot be created under a volatile one (ERROR_CHILD_MUST_BE_VOLATILE).

Pending reboot (SCHANNEL-4, docs/ENGINE.md "Diagnosis support"): when ``schannel_set``/``schannel_unset`` changes a
value, the engine first creates the ordinary key ``HKLM\\SOFTWARE\\mtls.iis`` and under it the volatile key
``SchannelRebootPending``; gather reports ``pending_reboot`` while that key exists. :func:`reboot` restarts the host:
the boot counter ``state["boot"]`` advances and every volatile key goes.

State layout: ``state["registry"][<key path>][<value name>] = {"type": "REG_DWORD", "value": 1}`` for every key
that exists (a key without values maps to ``{}``; ``HKLM\\<hive key>`` and every parent of a listed key exist too),
``state["registry_volatile"]``: the paths of the volatile keys.
"""

from __future__ import annotations

from typing import Any

from winmodel.state import FIRST_BOOT, MTLS_KEY, SCHANNEL_KEY, State

from simhost.errors import OpError, StateError

#: The Schannel values this collection owns, in their canonical spelling.
SCHANNEL_VALUES: tuple[str, ...] = ("ClientAuthTrustMode", "SendTrustedIssuerList")

REG_TYPES: frozenset[str] = frozenset(
    {"REG_DWORD", "REG_QWORD", "REG_SZ", "REG_EXPAND_SZ", "REG_MULTI_SZ", "REG_BINARY"}
)

DWORD_MAX = 0xFFFFFFFF

#: The volatile key whose existence means "a Schannel change waits for a restart" (under :data:`MTLS_KEY`).
MARKER_KEY = MTLS_KEY + r"\SchannelRebootPending"


def _key(state: State, key: str, create: bool = False) -> dict[str, Any] | None:
    registry: dict[str, dict[str, Any]] = state.setdefault("registry", {})
    for path, values in registry.items():
        if path.casefold() == key.casefold():
            return values
    if not create:
        return None
    registry[key] = {}
    return registry[key]


def _value_name(values: dict[str, Any], name: str) -> str | None:
    for existing in values:
        if existing.casefold() == name.casefold():
            return existing
    return None


def get_value(state: State, key: str, name: str) -> dict[str, Any] | None:
    """``{"type": ..., "value": ...}`` of a value, or None when absent."""
    values = _key(state, key)
    if values is None:
        return None
    existing = _value_name(values, name)
    return None if existing is None else dict(values[existing])


def all_values(state: State, key: str) -> dict[str, dict[str, Any]]:
    """Every value under a key, siblings included, keyed by their stored names."""
    values = _key(state, key) or {}
    return {name: dict(entry) for name, entry in values.items()}


def set_value(state: State, key: str, name: str, value: Any, reg_type: str = "REG_DWORD") -> bool:
    """Write a value (keeping the stored spelling of an existing name); True when it changed."""
    if reg_type not in REG_TYPES:
        raise StateError(f"unknown registry type {reg_type!r}")
    create_key(state, key)  # RegCreateKeyEx: the key and its missing parents (REG-4), as Set-MtlsWinRegistryValue
    values = _key(state, key, create=True)
    assert values is not None
    stored = _value_name(values, name) or name
    new = {"type": reg_type, "value": value}
    if values.get(stored) == new:
        return False
    values[stored] = new
    return True


def delete_value(state: State, key: str, name: str) -> bool:
    """Delete a value; True when it was there."""
    values = _key(state, key)
    existing = None if values is None else _value_name(values, name)
    if values is None or existing is None:
        return False
    del values[existing]
    return True


def _as_powershell_string(value: Any) -> str:
    # PowerShell's [string] of an array (REG_MULTI_SZ, REG_BINARY) joins the items with spaces.
    if isinstance(value, list):
        return " ".join(str(item) for item in value)
    return str(value)


def gather_schannel(state: State) -> dict[str, int | str | bool | None]:
    """``snapshot.schannel``: int for a REG_DWORD, a string for any other type, None when absent; and
    ``pending_reboot`` (see :func:`schannel_pending_reboot`)."""
    result: dict[str, int | str | bool | None] = {}
    for name in SCHANNEL_VALUES:
        entry = get_value(state, SCHANNEL_KEY, name)
        if entry is None:
            result[name] = None
        elif entry["type"] == "REG_DWORD":
            result[name] = int(entry["value"])
        else:
            result[name] = _as_powershell_string(entry["value"])
    result["pending_reboot"] = schannel_pending_reboot(state)
    return result


def owned_schannel_name(name: str) -> str:
    """An owned Schannel value name; any other name is refused like the module does.

    Case-sensitive, as in ``Schannel.psm1``: a value written under another casing would keep that
    casing in the registry (the registry itself matches names case-insensitively).
    """
    if name in SCHANNEL_VALUES:
        return name
    raise OpError(f"Schannel value {name!r} is not managed by host_state; allowed: {', '.join(SCHANNEL_VALUES)}")


def _registry(state: State) -> dict[str, dict[str, Any]]:
    return state.setdefault("registry", {})


def _volatile(state: State) -> list[str]:
    return state.setdefault("registry_volatile", [])


def _is_under(path: str, ancestor: str) -> bool:
    return path.casefold() == ancestor.casefold() or path.casefold().startswith(ancestor.casefold() + "\\")


def key_exists(state: State, key: str) -> bool:
    """A listed key, a parent of one, or a hive's top-level key (``HKLM\\SOFTWARE``)."""
    if key.count("\\") <= 1:
        return True
    return any(_is_under(path, key) for path in _registry(state))


def is_volatile(state: State, key: str) -> bool:
    return any(path.casefold() == key.casefold() for path in _volatile(state))


def create_key(state: State, key: str, volatile: bool = False) -> None:
    """``RegCreateKeyEx``: create a missing key and its missing parents, all volatile when asked (REG-6).

    An existing key stays as it is; a non-volatile key under a volatile parent fails as Windows fails it.
    """
    if key_exists(state, key):
        return
    parts = key.split("\\")
    missing: list[str] = []
    for depth in range(len(parts), 1, -1):
        candidate = "\\".join(parts[:depth])
        if key_exists(state, candidate):
            if not volatile and is_volatile(state, candidate):
                raise StateError(f"cannot create a stable subkey under the volatile key {candidate}")
            break
        missing.append(candidate)
    for path in reversed(missing):
        _registry(state)[path] = {}
        if volatile:
            _volatile(state).append(path)


def boot(state: State) -> int:
    """The current boot (a counter; a host file from before boots were simulated is at its first boot)."""
    return int(state.get("boot", FIRST_BOOT))


def reboot(state: State) -> None:
    """Restart the host: the next boot; every volatile key and everything below it is gone (REG-6)."""
    state["boot"] = boot(state) + 1
    gone = list(_volatile(state))
    registry = _registry(state)
    for path in list(registry):
        if any(_is_under(path, volatile) for volatile in gone):
            del registry[path]
    state["registry_volatile"] = []


def _mark_schannel_changed(state: State) -> None:
    # The parent as an ordinary key first: created in one call with the marker it would be volatile too.
    create_key(state, MTLS_KEY)
    create_key(state, MARKER_KEY, volatile=True)


def schannel_pending_reboot(state: State) -> bool:
    """True while the volatile marker key exists: a Schannel change by an op waits for a restart."""
    return key_exists(state, MARKER_KEY)


def schannel_set(state: State, name: str, value: int) -> bool:
    """Write one owned value as REG_DWORD; True when the stored type or value differed (then the marker too)."""
    owned = owned_schannel_name(name)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= DWORD_MAX:
        raise OpError(f"Schannel value {owned} must be a REG_DWORD integer 0..{DWORD_MAX}, got {value!r}")
    changed = set_value(state, SCHANNEL_KEY, owned, value, "REG_DWORD")
    if changed:
        _mark_schannel_changed(state)
    return changed


def schannel_unset(state: State, name: str) -> bool:
    """Delete one owned value (absent = Windows default); True when it was there (then the marker is written)."""
    changed = delete_value(state, SCHANNEL_KEY, owned_schannel_name(name))
    if changed:
        _mark_schannel_changed(state)
    return changed
