# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""SSL settings part: system.webServer/security/access@sslFlags at one location path. Pure.

Facts used (REFERENCE.md): the section is locked, so it is written into applicationHost.config with
a location path ("Site", "Site/app", no leading slash), never into web.config, and never at server
level; flags are compared as integer bitmasks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from . import flags
from .binding import require_site
from .diff import View
from .errors import OptionError
from .plan import Op, Phase, Plan
from .snapshot import Scope, Snapshot
from .sources import FileReader

CLIENT_CERTIFICATES = {
    "ignore": 0,
    "accept": flags.NEGOTIATE_CERT,
    "require": flags.NEGOTIATE_CERT | flags.REQUIRE_CERT,
}


def normalize_path(value: str, option: str = "path") -> str:
    parts = [p for p in str(value).replace("\\", "/").split("/") if p]
    if not parts:
        raise OptionError(
            option,
            "SSL settings cannot be written at server level.",
            "give a site, application or folder path: 'Default Web Site', 'Default Web Site/app/folder'.",
        )
    return "/".join(parts)


@dataclass(frozen=True)
class SslDesired:
    path: str
    require_ssl: bool | None = None
    require_128bit: bool | None = None
    client_certificates: str | None = None
    state: str = "present"
    prefix: str = ""

    @property
    def site(self) -> str:
        return self.path.split("/", 1)[0]

    def plan(self, snapshot: Snapshot, now: datetime) -> Plan:
        return plan_ssl(self, snapshot)

    def view(self, snapshot: Snapshot) -> View:
        return ssl_view(self, snapshot)

    def scope(self) -> Scope:
        return Scope(sites=frozenset({self.site}), access_paths=frozenset({self.path}), httpsys=True)

    @classmethod
    def from_options(cls, args: dict[str, Any], read: FileReader | None = None, prefix: str = "") -> SslDesired:
        if args.get("client_certificates") == "require" and args.get("require_ssl") is False:
            raise OptionError(
                f"{prefix}client_certificates",
                "require needs SSL: IIS cannot require a client certificate on plain HTTP.",
                "set require_ssl: true (or leave it out), or use client_certificates: accept.",
            )
        return cls(
            path=normalize_path(args["path"], f"{prefix}path"),
            require_ssl=args.get("require_ssl"),
            require_128bit=args.get("require_128bit"),
            client_certificates=args.get("client_certificates"),
            state=args.get("state", "present"),
            prefix=prefix,
        )

    def flags_from(self, current: int) -> int:
        value = current
        require_ssl = self.require_ssl
        if self.client_certificates == "require" and require_ssl is None:
            require_ssl = True
        for wanted, bit in ((require_ssl, flags.SSL), (self.require_128bit, flags.SSL128)):
            if wanted is True:
                value |= bit
            elif wanted is False:
                value &= ~bit
        if self.client_certificates is not None:
            value = (value & ~(flags.NEGOTIATE_CERT | flags.REQUIRE_CERT)) | CLIENT_CERTIFICATES[
                self.client_certificates
            ]
        return value


def plan_ssl(desired: SslDesired, snapshot: Snapshot) -> Plan:
    require_site(snapshot, desired.site, f"{desired.prefix}path")  # a missing site is an error
    if snapshot.iis is None:
        raise AssertionError("SSL settings planned on a snapshot gathered without its IIS scope")
    access = snapshot.iis.access_at(desired.path)
    effective = access.effective if access else 0
    explicit = access.explicit if access else None
    ops: list[Op] = []
    if desired.state == "absent":
        if explicit is not None:
            ops.append(
                Op(
                    "access_unset",
                    {"location": desired.path},
                    Phase.SITE_CONFIG,
                    f"remove the sslFlags override at {desired.path} (it inherits again)",
                )
            )
        return Plan.build(ops)

    wanted = desired.flags_from(explicit if explicit is not None else effective)
    if wanted != (explicit if explicit is not None else effective):
        ops.append(
            Op(
                "access_set",
                {"location": desired.path, "ssl_flags": wanted},
                Phase.SITE_CONFIG,
                f"set sslFlags at {desired.path} to {flags.describe_access(wanted)}",
            )
        )
    return Plan.build(ops)


def ssl_view(desired: SslDesired, snapshot: Snapshot) -> View:
    if snapshot.iis is None:
        raise AssertionError("SSL settings shown from a snapshot gathered without its IIS scope")
    access = snapshot.iis.access_at(desired.path)
    return {
        "ssl": {
            desired.path: {
                "explicit": access.explicit if access else None,
                "effective": access.effective if access else 0,
            }
        }
    }
