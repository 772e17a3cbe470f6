# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The two Schannel values this collection owns, and their meaning (REFERENCE.md, Schannel)."""

from __future__ import annotations

SCHANNEL_KEY = r"HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL"
CLIENT_AUTH_TRUST_MODE = "ClientAuthTrustMode"
SEND_TRUSTED_ISSUER_LIST = "SendTrustedIssuerList"
OWNED_VALUES = (CLIENT_AUTH_TRUST_MODE, SEND_TRUSTED_ISSUER_LIST)

TRUST_MODES = {"machine": 0, "exclusive_root": 1, "exclusive_ca": 2}
TRUST_MODE_NAMES = {v: k for k, v in TRUST_MODES.items()}

#: What Windows does when the value is absent (Server 2012 and later).
DEFAULTS = {CLIENT_AUTH_TRUST_MODE: 0, SEND_TRUSTED_ISSUER_LIST: 0}


def effective(name: str, value: int | str | None) -> int | None:
    """The value Windows acts on: absent means the default; a non-DWORD is unknown (None)."""
    if value is None:
        return DEFAULTS[name]
    return value if isinstance(value, int) else None


def display(name: str, value: int | str | None) -> str:
    if value is None:
        return f"not set (Windows default {DEFAULTS[name]})"
    if isinstance(value, str):
        return f"{value!r} (not a REG_DWORD: Windows ignores it)"
    if name == CLIENT_AUTH_TRUST_MODE:
        return f"{value} ({TRUST_MODE_NAMES.get(value, 'unknown mode')})"
    return f"{value} ({'on' if value else 'off'})"
