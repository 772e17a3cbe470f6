# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin of mtls.iis.failed_request_tracing (documentation: plugins/modules/failed_request_tracing.py)."""

from __future__ import annotations

from ansible_collections.mtls.iis.plugins.plugin_utils.action_base import PartAction
from ansible_collections.mtls.iis.plugins.plugin_utils.specs import FAILED_REQUEST_TRACING_OPTIONS
from ansible_collections.mtls.iis.plugins.plugin_utils.tracing import TracingDesired


class ActionModule(PartAction):
    ARGUMENT_SPEC = FAILED_REQUEST_TRACING_OPTIONS
    DESIRED = TracingDesired
    DIFF_HEADER = "IIS Failed Request Tracing"
