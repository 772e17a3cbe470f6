"""Build host snapshots (the gather wire format of docs/ENGINE.md) for planner tests."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from ansible_collections.mtls.iis.plugins.plugin_utils.snapshot import Snapshot


def wire_cert(der: bytes, has_private_key: bool = False) -> dict[str, Any]:
    return {
        "thumbprint": hashlib.sha1(der).hexdigest().upper(),
        "der": base64.b64encode(der).decode(),
        "has_private_key": has_private_key,
    }


def snapshot(
    stores: dict[str, list[bytes] | None] | None = None,
    schannel: dict[str, Any] | None = None,
    httpsys: list[dict[str, Any]] | None = None,
) -> Snapshot:
    """``stores`` maps a store name to DER blobs, or to None for a store that does not exist."""
    wire: dict[str, Any] = {"host": {"os_version": "10.0.20348"}, "stores": {}}
    for name, ders in (stores or {}).items():
        wire["stores"][name] = {
            "exists": ders is not None,
            "certificates": [wire_cert(d) for d in ders or []],
        }
    if schannel is not None:
        wire["schannel"] = schannel
    if httpsys is not None:
        wire["httpsys"] = httpsys
    return Snapshot.from_wire(wire)


def trust_snapshot(
    root: list[bytes] | None = None,
    ca: list[bytes] | None = None,
    issuers: list[bytes] | None = None,
    issuer_store: str = "ClientAuthIssuer",
) -> Snapshot:
    """The three stores the trust part gathers; ``issuers=None`` means the issuer store is missing."""
    return snapshot({"Root": root or [], "CA": ca or [], issuer_store: issuers})


def https_binding(
    binding_information: str = "*:443:", thumbprint: str = "AB" * 20, ssl_flags: int = 0, store: str = "My"
) -> dict[str, Any]:
    """One https binding as gather returns it in ``iis.sites[...].bindings``: its certificate from HTTP.sys."""
    return {
        "protocol": "https",
        "binding_information": binding_information,
        "ssl_flags": ssl_flags,
        "certificate_hash": thumbprint,
        "certificate_store": store,
    }


def iis_snapshot(
    sites: dict[str, list[dict[str, Any]]] | None = None,
    access: dict[str, tuple[int, str | None]] | None = None,
    httpsys: list[dict[str, Any]] | None = None,
    stores: dict[str, list[tuple[bytes, bool]]] | None = None,
    os_version: str = "10.0.20348",
) -> Snapshot:
    """IIS sites (name -> https bindings), access (path -> (effective, explicit string)), HTTP.sys records,
    and stores (name -> [(der, has_private_key)])."""
    wire: dict[str, Any] = {
        "host": {"os_version": os_version},
        "stores": {
            name: {"exists": True, "certificates": [wire_cert(der, key) for der, key in certs]}
            for name, certs in (stores or {"My": []}).items()
        },
        "httpsys": httpsys or [],
        "iis": {
            "available": True,
            "sites": {
                name: {"id": i + 1, "bindings": bindings} for i, (name, bindings) in enumerate((sites or {}).items())
            },
            "access": {path: {"effective": eff, "explicit": exp} for path, (eff, exp) in (access or {}).items()},
        },
    }
    return Snapshot.from_wire(wire)


def empty_iis_mapping() -> dict[str, Any]:
    """iisClientCertificateMappingAuthentication as gather returns it with the schema defaults (AUTH-4)."""
    return {
        "enabled": False,
        "one_to_one_enabled": True,
        "many_to_one_enabled": True,
        "logon_method": "ClearText",
        "default_logon_domain": "",
        "one_to_one": [],
        "many_to_one": [],
    }


def auth_snapshot(
    site: str = "Default Web Site",
    iis_mapping: dict[str, Any] | None = None,
    ad_mapping: bool = False,
    anonymous: bool = True,
    features: dict[str, bool] | None = None,
    below_site: list[str] | None = None,
    bindings: list[dict[str, Any]] | None = None,
    httpsys: list[dict[str, Any]] | None = None,
) -> Snapshot:
    """One site with its authentication sections, always all three (WINDOWS_FACTS AUTH-1), and its https
    ``bindings`` with their HTTP.sys records: ``iis_mapping=None`` gives the schema defaults; whether IIS acts on
    them is ``features``."""
    features = features if features is not None else {"Web-Cert-Auth": True, "Web-Client-Auth": True}
    wire: dict[str, Any] = {
        "host": {"os_version": "10.0.20348"},
        "stores": {},
        "httpsys": httpsys or [],
        "iis": {"available": True, "sites": {site: {"id": 1, "bindings": bindings or []}}, "access": {}},
        "auth": {
            site: {
                "iis_mapping": empty_iis_mapping() if iis_mapping is None else iis_mapping,
                "ad_mapping": {"enabled": ad_mapping},
                "anonymous": {"enabled": anonymous},
                "below_site": below_site or [],
            }
        },
        "features": features,
    }
    return Snapshot.from_wire(wire)
