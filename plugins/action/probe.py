# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin of mtls.iis.probe (documentation: plugins/modules/probe.py).

On the controller: read and check the certificate files, run the probe module where the task is delegated
(the TLS client), then explain what it observed. The module runs once per task; it never runs on Windows.
"""

from __future__ import annotations

import ssl
from typing import Any

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase
from ansible_collections.mtls.iis.plugins.module_utils.probe_options import PROBE_OPTIONS
from ansible_collections.mtls.iis.plugins.plugin_utils.arguments import arguments_message
from ansible_collections.mtls.iis.plugins.plugin_utils.certs import utcnow
from ansible_collections.mtls.iis.plugins.plugin_utils.controller_files import read_controller_file
from ansible_collections.mtls.iis.plugins.plugin_utils.cryptography_lib import (
    HAS_CRYPTOGRAPHY,
    missing_cryptography_message,
    x509,
)
from ansible_collections.mtls.iis.plugins.plugin_utils.errors import OptionError
from ansible_collections.mtls.iis.plugins.plugin_utils.probe_inputs import ProbeRequest
from ansible_collections.mtls.iis.plugins.plugin_utils.probe_report import explain, unmet_expectation

MODULE = "mtls.iis.probe"


def system_trust() -> tuple[list[x509.Certificate], str]:
    """The controller's system CA bundle (what OpenSSL clients on it trust), and how to name it."""
    paths = ssl.get_default_verify_paths()
    for path in (paths.cafile, paths.openssl_cafile):
        if path:
            try:
                with open(path, "rb") as handle:
                    return x509.load_pem_x509_certificates(handle.read()), f"the controller's system trust ({path})"
            except (OSError, ValueError):
                continue
    return [], "the controller's system trust (no CA bundle found; give ca_bundle)"


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    ARGUMENT_SPEC = PROBE_OPTIONS

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        if not HAS_CRYPTOGRAPHY:
            raise AnsibleActionFail(missing_cryptography_message())
        result = super().run(tmp, task_vars)
        del tmp
        problem = arguments_message(self.ARGUMENT_SPEC, self._task.args)
        if problem:
            raise AnsibleActionFail(problem)
        _validation, args = self.validate_argument_spec(argument_spec=self.ARGUMENT_SPEC)
        result["changed"] = False
        if getattr(self._connection._shell, "SHELL_FAMILY", "") == "powershell":
            result.update(
                failed=True,
                msg=f"{MODULE} is a client that runs Python on the controller or a Linux host, not on the Windows "
                f"host {self._task.delegate_to or (task_vars and task_vars.get('inventory_hostname'))}. "
                "Add 'delegate_to: localhost' to the task (or a Linux host that reaches the site).",
            )
            return result
        try:
            request = ProbeRequest.from_options(args, lambda path, option: read_controller_file(self, path, option))
        except OptionError as exc:
            result.update(failed=True, msg=str(exc))
            return result
        try:
            reply = self._execute_module(
                module_name=MODULE, module_args=request.module_args(args), task_vars=task_vars or {}
            )
        except AnsibleError as exc:
            result.update(failed=True, msg=f"running {MODULE} failed: {to_text(exc)}")
            return result
        if reply.get("failed"):
            result.update(failed=True, msg=reply.get("msg", "the probe failed"))
            return result
        trust = (list(request.ca_bundle), "ca_bundle") if request.ca_bundle is not None else system_trust()
        result.update(explain(request, reply["observation"], trust, utcnow()))
        failure = unmet_expectation(request, result)
        if failure:
            result.update(failed=True, msg=failure)
        return result
