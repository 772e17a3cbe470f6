# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Filter mtls.iis.finding_lines: mtls.iis.diagnose findings as one readable line each."""

from __future__ import annotations

from typing import Any

DOCUMENTATION = r"""
name: finding_lines
short_description: Format the findings of mtls.iis.diagnose as lines a person reads
version_added: 0.1.0
description:
  - 'One line per finding, C([severity] status ID: title -> fix), errors first, as C(playbooks/diagnose.yml)
    prints them.'
options:
  _input:
    description: The C(findings) list returned by M(mtls.iis.diagnose).
    type: list
    elements: dict
    required: true
author:
  - mtls.iis contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Print the findings
  ansible.builtin.debug:
    msg: "{{ diag.findings | mtls.iis.finding_lines }}"
"""

RETURN = r"""
_value:
  description: One string per finding.
  type: list
  elements: str
"""


def fix_text(fix: dict[str, Any]) -> str:
    """The fix of a finding in one line: the module and the options it sets, or the advice."""
    if fix.get("module"):
        options = ", ".join(f"{k}: {v}" for k, v in (fix.get("options") or {}).items() if v is not None)
        return f"{fix['module']} ({options})" if options else fix["module"]
    return str(fix.get("text", ""))


def finding_lines(findings: list[dict[str, Any]]) -> list[str]:
    return [
        f"[{f['severity']}] {f['status']} {f['id']}: {f['title']} -> fix: {fix_text(f.get('fix') or {})}"
        for f in findings
    ]


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"finding_lines": finding_lines}
