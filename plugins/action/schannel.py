"""Action plugin of mtls.iis.schannel (documentation: plugins/modules/schannel.py)."""

from __future__ import annotations

from ansible_collections.mtls.iis.plugins.plugin_utils.action_base import PartAction
from ansible_collections.mtls.iis.plugins.plugin_utils.schannel import SchannelDesired
from ansible_collections.mtls.iis.plugins.plugin_utils.specs import SCHANNEL_OPTIONS


class ActionModule(PartAction):
    ARGUMENT_SPEC = SCHANNEL_OPTIONS
    DESIRED = SchannelDesired
    DIFF_HEADER = "Schannel client authentication"
