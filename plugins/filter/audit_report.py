"""Filter mtls.iis.audit_report: one report of a fleet audit (check mode) from the hosts' results."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

DOCUMENTATION = r"""
name: audit_report
short_description: Summarise a check-mode run of mtls.iis.client_cert across a fleet
version_added: 0.1.0
description:
  - Takes C(hostvars) and the list of audited hosts and returns a report (per host status, what would change, reboot
    needed, warnings, and a summary) for C(playbooks/audit.yml) to write as JSON and HTML.
  - A host is C(in_sync) when its check-mode run planned nothing, C(drifting) when it planned changes,
    C(failed) when the run failed and C(unreached) when it has no result.
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
author:
  - mtls.iis contributors
"""

EXAMPLES = r"""
- name: Build the report
  ansible.builtin.set_fact:
    report: "{{ hostvars | mtls.iis.audit_report(groups['iis_servers']) }}"
"""

RETURN = r"""
_value:
  description: C(generated), C(summary) (counts per status) and C(hosts) (one entry per host).
  type: dict
"""

STATUSES = ("drifting", "failed", "unreached", "in_sync")


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
        }
    failed = bool(result.get("failed"))
    changes = [str(op.get("summary") or op.get("op")) for op in result.get("plan") or []]
    if failed:
        status = "failed"
    elif changes:
        status = "drifting"
    else:
        status = "in_sync"
    return {
        "host": host,
        "status": status,
        "changes": changes,
        "warnings": [str(w) for w in result.get("warnings") or []],
        "notices": [str(n) for n in result.get("notices") or []],
        "reboot": bool(result.get("reboot_required_if_applied") or result.get("reboot_required")),
        "error": str(result.get("msg", "")) if failed else "",
    }


def audit_report(hostvars: Any, hosts: list[str], result_var: str = "client_cert_auth_result") -> dict[str, Any]:
    entries = [host_entry(h, (hostvars.get(h) or {}).get(result_var)) for h in hosts]
    entries.sort(key=lambda e: (STATUSES.index(e["status"]), e["host"]))
    summary = {status: sum(1 for e in entries if e["status"] == status) for status in STATUSES}
    summary["hosts"] = len(entries)
    summary["reboot"] = sum(1 for e in entries if e["reboot"])
    return {
        "generated": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "summary": summary,
        "hosts": entries,
    }


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"audit_report": audit_report}
