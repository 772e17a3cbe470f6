# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Schannel part: ClientAuthTrustMode and SendTrustedIssuerList. Pure.

Facts used (REFERENCE.md, Schannel): absent value = Windows default; write only the values we own;
Schannel lives in LSASS, so a change needs a reboot to take effect; trust modes 1 and 2 check the
client chain against the binding's client-auth issuer store (HTTP.sys ``sslctlstorename``), so
without one on any binding every client certificate is rejected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from ansible.module_utils.parsing.convert_bool import boolean

from .diff import View
from .errors import OptionError
from .plan import Op, Phase, Plan
from .schannel_values import (
    CLIENT_AUTH_TRUST_MODE,
    SEND_TRUSTED_ISSUER_LIST,
    TRUST_MODES,
)
from .snapshot import Scope, Snapshot
from .sources import FileReader

#: int: write this REG_DWORD; "default": remove the value; None: leave it as it is.
Setting = int | Literal["default"] | None


@dataclass(frozen=True)
class SchannelDesired:
    client_auth_trust_mode: Setting = None
    send_trusted_issuer_list: Setting = None

    def plan(self, snapshot: Snapshot, now: datetime) -> Plan:
        return plan_schannel(self, snapshot)

    def view(self, snapshot: Snapshot) -> View:
        return schannel_view(snapshot)

    def scope(self) -> Scope:
        # An exclusive trust mode is checked against the bindings' issuer stores: read whether they exist.
        return Scope(schannel=True, httpsys=True, ctl_stores=self.client_auth_trust_mode in (1, 2))

    @classmethod
    def from_options(cls, args: dict[str, Any], read: FileReader | None = None, prefix: str = "") -> SchannelDesired:
        mode = args.get("client_auth_trust_mode")
        return cls(
            client_auth_trust_mode=mode if mode in (None, "default") else TRUST_MODES[mode],
            send_trusted_issuer_list=_tristate(
                args.get("send_trusted_issuer_list"), f"{prefix}send_trusted_issuer_list"
            ),
        )

    def settings(self) -> dict[str, Setting]:
        return {
            CLIENT_AUTH_TRUST_MODE: self.client_auth_trust_mode,
            SEND_TRUSTED_ISSUER_LIST: self.send_trusted_issuer_list,
        }


def _tristate(value: Any, option: str) -> Setting:
    """true / false / default (or omitted) -> 1 / 0 / "default" / None."""
    if value is None:
        return None
    if isinstance(value, str) and value.strip().lower() == "default":
        return "default"
    try:
        return 1 if boolean(value, strict=True) else 0
    except TypeError:
        raise OptionError(
            option, f"{value!r} is not true, false or default.", "use true (send the list), false, or default."
        ) from None


def _op_for(name: str, wanted: Setting, current: int | str | None) -> Op | None:
    if wanted is None:
        return None
    if wanted == "default":
        if current is None:
            return None
        return Op("schannel_unset", {"name": name}, Phase.REGISTRY, f"remove {name} (back to the Windows default)")
    if isinstance(current, int) and not isinstance(current, bool) and current == wanted:
        return None
    return Op("schannel_set", {"name": name, "value": wanted}, Phase.REGISTRY, f"set {name} to {wanted} (REG_DWORD)")


def plan_schannel(desired: SchannelDesired, snapshot: Snapshot) -> Plan:
    current = snapshot.schannel or {}
    ops = [
        op
        for name, wanted in desired.settings().items()
        if (op := _op_for(name, wanted, current.get(name))) is not None
    ]
    return Plan.build(ops, reboot_required=bool(ops))


def schannel_view(snapshot: Snapshot) -> View:
    current = snapshot.schannel or {}
    return {"schannel": {name: current.get(name) for name in (CLIENT_AUTH_TRUST_MODE, SEND_TRUSTED_ISSUER_LIST)}}
