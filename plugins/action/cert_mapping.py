# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin of mtls.iis.cert_mapping (documentation: plugins/modules/cert_mapping.py)."""

from __future__ import annotations

from ansible_collections.mtls.iis.plugins.plugin_utils.action_base import PartAction
from ansible_collections.mtls.iis.plugins.plugin_utils.mapping import MappingDesired
from ansible_collections.mtls.iis.plugins.plugin_utils.specs import CERT_MAPPING_OPTIONS


class ActionModule(PartAction):
    ARGUMENT_SPEC = CERT_MAPPING_OPTIONS
    DESIRED = MappingDesired
    DIFF_HEADER = "IIS client certificate mapping"
