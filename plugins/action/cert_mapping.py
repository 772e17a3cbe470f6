"""Action plugin of mtls.iis.cert_mapping (documentation: plugins/modules/cert_mapping.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ansible_collections.mtls.iis.plugins.plugin_utils.action_base import HostStateAction, Request
from ansible_collections.mtls.iis.plugins.plugin_utils.diff import View
from ansible_collections.mtls.iis.plugins.plugin_utils.mapping import MappingDesired, mapping_view, plan_mapping
from ansible_collections.mtls.iis.plugins.plugin_utils.plan import Plan
from ansible_collections.mtls.iis.plugins.plugin_utils.snapshot import Snapshot
from ansible_collections.mtls.iis.plugins.plugin_utils.specs import CERT_MAPPING_OPTIONS


class ActionModule(HostStateAction):
    ARGUMENT_SPEC = CERT_MAPPING_OPTIONS
    DIFF_HEADER = "IIS client certificate mapping"

    def build_request(self, args: dict[str, Any], now: datetime) -> Request:
        desired = MappingDesired.from_options(args, self.read_controller_file)
        return Request(desired.scope(), desired)

    def make_plan(self, desired: MappingDesired, snapshot: Snapshot, now: datetime) -> Plan:
        return plan_mapping(desired, snapshot)

    def before_view(self, desired: MappingDesired, snapshot: Snapshot) -> View:
        return mapping_view(desired, snapshot)
