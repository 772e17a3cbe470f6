"""The host state a plan leads to (after.py), as the cross-part warnings read it."""

from __future__ import annotations

from datetime import datetime, timezone

from ansible_collections.mtls.iis.plugins.plugin_utils.after import After
from ansible_collections.mtls.iis.plugins.plugin_utils.binding import BindingDesired, plan_binding
from ansible_collections.mtls.iis.plugins.plugin_utils.plan import Op, Phase, Plan
from support import pki
from support.snapshots import iis_snapshot

NOW = datetime.now(timezone.utc)
SITE = "Default Web Site"
SHOP = "Shop"
CCS_BINDING = {"protocol": "https", "binding_information": "*:443:www.contoso.com", "ssl_flags": 3}
OPTIONS = {"state": "present", "expiry_warning_days": 30}
CCS_RECORD = {"key": "443", "kind": "ccs", "cert_hash": "", "cert_store": "", "default_flags": 0}


def test_a_new_binding_leaves_the_central_certificate_store_record_of_its_port_in_place():
    server = pki.make_leaf("shop", pki.make_root("Shop CA"), eku=("serverAuth",))
    snap = iis_snapshot({SITE: [CCS_BINDING], SHOP: []}, httpsys=[CCS_RECORD], stores={"My": [(server.der, True)]})
    certificate = {"thumbprint": server.thumbprint, "store": "My"}
    args = {"site": SHOP, "ip": "*", "port": 443, "host": "", "sni": None, "certificate": certificate}
    plan = plan_binding(BindingDesired.from_options({**args, **OPTIONS}, lambda *_unused: b""), snap, NOW)
    assert [op.name for op in plan.ops] == ["binding_add"]
    assert After(snap, plan).records[("ccs", "443")] is not None


def test_an_authentication_op_at_a_location_leaves_its_ssl_flags_as_they_are():
    snap = iis_snapshot({SITE: []}, access={SITE: (40, "Ssl, SslNegotiateCert")})
    auth = Op(
        "auth_set",
        {"location": SITE, "section": "anonymousAuthentication", "attributes": {"enabled": False}},
        Phase.SITE_CONFIG,
        "anonymous authentication off",
    )
    assert After(snap, Plan((auth,))).location_flags(SITE) == After(snap, Plan()).location_flags(SITE)
