"""Argument specs of the user-facing modules, defined once and shared by every module that takes
the same part (the part modules and, later, the whole-host module)."""

from __future__ import annotations

from typing import Any

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
