# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Authentication sections of an IIS site as gathered (docs/ENGINE.md), and as desired. Values only."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

LOGON_METHODS = {"interactive": "Interactive", "batch": "Batch", "network": "Network", "clear_text": "ClearText"}
PERMISSIONS = {"allow": "Allow", "deny": "Deny"}
RULE_FIELDS = {"subject": "Subject", "issuer": "Issuer"}


def normalize_blob(text: str) -> str:
    """IIS keys one-to-one mappings by base64 DER on one line; compare by the decoded bytes."""
    return base64.b64encode(base64.b64decode("".join(str(text).split()))).decode("ascii")


@dataclass(frozen=True)
class Rule:
    field: str  # Subject | Issuer
    subfield: str
    match: str
    case_sensitive: bool = True

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> Rule:
        return cls(
            str(data["field"]), str(data["subfield"]), str(data["match"]), bool(data.get("case_sensitive", True))
        )

    def to_wire(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "subfield": self.subfield,
            "match": self.match,
            "case_sensitive": self.case_sensitive,
        }

    def describe(self) -> str:
        case = "" if self.case_sensitive else ", any case"
        return f"{self.field} {self.subfield} = {self.match}{case}"


@dataclass(frozen=True)
class OneToOne:
    certificate: str  # normalised base64 DER
    user: str
    enabled: bool = True


@dataclass(frozen=True)
class ManyToOne:
    name: str
    user: str
    description: str = ""
    enabled: bool = True
    permission: str = "Allow"
    rules: tuple[Rule, ...] = ()


@dataclass(frozen=True)
class IisMapping:
    enabled: bool = False
    one_to_one_enabled: bool = True
    many_to_one_enabled: bool = True
    logon_method: str = "ClearText"
    default_logon_domain: str = ""
    one_to_one: tuple[OneToOne, ...] = ()
    many_to_one: tuple[ManyToOne, ...] = ()

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> IisMapping:
        return cls(
            enabled=bool(data.get("enabled")),
            one_to_one_enabled=bool(data.get("one_to_one_enabled", True)),
            many_to_one_enabled=bool(data.get("many_to_one_enabled", True)),
            logon_method=str(data.get("logon_method") or "ClearText"),
            default_logon_domain=str(data.get("default_logon_domain") or ""),
            one_to_one=tuple(
                OneToOne(normalize_blob(m["certificate"]), str(m.get("user") or ""), bool(m.get("enabled", True)))
                for m in data.get("one_to_one") or []
            ),
            many_to_one=tuple(
                ManyToOne(
                    name=str(m["name"]),
                    user=str(m.get("user") or ""),
                    description=str(m.get("description") or ""),
                    enabled=bool(m.get("enabled", True)),
                    permission=str(m.get("permission") or "Allow"),
                    rules=tuple(Rule.from_wire(r) for r in m.get("rules") or []),
                )
                for m in data.get("many_to_one") or []
            ),
        )


@dataclass(frozen=True)
class SiteAuth:
    """None for a section means its Windows feature is not installed (not in the IIS schema)."""

    iis_mapping: IisMapping | None
    ad_mapping: bool | None
    anonymous: bool | None
    below_site: tuple[str, ...] = ()

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> SiteAuth:
        iis = data.get("iis_mapping")
        ad = data.get("ad_mapping")
        anonymous = data.get("anonymous")
        return cls(
            iis_mapping=IisMapping.from_wire(iis) if iis is not None else None,
            ad_mapping=bool(ad.get("enabled")) if ad is not None else None,
            anonymous=bool(anonymous.get("enabled")) if anonymous is not None else None,
            below_site=tuple(data.get("below_site") or ()),
        )
