"""Action plugin of mtls.iis.failed_request_tracing (documentation: plugins/modules/failed_request_tracing.py)."""

from __future__ import annotations

from ansible_collections.mtls.iis.plugins.plugin_utils.action_base import PartAction
from ansible_collections.mtls.iis.plugins.plugin_utils.specs import FAILED_REQUEST_TRACING_OPTIONS
from ansible_collections.mtls.iis.plugins.plugin_utils.tracing import TracingDesired


class ActionModule(PartAction):
    ARGUMENT_SPEC = FAILED_REQUEST_TRACING_OPTIONS
    DESIRED = TracingDesired
    DIFF_HEADER = "IIS Failed Request Tracing"
