"""Action plugin of mtls.iis.ssl_settings (documentation: plugins/modules/ssl_settings.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ansible_collections.mtls.iis.plugins.plugin_utils.action_base import HostStateAction, Request
from ansible_collections.mtls.iis.plugins.plugin_utils.diff import View
from ansible_collections.mtls.iis.plugins.plugin_utils.plan import Plan
from ansible_collections.mtls.iis.plugins.plugin_utils.snapshot import Snapshot
from ansible_collections.mtls.iis.plugins.plugin_utils.specs import SSL_SETTINGS_OPTIONS
from ansible_collections.mtls.iis.plugins.plugin_utils.ssl_settings import SslDesired, plan_ssl, ssl_view


class ActionModule(HostStateAction):
    ARGUMENT_SPEC = SSL_SETTINGS_OPTIONS
    DIFF_HEADER = "IIS SSL settings"

    def build_request(self, args: dict[str, Any], now: datetime) -> Request:
        desired = SslDesired.from_options(args)
        return Request(desired.scope(), desired)

    def make_plan(self, desired: SslDesired, snapshot: Snapshot, now: datetime) -> Plan:
        return plan_ssl(desired, snapshot)

    def before_view(self, desired: SslDesired, snapshot: Snapshot) -> View:
        return ssl_view(desired, snapshot)
