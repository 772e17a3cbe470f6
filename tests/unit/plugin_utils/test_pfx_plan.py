"""A server certificate from a PFX: its CA certificates go to LocalMachine\\CA, and hosts before build 17763
get a PFX they can open (3DES / SHA-1 MAC)."""

from __future__ import annotations

import base64
from datetime import datetime, timezone

import pytest
from ansible_collections.mtls.iis.plugins.plugin_utils.binding import BindingDesired, binding_view, plan_binding
from ansible_collections.mtls.iis.plugins.plugin_utils.certs import pfx_needs_legacy_encoding
from ansible_collections.mtls.iis.plugins.plugin_utils.diff import diff_for
from ansible_collections.mtls.iis.plugins.plugin_utils.errors import OptionError
from ansible_collections.mtls.iis.plugins.plugin_utils.plan import Plan
from ansible_collections.mtls.iis.plugins.plugin_utils.trust import TrustDesired, plan_trust
from ansible_collections.mtls.iis.plugins.plugin_utils.whole_host import HostDesired
from cryptography.hazmat.primitives.serialization import pkcs12
from support import pki
from support.snapshots import iis_snapshot

NOW = datetime.now(timezone.utc)
SITE = "Default Web Site"
PASSWORD = "Pfx-Pa55!"


@pytest.fixture(scope="module")
def pki_chain():
    root = pki.make_root("Contoso Root")
    issuing = pki.make_intermediate("Contoso Server CA", root)
    server = pki.make_leaf("api.contoso.com", issuing, eku=("serverAuth",), san=("api.contoso.com",))
    return root, issuing, server


def desired(pfx: bytes, password: str | None = PASSWORD) -> BindingDesired:
    args = {
        "site": SITE,
        "ip": "*",
        "port": 443,
        "host": "api.contoso.com",
        "certificate": {"pfx": "api.pfx", "password": password, "store": "My"},
        "expiry_warning_days": 30,
        "state": "present",
    }
    return BindingDesired.from_options(args, lambda path, option: pfx)


def snapshot(os_version: str = "10.0.20348", ca: tuple = ()):
    return iis_snapshot({SITE: []}, stores={"My": [], "CA": [(c.der, False) for c in ca]}, os_version=os_version)


def test_the_pfx_intermediate_is_imported_into_ca_and_its_root_nowhere(pki_chain):
    root, issuing, server = pki_chain
    plan = plan_binding(desired(server.pfx(PASSWORD, chain=[issuing, root])), snapshot(), NOW)
    imports = [(op.args["store"], op.args["thumbprint"]) for op in plan.ops if op.name == "cert_import"]
    assert imports == [("CA", issuing.thumbprint)]


def test_an_intermediate_already_in_ca_is_not_imported_again(pki_chain):
    root, issuing, server = pki_chain
    plan = plan_binding(desired(server.pfx(PASSWORD, chain=[issuing, root])), snapshot(ca=(issuing,)), NOW)
    assert [op.name for op in plan.ops if op.name == "cert_import"] == []


def test_check_and_diff_show_the_intermediate_arriving_in_ca(pki_chain):
    root, issuing, server = pki_chain
    wanted = desired(server.pfx(PASSWORD, chain=[issuing, root]))
    snap = snapshot()
    plan = plan_binding(wanted, snap, NOW)
    after = diff_for(binding_view(wanted, snap), plan, "IIS https binding")["after"]
    assert f"CN=Contoso Server CA ({issuing.thumbprint})" in after


def test_the_same_intermediate_from_trusted_certs_and_a_pfx_is_imported_once(pki_chain):
    _root, issuing, server = pki_chain
    trust = TrustDesired.from_options(
        {
            "certificates": [{"content": issuing.pem}],
            "client_auth_issuers": [],
            "client_auth_issuer_store": "ClientAuthIssuer",
            "exclusive_client_auth_issuers": False,
            "non_self_signed_roots": "report",
            "state": "present",
        },
        lambda path, option: b"",
    )
    snap = iis_snapshot({SITE: []}, stores={"My": [], "CA": [], "Root": [], "ClientAuthIssuer": []})
    plan = Plan.combine(
        [plan_trust(trust, snap, NOW), plan_binding(desired(server.pfx(PASSWORD, chain=[issuing])), snap, NOW)]
    )
    assert [op.args["thumbprint"] for op in plan.ops if op.name == "cert_import"] == [issuing.thumbprint]


def _shipped(plan) -> bytes:
    return base64.b64decode(next(op.args["pfx"] for op in plan.ops if op.name == "pfx_import"))


def test_server_2016_gets_the_pfx_re_encrypted_with_3des_and_a_sha1_mac(pki_chain):
    _root, issuing, server = pki_chain
    original = server.pfx(PASSWORD, chain=[issuing])
    assert pfx_needs_legacy_encoding(original)  # what cryptography (like OpenSSL 3) writes by default
    plan = plan_binding(desired(original), snapshot("10.0.14393"), NOW)
    shipped = _shipped(plan)
    assert not pfx_needs_legacy_encoding(shipped)
    opened = pkcs12.load_pkcs12(shipped, PASSWORD.encode())
    assert opened.cert.certificate == server.cert
    assert [c.certificate for c in opened.additional_certs] == [issuing.cert]
    assert "3DES" in next(op.summary for op in plan.ops if op.name == "pfx_import")


def test_server_2019_gets_the_pfx_as_given(pki_chain):
    _unused, _unused, server = pki_chain
    original = server.pfx(PASSWORD)
    assert _shipped(plan_binding(desired(original), snapshot("10.0.17763"), NOW)) == original


def test_an_aes_pfx_without_password_for_server_2016_is_refused_naming_the_option(pki_chain):
    _unused, _unused, server = pki_chain
    unprotected = server.pfx(None)
    assert pfx_needs_legacy_encoding(unprotected)  # a SHA-256 MAC
    with pytest.raises(OptionError, match=r"^certificate\.password: .*build 14393"):
        plan_binding(desired(unprotected, None), snapshot("10.0.14393"), NOW)


def test_a_server_certificate_not_yet_valid_warns(pki_chain):
    root, _unused, _unused = pki_chain
    future = pki.make_leaf("api.contoso.com", root, eku=("serverAuth",), not_before=pki.days(2))
    plan = plan_binding(desired(future.pfx(PASSWORD)), snapshot(), NOW)
    assert any("valid only from" in w and future.thumbprint in w for w in plan.warnings)


def test_the_whole_host_module_places_the_pfx_chain_too(pki_chain):
    root, issuing, server = pki_chain
    args = {
        "sites": [
            {
                "name": SITE,
                "bindings": [
                    {
                        "ip": "*",
                        "port": 443,
                        "host": "api.contoso.com",
                        "certificate": {"pfx": "api.pfx", "password": PASSWORD, "store": "My"},
                        "expiry_warning_days": 30,
                        "state": "present",
                    }
                ],
            }
        ]
    }
    host = HostDesired.from_options(args, lambda path, option: server.pfx(PASSWORD, chain=[issuing, root]))
    assert "CA" in host.scope().stores
