# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Filter mtls.iis.audit_report: one report of a fleet audit (check mode) from the hosts' results."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from ansible_collections.mtls.iis.plugins.filter.finding_lines import fix_text

DOCUMENTATION = r"""
name: audit_report
short_description: Summarise a check-mode run of mtls.iis.client_cert across a fleet
version_added: 0.1.0
description:
  - Takes C(hostvars) and the list of audited hosts and returns a report (per host status, what would change, reboot
    needed, warnings, and a summary) for C(playbooks/audit.yml) to write as JSON and HTML.
  - A host is C(in_sync) when its check-mode run planned nothing, C(drifting) when it planned changes,
    C(failed) when the run failed and C(unreached) when it has no result.
  - When the run had C(audit) on (role variable C(client_cert_auth_audit)), each host also carries its diagnose
    C(findings) and the report a C(certificates) table (server and CA certificates of every host, soonest expiry
    first) and, in C(summary), how many certificates on how many hosts expire within the horizon.
positional: hosts
options:
  _input:
    description: C(hostvars).
    type: dict
    required: true
  hosts:
    description: Hosts that were audited.
    type: list
    elements: str
    required: true
  result_var:
    description: Name of the registered result of mtls.iis.client_cert on each host.
    type: str
    default: client_cert_auth_result
  expiry_days:
    description: The horizon the audit used (C(audit.expiry_days)), shown in the summary.
    type: int
    default: 30
author:
  - mtls.iis contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Build the report
  ansible.builtin.set_fact:
    report: "{{ hostvars | mtls.iis.audit_report(groups['iis_servers']) }}"
"""

RETURN = r"""
_value:
  description: C(generated), C(summary) (counts per status, findings per severity, expiring certificates), C(hosts)
    (one entry per host, with its C(findings)) and C(certificates) (one row per certificate and host).
  type: dict
"""

STATUSES = ("drifting", "failed", "unreached", "in_sync")
SEVERITIES = ("error", "warning", "info")


def host_entry(host: str, result: dict[str, Any] | None) -> dict[str, Any]:
    if not result:
        return {
            "host": host,
            "status": "unreached",
            "changes": [],
            "warnings": [],
            "notices": [],
            "reboot": False,
            "error": "",
            "findings": [],
        }
    failed = bool(result.get("failed"))
    changes = [str(op.get("summary") or op.get("op")) for op in result.get("plan") or []]
    if failed:
        status = "failed"
    elif changes:
        status = "drifting"
    else:
        status = "in_sync"
    audit = result.get("audit") or {}
    return {
        "host": host,
        "status": status,
        "changes": changes,
        "warnings": [str(w) for w in result.get("warnings") or []],
        "notices": [str(n) for n in result.get("notices") or []],
        "reboot": bool(result.get("reboot_required_if_applied") or result.get("reboot_required")),
        "error": str(result.get("msg", "")) if failed else "",
        "findings": [{**f, "fix_text": fix_text(f.get("fix") or {})} for f in audit.get("findings") or []],
        "audited": bool(audit),
        "_audit": audit,
    }


def _used_by(cert: dict[str, Any]) -> str:
    if "bindings" in cert:
        return ", ".join(
            (b.get("binding") and f"{b['site']} {b['binding']}") or str(b.get("httpsys")) for b in cert["bindings"]
        )
    return ", ".join(f"LocalMachine\\{s}" for s in cert.get("stores") or [])


def certificate_rows(host: str, audit: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for kind, certs in (("server", audit.get("server_certificates")), ("ca", audit.get("ca_certificates"))):
        for cert in certs or []:
            rows.append(
                {
                    "host": host,
                    "kind": kind,
                    "subject": cert.get("subject", ""),
                    "sans": ", ".join(cert.get("sans") or []),
                    "issuer": cert.get("issuer", ""),
                    "thumbprint": cert["thumbprint"],
                    "not_after": cert.get("not_after", ""),
                    "days_left": cert.get("days_left"),
                    "expiring": bool(cert.get("expiring")),
                    "expired": bool(cert.get("expired")),
                    "missing": bool(cert.get("missing")),
                    "key": cert.get("key", ""),
                    "server_auth_eku": cert.get("server_auth_eku"),
                    "role": ", ".join(cert.get("roles") or []),
                    "used_by": _used_by(cert),
                }
            )
    return rows


def _expiring(rows: list[dict[str, Any]], kind: str) -> dict[str, int]:
    hit = [r for r in rows if r["kind"] == kind and (r["expiring"] or r["expired"])]
    return {"certificates": len(hit), "hosts": len({r["host"] for r in hit})}


def audit_report(
    hostvars: Any, hosts: list[str], result_var: str = "client_cert_auth_result", expiry_days: int = 30
) -> dict[str, Any]:
    entries = [host_entry(h, (hostvars.get(h) or {}).get(result_var)) for h in hosts]
    entries.sort(key=lambda e: (STATUSES.index(e["status"]), e["host"]))
    rows = [row for e in entries for row in certificate_rows(e["host"], e.pop("_audit", {}))]
    rows.sort(key=lambda r: (r["days_left"] if r["days_left"] is not None else -(10**6), r["host"], r["subject"]))
    summary: dict[str, Any] = {status: sum(1 for e in entries if e["status"] == status) for status in STATUSES}
    summary["hosts"] = len(entries)
    summary["reboot"] = sum(1 for e in entries if e["reboot"])
    summary["audited"] = sum(1 for e in entries if e.get("audited"))
    summary["findings"] = {s: sum(1 for e in entries for f in e["findings"] if f["severity"] == s) for s in SEVERITIES}
    summary["expiry_days"] = expiry_days
    summary["expiring_server"] = _expiring(rows, "server")
    summary["expiring_ca"] = _expiring(rows, "ca")
    summary["missing_server"] = sum(1 for r in rows if r["missing"])
    return {
        "generated": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "summary": summary,
        "hosts": entries,
        "certificates": rows,
    }


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"audit_report": audit_report}
