# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin of mtls.iis.schannel (documentation: plugins/modules/schannel.py)."""

from __future__ import annotations

from ansible_collections.mtls.iis.plugins.plugin_utils.action_base import PartAction
from ansible_collections.mtls.iis.plugins.plugin_utils.schannel import SchannelDesired
from ansible_collections.mtls.iis.plugins.plugin_utils.specs import SCHANNEL_OPTIONS


class ActionModule(PartAction):
    ARGUMENT_SPEC = SCHANNEL_OPTIONS
    DESIRED = SchannelDesired
    DIFF_HEADER = "Schannel client authentication"
