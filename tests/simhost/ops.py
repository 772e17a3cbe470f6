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

from simhost import certstore, registry
from simhost.errors import OpError
from simhost.faults import find_fault
from simhost.state import State


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


Handler = Callable[[OpContext], OpOutcome]

#: Arguments of each op and their types; every argument is required, no other is accepted.
OP_ARGS: dict[str, dict[str, type]] = {
    "store_create": {"store": str},
    "cert_import": {"store": str, "der": str, "thumbprint": str},
    "cert_move": {"from_store": str, "to_store": str, "thumbprint": str},
    "cert_remove": {"store": str, "thumbprint": str},
    "schannel_set": {"name": str, "value": int},
    "schannel_unset": {"name": str},
}


def check_args(name: str, args: Mapping[str, Any]) -> None:
    spec = OP_ARGS[name]
    missing = sorted(set(spec) - set(args))
    unknown = sorted(set(args) - set(spec))
    if missing:
        raise OpError(f"missing argument(s): {', '.join(missing)}")
    if unknown:
        raise OpError(f"unsupported argument(s): {', '.join(unknown)}")
    for arg, wanted in spec.items():
        value = args[arg]
        if not isinstance(value, wanted) or isinstance(value, bool):
            raise OpError(f"argument {arg} must be {wanted.__name__}, got {type(value).__name__}")
        if wanted is str and not value:
            raise OpError(f"argument {arg} must not be empty")


def store_create(ctx: OpContext) -> OpOutcome:
    return OpOutcome(changed=certstore.create_store(ctx.state, ctx.args["store"]))


def cert_import(ctx: OpContext) -> OpOutcome:
    wanted = certstore.parse_thumbprint(ctx.args["thumbprint"])
    der = certstore.decode_der(ctx.args["der"])
    actual = certstore.thumbprint_of(der)
    if actual != wanted:
        raise OpError(f"der has thumbprint {actual}, the op says {wanted}: the op was damaged on its way")
    # Windows behaviour: X509Store.Open(ReadWrite) creates a missing store, so the import does too.
    return OpOutcome(changed=certstore.add_certificate(ctx.state, ctx.args["store"], der))


def cert_move(ctx: OpContext) -> OpOutcome:
    source, target = ctx.args["from_store"], ctx.args["to_store"]
    thumbprint = certstore.parse_thumbprint(ctx.args["thumbprint"])
    if source.casefold() == target.casefold():
        raise OpError(f"from_store and to_store are the same store '{source}'")
    cert = certstore.find_certificate(ctx.state, source, thumbprint)
    if cert is None:
        if certstore.find_certificate(ctx.state, target, thumbprint) is not None:
            return OpOutcome(changed=False)  # already moved: repeating a done move changes nothing
        raise OpError(f"certificate {thumbprint} is in neither '{source}' nor '{target}'")
    # Add to the target first, so a failure midway never leaves the certificate in no store.
    added = certstore.add_certificate(
        ctx.state, target, base64.b64decode(cert["der"]), has_private_key=cert["has_private_key"]
    )
    ctx.check_fault("remove", changed=added)
    certstore.remove_certificate(ctx.state, source, thumbprint)
    return OpOutcome(changed=True, returned={"der": cert["der"]})


def cert_remove(ctx: OpContext) -> OpOutcome:
    thumbprint = certstore.parse_thumbprint(ctx.args["thumbprint"])
    removed = certstore.remove_certificate(ctx.state, ctx.args["store"], thumbprint)
    if removed is None:
        return OpOutcome(changed=False)
    return OpOutcome(changed=True, returned={"der": removed["der"]})


def schannel_set(ctx: OpContext) -> OpOutcome:
    return OpOutcome(changed=registry.schannel_set(ctx.state, ctx.args["name"], ctx.args["value"]))


def schannel_unset(ctx: OpContext) -> OpOutcome:
    return OpOutcome(changed=registry.schannel_unset(ctx.state, ctx.args["name"]))


OP_HANDLERS: dict[str, Handler] = {
    "store_create": store_create,
    "cert_import": cert_import,
    "cert_move": cert_move,
    "cert_remove": cert_remove,
    "schannel_set": schannel_set,
    "schannel_unset": schannel_unset,
}
