# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Filter mtls.iis.audit_csv: the certificate table of an audit report as CSV, for spreadsheets."""

from __future__ import annotations

import csv
import io
from typing import Any

DOCUMENTATION = r"""
name: audit_csv
short_description: The certificate inventory of an mtls.iis audit report as CSV
version_added: 0.1.0
description:
  - One header line, then one line per certificate and host (server certificates of the HTTP.sys bindings and the CA
    certificates client authentication relies on), soonest expiry first, as C(playbooks/audit.yml) writes
    C(certificates.csv). Fields are quoted as RFC 4180 says; spreadsheets open it as it is.
options:
  _input:
    description: The report of P(mtls.iis.audit_report#filter).
    type: dict
    required: true
author:
  - mtls.iis contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Write the inventory for a spreadsheet
  ansible.builtin.copy:
    content: "{{ report | mtls.iis.audit_csv }}"
    dest: audit/certificates.csv
    mode: "0644"
"""

RETURN = r"""
_value:
  description: CSV text.
  type: str
"""

COLUMNS = (
    "host",
    "kind",
    "subject",
    "sans",
    "issuer",
    "thumbprint",
    "not_after",
    "days_left",
    "expiring",
    "expired",
    "missing",
    "key",
    "server_auth_eku",
    "role",
    "used_by",
)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    # a cell a spreadsheet would run as a formula (CSV injection) is written as text
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") and not text.lstrip("-").isdigit() else text


def audit_csv(report: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in report.get("certificates") or []:
        writer.writerow([_cell(row.get(column)) for column in COLUMNS])
    return out.getvalue()


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"audit_csv": audit_csv}
