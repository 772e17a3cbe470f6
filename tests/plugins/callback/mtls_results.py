"""Test-only callback: appends every task result as one JSON line to $MTLS_RESULTS_FILE.

Ansible's own JSON callback lives outside ansible-core; tests need structured results on every
supported release. Results arrive here after Ansible's no_log censoring, as a user would see them.
"""

from __future__ import annotations

import json
import os

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: mtls_results
type: aggregate
short_description: write task results as JSON lines (tests only)
description: Appends one JSON object per task result to the file named by MTLS_RESULTS_FILE.
requirements: [enable in ansible.cfg or ANSIBLE_CALLBACKS_ENABLED]
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "mtls_results"
    CALLBACK_NEEDS_ENABLED = True

    def _write(self, status: str, result) -> None:
        path = os.environ.get("MTLS_RESULTS_FILE")
        if not path:
            return
        data = dict(result._result)
        data.setdefault("failed", status == "failed")  # ansible-core >= 2.19 keeps it outside _result
        entry = {"status": status, "host": result._host.get_name(), "task": result._task.get_name(), "result": data}
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, default=str) + "\n")

    def v2_runner_on_ok(self, result) -> None:
        self._write("ok", result)

    def v2_runner_on_failed(self, result, ignore_errors: bool = False) -> None:
        self._write("failed", result)

    def v2_runner_on_skipped(self, result) -> None:
        self._write("skipped", result)

    def v2_runner_on_unreachable(self, result) -> None:
        self._write("unreachable", result)
