"""Action plugin of mtls.iis.site_binding (documentation: plugins/modules/site_binding.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ansible_collections.mtls.iis.plugins.plugin_utils.action_base import HostStateAction, Request
from ansible_collections.mtls.iis.plugins.plugin_utils.binding import BindingDesired, binding_view, plan_binding
from ansible_collections.mtls.iis.plugins.plugin_utils.diff import View
from ansible_collections.mtls.iis.plugins.plugin_utils.plan import Plan
from ansible_collections.mtls.iis.plugins.plugin_utils.snapshot import Snapshot
from ansible_collections.mtls.iis.plugins.plugin_utils.specs import SITE_BINDING_OPTIONS


class ActionModule(HostStateAction):
    ARGUMENT_SPEC = SITE_BINDING_OPTIONS
    DIFF_HEADER = "IIS https binding"

    def build_request(self, args: dict[str, Any], now: datetime) -> Request:
        desired = BindingDesired.from_options(args, self.read_controller_file)
        return Request(desired.scope(), desired)

    def make_plan(self, desired: BindingDesired, snapshot: Snapshot, now: datetime) -> Plan:
        return plan_binding(desired, snapshot, now)

    def before_view(self, desired: BindingDesired, snapshot: Snapshot) -> View:
        return binding_view(desired, snapshot)
