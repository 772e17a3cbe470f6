# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin of mtls.iis.client_cert (documentation: plugins/modules/client_cert.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ansible_collections.mtls.iis.plugins.plugin_utils.action_base import PartAction, Request
from ansible_collections.mtls.iis.plugins.plugin_utils.audit import AuditRequest, audit
from ansible_collections.mtls.iis.plugins.plugin_utils.plan import Plan
from ansible_collections.mtls.iis.plugins.plugin_utils.snapshot import Snapshot
from ansible_collections.mtls.iis.plugins.plugin_utils.specs import CLIENT_CERT_OPTIONS
from ansible_collections.mtls.iis.plugins.plugin_utils.whole_host import HostDesired


class ActionModule(PartAction):
    ARGUMENT_SPEC = CLIENT_CERT_OPTIONS
    DESIRED = HostDesired
    DIFF_HEADER = "IIS client certificate state"

    _audit: AuditRequest | None = None

    def build_request(self, args: dict[str, Any], now: datetime) -> Request:
        """With ``audit``, one gather reads what the plan and the audit both need."""
        request = super().build_request(args, now)
        if not args.get("audit"):
            return request
        desired: HostDesired = request.desired
        trust = desired.trust
        self._audit = AuditRequest(
            sites=tuple(site.name for site in desired.sites),
            trust_thumbprints=tuple(c.thumbprint for c in (*trust.certificates, *trust.client_auth_issuers))
            if trust
            else (),
            expiry_days=args["audit"]["expiry_days"],
        )
        return Request(request.scope.union(self._audit.scope()), desired)

    def report(self, desired: HostDesired, snapshot: Snapshot, plan: Plan, now: datetime) -> dict[str, Any]:
        result = super().report(desired, snapshot, plan, now)
        if self._audit is not None:
            result["audit"] = audit(self._audit, snapshot, now)
        return result
