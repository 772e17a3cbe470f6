"""Action plugin of mtls.iis.trusted_certs (documentation: plugins/modules/trusted_certs.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ansible_collections.mtls.iis.plugins.plugin_utils.action_base import HostStateAction, Request
from ansible_collections.mtls.iis.plugins.plugin_utils.diff import View
from ansible_collections.mtls.iis.plugins.plugin_utils.plan import Plan
from ansible_collections.mtls.iis.plugins.plugin_utils.snapshot import Snapshot
from ansible_collections.mtls.iis.plugins.plugin_utils.specs import TRUST_OPTIONS
from ansible_collections.mtls.iis.plugins.plugin_utils.trust import (
    TrustDesired,
    non_self_signed_roots,
    plan_trust,
    trust_view,
)


class ActionModule(HostStateAction):
    ARGUMENT_SPEC = TRUST_OPTIONS
    DIFF_HEADER = "trusted CA certificates"

    def build_request(self, args: dict[str, Any], now: datetime) -> Request:
        desired = TrustDesired.from_options(args, self.read_controller_file)
        return Request(desired.scope(), desired)

    def make_plan(self, desired: TrustDesired, snapshot: Snapshot, now: datetime) -> Plan:
        return plan_trust(desired, snapshot, now)

    def before_view(self, desired: TrustDesired, snapshot: Snapshot) -> View:
        return trust_view(desired, snapshot)

    def report(self, desired: TrustDesired, snapshot: Snapshot, plan: Plan, now: datetime) -> dict[str, Any]:
        return {"non_self_signed_roots": [c.facts(now) for c in non_self_signed_roots(snapshot)]}
