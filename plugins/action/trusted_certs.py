# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin of mtls.iis.trusted_certs (documentation: plugins/modules/trusted_certs.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ansible_collections.mtls.iis.plugins.plugin_utils.action_base import PartAction
from ansible_collections.mtls.iis.plugins.plugin_utils.plan import Plan
from ansible_collections.mtls.iis.plugins.plugin_utils.snapshot import Snapshot
from ansible_collections.mtls.iis.plugins.plugin_utils.specs import TRUST_OPTIONS
from ansible_collections.mtls.iis.plugins.plugin_utils.trust import TrustDesired, non_self_signed_roots


class ActionModule(PartAction):
    ARGUMENT_SPEC = TRUST_OPTIONS
    DESIRED = TrustDesired
    DIFF_HEADER = "trusted CA certificates"

    def report(self, desired: TrustDesired, snapshot: Snapshot, plan: Plan, now: datetime) -> dict[str, Any]:
        return {"non_self_signed_roots": [c.facts(now) for c in non_self_signed_roots(snapshot)]}
