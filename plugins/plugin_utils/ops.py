"""The op vocabulary of ``host_state`` apply: defined once here.

A test keeps these names equal to the dispatcher in ``plugins/modules/host_state.ps1`` and to the
simulator in ``tests/simhost``. See ``docs/ENGINE.md`` for the arguments of each op.
"""

from __future__ import annotations

OP_NAMES: frozenset[str] = frozenset(
    {
        "store_create",
        "cert_import",
        "cert_move",
        "cert_remove",
        "schannel_set",
        "schannel_unset",
        "pfx_import",
        "binding_add",
        "binding_remove",
        "binding_set_cert",
        "binding_set_flags",
        "httpsys_set",
        "httpsys_remove",
        "access_set",
        "access_unset",
        "feature_install",
        "auth_set",
        "one_to_one_set",
        "one_to_one_remove",
        "many_to_one_set",
        "many_to_one_remove",
    }
)

#: Ops whose change takes effect only after a reboot (Schannel lives in LSASS).
REBOOT_OPS: frozenset[str] = frozenset({"schannel_set", "schannel_unset"})
