# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Readable before/after views for diff mode.

The *after* view is derived from the *before* view by projecting the planned ops onto it, so a diff
can never show something the plan does not do.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import yaml

from . import flags, schannel_values
from .auth_model import Rule
from .httpsys import httpsys_key, iis_default_record
from .plan import Op, Plan

View = dict[str, Any]
_MISSING_STORE = "(store does not exist)"


def store_view(name: str, exists: bool, entries: dict[str, str]) -> dict[str, str] | str:
    """A store in a view: thumbprint -> label, or a marker for a store that does not exist."""
    return dict(entries) if exists else _MISSING_STORE


def _store(view: View, name: str) -> dict[str, str]:
    stores = view.setdefault("stores", {})
    for key in stores:
        if key.lower() == name.lower():
            if stores[key] == _MISSING_STORE:
                stores[key] = {}
            return stores[key]
    stores[name] = {}
    return stores[name]


def _project_cert_import(view: View, op: Op, labels: dict[str, str]) -> None:
    tp = op.args["thumbprint"]
    _store(view, op.args["store"])[tp] = labels.get(tp, tp)


def _project_cert_move(view: View, op: Op, labels: dict[str, str]) -> None:
    tp = op.args["thumbprint"]
    label = _store(view, op.args["from_store"]).pop(tp, labels.get(tp, tp))
    _store(view, op.args["to_store"])[tp] = label


def _project_cert_remove(view: View, op: Op, labels: dict[str, str]) -> None:
    _store(view, op.args["store"]).pop(op.args["thumbprint"], None)


def _project_schannel_set(view: View, op: Op, labels: dict[str, str]) -> None:
    view.setdefault("schannel", {})[op.args["name"]] = op.args["value"]


def _project_schannel_unset(view: View, op: Op, labels: dict[str, str]) -> None:
    view.setdefault("schannel", {})[op.args["name"]] = None


def _binding_entry(view: View, op: Op) -> dict[str, Any]:
    label = f"{op.args['site']} {op.args['binding_information']}"
    return view.setdefault("bindings", {}).setdefault(
        label, {"site": op.args["site"], "binding_information": op.args["binding_information"], "ssl_flags": 0}
    )


def _project_binding_change(view: View, op: Op, labels: dict[str, str]) -> None:
    """IIS rewrites the HTTP.sys record of a changed binding and drops its client-certificate options; a binding
    whose key changed leaves its old record (IIS deletes it; the part's view only shows this binding's records)."""
    label = f"{op.args['site']} {op.args['binding_information']}"
    existed = label in view.get("bindings", {})
    entry = _binding_entry(view, op)
    old_key = httpsys_key(entry["binding_information"], entry["ssl_flags"])
    entry.update({k: v for k, v in op.args.items() if k not in ("site", "binding_information")})
    records = view.setdefault("httpsys", {})
    if existed:
        records.pop(" ".join(old_key), None)
    kind, key = httpsys_key(entry["binding_information"], entry["ssl_flags"])
    records[f"{kind} {key}"] = iis_default_record(
        entry["certificate_hash"], entry["certificate_store"], entry["ssl_flags"]
    ).to_args(kind, key)


def _project_binding_remove(view: View, op: Op, labels: dict[str, str]) -> None:
    view.setdefault("bindings", {}).pop(f"{op.args['site']} {op.args['binding_information']}", None)


def _project_httpsys_set(view: View, op: Op, labels: dict[str, str]) -> None:
    view.setdefault("httpsys", {})[f"{op.args['kind']} {op.args['key']}"] = dict(op.args)


def _project_httpsys_remove(view: View, op: Op, labels: dict[str, str]) -> None:
    view.setdefault("httpsys", {}).pop(f"{op.args['kind']} {op.args['key']}", None)


def _project_access(view: View, op: Op, labels: dict[str, str]) -> None:
    location = op.args["location"]
    entry = view.setdefault("ssl", {}).setdefault(location, {"explicit": None, "effective": 0})
    entry["explicit"] = op.args.get("ssl_flags")
    site = view.get("ssl_sites", {}).get(location.split("/", 1)[0].lower())
    if site is not None:
        site.setdefault("changed", []).append(location.lower())
        if entry["explicit"] is None:
            site["explicit"].pop(location.lower(), None)
        else:
            site["explicit"][location.lower()] = entry["explicit"]


def _inherited(site: dict[str, Any], path: str) -> int:
    """What a path inherits: the nearest ancestor's explicit sslFlags, else the server level."""
    segments = path.lower().split("/")
    for depth in range(len(segments) - 1, 0, -1):
        value = site["explicit"].get("/".join(segments[:depth]))
        if value is not None:
            return value
    return site["server"]


def _refresh_ssl(view: View) -> None:
    """Effective sslFlags of every shown path from the (projected) explicit values of its site."""
    for path, entry in view.get("ssl", {}).items():
        site = view.get("ssl_sites", {}).get(path.split("/", 1)[0].lower())
        segments = path.lower().split("/")
        chain = {"/".join(segments[:depth]) for depth in range(1, len(segments) + 1)}
        if entry["explicit"] is not None:
            entry["effective"] = entry["explicit"]
        elif site is not None and chain.intersection(site.get("changed", ())):
            entry["effective"] = _inherited(site, path)


def _site_auth(view: View, op: Op) -> dict[str, Any]:
    return view.setdefault("mapping", {}).setdefault(
        op.args["location"],
        {"iis_mapping": {}, "one_to_one": {}, "many_to_one": {}, "ad_mapping": None, "anonymous": None},
    )


def _project_auth_set(view: View, op: Op, labels: dict[str, str]) -> None:
    site = _site_auth(view, op)
    if op.args["section"] == "iis_mapping":
        site["iis_mapping"].update(op.args["attributes"])
    else:
        site[op.args["section"]] = op.args["attributes"].get("enabled")


def _project_one_to_one_set(view: View, op: Op, labels: dict[str, str]) -> None:
    blob = op.args["certificate"]
    _site_auth(view, op)["one_to_one"][blob] = {
        "certificate": labels.get(blob, blob[:16] + "..."),
        "user": op.args["user"],
        "enabled": op.args["enabled"],
        **({"password": "(written)"} if "password_ref" in op.args else {}),
    }


def _project_many_to_one_set(view: View, op: Op, labels: dict[str, str]) -> None:
    _site_auth(view, op)["many_to_one"][op.args["name"]] = {
        "user": op.args["user"],
        "enabled": op.args["enabled"],
        "permission": op.args["permission"],
        "description": op.args["description"],
        "rules": [Rule.from_wire(r).describe() for r in op.args["rules"]],
        **({"password": "(written)"} if "password_ref" in op.args else {}),
    }


def _project_feature(view: View, op: Op, labels: dict[str, str]) -> None:
    view.setdefault("features", {})[op.args["name"]] = True


def _project_tracing(view: View, op: Op, labels: dict[str, str]) -> None:
    entry = view.setdefault("tracing", {}).setdefault(op.args["site"], {})
    if op.name == "tracing_remove":
        entry.update(enabled=False, status_codes=[])
    else:
        entry.update(
            enabled=op.args["enabled"],
            directory=op.args["directory"],
            max_log_files=op.args["max_log_files"],
            status_codes=sorted(op.args["status_codes"]),
        )


def _project_section_clear(view: View, op: Op, labels: dict[str, str]) -> None:
    """A mapping section cleared below a site leaves the site's list of such paths (tracing: not in any view)."""
    if op.args["section"] != "iis_mapping":
        return
    location = op.args["location"]
    site = location.split("/", 1)[0].lower()
    for name, entry in view.get("mapping", {}).items():
        if name.lower() == site and location in entry.get("configured_below_site", []):
            entry["configured_below_site"].remove(location)


OP_PROJECTIONS: dict[str, Callable[[View, Op, dict[str, str]], None]] = {
    "store_create": lambda view, op, labels: _store(view, op.args["store"]),
    "cert_import": _project_cert_import,
    "cert_move": _project_cert_move,
    "cert_remove": _project_cert_remove,
    "schannel_set": _project_schannel_set,
    "schannel_unset": _project_schannel_unset,
    "pfx_import": _project_cert_import,
    "binding_add": _project_binding_change,
    "binding_set_cert": _project_binding_change,
    "binding_set_flags": _project_binding_change,
    "binding_remove": _project_binding_remove,
    "httpsys_set": _project_httpsys_set,
    "httpsys_remove": _project_httpsys_remove,
    # A copy kept on the host across a binding change: no setting of Windows changes.
    "httpsys_save": lambda view, op, labels: None,
    "access_set": _project_access,
    "access_unset": _project_access,
    "feature_install": _project_feature,
    "auth_set": _project_auth_set,
    "one_to_one_set": _project_one_to_one_set,
    "one_to_one_remove": lambda view, op, labels: _site_auth(view, op)["one_to_one"].pop(op.args["certificate"], None),
    "many_to_one_set": _project_many_to_one_set,
    "many_to_one_remove": lambda view, op, labels: _site_auth(view, op)["many_to_one"].pop(op.args["name"], None),
    "tracing_set": _project_tracing,
    "tracing_remove": _project_tracing,
    "section_clear": _project_section_clear,
}


def project(before: View, plan: Plan) -> View:
    after = copy.deepcopy(before)
    for op in plan.ops:
        OP_PROJECTIONS[op.name](after, op, plan.labels)
    _refresh_ssl(after)
    return after


def render(view: View) -> str:
    """YAML text a person reads: stores as sorted certificate labels, Schannel values explained."""
    shown: dict[str, Any] = {}
    if "stores" in view:
        shown["certificate stores (LocalMachine)"] = {
            name: sorted(body.values()) if isinstance(body, dict) else body for name, body in view["stores"].items()
        }
    if "schannel" in view:
        shown[f"schannel ({schannel_values.SCHANNEL_KEY})"] = {
            name: schannel_values.display(name, value) for name, value in sorted(view["schannel"].items())
        }
    if "bindings" in view:
        shown["https bindings"] = {
            label: {
                "certificate": f"{b.get('certificate_store', '')}\\{b.get('certificate_hash', '')}",
                "sslFlags": flags.describe_binding_flags(b["ssl_flags"]),
            }
            for label, b in sorted(view["bindings"].items())
        } or "(none)"
    if "httpsys" in view:
        shown["HTTP.sys SSL records"] = {
            label: {k: v for k, v in record.items() if k not in ("key", "kind")}
            for label, record in sorted(view["httpsys"].items())
        } or "(none)"
    if "ssl" in view:
        shown["SSL settings (applicationHost.config)"] = {
            path: flags.describe_access(entry["explicit"])
            if entry["explicit"] is not None
            else f"inherited: {flags.describe_access(entry['effective'])}"
            for path, entry in sorted(view["ssl"].items())
        }
    if "features" in view:
        shown["Windows features"] = {
            name: "installed" if on else "not installed" for name, on in view["features"].items()
        }
    for site, body in sorted(view.get("mapping", {}).items()):
        shown[f"client certificate authentication ({site})"] = section = {
            "IIS client certificate mapping": body["iis_mapping"],
            "one-to-one mappings": sorted(body["one_to_one"].values(), key=lambda m: m["certificate"]) or "(none)",
            "many-to-one mappings": dict(sorted(body["many_to_one"].items())) or "(none)",
            "Active Directory mapping": _on_off(body["ad_mapping"]),
            "anonymous authentication": _on_off(body["anonymous"]),
        }
        if body.get("configured_below_site"):  # what clear_below_site removes (section_clear)
            section["mapping configured below the site (IIS ignores it)"] = sorted(body["configured_below_site"])
    for site, body in sorted(view.get("tracing", {}).items()):
        shown[f"Failed Request Tracing ({site})"] = body
    return yaml.safe_dump(_plain(shown), default_flow_style=False, sort_keys=False, width=200, allow_unicode=True)


def _on_off(value: bool | None) -> str:
    return "feature not installed" if value is None else ("enabled" if value else "disabled")


def _plain(value: Any) -> Any:
    """Exactly the plain Python types, which yaml.safe_dump represents by exact type: ansible-core < 2.19 hands
    task arguments over as AnsibleUnsafeText, and 2.19+ as tagged subclasses of str, int, float and bool
    (``_AnsibleTaggedInt``...), which it refuses with "cannot represent an object"."""
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str.__str__(value)  # an exact str even when the subclass overrides __str__
    if isinstance(value, bool):  # before int: bool is an int
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return value


def diff_for(before: View, plan: Plan, header: str) -> dict[str, str]:
    return {
        "before": render(before),
        "after": render(project(before, plan)),
        "before_header": f"{header} (before)",
        "after_header": f"{header} (after)",
    }
