# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Lookup mtls.iis.plugin_available: whether a module or action name resolves on this controller."""

from __future__ import annotations

DOCUMENTATION = r"""
name: plugin_available
short_description: Tell whether a module (for example from an optional collection) is installed
version_added: 0.1.0
description:
  - Returns true when the fully qualified module or action name resolves on the controller, false otherwise.
  - Lets a role use an optional collection (the C(mtls.iis.client_cert_auth) role reboots through
    C(ansible.windows.win_reboot) only when it is installed) and fail with a clear message when it is not.
options:
  _terms:
    description: Fully qualified module names.
    required: true
    type: list
    elements: str
author:
  - mtls.iis contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Fail clearly when ansible.windows is missing
  ansible.builtin.assert:
    that: lookup('mtls.iis.plugin_available', 'ansible.windows.win_reboot')
    fail_msg: install the ansible.windows collection
"""

RETURN = r"""
_raw:
  description: One boolean per name.
  type: list
  elements: bool
"""

from ansible.plugins.loader import action_loader, module_loader
from ansible.plugins.lookup import LookupBase


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        return [_resolves(str(name)) for name in terms]


def _resolves(name: str) -> bool:
    for loader in (module_loader, action_loader):
        context = loader.find_plugin_with_context(name, ignore_deprecated=True)
        if context.resolved:
            return True
    return False
