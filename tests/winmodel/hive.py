"""The registry under HKEY_LOCAL_MACHINE as the host state holds it: keys, typed values, volatile keys, boots.

The lower layer of the simulator (issue 20, "The simulator in two layers"): the boundary functions of
:mod:`winmodel.registry` (``WinRegistry.psm1``) and the op engine's Schannel ops (``simhost/registry.py``) act on the
registry through this module.

Windows facts followed (docs/WINDOWS_FACTS.md):

- REG-2: key paths and value names are case-insensitive; the stored spelling is kept.
- REG-4: setting a value replaces its type and data; ``RegCreateKeyEx`` creates the key and its missing parents.
- REG-5: deleting a missing value, or a value of a missing key, changes nothing.
- REG-6: a key created volatile lives in memory only and is gone after the next restart; every key one create call
  makes is volatile when the call asks for it (missing parents included); an existing key is left as it is; a
  non-volatile key cannot be created under a volatile one (ERROR_CHILD_MUST_BE_VOLATILE). :func:`reboot` restarts
  the host: the boot counter ``state["boot"]`` advances and every volatile key goes.

State layout: ``state["registry"][<key path>][<value name>] = {"type": "REG_DWORD", "value": 1}`` for every key
that exists (a key without values maps to ``{}``; ``HKLM\\<hive key>`` and every parent of a listed key exist too),
``state["registry_volatile"]``: the paths of the volatile keys.
"""

from __future__ import annotations

from typing import Any

from winmodel.errors import StateError
from winmodel.state import FIRST_BOOT, State

REG_TYPES: frozenset[str] = frozenset(
    {"REG_DWORD", "REG_QWORD", "REG_SZ", "REG_EXPAND_SZ", "REG_MULTI_SZ", "REG_BINARY"}
)


def _key(state: State, key: str, create: bool = False) -> dict[str, Any] | None:
    registry = _registry(state)
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
    if values is None:
        raise AssertionError(f"registry key {key} was just created")
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
