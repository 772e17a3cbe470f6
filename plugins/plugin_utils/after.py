# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The host state a plan leads to, as far as cross-part warnings need it. Pure.

Warnings that depend on more than one part (the TLS 1.3 trap needs bindings, HTTP.sys records and
SSL settings; the Schannel trust mode needs the bindings' client-auth issuer stores) are computed on
the snapshot with the plan's ops applied, so a task that fixes both sides at once does not warn.
IIS rewrites a changed binding's HTTP.sys record without client-certificate options; that is
modelled here as in the planner. Everything is computed once per plan (hosts with 1,000 sites).
"""

from __future__ import annotations

from functools import cached_property

from .httpsys import Record, httpsys_key, iis_default_record
from .plan import Op, Plan
from .snapshot import Snapshot

BINDING_OPS = ("binding_add", "binding_set_cert", "binding_set_flags")


class After:
    def __init__(self, snapshot: Snapshot, plan: Plan) -> None:
        self.snapshot = snapshot
        self.plan = plan

    @cached_property
    def _ops_by_site(self) -> dict[str, list[Op]]:
        grouped: dict[str, list[Op]] = {}
        for op in self.plan.ops:
            site = op.args.get("site") or str(op.args.get("location", "")).split("/", 1)[0]
            if site:
                grouped.setdefault(site.lower(), []).append(op)
        return grouped

    def bindings(self, site: str) -> dict[str, int]:
        """binding_information (lower-case) -> sslFlags of the site's https bindings after the plan."""
        current = self.snapshot.iis.site(site) if self.snapshot.iis else None
        bindings = {b.binding_information.lower(): b.ssl_flags for b in (current.bindings if current else ())}
        for op in self._ops_by_site.get(site.lower(), []):
            bi = str(op.args.get("binding_information", "")).lower()
            if op.name == "binding_remove":
                bindings.pop(bi, None)
            elif op.name in BINDING_OPS and "ssl_flags" in op.args:
                bindings[bi] = op.args["ssl_flags"]
        return bindings

    @cached_property
    def records(self) -> dict[tuple[str, str], Record | None]:
        """(kind, key lower-case) -> HTTP.sys record after the plan (None: deleted)."""
        snapshot = self.snapshot
        records: dict[tuple[str, str], Record | None] = {
            (r.kind, r.key.lower()): Record.from_snapshot(r) for r in snapshot.httpsys or ()
        }
        flags: dict[tuple[str, str], int] = {}
        for op in self.plan.ops:
            if op.name in BINDING_OPS:
                bi = op.args["binding_information"]
                ident = (op.args["site"].lower(), bi.lower())
                if ident not in flags:
                    site = snapshot.iis.site(op.args["site"]) if snapshot.iis else None
                    binding = site.binding(bi) if site else None
                    flags[ident] = binding.ssl_flags if binding else 0
                old_kind, old_key = httpsys_key(bi, flags[ident])
                flags[ident] = op.args.get("ssl_flags", flags[ident])
                kind, key = httpsys_key(bi, flags[ident])
                old = records.get((old_kind, old_key.lower()))
                if (old_kind, old_key) != (kind, key):
                    records[(old_kind, old_key.lower())] = None
                cert_hash = op.args.get("certificate_hash") or (old.certificate_hash if old else "")
                store = op.args.get("certificate_store") or (old.certificate_store if old else "MY")
                records[(kind, key.lower())] = iis_default_record(cert_hash, store, flags[ident])
            elif op.name == "httpsys_set":
                args = {k: v for k, v in op.args.items() if k not in ("key", "kind")}
                records[(op.args["kind"], op.args["key"].lower())] = Record(**args)
            elif op.name == "httpsys_remove":
                records[(op.args["kind"], op.args["key"].lower())] = None
        return records

    def location_flags(self, site: str) -> dict[str, int]:
        """Location path -> effective sslFlags after the plan, for the site and its explicit locations."""
        if self.snapshot.iis is None:
            raise AssertionError("location flags asked of a snapshot gathered without its IIS scope")
        flags = {path: access.effective for path, access in self.snapshot.iis.locations_of(site).items()}
        for op in self._ops_by_site.get(site.lower(), []):
            location = str(op.args.get("location", "")).lower()
            if op.name == "access_set":
                flags[location] = op.args["ssl_flags"]
            elif op.name == "access_unset":
                parent = location.rsplit("/", 1)[0] if "/" in location else None
                flags[location] = flags.get(parent, 0) if parent else 0
        return flags

    @cached_property
    def schannel(self) -> dict[str, int | str | None]:
        values = dict(self.snapshot.schannel or {})
        for op in self.plan.ops:
            if op.name == "schannel_set":
                values[op.args["name"]] = op.args["value"]
            elif op.name == "schannel_unset":
                values[op.args["name"]] = None
        return values
