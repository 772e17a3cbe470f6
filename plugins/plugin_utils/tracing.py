# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Failed Request Tracing part: trace the 401/403 answers of a site. Pure.

Facts used (REFERENCE.md, "The 403 family"; docs/WINDOWS_FACTS.md TRACING-*): feature Web-Http-Tracing (the
section itself is always in IIS's schema, TRACING-2); site switch ``sites/site/traceFailedRequestsLogging@enabled``;
rules in ``system.webServer/tracing/traceFailedRequests`` (``add path="*"``, ``failureDefinitions statusCodes``,
provider "WWW Server" areas Authentication,Security); ``maxLogFiles`` 1..10000 (TRACING-6); a site's web.config may
hold rules too (TRACING-3), which this module does not manage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .binding import require_site
from .diff import View
from .errors import OptionError
from .plan import Op, Phase, Plan
from .snapshot import Scope, Snapshot
from .sources import FileReader

FEATURE = "Web-Http-Tracing"
DEFAULT_STATUS_CODES = ("401", "403.7", "403.12", "403.13", "403.16", "403.17")
DEFAULT_DIRECTORY = "%SystemDrive%\\inetpub\\logs\\FailedReqLogFiles"
RULE_PATH = "*"
# IIS statusCodes entries: a code, a code with a sub-status, or a range of codes (no sub-status in a range).
_STATUS = re.compile(r"^[1-5]\d\d(\.\d{1,3}|-[1-5]\d\d)?$")
#: traceFailedRequestsLogging@maxLogFiles: the schema's range (WINDOWS_FACTS VALID-5)
MAX_LOG_FILES = (1, 10000)


@dataclass(frozen=True)
class TracingDesired:
    site: str
    enabled: bool = True
    status_codes: tuple[str, ...] = DEFAULT_STATUS_CODES
    directory: str = DEFAULT_DIRECTORY
    max_log_files: int = 50
    install_feature: bool = True
    prefix: str = ""
    warnings: tuple[str, ...] = ()

    def plan(self, snapshot: Snapshot, now: datetime) -> Plan:
        return plan_tracing(self, snapshot)

    def view(self, snapshot: Snapshot) -> View:
        return tracing_view(self, snapshot)

    def scope(self) -> Scope:
        return Scope(sites=frozenset({self.site}), tracing_sites=frozenset({self.site}), features=frozenset({FEATURE}))

    @classmethod
    def from_options(cls, args: dict[str, Any], read: FileReader | None = None, prefix: str = "") -> TracingDesired:
        given = args.get("status_codes")
        warnings: tuple[str, ...] = ()
        if given is not None and len(given) == 0:
            warnings = (
                f"{prefix}status_codes is empty, which means the defaults ({', '.join(DEFAULT_STATUS_CODES)}). "
                "Fix: leave status_codes out for the defaults, or list the codes to trace.",
            )
        codes = tuple(dict.fromkeys(str(c).strip() for c in given or DEFAULT_STATUS_CODES))
        bad = [c for c in codes if not _STATUS.match(c)]
        if bad:
            raise OptionError(
                f"{prefix}status_codes",
                f"{', '.join(bad)} are not IIS status codes.",
                "use codes like 403, 403.16 or ranges like 400-499.",
            )
        reversed_ranges = [c for c in codes if "-" in c and int(c.split("-")[0]) > int(c.split("-")[1])]
        if reversed_ranges:
            low, high = reversed_ranges[0].split("-")
            raise OptionError(
                f"{prefix}status_codes",
                f"the range {reversed_ranges[0]!r} runs backwards.",
                f"write the lower code first: {high}-{low}.",
            )
        max_log_files = args.get("max_log_files", 50)
        if not MAX_LOG_FILES[0] <= max_log_files <= MAX_LOG_FILES[1]:
            raise OptionError(
                f"{prefix}max_log_files",
                f"{max_log_files} is outside IIS's range {MAX_LOG_FILES[0]}..{MAX_LOG_FILES[1]}.",
                f"use a number from {MAX_LOG_FILES[0]} to {MAX_LOG_FILES[1]} (the default is 50).",
            )
        return cls(
            site=args["site"],
            enabled=args.get("enabled", True),
            status_codes=codes,
            directory=args.get("directory") or DEFAULT_DIRECTORY,
            max_log_files=max_log_files,
            install_feature=args.get("install_feature", True),
            prefix=prefix,
            warnings=warnings,
        )


def same_directory(a: str, b: str) -> bool:
    """IIS may return the directory expanded (C:\\inetpub) or as written (%SystemDrive%\\inetpub); the drive
    part is compared loosely because the controller cannot expand %SystemDrive%."""

    def tail(path: str) -> str:
        path = path.strip().lower().replace("/", "\\").rstrip("\\")
        path = re.sub(r"^(%systemdrive%|[a-z]:)", "", path)
        return path

    return tail(a) == tail(b)


def plan_tracing(desired: TracingDesired, snapshot: Snapshot) -> Plan:
    site = require_site(snapshot, desired.site, f"{desired.prefix}site")
    current = snapshot.site_tracing(site.name)
    rule = current.rule(RULE_PATH) if current else None
    in_web_config = rule is not None and rule.defined_in == "web.config"
    ops: list[Op] = []
    if not desired.enabled:
        # A rule in the site's web.config is not this module's to remove (TRACING-3).
        if current is not None and (current.enabled or (rule is not None and not in_web_config)):
            ops.append(
                Op(
                    "tracing_remove",
                    {"site": site.name, "path": RULE_PATH},
                    Phase.SITE_CONFIG,
                    f"turn Failed Request Tracing off for {site.name}",
                )
            )
        return Plan.build(ops)
    if in_web_config:
        raise OptionError(
            f"{desired.prefix}enabled",
            f"site {site.name!r} has a Failed Request Tracing rule for path {RULE_PATH!r} in its web.config, which "
            "this module does not manage; IIS would see the rule twice and fail every request of the site.",
            "remove that rule from the site's web.config (IIS Manager, Failed Request Tracing Rules) and run again.",
        )
    if not snapshot.feature_installed(FEATURE):
        if not desired.install_feature:
            raise OptionError(
                f"{desired.prefix}enabled",
                f"Failed Request Tracing needs the Windows feature {FEATURE}, which is not installed.",
                f"set install_feature: true, or install {FEATURE} first.",
            )
        ops.append(Op("feature_install", {"name": FEATURE}, Phase.FEATURES, f"install the Windows feature {FEATURE}"))
    same = (
        current is not None
        and current.enabled
        and same_directory(current.directory, desired.directory)
        and current.max_log_files == desired.max_log_files
        and rule is not None
        and set(rule.status_codes) == set(desired.status_codes)
    )
    if not same:
        ops.append(
            Op(
                "tracing_set",
                {
                    "site": site.name,
                    "enabled": True,
                    "directory": desired.directory,
                    "max_log_files": desired.max_log_files,
                    "path": RULE_PATH,
                    "status_codes": list(desired.status_codes),
                },
                Phase.SITE_CONFIG,
                f"trace {', '.join(desired.status_codes)} on {site.name} into {desired.directory}",
            )
        )
    return Plan.build(ops, list(desired.warnings))


def tracing_view(desired: TracingDesired, snapshot: Snapshot) -> View:
    current = snapshot.site_tracing(desired.site)
    rule = current.rule(RULE_PATH) if current else None
    return {
        "features": {FEATURE: snapshot.feature_installed(FEATURE)},
        "tracing": {
            desired.site: {
                "enabled": bool(current and current.enabled),
                "directory": current.directory if current else "",
                "max_log_files": current.max_log_files if current else 0,
                "status_codes": sorted(rule.status_codes) if rule else [],
            }
        },
    }
