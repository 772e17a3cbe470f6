"""Action plugin of mtls.iis.failed_request_tracing (documentation: plugins/modules/failed_request_tracing.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ansible_collections.mtls.iis.plugins.plugin_utils.action_base import HostStateAction, Request
from ansible_collections.mtls.iis.plugins.plugin_utils.diff import View
from ansible_collections.mtls.iis.plugins.plugin_utils.plan import Plan
from ansible_collections.mtls.iis.plugins.plugin_utils.snapshot import Snapshot
from ansible_collections.mtls.iis.plugins.plugin_utils.specs import FAILED_REQUEST_TRACING_OPTIONS
from ansible_collections.mtls.iis.plugins.plugin_utils.tracing import TracingDesired, plan_tracing, tracing_view


class ActionModule(HostStateAction):
    ARGUMENT_SPEC = FAILED_REQUEST_TRACING_OPTIONS
    DIFF_HEADER = "IIS Failed Request Tracing"

    def build_request(self, args: dict[str, Any], now: datetime) -> Request:
        desired = TracingDesired.from_options(args)
        return Request(desired.scope(), desired)

    def make_plan(self, desired: TracingDesired, snapshot: Snapshot, now: datetime) -> Plan:
        return plan_tracing(desired, snapshot)

    def before_view(self, desired: TracingDesired, snapshot: Snapshot) -> View:
        return tracing_view(desired, snapshot)
