# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Authentication sections of an IIS site as gathered (docs/ENGINE.md), and as desired. Values only.

The sections are in IIS's own schema whatever features are installed (WINDOWS_FACTS AUTH-1): gather always returns
them, and whether Web-Cert-Auth or Web-Client-Auth is installed is the snapshot's ``features`` answer.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
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
    #: the certificate as IIS stores it when that is not ``certificate`` (line breaks or spaces: IIS never matches
    #: such a mapping, WINDOWS_FACTS AUTH-6); "" when stored as it should be
    stored: str = ""
    #: inherited from the server level: it cannot be changed or removed at the site (AUTH-7)
    inherited: bool = field(default=False, compare=False)

    @property
    def drifted(self) -> bool:
        return bool(self.stored)

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> OneToOne:
        stored = str(data["certificate"])
        certificate = normalize_blob(stored)
        return cls(
            certificate,
            str(data.get("user") or ""),
            bool(data.get("enabled", True)),
            stored="" if stored == certificate else stored,
            inherited=bool(data.get("inherited")),
        )


@dataclass(frozen=True)
class ManyToOne:
    name: str
    user: str
    description: str = ""
    enabled: bool = True
    permission: str = "Allow"
    rules: tuple[Rule, ...] = ()
    inherited: bool = field(default=False, compare=False)  # from the server level (AUTH-7)


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
            one_to_one=tuple(OneToOne.from_wire(m) for m in data.get("one_to_one") or []),
            many_to_one=tuple(
                ManyToOne(
                    name=str(m["name"]),
                    user=str(m.get("user") or ""),
                    description=str(m.get("description") or ""),
                    enabled=bool(m.get("enabled", True)),
                    permission=str(m.get("permission") or "Allow"),
                    rules=tuple(Rule.from_wire(r) for r in m.get("rules") or []),
                    inherited=bool(m.get("inherited")),
                )
                for m in data.get("many_to_one") or []
            ),
        )


@dataclass(frozen=True)
class SiteAuth:
    """The three sections at a site, always there (AUTH-1); features are the snapshot's ``features``."""

    iis_mapping: IisMapping = IisMapping()
    ad_mapping: bool = False
    anonymous: bool = True
    below_site: tuple[str, ...] = ()

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> SiteAuth:
        return cls(
            iis_mapping=IisMapping.from_wire(data["iis_mapping"]),
            ad_mapping=bool(data["ad_mapping"]["enabled"]),
            anonymous=bool(data["anonymous"]["enabled"]),
            below_site=tuple(data.get("below_site") or ()),
        )
