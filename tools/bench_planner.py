"""Planner scaling: plan() on synthetic hosts from 1 to 1,000 sites and 1 to 2,000 store certificates."""

from __future__ import annotations

import base64
import statistics
import time
from datetime import datetime, timezone
from typing import Any

# isort: off
from support import pki
from support.collection import make_importable

make_importable()  # this checkout as ansible_collections.mtls.iis, before anything imports from it

from ansible_collections.mtls.iis.plugins.plugin_utils import verdicts
from ansible_collections.mtls.iis.plugins.plugin_utils.findings import cross_part_warnings
from ansible_collections.mtls.iis.plugins.plugin_utils.snapshot import Snapshot
from ansible_collections.mtls.iis.plugins.plugin_utils.whole_host import HostDesired, plan_host

# isort: on

NOW = datetime.now(timezone.utc)
_CERTS: list[pki.Issued] = []


def _certs(count: int) -> list[pki.Issued]:
    while len(_CERTS) < count:
        # Trusted Root stores hold RSA roots mostly: the self-signature check is what costs
        _CERTS.append(pki.make_root(f"Synthetic Root {len(_CERTS):05d}", key_kind="rsa"))
    return _CERTS[:count]


def _wire(sites: int, certs: int, server: pki.Issued) -> dict[str, Any]:
    def cert(issued: pki.Issued, key: bool = False) -> dict[str, Any]:
        return {"thumbprint": issued.thumbprint, "der": base64.b64encode(issued.der).decode(), "has_private_key": key}

    names = [f"site{n:04d}" for n in range(sites)]
    return {
        "host": {"os_version": "10.0.20348"},
        "stores": {
            "Root": {"exists": True, "certificates": [cert(c) for c in _certs(certs)]},
            "CA": {"exists": True, "certificates": []},
            "ClientAuthIssuer": {"exists": True, "certificates": []},
            "My": {"exists": True, "certificates": [cert(server, key=True)]},
        },
        "schannel": {"ClientAuthTrustMode": 2, "SendTrustedIssuerList": None},
        "httpsys": [
            {
                "key": f"{name}.example:443",
                "kind": "hostnameport",
                "cert_hash": server.thumbprint,
                "cert_store": "MY",
                "ctl_store_name": "ClientAuthIssuer",
                "default_flags": 0x2,
            }
            for name in names
        ],
        "iis": {
            "available": True,
            "sites": {
                name: {
                    "id": n + 1,
                    "bindings": [
                        {
                            "protocol": "https",
                            "binding_information": f"*:443:{name}.example",
                            "ssl_flags": 1,
                            "certificate_hash": server.thumbprint,
                            "certificate_store": "My",
                        }
                    ],
                }
                for n, name in enumerate(names)
            },
            "access": {
                f"{name}/api": {"effective": 104, "explicit": "Ssl, SslNegotiateCert, SslRequireCert"} for name in names
            },
        },
    }


def _desired(sites: int, server: pki.Issued, root: pki.Issued) -> HostDesired:
    args = {
        "trust": {
            "certificates": [{"content": root.pem}],
            "client_auth_issuers": [],
            "client_auth_issuer_store": "ClientAuthIssuer",
            "exclusive_client_auth_issuers": False,
            "non_self_signed_roots": "report",
            "state": "present",
        },
        "sites": [
            {
                "name": f"site{n:04d}",
                "bindings": [
                    {
                        "ip": "*",
                        "port": 443,
                        "host": f"site{n:04d}.example",
                        "sni": None,
                        "certificate": {"thumbprint": server.thumbprint, "store": "My"},
                        "negotiate_client_certificate": True,
                        "client_auth_issuer_store": "ClientAuthIssuer",
                        "expiry_warning_days": 30,
                        "state": "present",
                    }
                ],
                "ssl": [{"path": "api", "client_certificates": "require", "state": "present"}],
            }
            for n in range(sites)
        ],
    }
    return HostDesired.from_options(args, lambda path, option: b"")


def time_plan(sites: int, certs: int, repeat: int = 3, warm: bool = True) -> float:
    """Median seconds of: parse the gathered snapshot, plan every part, judge cross-part warnings.

    ``warm``: the controller already knows the self-signed verdicts of these certificates (every host
    after the first); cold: it checks every signature (the first host).
    """
    server = pki.make_leaf("server.example", pki.make_root("Server CA"), eku=("serverAuth",))
    wire = _wire(sites, certs, server)
    desired = _desired(sites, server, _certs(1)[0])
    timings = []
    if warm:
        plan_host(desired, Snapshot.from_wire(wire), NOW)
    for _run in range(repeat):
        if not warm:
            verdicts.forget()
        start = time.perf_counter()
        snapshot = Snapshot.from_wire(wire)
        plan = plan_host(desired, snapshot, NOW)
        cross_part_warnings(snapshot, plan, [s.name for s in desired.sites])
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def planner_scaling() -> dict[str, list[tuple[int, float, float]]]:
    """(size, warm seconds, cold seconds) per series."""
    result: dict[str, list[tuple[int, float, float]]] = {"sites (500 certificates)": [], "certificates (100 sites)": []}
    for series, sizes in (
        ("sites (500 certificates)", (1, 10, 100, 1000)),
        ("certificates (100 sites)", (1, 100, 500, 2000)),
    ):
        for size in sizes:
            sites, certs = (size, 500) if series.startswith("sites") else (100, size)
            warm, cold = time_plan(sites, certs), time_plan(sites, certs, warm=False)
            result[series].append((size, warm, cold))
            print(
                f"  {sites:>5} sites, {certs:>5} certificates: {warm * 1000:8.1f} ms warm, {cold * 1000:8.1f} ms cold",
                flush=True,
            )
    return result
