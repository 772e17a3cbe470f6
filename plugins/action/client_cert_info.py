# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin of mtls.iis.client_cert_info (documentation: plugins/modules/client_cert_info.py)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from ansible_collections.mtls.iis.plugins.plugin_utils.action_base import HostStateAction, Request
from ansible_collections.mtls.iis.plugins.plugin_utils.names import canonical_store_name
from ansible_collections.mtls.iis.plugins.plugin_utils.plan import Plan
from ansible_collections.mtls.iis.plugins.plugin_utils.schannel_values import (
    OWNED_VALUES,
    TRUST_MODE_NAMES,
    effective,
)
from ansible_collections.mtls.iis.plugins.plugin_utils.snapshot import Scope, Snapshot, Store
from ansible_collections.mtls.iis.plugins.plugin_utils.specs import INFO_OPTIONS


@dataclasses.dataclass(frozen=True)
class InfoRequest:
    stores: tuple[str, ...]
    include_der: bool


class ActionModule(HostStateAction):
    ARGUMENT_SPEC = INFO_OPTIONS
    READ_ONLY = True

    def build_request(self, args: dict[str, Any], now: datetime) -> Request:
        stores = tuple(
            dict.fromkeys(canonical_store_name(name, f"stores[{index}]") for index, name in enumerate(args["stores"]))
        )
        scope = Scope(stores=frozenset(stores), schannel=args["schannel"], httpsys=args["httpsys"])
        return Request(scope, InfoRequest(stores, args["include_der"]))

    def report(self, desired: InfoRequest, snapshot: Snapshot, plan: Plan, now: datetime) -> dict[str, Any]:
        result: dict[str, Any] = {
            "host": snapshot.host,
            "stores": {name: _store_facts(snapshot.store(name), now, desired.include_der) for name in desired.stores},
        }
        if snapshot.schannel is not None:
            result["schannel"] = {name: _schannel_facts(name, snapshot.schannel.get(name)) for name in OWNED_VALUES}
        if snapshot.httpsys is not None:
            result["httpsys_bindings"] = [dataclasses.asdict(b) for b in snapshot.httpsys]
        return result


def _store_facts(store: Store, now: datetime, include_der: bool) -> dict[str, Any]:
    certificates = []
    for cert in store.certificates:
        facts = {**cert.info.facts(now), "has_private_key": cert.has_private_key}
        if include_der:
            facts["der"] = cert.der_b64
        certificates.append(facts)
    return {"exists": store.exists, "certificates": certificates}


def _schannel_facts(name: str, value: int | str | None) -> dict[str, Any]:
    acting = effective(name, value)
    facts: dict[str, Any] = {"value": value, "effective": acting}
    if name == "ClientAuthTrustMode":
        facts["mode"] = TRUST_MODE_NAMES.get(acting) if acting is not None else None
    return facts
