# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The op vocabulary of ``host_state`` apply: names and arguments, defined once here.

Tests keep it equal to ``$OpArguments``/``$OpHandlers`` in ``plugins/modules/host_state_apply.ps1`` and to
``OP_ARGS``/``OP_HANDLERS`` of the simulator in ``tests/simhost``; every ``Op`` the planners build is
checked against it. ``docs/ENGINE.md`` says what each op does.
"""

from __future__ import annotations

_HTTPSYS_RECORD = (
    "key", "kind", "certificate_hash", "certificate_store", "app_id", "negotiate_client_certificate",
    "ctl_store_name", "ds_mapper", "revocation", "revocation_freshness_seconds", "disable_tls13",
    "disable_legacy_tls", "disable_http2", "disable_quic", "disable_ocsp_stapling",
)  # fmt: skip
#: The settings of a record httpsys_set does not manage but keeps (issue 10 item 5); httpsys_save keeps them too, since
#: IIS drops them as well when it rewrites the record.
_HTTPSYS_KEPT = (
    "reject", "enable_token_binding", "log_extended_events", "enable_session_ticket", "disable_tls12",
    "disable_session_id", "usage_check_disabled", "url_retrieval_timeout", "ctl_identifier",
)  # fmt: skip

#: op name -> (required arguments, optional arguments)
OP_ARGS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    name: (frozenset(required), frozenset(optional))
    for name, required, optional in (
        ("store_create", ("store",), ()),
        ("cert_import", ("store", "der", "thumbprint"), ()),
        ("cert_move", ("from_store", "to_store", "thumbprint"), ()),
        ("cert_remove", ("store", "thumbprint"), ()),
        ("schannel_set", ("name", "value"), ()),
        ("schannel_unset", ("name",), ()),
        ("pfx_import", ("store", "pfx", "password_ref", "thumbprint"), ()),
        ("binding_add", ("site", "binding_information", "ssl_flags", "certificate_hash", "certificate_store"), ()),
        ("binding_remove", ("site", "binding_information"), ()),
        ("binding_set_cert", ("site", "binding_information", "certificate_hash", "certificate_store"), ()),
        ("binding_set_flags", ("site", "binding_information", "ssl_flags"), ()),
        ("httpsys_set", _HTTPSYS_RECORD, ()),
        ("httpsys_remove", ("key", "kind"), ()),
        ("httpsys_save", _HTTPSYS_RECORD + _HTTPSYS_KEPT, ()),
        ("access_set", ("location", "ssl_flags"), ()),
        ("access_unset", ("location",), ()),
        ("feature_install", ("name",), ()),
        ("auth_set", ("location", "section", "attributes"), ()),
        ("one_to_one_set", ("location", "certificate", "user", "enabled"), ("password_ref",)),
        ("one_to_one_remove", ("location", "certificate"), ()),
        (
            "many_to_one_set",
            ("location", "name", "description", "enabled", "permission", "user", "rules"),
            ("password_ref",),
        ),
        ("many_to_one_remove", ("location", "name"), ()),
        ("tracing_set", ("site", "enabled", "directory", "max_log_files", "path", "status_codes"), ()),
        ("tracing_remove", ("site", "path"), ()),
        ("section_clear", ("location", "section"), ()),
    )
}

OP_NAMES: frozenset[str] = frozenset(OP_ARGS)

#: Ops whose change takes effect only after a reboot (Schannel lives in LSASS).
REBOOT_OPS: frozenset[str] = frozenset({"schannel_set", "schannel_unset"})


def check_op_args(name: str, args: dict) -> None:
    """ValueError when an op is unknown, lacks a required argument or carries one it does not take."""
    if name not in OP_ARGS:
        raise ValueError(f"unknown op {name!r}")
    required, optional = OP_ARGS[name]
    missing = required - args.keys()
    extra = args.keys() - required - optional
    if missing or extra:
        raise ValueError(f"op {name!r}: missing {sorted(missing)}, unexpected {sorted(extra)}")
