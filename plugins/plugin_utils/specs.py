"""Argument specs of the user-facing modules, defined once and shared by every module that takes
the same part (the part modules and, later, the whole-host module)."""

from __future__ import annotations

from typing import Any

from .httpsys import REVOCATION_CHOICES
from .sources import CERT_SOURCE_SPEC

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
