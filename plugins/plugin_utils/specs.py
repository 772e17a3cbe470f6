# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Argument specs of the user-facing modules, defined once and shared by every module that takes
the same part (the part modules and, later, the whole-host module)."""

from __future__ import annotations

from typing import Any

from .httpsys import REVOCATION_CHOICES
from .sources import CERT_SOURCE_SPEC
from .tracing import DEFAULT_DIRECTORY, DEFAULT_STATUS_CODES

TRUST_OPTIONS: dict[str, Any] = {
    "certificates": CERT_SOURCE_SPEC,
    "client_auth_issuers": CERT_SOURCE_SPEC,
    "client_auth_issuer_store": {"type": "str", "default": "ClientAuthIssuer"},
    "exclusive_client_auth_issuers": {"type": "bool", "default": False},
    "non_self_signed_roots": {"type": "str", "default": "report", "choices": ["report", "move"]},
    "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
}

SCHANNEL_OPTIONS: dict[str, Any] = {
    "client_auth_trust_mode": {
        "type": "str",
        "choices": ["machine", "exclusive_root", "exclusive_ca", "default"],
    },
    "send_trusted_issuer_list": {"type": "raw"},
}

INFO_OPTIONS: dict[str, Any] = {
    "stores": {
        "type": "list",
        "elements": "str",
        "default": ["Root", "CA", "ClientAuthIssuer", "My", "WebHosting"],
    },
    "schannel": {"type": "bool", "default": True},
    "httpsys": {"type": "bool", "default": True},
    "include_der": {"type": "bool", "default": False},
}

SITE_BINDING_OPTIONS: dict[str, Any] = {
    "site": {"type": "str", "required": True},
    "ip": {"type": "str", "default": "*"},
    "port": {"type": "int", "default": 443},
    "host": {"type": "str", "default": ""},
    "sni": {"type": "bool"},
    "ccs": {"type": "bool"},
    "certificate": {
        "type": "dict",
        "options": {
            "thumbprint": {"type": "str"},
            "store": {"type": "str", "default": "My", "choices": ["My", "WebHosting"]},
            "pfx": {"type": "path"},
            "password": {"type": "str", "no_log": True},
        },
        "mutually_exclusive": [("thumbprint", "pfx")],
        "required_one_of": [("thumbprint", "pfx")],
    },
    "expiry_warning_days": {"type": "int", "default": 30},
    "disable_tls13": {"type": "bool"},
    "disable_legacy_tls": {"type": "bool"},
    "disable_http2": {"type": "bool"},
    "disable_quic": {"type": "bool"},
    "disable_ocsp_stapling": {"type": "bool"},
    "negotiate_client_certificate": {"type": "bool"},
    "client_auth_issuer_store": {"type": "str"},
    "revocation_check": {"type": "str", "choices": list(REVOCATION_CHOICES)},
    "revocation_freshness_seconds": {"type": "int"},
    "ds_mapper": {"type": "bool"},
    "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
}

SSL_SETTINGS_OPTIONS: dict[str, Any] = {
    "path": {"type": "str", "required": True},
    "require_ssl": {"type": "bool"},
    "require_128bit": {"type": "bool"},
    "client_certificates": {"type": "str", "choices": ["ignore", "accept", "require"]},
    "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
}

CERT_MAPPING_OPTIONS: dict[str, Any] = {
    "site": {"type": "str", "required": True},
    "enabled": {"type": "bool"},
    "logon_method": {"type": "str", "choices": ["clear_text", "network", "batch", "interactive"]},
    "default_logon_domain": {"type": "str"},
    "one_to_one_enabled": {"type": "bool"},
    "many_to_one_enabled": {"type": "bool"},
    "one_to_one": {
        "type": "list",
        "elements": "dict",
        "options": {
            "path": {"type": "path"},
            "content": {"type": "str"},
            "user": {"type": "str", "required": True},
            "password": {"type": "str", "no_log": True},
            "enabled": {"type": "bool", "default": True},
        },
        "mutually_exclusive": [("path", "content")],
        "required_one_of": [("path", "content")],
    },
    "many_to_one": {
        "type": "list",
        "elements": "dict",
        "options": {
            "name": {"type": "str", "required": True},
            "description": {"type": "str", "default": ""},
            "user": {"type": "str", "required": True},
            "password": {"type": "str", "no_log": True},
            "permission": {"type": "str", "default": "allow", "choices": ["allow", "deny"]},
            "enabled": {"type": "bool", "default": True},
            "rules": {
                "type": "list",
                "elements": "dict",
                "default": [],
                "options": {
                    "field": {"type": "str", "required": True, "choices": ["subject", "issuer"]},
                    "subfield": {"type": "str", "required": True},
                    "match": {"type": "str", "required": True},
                    "case_sensitive": {"type": "bool", "default": True},
                },
            },
        },
    },
    "exclusive": {"type": "bool", "default": False},
    "update_password": {"type": "str", "default": "on_create", "choices": ["on_create", "always"]},
    "ad_mapping": {"type": "bool"},
    "anonymous_authentication": {"type": "bool"},
    "install_feature": {"type": "bool", "default": True},
    "clear_below_site": {"type": "bool", "default": False},
}


FAILED_REQUEST_TRACING_OPTIONS: dict[str, Any] = {
    "site": {"type": "str", "required": True},
    "enabled": {"type": "bool", "default": True},
    "status_codes": {"type": "list", "elements": "str", "default": list(DEFAULT_STATUS_CODES)},
    "directory": {"type": "str", "default": DEFAULT_DIRECTORY},
    "max_log_files": {"type": "int", "default": 50},
    "install_feature": {"type": "bool", "default": True},
}

DIAGNOSE_OPTIONS: dict[str, Any] = {
    "site": {"type": "str", "required": True},
    "host": {"type": "str", "default": ""},
    "port": {"type": "int", "default": 443},
    "path": {"type": "str", "default": ""},
    "client_certificate": {
        "type": "dict",
        "options": {"path": {"type": "path"}, "content": {"type": "str"}},
        "mutually_exclusive": [("path", "content")],
        "required_one_of": [("path", "content")],
    },
    "issuer_certificates": CERT_SOURCE_SPEC,
    "expiry_warning_days": {"type": "int", "default": 30},
}


def _without(options: dict[str, Any], *names: str) -> dict[str, Any]:
    return {key: value for key, value in options.items() if key not in names}


#: One site of the whole-host state: the part specs above, with the site taken from ``name``.
SITE_OPTIONS: dict[str, Any] = {
    "name": {"type": "str", "required": True},
    "bindings": {"type": "list", "elements": "dict", "default": [], "options": _without(SITE_BINDING_OPTIONS, "site")},
    "ssl": {
        "type": "list",
        "elements": "dict",
        "default": [],
        "options": {**SSL_SETTINGS_OPTIONS, "path": {"type": "str", "default": ""}},
    },
    "mapping": {"type": "dict", "options": _without(CERT_MAPPING_OPTIONS, "site")},
    "tracing": {"type": "dict", "options": _without(FAILED_REQUEST_TRACING_OPTIONS, "site")},
}

CLIENT_CERT_OPTIONS: dict[str, Any] = {
    "trust": {"type": "dict", "options": TRUST_OPTIONS},
    "schannel": {"type": "dict", "options": SCHANNEL_OPTIONS},
    "sites": {"type": "list", "elements": "dict", "default": [], "options": SITE_OPTIONS},
    "audit": {"type": "dict", "options": {"expiry_days": {"type": "int", "default": 30}}},
}
