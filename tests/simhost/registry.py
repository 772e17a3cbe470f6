"""Schannel for the op engine: ``snapshot.schannel``, ``schannel_set``/``schannel_unset`` and the pending-reboot marker.

Keys, values, volatile keys and boots are the Windows model's (:mod:`winmodel.hive`, REG-2, REG-4..6).

Windows facts followed (docs/WINDOWS_FACTS.md): ``ClientAuthTrustMode`` and ``SendTrustedIssuerList`` are
REG_DWORD values under ``HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL``; an absent
value means the Windows default; only those two values are ours, siblings (``EventLogging``, protocol subkeys…) are
never touched (SCHANNEL-1, SCHANNEL-2). Schannel lives in LSASS, so a change takes effect at the next restart
(SCHANNEL-3).

Pending reboot (SCHANNEL-4, docs/ENGINE.md "Diagnosis support"): when ``schannel_set``/``schannel_unset`` changes a
value, the engine first creates the ordinary key ``HKLM\\SOFTWARE\\mtls.iis`` and under it the volatile key
``SchannelRebootPending``; gather reports ``pending_reboot`` while that key exists.
"""

from __future__ import annotations

from typing import Any

from winmodel.hive import create_key, delete_value, get_value, key_exists, set_value
from winmodel.state import MTLS_KEY, SCHANNEL_KEY, State

from simhost.errors import OpError

#: The Schannel values this collection owns, in their canonical spelling.
SCHANNEL_VALUES: tuple[str, ...] = ("ClientAuthTrustMode", "SendTrustedIssuerList")

DWORD_MAX = 0xFFFFFFFF

#: The volatile key whose existence means "a Schannel change waits for a restart" (under :data:`MTLS_KEY`).
MARKER_KEY = MTLS_KEY + r"\SchannelRebootPending"


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
