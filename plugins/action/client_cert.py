"""Action plugin of mtls.iis.client_cert (documentation: plugins/modules/client_cert.py)."""

from __future__ import annotations

from ansible_collections.mtls.iis.plugins.plugin_utils.action_base import PartAction
from ansible_collections.mtls.iis.plugins.plugin_utils.specs import CLIENT_CERT_OPTIONS
from ansible_collections.mtls.iis.plugins.plugin_utils.whole_host import HostDesired


class ActionModule(PartAction):
    ARGUMENT_SPEC = CLIENT_CERT_OPTIONS
    DESIRED = HostDesired
    DIFF_HEADER = "IIS client certificate state"
