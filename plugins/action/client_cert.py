"""Action plugin of mtls.iis.client_cert (documentation: plugins/modules/client_cert.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ansible_collections.mtls.iis.plugins.plugin_utils.action_base import HostStateAction, Request
from ansible_collections.mtls.iis.plugins.plugin_utils.diff import View
from ansible_collections.mtls.iis.plugins.plugin_utils.plan import Plan
from ansible_collections.mtls.iis.plugins.plugin_utils.snapshot import Snapshot
from ansible_collections.mtls.iis.plugins.plugin_utils.specs import CLIENT_CERT_OPTIONS
from ansible_collections.mtls.iis.plugins.plugin_utils.whole_host import HostDesired, host_view, plan_host


class ActionModule(HostStateAction):
    ARGUMENT_SPEC = CLIENT_CERT_OPTIONS
    DIFF_HEADER = "IIS client certificate state"

    def build_request(self, args: dict[str, Any], now: datetime) -> Request:
        desired = HostDesired.from_options(args, self.read_controller_file)
        return Request(desired.scope(), desired)

    def make_plan(self, desired: HostDesired, snapshot: Snapshot, now: datetime) -> Plan:
        return plan_host(desired, snapshot, now)

    def before_view(self, desired: HostDesired, snapshot: Snapshot) -> View:
        return host_view(desired, snapshot)
