# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Options of mtls.iis.probe, shared by the module (on the host the task is delegated to) and its action plugin."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

from typing import Any

SOURCE_SPEC: dict[str, Any] = {"path": {"type": "path"}, "content": {"type": "str"}}

CLIENT_CERTIFICATE_SPEC: dict[str, Any] = {
    "path": {"type": "path"},
    "content": {"type": "str"},
    "key_path": {"type": "path"},
    "key_content": {"type": "str", "no_log": True},
    "pfx": {"type": "path"},
    "password": {"type": "str", "no_log": True},
}

PROBE_OPTIONS: dict[str, Any] = {
    "url": {"type": "str", "required": True},
    "server_name": {"type": "str"},
    "client_certificate": {
        "type": "dict",
        "options": CLIENT_CERTIFICATE_SPEC,
        "mutually_exclusive": [("path", "content", "pfx"), ("key_path", "key_content")],
        "required_one_of": [("path", "content", "pfx")],
    },
    "ca_bundle": {
        "type": "dict",
        "options": SOURCE_SPEC,
        "mutually_exclusive": [("path", "content")],
        "required_one_of": [("path", "content")],
    },
    "tls_version": {"type": "str", "default": "auto", "choices": ["auto", "1.2", "1.3"]},
    "retry_tls12": {"type": "bool", "default": True},
    "timeout": {"type": "int", "default": 10},
    "expect_status": {"type": "list", "elements": "str"},
    "expiry_warning_days": {"type": "int", "default": 30},
}
