"""The audit of one snapshot: findings per https binding and location, certificate inventory with expiry."""

from __future__ import annotations

import pytest
from ansible_collections.mtls.iis.plugins.plugin_utils.audit import (
    AuditRequest,
    audit,
    binding_findings,
    ca_certificates,
    server_certificates,
)
from ansible_collections.mtls.iis.plugins.plugin_utils.certs import utcnow
from support import pki
from support.snapshots import iis_snapshot

SITE = "Shop"


@pytest.fixture(scope="module")
def pkis():
    root = pki.make_root("Contoso Root")
    issuing = pki.make_intermediate("Contoso Issuing CA", root)
    return {
        "root": root,
        "issuing": issuing,
        "server": pki.make_leaf(
            "shop.contoso.com", root, eku=("serverAuth",), san=("shop.contoso.com",), key_kind="rsa"
        ),
        "soon": pki.make_leaf("old.contoso.com", root, eku=("serverAuth",), not_after=pki.days(10)),
    }


def record(key: str, cert: pki.Issued, ctl: str | None = None, kind: str = "ipport") -> dict:
    return {"key": key, "kind": kind, "cert_hash": cert.thumbprint, "cert_store": "MY", "ctl_store_name": ctl}


def host(pkis, access=None, httpsys=None, stores=None):
    return iis_snapshot(
        sites={
            SITE: [{"binding_information": "*:443:", "ssl_flags": 0, "certificate_hash": pkis["server"].thumbprint}]
        },
        access=access or {SITE: (0, None)},
        httpsys=httpsys if httpsys is not None else [record("0.0.0.0:443", pkis["server"])],
        stores=stores
        or {
            "My": [(pkis["server"].der, True), (pkis["soon"].der, True)],
            "Root": [(pkis["root"].der, False)],
            "CA": [(pkis["issuing"].der, False)],
            "ClientAuthIssuer": [(pkis["issuing"].der, False)],
        },
    )


def test_a_location_below_the_site_is_diagnosed_too(pkis):
    snapshot = host(pkis, access={SITE: (0, None), f"{SITE}/api": (104, "Ssl, SslNegotiateCert, SslRequireCert")})
    findings = binding_findings(AuditRequest((SITE,)), snapshot, utcnow())
    trap = [f for f in findings if f["id"] == "TLS13_RENEGOTIATION"]
    assert [(f["site"], f["bindings"], f["evidence"]["location"]) for f in trap] == [(SITE, ["*:443:"], "shop/api")]


def test_a_finding_seen_at_several_locations_is_listed_once(pkis):
    snapshot = host(pkis, access={SITE: (0, None), f"{SITE}/a": (8, "Ssl"), f"{SITE}/b": (8, "Ssl")})
    ids = [f["id"] for f in binding_findings(AuditRequest((SITE,)), snapshot, utcnow())]
    assert ids.count("TRACING_OFF") == 1


def test_every_httpsys_binding_certificate_is_inventoried_with_its_key_and_expiry(pkis):
    snapshot = host(pkis, httpsys=[record("0.0.0.0:443", pkis["server"]), record("10.0.0.5:8443", pkis["soon"])])
    inventory = server_certificates(AuditRequest((SITE,), expiry_days=30), snapshot, utcnow())
    assert [c["thumbprint"] for c in inventory] == [pkis["soon"].thumbprint, pkis["server"].thumbprint]
    soon, server = inventory
    assert (soon["expiring"], soon["bindings"]) == (
        True,
        [{"httpsys": "ipport=10.0.0.5:8443", "site": None, "binding": None}],
    )
    assert (server["key"], server["sans"], server["expiring"]) == ("RSA 2048", ["shop.contoso.com"], False)
    assert server["bindings"] == [{"httpsys": "ipport=0.0.0.0:443", "site": SITE, "binding": "*:443:"}]


def test_a_bound_certificate_missing_from_its_store_is_flagged(pkis):
    stores = {"My": [], "Root": [], "CA": []}
    inventory = server_certificates(AuditRequest((SITE,)), host(pkis, stores=stores), utcnow())
    assert [(c["thumbprint"], c["missing"]) for c in inventory] == [(pkis["server"].thumbprint, True)]


def test_issuer_store_certificates_and_their_chain_are_the_ca_inventory(pkis):
    snapshot = host(pkis, httpsys=[record("0.0.0.0:443", pkis["server"], ctl="ClientAuthIssuer")])
    cas = {c["thumbprint"]: c for c in ca_certificates(AuditRequest((SITE,)), snapshot, utcnow())}
    assert set(cas) == {pkis["issuing"].thumbprint, pkis["root"].thumbprint}
    assert cas[pkis["issuing"].thumbprint]["stores"] == ["ClientAuthIssuer", "CA"]
    assert cas[pkis["root"].thumbprint]["roles"] == ["chain"]


def test_without_issuer_store_the_declared_trust_is_the_ca_inventory(pkis):
    request = AuditRequest((SITE,), trust_thumbprints=(pkis["root"].thumbprint,))
    cas = ca_certificates(request, host(pkis), utcnow())
    assert [(c["subject"], c["roles"]) for c in cas] == [("CN=Contoso Root", ["declared trust"])]


def test_a_bound_certificate_missing_from_its_store_is_listed_before_a_long_expired_one(pkis):
    expired = pki.make_leaf(
        "gone.contoso.com", pkis["root"], eku=("serverAuth",), not_before=pki.days(-60), not_after=pki.days(-30)
    )
    snapshot = host(
        pkis,
        httpsys=[record("0.0.0.0:443", pkis["server"]), record("10.0.0.5:8443", expired)],
        stores={"My": [(expired.der, True)], "Root": [], "CA": []},
    )
    inventory = server_certificates(AuditRequest((SITE,)), snapshot, utcnow())
    assert [(c["thumbprint"], c["missing"]) for c in inventory] == [
        (pkis["server"].thumbprint, True),
        (expired.thumbprint, False),
    ]


def test_the_audit_counts_its_findings_by_severity(pkis):
    result = audit(AuditRequest((SITE,)), host(pkis), utcnow())
    expected = {s: [f["severity"] for f in result["findings"]].count(s) for s in result["counts"]}
    assert result["counts"] == expected
    assert sum(result["counts"].values()) == len(result["findings"]) > 0
