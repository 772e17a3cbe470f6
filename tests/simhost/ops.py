"""The apply ops of ``host_state``: argument checks and one handler per op.

``OP_HANDLERS`` is the registry: its keys are exactly ``OP_NAMES`` of
``plugins/plugin_utils/ops.py`` (a test keeps them equal). Each handler gets an :class:`OpContext`
and the op's arguments (without ``op``), and returns an :class:`OpOutcome` or raises
:class:`~simhost.errors.OpError`.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from winmodel import stores
from winmodel.state import State

from simhost import auth, certstore, features, httpsys, iis, registry, tracing
from simhost.errors import OpError
from simhost.faults import find_fault


@dataclass
class OpContext:
    state: State
    name: str
    args: Mapping[str, Any]
    secrets: Mapping[str, Any] = field(default_factory=dict)

    def check_fault(self, stage: str | None = None, *, changed: bool = False) -> None:
        """Fail here when an injected fault matches this op at this stage."""
        message = find_fault(self.state, self.name, self.args, stage)
        if message is not None:
            raise OpError(message, changed=changed)


@dataclass(frozen=True)
class OpOutcome:
    changed: bool
    returned: dict[str, Any] | None = None
    #: ``feature_install`` only: put in the op's result entry as ``reboot_required``.
    reboot_required: bool | None = None


Handler = Callable[[OpContext], OpOutcome]

#: Ops that change IIS configuration: they commit once per contiguous run (``$IisConfigOps`` of
#: ``host_state.ps1``; a test keeps them equal).
IIS_CONFIG_OPS: frozenset[str] = frozenset(
    {
        "binding_add",
        "binding_remove",
        "binding_set_cert",
        "binding_set_flags",
        "access_set",
        "access_unset",
        "auth_set",
        "one_to_one_set",
        "one_to_one_remove",
        "many_to_one_set",
        "many_to_one_remove",
        "tracing_set",
        "tracing_remove",
        "section_clear",
    }
)


@dataclass(frozen=True)
class Arg:
    """One op argument: its type, whether null or an empty string is accepted, and whether it may be absent."""

    type: type
    nullable: bool = False
    empty: bool = False
    choices: tuple[str, ...] = ()
    optional: bool = False


_STR_OR_EMPTY = Arg(str, empty=True)
#: ``password_ref`` of the mapping ops: absent or null = leave the password alone (host_state's -Optional).
_OPTIONAL_REF = Arg(str, nullable=True, optional=True)
#: The user of a mapping: an empty one gets IIS's refusal from the op, not a generic argument error.
_USER = Arg(str, nullable=True, empty=True)

#: Arguments of each op and their types (a bare type = required, not null, a string not empty);
#: every argument must be present unless ``optional``, no other is accepted.
OP_ARGS: dict[str, dict[str, type | Arg]] = {
    "store_create": {"store": str},
    "cert_import": {"store": str, "der": str, "thumbprint": str},
    "cert_move": {"from_store": str, "to_store": str, "thumbprint": str},
    "cert_remove": {"store": str, "thumbprint": str},
    "schannel_set": {"name": str, "value": int},
    "schannel_unset": {"name": str},
    "pfx_import": {"store": str, "pfx": str, "password_ref": str, "thumbprint": str},
    "binding_add": {
        "site": str,
        "binding_information": str,
        "ssl_flags": int,
        # empty for a Central Certificate Store binding (sslFlags bit 2), required otherwise (checked by the op)
        "certificate_hash": _STR_OR_EMPTY,
        "certificate_store": _STR_OR_EMPTY,
    },
    "binding_remove": {"site": str, "binding_information": str},
    "binding_set_cert": {"site": str, "binding_information": str, "certificate_hash": str, "certificate_store": str},
    "binding_set_flags": {"site": str, "binding_information": str, "ssl_flags": int},
    "httpsys_set": {
        "key": str,
        "kind": Arg(str, choices=httpsys.WRITABLE_KINDS),
        "certificate_hash": _STR_OR_EMPTY,  # empty for ccs only (checked by the op)
        "certificate_store": _STR_OR_EMPTY,  # ipport: empty = MY; hostnameport: required; ccs: empty (the op)
        "app_id": str,
        "negotiate_client_certificate": bool,
        "ctl_store_name": Arg(str, nullable=True, empty=True),
        "ds_mapper": bool,
        "revocation": Arg(str, choices=tuple(httpsys.REVOCATION_MODES)),
        "revocation_freshness_seconds": int,
        "disable_tls13": bool,
        "disable_legacy_tls": bool,
        "disable_http2": bool,
        "disable_quic": bool,
        "disable_ocsp_stapling": bool,
    },
    "httpsys_remove": {"key": str, "kind": Arg(str, choices=httpsys.WRITABLE_KINDS)},
    "httpsys_save": {},  # filled below: the arguments of httpsys_set and the settings it keeps
    # An empty location gets its own message (server level, locked section) from the op.
    "access_set": {"location": _STR_OR_EMPTY, "ssl_flags": int},
    "access_unset": {"location": _STR_OR_EMPTY},
    "feature_install": {"name": str},
    # Locations: an empty one gets its own message (server level) from the op.
    "auth_set": {"location": _STR_OR_EMPTY, "section": str, "attributes": dict},
    "one_to_one_set": {
        "location": _STR_OR_EMPTY,
        "certificate": _STR_OR_EMPTY,
        "user": _USER,
        "enabled": bool,
        "password_ref": _OPTIONAL_REF,
    },
    "one_to_one_remove": {"location": _STR_OR_EMPTY, "certificate": _STR_OR_EMPTY},
    "many_to_one_set": {
        "location": _STR_OR_EMPTY,
        "name": _STR_OR_EMPTY,
        "description": Arg(str, nullable=True, empty=True),
        "enabled": bool,
        "permission": str,
        "user": _USER,
        "rules": list,
        "password_ref": _OPTIONAL_REF,
    },
    "many_to_one_remove": {"location": _STR_OR_EMPTY, "name": _STR_OR_EMPTY},
    # An empty path or directory gets its own message from the op.
    "tracing_set": {
        "site": str,
        "enabled": bool,
        "directory": _STR_OR_EMPTY,
        "max_log_files": int,
        "path": _STR_OR_EMPTY,
        "status_codes": list,
    },
    "tracing_remove": {"site": str, "path": _STR_OR_EMPTY},
    # An unknown section and an empty location get their own messages from the op.
    "section_clear": {"location": _STR_OR_EMPTY, "section": _STR_OR_EMPTY},
}


OP_ARGS["httpsys_save"] = {
    **OP_ARGS["httpsys_set"],
    **dict.fromkeys(httpsys.KEPT_FLAG_ARGS, bool),
    "usage_check_disabled": bool,
    "url_retrieval_timeout": int,
    "ctl_identifier": Arg(str, nullable=True, empty=True),
}


def check_args(name: str, args: Mapping[str, Any]) -> None:
    spec = OP_ARGS[name]
    required = {arg for arg, declared in spec.items() if not (isinstance(declared, Arg) and declared.optional)}
    missing = sorted(required - set(args))
    unknown = sorted(set(args) - set(spec))
    if missing:
        raise OpError(f"missing argument(s): {', '.join(missing)}")
    if unknown:
        raise OpError(f"unsupported argument(s): {', '.join(unknown)}")
    for arg, declared in spec.items():
        rule = declared if isinstance(declared, Arg) else Arg(declared)
        if arg not in args:
            continue  # optional and absent
        value = args[arg]
        if value is None and rule.nullable:
            continue
        is_bool = isinstance(value, bool)
        if not isinstance(value, rule.type) or (is_bool and rule.type is not bool):
            raise OpError(f"argument {arg} must be {rule.type.__name__}, got {type(value).__name__}")
        if rule.type is str and not value and not rule.empty:
            raise OpError(f"argument {arg} must not be empty")
        if rule.choices and value not in rule.choices:
            raise OpError(f"argument {arg} must be one of {', '.join(rule.choices)}, got '{value}'")


def store_create(ctx: OpContext) -> OpOutcome:
    return OpOutcome(changed=stores.create_store(ctx.state, ctx.args["store"]))


def cert_import(ctx: OpContext) -> OpOutcome:
    wanted = certstore.parse_thumbprint(ctx.args["thumbprint"])
    der = certstore.decode_der(ctx.args["der"])
    actual = stores.thumbprint_of(der)
    if actual != wanted:
        raise OpError(f"der has thumbprint {actual}, the op says {wanted}: the op was damaged on its way")
    # Windows behaviour: X509Store.Open(ReadWrite) creates a missing store, so the import does too.
    return OpOutcome(changed=stores.add_certificate(ctx.state, ctx.args["store"], der))


def cert_move(ctx: OpContext) -> OpOutcome:
    source, target = ctx.args["from_store"], ctx.args["to_store"]
    thumbprint = certstore.parse_thumbprint(ctx.args["thumbprint"])
    if source.casefold() == target.casefold():
        raise OpError(f"from_store and to_store are the same store '{source}'")
    cert = stores.find_certificate(ctx.state, source, thumbprint)
    if cert is None:
        if stores.find_certificate(ctx.state, target, thumbprint) is not None:
            return OpOutcome(changed=False)  # already moved: repeating a done move changes nothing
        raise OpError(f"certificate {thumbprint} is in neither '{source}' nor '{target}'")
    # Add to the target first, so a failure midway never leaves the certificate in no store.
    added = stores.add_certificate(
        ctx.state, target, base64.b64decode(cert["der"]), has_private_key=cert["has_private_key"]
    )
    ctx.check_fault("remove", changed=added)
    stores.remove_certificate(ctx.state, source, thumbprint)
    return OpOutcome(changed=True, returned={"der": cert["der"]})


def cert_remove(ctx: OpContext) -> OpOutcome:
    thumbprint = certstore.parse_thumbprint(ctx.args["thumbprint"])
    removed = stores.remove_certificate(ctx.state, ctx.args["store"], thumbprint)
    if removed is None:
        return OpOutcome(changed=False)
    return OpOutcome(changed=True, returned={"der": removed["der"]})


def schannel_set(ctx: OpContext) -> OpOutcome:
    return OpOutcome(changed=registry.schannel_set(ctx.state, ctx.args["name"], ctx.args["value"]))


def schannel_unset(ctx: OpContext) -> OpOutcome:
    return OpOutcome(changed=registry.schannel_unset(ctx.state, ctx.args["name"]))


def pfx_import(ctx: OpContext) -> OpOutcome:
    ref = ctx.args["password_ref"]
    if ref not in ctx.secrets or ctx.secrets[ref] is None:
        raise OpError(f"password_ref '{ref}' names no entry in secrets")
    wanted = certstore.parse_thumbprint(ctx.args["thumbprint"])
    pfx = certstore.decode_pfx(ctx.args["pfx"], str(ctx.secrets[ref]), ref)
    certstore.legacy_host_refuses(ctx.state, ctx.args["pfx"])
    if pfx.keyed is None:
        found = [stores.thumbprint_of(der) for der in pfx.others]
        if wanted in found:
            raise OpError(f"the PFX holds certificate {wanted} without its private key")
        raise OpError(f"the PFX holds no certificate with its private key (certificates: {', '.join(found) or 'none'})")
    der = pfx.keyed
    actual = stores.thumbprint_of(der)
    if actual != wanted:
        raise OpError(f"the PFX holds certificate {actual}, the op says {wanted}: the op was damaged on its way")
    # Only the certificate with the key is imported (certstore docstring); the chain goes to CA by cert_import ops.
    # Machine key set, persisted: the certificate is in LocalMachine with a usable private key.
    return OpOutcome(changed=stores.import_with_key(ctx.state, ctx.args["store"], der))


def binding_add(ctx: OpContext) -> OpOutcome:
    a = ctx.args
    site, info, store = a["site"], a["binding_information"], a["certificate_store"]
    return OpOutcome(changed=iis.binding_add(ctx.state, site, info, a["ssl_flags"], a["certificate_hash"], store))


def binding_remove(ctx: OpContext) -> OpOutcome:
    return OpOutcome(changed=iis.binding_remove(ctx.state, ctx.args["site"], ctx.args["binding_information"]))


def binding_set_cert(ctx: OpContext) -> OpOutcome:
    a = ctx.args
    return OpOutcome(
        changed=iis.binding_set_cert(
            ctx.state, a["site"], a["binding_information"], a["certificate_hash"], a["certificate_store"]
        )
    )


def binding_set_flags(ctx: OpContext) -> OpOutcome:
    a = ctx.args
    return OpOutcome(changed=iis.binding_set_flags(ctx.state, a["site"], a["binding_information"], a["ssl_flags"]))


def httpsys_set(ctx: OpContext) -> OpOutcome:
    return OpOutcome(changed=httpsys.httpsys_set(ctx.state, ctx.args))


def httpsys_save(ctx: OpContext) -> OpOutcome:
    return OpOutcome(changed=httpsys.httpsys_save(ctx.state, ctx.args))


def httpsys_remove(ctx: OpContext) -> OpOutcome:
    return OpOutcome(changed=httpsys.httpsys_remove(ctx.state, ctx.args["kind"], ctx.args["key"]))


def access_set(ctx: OpContext) -> OpOutcome:
    return OpOutcome(changed=iis.access_set(ctx.state, ctx.args["location"], ctx.args["ssl_flags"]))


def access_unset(ctx: OpContext) -> OpOutcome:
    return OpOutcome(changed=iis.access_unset(ctx.state, ctx.args["location"]))


def feature_install(ctx: OpContext) -> OpOutcome:
    changed, reboot_required = features.install(ctx.state, ctx.args["name"])
    return OpOutcome(changed=changed, reboot_required=reboot_required)


def _mapping_password(ctx: OpContext) -> str | None:
    """The password a mapping op names with ``password_ref``, or None when it names none.

    Messages name only the reference, never a value.
    """
    ref = ctx.args.get("password_ref")
    if ref is None:
        return None
    if ref not in ctx.secrets or ctx.secrets[ref] is None:
        raise OpError(f"password_ref '{ref}' names no entry in secrets")
    password = ctx.secrets[ref]
    if not isinstance(password, str):
        raise OpError(f"the mapping password (secrets entry '{ref}') must be text")
    return password


def auth_set(ctx: OpContext) -> OpOutcome:
    a = ctx.args
    return OpOutcome(changed=auth.auth_set(ctx.state, a["location"], a["section"], a["attributes"]))


def one_to_one_set(ctx: OpContext) -> OpOutcome:
    a = ctx.args
    password = _mapping_password(ctx)
    return OpOutcome(
        changed=auth.one_to_one_set(ctx.state, a["location"], a["certificate"], a["user"], a["enabled"], password)
    )


def one_to_one_remove(ctx: OpContext) -> OpOutcome:
    return OpOutcome(changed=auth.one_to_one_remove(ctx.state, ctx.args["location"], ctx.args["certificate"]))


def many_to_one_set(ctx: OpContext) -> OpOutcome:
    a = ctx.args
    password = _mapping_password(ctx)
    changed = auth.many_to_one_set(
        ctx.state,
        a["location"],
        a["name"],
        a["description"],
        a["enabled"],
        a["permission"],
        a["user"],
        a["rules"],
        password,
    )
    return OpOutcome(changed=changed)


def many_to_one_remove(ctx: OpContext) -> OpOutcome:
    return OpOutcome(changed=auth.many_to_one_remove(ctx.state, ctx.args["location"], ctx.args["name"]))


def tracing_set(ctx: OpContext) -> OpOutcome:
    a = ctx.args
    changed = tracing.tracing_set(
        ctx.state, a["site"], a["enabled"], a["directory"], a["max_log_files"], a["path"], a["status_codes"]
    )
    return OpOutcome(changed=changed)


def tracing_remove(ctx: OpContext) -> OpOutcome:
    return OpOutcome(changed=tracing.tracing_remove(ctx.state, ctx.args["site"], ctx.args["path"]))


#: section_clear's sections (the contract's names) -> the module that reverts them.
CLEARABLE_SECTIONS = {"iis_mapping": auth.section_clear, "tracing": tracing.section_clear}


def section_clear(ctx: OpContext) -> OpOutcome:
    section = ctx.args["section"]
    if section not in CLEARABLE_SECTIONS:
        raise OpError(f"unknown section '{section}'; section_clear knows {', '.join(sorted(CLEARABLE_SECTIONS))}")
    return OpOutcome(changed=CLEARABLE_SECTIONS[section](ctx.state, ctx.args["location"]))


OP_HANDLERS: dict[str, Handler] = {
    "store_create": store_create,
    "cert_import": cert_import,
    "cert_move": cert_move,
    "cert_remove": cert_remove,
    "schannel_set": schannel_set,
    "schannel_unset": schannel_unset,
    "pfx_import": pfx_import,
    "binding_add": binding_add,
    "binding_remove": binding_remove,
    "binding_set_cert": binding_set_cert,
    "binding_set_flags": binding_set_flags,
    "httpsys_set": httpsys_set,
    "httpsys_remove": httpsys_remove,
    "httpsys_save": httpsys_save,
    "access_set": access_set,
    "access_unset": access_unset,
    "feature_install": feature_install,
    "auth_set": auth_set,
    "one_to_one_set": one_to_one_set,
    "one_to_one_remove": one_to_one_remove,
    "many_to_one_set": many_to_one_set,
    "many_to_one_remove": many_to_one_remove,
    "tracing_set": tracing_set,
    "tracing_remove": tracing_remove,
    "section_clear": section_clear,
}
