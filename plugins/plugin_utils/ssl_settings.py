# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""SSL settings part: system.webServer/security/access@sslFlags at one location path. Pure.

Facts used (REFERENCE.md): the section is locked, so it is written into applicationHost.config with
a location path ("Site", "Site/app", no leading slash), never into web.config, and never at server
level; flags are compared as integer bitmasks; a path without its own value inherits the nearest
ancestor's (WINDOWS_FACTS IISCONFIG-15). The paths of one task are planned parents first, each
child judged on the values its ancestors will have after the plan, not before it.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    """``Site/app/dir`` from what the user wrote (backslashes and doubled or outer slashes are tidied).

    WINDOWS_FACTS VALID-4: a request URL never keeps ``.``/``..`` segments (RFC 3986 section 5.2.4), and ``?``/``#``
    start its query/fragment, so a location path holding them would be written literally and never apply.
    """
    text = str(value).replace("\\", "/")
    parts = [p for p in text.split("/") if p]
    if not parts:
        raise OptionError(
            option,
            "SSL settings cannot be written at server level.",
            "give a site, application or folder path: 'Default Web Site', 'Default Web Site/app/folder'.",
        )
    dots = [p for p in parts if p in (".", "..")]
    if dots:
        raise OptionError(
            option,
            f"{value!r} holds a {dots[0]!r} segment; IIS would write it as a literal location that no request matches.",
            "give the path without '.' or '..' segments, e.g. 'Default Web Site/app'.",
        )
    bad = sorted({c for c in text if c in _LOCATION_BAD or ord(c) < 32})
    if bad:
        raise OptionError(
            option,
            f"{value!r} holds {', '.join(repr(c) for c in bad)}, which a URL path of IIS never holds.",
            "give the site, application and folder names only, without query (?), fragment (#) or wildcards (*).",
        )
    return "/".join(parts)


_LOCATION_BAD = frozenset('?#*"<>|')


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
        return plan_ssl_paths([self], snapshot)

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


class SiteFlags:
    """The sslFlags of one site's location paths as gathered, updated as planned ops are projected onto them."""

    def __init__(self, snapshot: Snapshot, site: str) -> None:
        if snapshot.iis is None:
            raise AssertionError("SSL settings planned on a snapshot gathered without its IIS scope")
        locations = snapshot.iis.locations_of(site)
        root = locations.get(site.lower())
        #: what the site root inherits when it has no value of its own (the server level)
        self.server = root.effective if root is not None and root.explicit is None else 0
        self.explicit = {path: a.explicit for path, a in locations.items() if a.explicit is not None}
        self.gathered = {path: a.effective for path, a in locations.items()}
        self.changed: set[str] = set()

    def effective(self, path: str) -> int:
        """The nearest explicit value at the path or above it; as gathered where nothing on the way changed."""
        segments = path.lower().split("/")
        chain = ["/".join(segments[:depth]) for depth in range(len(segments), 0, -1)]
        for candidate in chain:
            value = self.explicit.get(candidate)
            if value is not None:
                return value
        if path.lower() in self.gathered and not self.changed.intersection(chain):
            return self.gathered[path.lower()]
        return self.server

    def set(self, path: str, value: int | None) -> None:
        self.changed.add(path.lower())
        if value is None:
            self.explicit.pop(path.lower(), None)
        else:
            self.explicit[path.lower()] = value


def _refuse_web_config_override(desired: SslDesired, snapshot: Snapshot) -> None:
    """A web.config at or above the path sets what IIS enforces there (SSL Settings unlocked, WINDOWS_FACTS
    IISCONFIG-13): writing applicationHost.config cannot reach it, so a converge must not claim it did (issue 10
    item 14). Nothing to refuse when IIS already enforces what is wanted."""
    access = snapshot.iis.access_at(desired.path) if snapshot.iis is not None else None
    if access is None or access.web_config is None or desired.state != "present":
        return
    if desired.flags_from(access.effective) == access.effective:
        return
    raise OptionError(
        f"{desired.prefix}path",
        f"IIS enforces sslFlags {flags.describe_access(access.effective)} at {desired.path!r} from the web.config of "
        f"{access.web_config!r} (SSL Settings are unlocked there); this module writes applicationHost.config, which "
        "cannot change that.",
        f"remove sslFlags from the web.config of {access.web_config!r} (or lock SSL Settings again), then run again.",
    )


def _plan_path(desired: SslDesired, tree: SiteFlags) -> Op | None:
    explicit = tree.explicit.get(desired.path.lower())
    if desired.state == "absent":
        if explicit is None:
            return None
        return Op(
            "access_unset",
            {"location": desired.path},
            Phase.SITE_CONFIG,
            f"remove the sslFlags override at {desired.path} (it inherits again)",
        )
    current = explicit if explicit is not None else tree.effective(desired.path)
    wanted = desired.flags_from(current)
    if wanted == current:
        return None
    return Op(
        "access_set",
        {"location": desired.path, "ssl_flags": wanted},
        Phase.SITE_CONFIG,
        f"set sslFlags at {desired.path} to {flags.describe_access(wanted)}",
    )


def plan_ssl_paths(paths: Sequence[SslDesired], snapshot: Snapshot) -> Plan:
    """Plan SSL settings of location paths, parents before children: a child that matches what its parent has
    now but not what the parent will have after this plan is written (a path inheriting from a changed parent
    would otherwise end up with the parent's new value)."""
    trees: dict[str, SiteFlags] = {}
    ops: list[Op] = []
    for desired in sorted(paths, key=lambda d: d.path.count("/")):
        require_site(snapshot, desired.site, f"{desired.prefix}path")  # a missing site is an error
        _refuse_web_config_override(desired, snapshot)
        tree = trees.setdefault(desired.site.lower(), SiteFlags(snapshot, desired.site))
        op = _plan_path(desired, tree)
        if op is not None:
            tree.set(desired.path, op.args.get("ssl_flags"))
            ops.append(op)
    return Plan.build(ops)


def plan_ssl(desired: SslDesired, snapshot: Snapshot) -> Plan:
    return plan_ssl_paths([desired], snapshot)


def ssl_view(desired: SslDesired, snapshot: Snapshot) -> View:
    """The path's value, and what the diff needs to show what it inherits after the plan (``ssl_sites``)."""
    if snapshot.iis is None:
        raise AssertionError("SSL settings shown from a snapshot gathered without its IIS scope")
    access = snapshot.iis.access_at(desired.path)
    tree = SiteFlags(snapshot, desired.site)
    return {
        "ssl": {
            desired.path: {
                "explicit": access.explicit if access else None,
                "effective": access.effective if access else tree.effective(desired.path),
                "web_config": access.web_config if access else None,
            }
        },
        "ssl_sites": {desired.site.lower(): {"server": tree.server, "explicit": dict(tree.explicit)}},
    }
