# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin of mtls.iis.site_binding (documentation: plugins/modules/site_binding.py)."""

from __future__ import annotations

from ansible_collections.mtls.iis.plugins.plugin_utils.action_base import PartAction
from ansible_collections.mtls.iis.plugins.plugin_utils.binding import BindingDesired
from ansible_collections.mtls.iis.plugins.plugin_utils.specs import SITE_BINDING_OPTIONS


class ActionModule(PartAction):
    ARGUMENT_SPEC = SITE_BINDING_OPTIONS
    DESIRED = BindingDesired
    DIFF_HEADER = "IIS https binding"
