"""The registry, as far as the collection touches it: the Schannel key.

Windows facts followed (REFERENCE.md, "Schannel"): ``ClientAuthTrustMode`` and
``SendTrustedIssuerList`` are REG_DWORD values under
``HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL``; an absent value means the
Windows default; only those two values are ours, siblings (``EventLogging``, protocol subkeys…) are
never touched. Registry key paths and value names are case-insensitive. Schannel lives in LSASS, so a
change takes effect at the next boot.

Pending reboot (docs/ENGINE.md, "Diagnosis support"): when ``schannel_set``/``schannel_unset`` changes a
value, the engine writes ``HKLM\\SOFTWARE\\mtls.iis\\SchannelChangedAtBoot`` (REG_SZ, the current boot time
``yyyy-MM-ddTHH:mm:ssZ``); gather reports ``pending_reboot`` when that marker is within 5 minutes of the
current boot time. The boot is ``state["boot"]``, a counter (:func:`boot_time` gives its time; a reboot
advances it, see :func:`reboot`).

State layout: ``state["registry"][<key path>][<value name>] = {"type": "REG_DWORD", "value": 1}``.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from simhost.errors import OpError, StateError
from simhost.state import FIRST_BOOT, MTLS_KEY, SCHANNEL_KEY, State

#: The Schannel values this collection owns, in their canonical spelling.
SCHANNEL_VALUES: tuple[str, ...] = ("ClientAuthTrustMode", "SendTrustedIssuerList")

REG_TYPES: frozenset[str] = frozenset(
    {"REG_DWORD", "REG_QWORD", "REG_SZ", "REG_EXPAND_SZ", "REG_MULTI_SZ", "REG_BINARY"}
)

DWORD_MAX = 0xFFFFFFFF

#: The value under :data:`~simhost.state.MTLS_KEY` that records the boot at which Schannel last changed.
MARKER = "SchannelChangedAtBoot"
BOOT_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
#: ``LastBootUpTime`` of the first boot; each reboot comes :data:`BOOT_INTERVAL` later.
_FIRST_BOOT_TIME = datetime(2024, 1, 15, 6, 0, 0, tzinfo=timezone.utc)
BOOT_INTERVAL = timedelta(days=1)
#: How far the marker may be from the current boot time and still mean "this boot" (as the module compares).
PENDING_TOLERANCE = timedelta(minutes=5)


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


def boot(state: State) -> int:
    """The current boot (a counter; a host file from before boots were simulated is at its first boot)."""
    return int(state.get("boot", FIRST_BOOT))


def boot_time(state: State) -> str:
    """``Win32_OperatingSystem.LastBootUpTime`` of the current boot, as ``yyyy-MM-ddTHH:mm:ssZ``."""
    return (_FIRST_BOOT_TIME + (boot(state) - FIRST_BOOT) * BOOT_INTERVAL).strftime(BOOT_TIME_FORMAT)


def reboot(state: State) -> None:
    """Restart the host: the next boot, with a later boot time (a pending Schannel change takes effect)."""
    state["boot"] = boot(state) + 1


def _mark_schannel_changed(state: State) -> None:
    set_value(state, MTLS_KEY, MARKER, boot_time(state), "REG_SZ")


def schannel_pending_reboot(state: State) -> bool:
    """True when the marker holds a time within 5 minutes of the current boot time.

    A missing marker, one of another type or one that is not a time means no reboot is pending.
    """
    entry = get_value(state, MTLS_KEY, MARKER)
    if entry is None or entry["type"] != "REG_SZ":
        return False
    try:
        marked = datetime.strptime(str(entry["value"]), BOOT_TIME_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        return False
    booted = datetime.strptime(boot_time(state), BOOT_TIME_FORMAT).replace(tzinfo=timezone.utc)
    return abs(marked - booted) <= PENDING_TOLERANCE


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
