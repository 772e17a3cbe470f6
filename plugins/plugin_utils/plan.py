# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Plans: ordered ops with the warnings found while planning. Pure data."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from enum import IntEnum
from typing import Any

from .ops import check_op_args

#: Op arguments that are bulky or binary: never echoed in results or plans shown to users.
_HIDDEN_ARGS = frozenset({"der", "pfx"})


class Phase(IntEnum):
    """Global order of a converge (DESIGN.md): nothing that could lock clients out happens before
    what lets them in; certificates leave stores last."""

    FEATURES = 10
    STORES = 20
    CERTS_IN = 30
    HTTPSYS_SAVE = 35  # copies of HTTP.sys records a binding change will make IIS rewrite (ENGINE.md)
    BINDINGS = 40
    HTTPSYS = 50
    SITE_CONFIG = 60
    REGISTRY = 70
    CERTS_OUT = 80


@dataclass(frozen=True)
class Op:
    name: str
    args: dict[str, Any]
    phase: Phase
    summary: str

    def __post_init__(self) -> None:
        check_op_args(self.name, self.args)

    def to_wire(self) -> dict[str, Any]:
        return {"op": self.name, **self.args}

    def describe(self) -> dict[str, Any]:
        shown = {k: v for k, v in self.args.items() if k not in _HIDDEN_ARGS}
        return {"op": self.name, "summary": self.summary, **shown}


@dataclass(frozen=True)
class Plan:
    ops: tuple[Op, ...] = ()
    warnings: tuple[str, ...] = ()
    reboot_required: bool = False
    labels: dict[str, str] = field(default_factory=dict)  # thumbprint -> "subject (thumbprint)"
    #: values ops refer to by key (``password_ref``); sent in host_state's no_log option, never shown
    secrets: dict[str, str] = field(default_factory=dict, repr=False)
    #: things a person should know that are not problems (a root signed with SHA-1): the result's ``notices``
    notices: tuple[str, ...] = ()

    @classmethod
    def build(
        cls,
        ops: list[Op],
        warnings: list[str] | None = None,
        reboot_required: bool = False,
        labels: dict[str, str] | None = None,
        secrets: dict[str, str] | None = None,
        notices: list[str] | None = None,
    ) -> Plan:
        ordered = sorted(ops, key=lambda op: op.phase)  # stable: keeps each part's own order
        return cls(
            tuple(ordered),
            tuple(dict.fromkeys(warnings or ())),  # a certificate listed twice is warned about once
            reboot_required,
            dict(labels or {}),
            dict(secrets or {}),
            tuple(dict.fromkeys(notices or ())),
        )

    @classmethod
    def combine(cls, plans: list[Plan]) -> Plan:
        """The plans as one, in global phase order; secret references are renamed where they collide; an op
        two parts both need (the same feature_install for two sites) is kept once."""
        ops: list[Op] = []
        warnings: list[str] = []
        notices: list[str] = []
        imports: set[tuple[str, str]] = set()
        labels: dict[str, str] = {}
        secrets: dict[str, str] = {}
        for plan in plans:
            renames = {}
            for key in plan.secrets:
                new = key
                while new in secrets:
                    new = f"{new}_"
                renames[key] = new
                secrets[new] = plan.secrets[key]
            for op in plan.ops:
                if op.name == "cert_import":
                    # the same import planned by two parts (a PFX's intermediate also in trusted_certs) runs once
                    key = (op.args["store"].lower(), op.args["thumbprint"])
                    if key in imports:
                        continue
                    imports.add(key)
                if "password_ref" in op.args:
                    op = replace(op, args={**op.args, "password_ref": renames[op.args["password_ref"]]})
                ops.append(op)
            warnings += plan.warnings
            notices += plan.notices
            labels.update(plan.labels)
        return cls.build(_unique_ops(ops), warnings, any(p.reboot_required for p in plans), labels, secrets, notices)

    def with_warnings(self, extra: list[str]) -> Plan:
        return Plan(self.ops, (*self.warnings, *extra), self.reboot_required, self.labels, self.secrets, self.notices)

    def describe(self) -> list[dict[str, Any]]:
        return [op.describe() for op in self.ops]

    def to_wire(self) -> list[dict[str, Any]]:
        return [op.to_wire() for op in self.ops]


def _unique_ops(ops: list[Op]) -> list[Op]:
    """The ops in order, each op (name and arguments) once."""
    seen: set[str] = set()
    unique = []
    for op in ops:
        key = json.dumps(op.to_wire(), sort_keys=True, default=str)
        if key not in seen:
            seen.add(key)
            unique.append(op)
    return unique
