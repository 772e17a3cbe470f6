"""The host state a plan leads to, as far as cross-part warnings need it. Pure.

Warnings that depend on more than one part (the TLS 1.3 trap needs bindings, HTTP.sys records and
SSL settings; the Schannel trust mode needs the bindings' client-auth issuer stores) are computed on
the snapshot with the plan's ops applied, so a task that fixes both sides at once does not warn.
IIS rewrites a changed binding's HTTP.sys record without client-certificate options; that is
modelled here as in the planner.
"""

from __future__ import annotations

from .httpsys import Record, httpsys_key, iis_default_record
from .plan import Plan
from .snapshot import Snapshot

BINDING_OPS = ("binding_add", "binding_set_cert", "binding_set_flags")


def bindings_after(snapshot: Snapshot, plan: Plan, site: str) -> dict[str, int]:
    """binding_information (lower-case) -> sslFlags of the site's https bindings after the plan."""
    current = snapshot.iis.site(site) if snapshot.iis else None
    bindings = {b.binding_information.lower(): b.ssl_flags for b in (current.bindings if current else ())}
    for op in plan.ops:
        if op.args.get("site", "").lower() != site.lower():
            continue
        bi = str(op.args.get("binding_information", "")).lower()
        if op.name == "binding_remove":
            bindings.pop(bi, None)
        elif op.name in BINDING_OPS and "ssl_flags" in op.args:
            bindings[bi] = op.args["ssl_flags"]
    return bindings


def records_after(snapshot: Snapshot, plan: Plan) -> dict[tuple[str, str], Record | None]:
    """(kind, key lower-case) -> HTTP.sys record after the plan (None: deleted)."""
    records: dict[tuple[str, str], Record | None] = {
        (r.kind, r.key.lower()): Record.from_snapshot(r) for r in snapshot.httpsys or ()
    }
    flags: dict[tuple[str, str], int] = {
        (site.name.lower(), b.binding_information.lower()): b.ssl_flags
        for site in (snapshot.iis.sites.values() if snapshot.iis else ())
        for b in site.bindings
    }
    for op in plan.ops:
        if op.name in BINDING_OPS:
            bi = op.args["binding_information"]
            ident = (op.args["site"].lower(), bi.lower())
            old_kind, old_key = httpsys_key(bi, flags.get(ident, 0))
            flags[ident] = op.args.get("ssl_flags", flags.get(ident, 0))
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


def location_flags_after(snapshot: Snapshot, plan: Plan, site: str) -> dict[str, int]:
    """Location path -> effective sslFlags after the plan, for the site and its explicit locations."""
    assert snapshot.iis is not None
    flags = {path: access.effective for path, access in snapshot.iis.locations_of(site).items()}
    prefix = site.lower()
    for op in plan.ops:
        location = str(op.args.get("location", "")).lower()
        if not (location == prefix or location.startswith(prefix + "/")):
            continue
        if op.name == "access_set":
            flags[location] = op.args["ssl_flags"]
        elif op.name == "access_unset":
            parent = location.rsplit("/", 1)[0] if "/" in location else None
            flags[location] = flags.get(parent, 0) if parent else 0
    return flags


def schannel_after(snapshot: Snapshot, plan: Plan) -> dict[str, int | str | None]:
    values = dict(snapshot.schannel or {})
    for op in plan.ops:
        if op.name == "schannel_set":
            values[op.args["name"]] = op.args["value"]
        elif op.name == "schannel_unset":
            values[op.args["name"]] = None
    return values
