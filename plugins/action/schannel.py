"""Action plugin of mtls.iis.schannel (documentation: plugins/modules/schannel.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ansible_collections.mtls.iis.plugins.plugin_utils.action_base import HostStateAction, Request
from ansible_collections.mtls.iis.plugins.plugin_utils.diff import View
from ansible_collections.mtls.iis.plugins.plugin_utils.plan import Plan
from ansible_collections.mtls.iis.plugins.plugin_utils.schannel import SchannelDesired, plan_schannel, schannel_view
from ansible_collections.mtls.iis.plugins.plugin_utils.snapshot import Snapshot
from ansible_collections.mtls.iis.plugins.plugin_utils.specs import SCHANNEL_OPTIONS


class ActionModule(HostStateAction):
    ARGUMENT_SPEC = SCHANNEL_OPTIONS
    DIFF_HEADER = "Schannel client authentication"

    def build_request(self, args: dict[str, Any], now: datetime) -> Request:
        desired = SchannelDesired.from_options(args)
        return Request(desired.scope(), desired)

    def make_plan(self, desired: SchannelDesired, snapshot: Snapshot, now: datetime) -> Plan:
        return plan_schannel(desired, snapshot)

    def before_view(self, desired: SchannelDesired, snapshot: Snapshot) -> View:
        return schannel_view(snapshot)
