# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin of mtls.iis.diagnose (documentation: plugins/modules/diagnose.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ansible_collections.mtls.iis.plugins.plugin_utils.action_base import HostStateAction, Request
from ansible_collections.mtls.iis.plugins.plugin_utils.binding import require_site
from ansible_collections.mtls.iis.plugins.plugin_utils.certs import parse_certificates
from ansible_collections.mtls.iis.plugins.plugin_utils.chain import AmbiguousBundle, leaf_first
from ansible_collections.mtls.iis.plugins.plugin_utils.diagnosis import SEVERITIES, DiagnoseRequest, diagnose
from ansible_collections.mtls.iis.plugins.plugin_utils.errors import OptionError
from ansible_collections.mtls.iis.plugins.plugin_utils.hostnames import binding_host
from ansible_collections.mtls.iis.plugins.plugin_utils.names import normalize_thumbprint
from ansible_collections.mtls.iis.plugins.plugin_utils.plan import Plan
from ansible_collections.mtls.iis.plugins.plugin_utils.snapshot import Snapshot
from ansible_collections.mtls.iis.plugins.plugin_utils.specs import DIAGNOSE_OPTIONS


class ActionModule(HostStateAction):
    ARGUMENT_SPEC = DIAGNOSE_OPTIONS
    READ_ONLY = True

    def _certificates(self, item: dict[str, Any], option: str) -> list:
        if item.get("path"):
            data = self.read_controller_file(item["path"], f"{option}.path")
            return parse_certificates(data, f"{option}.path", f"file {item['path']}")
        return parse_certificates(str(item["content"]).encode(), f"{option}.content", "PEM content")

    def build_request(self, args: dict[str, Any], now: datetime) -> Request:
        if not 1 <= args["port"] <= 65535:
            raise OptionError("port", f"{args['port']} is not a TCP port.", "use a port between 1 and 65535.")
        client: tuple = ()
        if args.get("client_certificate"):
            try:
                client = tuple(leaf_first(self._certificates(args["client_certificate"], "client_certificate")))
            except AmbiguousBundle as exc:
                raise OptionError(
                    "client_certificate",
                    f"{exc}.",
                    "give the client's certificate with the CAs that issued it (in any order), one chain only.",
                ) from None
        issuers = []
        for index, item in enumerate(args["issuer_certificates"]):
            option = f"issuer_certificates[{index}]"
            if item.get("thumbprint"):
                # A CA on the host, by thumbprint: the diagnosis reads the host's stores anyway (documented).
                normalize_thumbprint(item["thumbprint"], f"{option}.thumbprint")
                continue
            issuers += self._certificates(item, option)
        path = "/".join(p for p in str(args["path"]).replace("\\", "/").split("/") if p)
        request = DiagnoseRequest(
            site=args["site"],
            host=binding_host(args.get("host") or "", "host").ascii,
            port=args["port"],
            path=f"{args['site']}/{path}" if path else "",
            client=client,
            issuers=tuple(issuers),
            expiry_warning_days=args["expiry_warning_days"],
        )
        return Request(request.scope(), request)

    def make_plan(self, desired: DiagnoseRequest, snapshot: Snapshot, now: datetime) -> Plan:
        require_site(snapshot, desired.site)  # a missing site is an error, not a finding
        return Plan()

    def report(self, desired: DiagnoseRequest, snapshot: Snapshot, plan: Plan, now: datetime) -> dict[str, Any]:
        findings, chain = diagnose(desired, snapshot, now)
        counts = {severity: sum(1 for f in findings if f.severity == severity) for severity in SEVERITIES}
        result: dict[str, Any] = {"findings": [f.to_dict() for f in findings], "counts": counts}
        if chain is not None:
            result["client_chain"] = chain
        return result
