"""WinRegistry.psm1 in Python: the registry under HKEY_LOCAL_MACHINE, 64-bit view.

State: the simulated host's ``state["registry"]`` (``"HKLM\\<path>" -> {value name: {"type", "value"}}``) and
``state["registry_volatile"]``, through :mod:`winmodel.hive`, which the op engine uses too.

Windows facts modelled:
- REG-2: key paths and value names are case-insensitive, the stored spelling is kept.
- REG-3: a key is its values (``kind`` = Windows' type name, ``data`` the plain value) and its subkey names; a key
  that does not exist reads as None.
- REG-4: setting a value replaces its type and data; the key and missing parents are created as ordinary keys.
- REG-5: deleting a missing value, or a value of a missing key, is no error.
- REG-6: a volatile create makes every missing key of the path volatile; an existing key stays as it is; an
  ordinary key cannot be created under a volatile one (ERROR_CHILD_MUST_BE_VOLATILE).
- HTTPSYS-6, HTTPSYS-7: the HTTP.sys SSL tables under ``SYSTEM\\CurrentControlSet\\Services\\HTTP\\Parameters`` are
  derived from the HTTP.sys records (:mod:`winmodel.httpsys`); writes there are refused.
- HOST-1: ``SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion`` holds CurrentMajorVersionNumber,
  CurrentMinorVersionNumber (REG_DWORD) and CurrentBuildNumber (REG_SZ) of the host's ``os_version``.
"""

from __future__ import annotations

from typing import Any

from winmodel import hive, httpsys
from winmodel.errors import StateError, WindowsError_
from winmodel.state import State

HIVE = "HKLM"
CURRENT_VERSION = r"SOFTWARE\Microsoft\Windows NT\CurrentVersion"
KINDS = hive.REG_TYPES
#: RegCreateKeyEx's answer for an ordinary key under a volatile one (REG-6), as .NET reports it.
CHILD_MUST_BE_VOLATILE = "Cannot create a stable subkey under a volatile parent key."


def _full(path: str) -> str:
    return f"{HIVE}\\{path.strip(chr(92))}"


def _os_version_values(state: State) -> dict[str, dict[str, Any]]:
    # HOST-1: the version values Windows keeps under CurrentVersion, from the simulated host's os_version.
    major, minor, build = ([*str(state.get("host", {}).get("os_version", "10.0.20348")).split("."), "0", "0"])[:3]
    return {
        "CurrentMajorVersionNumber": {"kind": "REG_DWORD", "data": int(major)},
        "CurrentMinorVersionNumber": {"kind": "REG_DWORD", "data": int(minor)},
        "CurrentBuildNumber": {"kind": "REG_SZ", "data": build},
        "CurrentVersion": {"kind": "REG_SZ", "data": "6.3"},
    }


def _subkeys(state: State, full: str) -> list[str]:
    prefix = full.casefold() + "\\"
    names: list[str] = []
    for path in state.get("registry", {}):
        if path.casefold().startswith(prefix):
            child = path[len(prefix) :].split("\\", 1)[0]
            if child.casefold() not in {name.casefold() for name in names}:
                names.append(child)
    return names


def get_key(state: State, path: str) -> dict[str, Any] | None:
    """``Get-MtlsWinRegistryKey``: None for a missing key (REG-3), else its values and subkey names."""
    if httpsys.table_of(path) is not None:
        return httpsys.get_key(state, path)
    full = _full(path)
    values: dict[str, dict[str, Any]] = {}
    synthetic = path.strip("\\").casefold() == CURRENT_VERSION.casefold()
    tables = httpsys.table_names(state) if path.strip("\\").casefold() == httpsys.PARAMETERS.casefold() else []
    if synthetic:
        values.update(_os_version_values(state))
    elif not tables and not hive.key_exists(state, full):
        return None
    for name, entry in hive.all_values(state, full).items():
        values[name] = {"kind": entry["type"], "data": entry["value"]}
    return {"values": values, "subkeys": [*_subkeys(state, full), *tables]}


def _check_data(kind: str, data: Any) -> Any:
    if kind not in KINDS:
        raise WindowsError_(f"Cannot validate argument on parameter 'Kind': {kind} is not one of {sorted(KINDS)}")
    if kind == "REG_DWORD" and not (isinstance(data, int) and 0 <= data <= 0xFFFFFFFF):
        raise WindowsError_(f'Cannot convert value "{data}" to type "System.UInt32".')
    if kind == "REG_QWORD" and not (isinstance(data, int) and 0 <= data <= 0xFFFFFFFFFFFFFFFF):
        raise WindowsError_(f'Cannot convert value "{data}" to type "System.UInt64".')
    if kind == "REG_MULTI_SZ":
        return [str(item) for item in (data or [])]
    if kind in {"REG_SZ", "REG_EXPAND_SZ"}:
        return "" if data is None else str(data)
    return data


def _create(state: State, full: str, volatile: bool) -> None:
    try:
        hive.create_key(state, full, volatile=volatile)
    except StateError as err:  # the Windows error of REG-6
        raise WindowsError_(CHILD_MUST_BE_VOLATILE) from err


def set_value(state: State, path: str, name: str, kind: str, data: Any) -> None:
    """``Set-MtlsWinRegistryValue`` (REG-4): creates the key as an ordinary key, replaces type and data."""
    httpsys.refuse_write(path)
    value = _check_data(kind, data)
    full = _full(path)
    _create(state, full, volatile=False)
    hive.set_value(state, full, name, value, kind)


def remove_value(state: State, path: str, name: str) -> None:
    """``Remove-MtlsWinRegistryValue`` (REG-5): a missing value or key is left alone."""
    httpsys.refuse_write(path)
    hive.delete_value(state, _full(path), name)


def new_key(state: State, path: str, volatile: bool = False) -> None:
    """``New-MtlsWinRegistryKey`` (REG-6)."""
    httpsys.refuse_write(path)
    _create(state, _full(path), volatile=volatile)
