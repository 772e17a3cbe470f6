"""Cross-part warnings, computed on the state the whole plan leads to."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from ansible_collections.mtls.iis.plugins.plugin_utils.binding import BindingDesired, plan_binding
from ansible_collections.mtls.iis.plugins.plugin_utils.findings import cross_part_warnings, store_name_warnings
from ansible_collections.mtls.iis.plugins.plugin_utils.flags import HTTPSYS_NEGOTIATE_CLIENT_CERT
from ansible_collections.mtls.iis.plugins.plugin_utils.plan import Op, Phase, Plan
from ansible_collections.mtls.iis.plugins.plugin_utils.schannel import SchannelDesired, plan_schannel
from ansible_collections.mtls.iis.plugins.plugin_utils.snapshot import Snapshot
from ansible_collections.mtls.iis.plugins.plugin_utils.ssl_settings import SslDesired, plan_ssl
from simhost import seed
from simhost.host import SimulatedHost
from support import pki
from support.snapshots import https_binding, iis_snapshot, snapshot
from winmodel.state import new_state

NOW = datetime.now(timezone.utc)
SITE = "Default Web Site"
BI = "*:443:"
RECORD = {"key": "0.0.0.0:443", "kind": "ipport", "cert_hash": "AB" * 20, "cert_store": "MY", "default_flags": 0}
BINDING = https_binding(BI)


def trap(warnings):
    return [w for w in warnings if "TLS 1.3" in w]


def binding_desired(**overrides):
    args = {
        "site": SITE,
        "ip": "*",
        "port": 443,
        "host": "",
        "sni": None,
        "certificate": None,
        "state": "present",
        "expiry_warning_days": 30,
        **overrides,
    }
    return BindingDesired.from_options(args, lambda path, option: b"")


@pytest.fixture
def accepting_site():
    return iis_snapshot({SITE: [BINDING]}, access={SITE: (8 | 32, "Ssl, SslNegotiateCert")}, httpsys=[RECORD])


def test_trap_flagged_for_a_location_asking_later_under_tls13(accepting_site):
    assert len(trap(cross_part_warnings(accepting_site, Plan(), [SITE]))) == 1


def test_trap_not_flagged_once_the_plan_negotiates_at_handshake(accepting_site):
    plan = plan_binding(binding_desired(negotiate_client_certificate=True), accepting_site, NOW)
    assert trap(cross_part_warnings(accepting_site, plan, [SITE])) == []


def test_trap_not_flagged_once_the_plan_disables_tls13(accepting_site):
    plan = plan_binding(binding_desired(disable_tls13=True), accepting_site, NOW)
    assert trap(cross_part_warnings(accepting_site, plan, [SITE])) == []


def test_trap_flagged_when_the_plan_starts_asking_for_certificates():
    snap = iis_snapshot({SITE: [BINDING]}, access={SITE: (8, "Ssl")}, httpsys=[RECORD])
    plan = plan_ssl(SslDesired.from_options({"path": SITE, "client_certificates": "require", "state": "present"}), snap)
    assert len(trap(cross_part_warnings(snap, plan, [SITE]))) == 1


def test_trap_not_flagged_on_server_2019():
    snap = iis_snapshot(
        {SITE: [BINDING]}, access={SITE: (40, "Ssl, SslNegotiateCert")}, httpsys=[RECORD], os_version="10.0.17763"
    )
    assert trap(cross_part_warnings(snap, Plan(), [SITE])) == []


def test_rebinding_loses_handshake_negotiation_unless_reasserted():
    server = pki.make_leaf("www", pki.make_root("CA"), eku=("serverAuth",))
    snap = iis_snapshot(
        {SITE: [BINDING]},
        access={SITE: (40, "Ssl, SslNegotiateCert")},
        httpsys=[{**RECORD, "default_flags": 0x2}],
        stores={"My": [(server.der, True)]},
    )
    plan = plan_binding(binding_desired(certificate={"thumbprint": server.thumbprint, "store": "My"}), snap, NOW)
    assert [op.name for op in plan.ops] == ["httpsys_save", "binding_set_cert", "httpsys_set"]
    assert trap(cross_part_warnings(snap, plan, [SITE])) == []
    rebind_only = Plan(tuple(op for op in plan.ops if op.name != "httpsys_set"))
    assert len(trap(cross_part_warnings(snap, rebind_only, [SITE]))) == 1


def schannel_host(mode, ctl):
    return snapshot(
        schannel={"ClientAuthTrustMode": mode, "SendTrustedIssuerList": None},
        httpsys=[{**RECORD, "ctl_store_name": ctl}],
    )


def test_exclusive_trust_mode_without_issuer_store_warns():
    snap = schannel_host(None, None)
    plan = plan_schannel(SchannelDesired(client_auth_trust_mode=2), snap)
    assert any("sslctlstorename" in w for w in cross_part_warnings(snap, plan, []))


def test_exclusive_trust_mode_with_issuer_store_does_not_warn():
    snap = schannel_host(None, "ClientAuthIssuer")
    plan = plan_schannel(SchannelDesired(client_auth_trust_mode=2), snap)
    assert cross_part_warnings(snap, plan, []) == []


def test_existing_exclusive_mode_is_flagged_even_when_not_changed():
    assert len(cross_part_warnings(schannel_host(1, None), Plan(), [])) == 1


def test_back_to_machine_trust_does_not_warn():
    snap = schannel_host(1, None)
    plan = plan_schannel(SchannelDesired(client_auth_trust_mode="default"), snap)
    assert cross_part_warnings(snap, plan, []) == []


def test_asking_for_certificates_on_a_site_without_https_binding_warns():
    snap = iis_snapshot({SITE: []}, access={f"{SITE}/api": (0, None)})
    plan = plan_ssl(SslDesired.from_options({"path": f"{SITE}/api", "client_certificates": "accept"}), snap)
    assert any("no https binding" in w for w in cross_part_warnings(snap, plan, [SITE]))


def test_no_binding_warning_when_the_same_plan_adds_the_binding():
    server = pki.make_leaf("www", pki.make_root("CA"), eku=("serverAuth",))
    snap = iis_snapshot({SITE: []}, access={f"{SITE}/api": (0, None)}, stores={"My": [(server.der, True)]})
    plan = Plan.combine(
        [
            plan_ssl(SslDesired.from_options({"path": f"{SITE}/api", "client_certificates": "accept"}), snap),
            plan_binding(
                binding_desired(
                    certificate={"thumbprint": server.thumbprint, "store": "My"}, negotiate_client_certificate=True
                ),
                snap,
                NOW,
            ),
        ]
    )
    assert not any("no https binding" in w for w in cross_part_warnings(snap, plan, [SITE]))


def gathered(state, desired):
    """What the action gathers for this part's task: the simulated host read with the part's own scope."""
    return Snapshot.from_wire(json.loads(json.dumps(SimulatedHost(state).gather(desired.scope().to_wire()))))


def test_the_schannel_task_gathers_the_records_its_trust_mode_warning_reads():
    state = new_state()
    seed.add_binding(state, SITE, BI, certificate_hash="AB" * 20)
    desired = SchannelDesired(client_auth_trust_mode=2)
    snap = gathered(state, desired)
    assert any("sslctlstorename" in w for w in cross_part_warnings(snap, plan_schannel(desired, snap), []))


def test_the_ssl_settings_task_gathers_the_records_that_rule_out_the_tls13_trap():
    state = new_state()
    seed.add_binding(state, SITE, BI, certificate_hash="AB" * 20)
    # the record negotiates in the handshake (HTTP.sys DefaultFlags 0x2), so asking later is no trap
    seed.set_httpsys_options(state, "ipport", "0.0.0.0:443", default_flags=HTTPSYS_NEGOTIATE_CLIENT_CERT)
    desired = SslDesired.from_options({"path": SITE, "client_certificates": "require", "state": "present"})
    snap = gathered(state, desired)
    assert trap(cross_part_warnings(snap, plan_ssl(desired, snap), [SITE])) == []


def test_requiring_ssl_without_client_certificates_on_a_site_without_https_binding_does_not_warn():
    snap = iis_snapshot({SITE: []}, access={SITE: (8, "Ssl")})
    assert cross_part_warnings(snap, Plan(), [SITE]) == []


def test_requiring_ssl_without_client_certificates_is_no_tls13_trap():
    snap = iis_snapshot({SITE: [BINDING]}, access={SITE: (8, "Ssl")}, httpsys=[RECORD])
    assert trap(cross_part_warnings(snap, Plan(), [SITE])) == []


def test_an_sni_binding_without_tls13_disabled_is_still_in_the_trap():
    sni = {**BINDING, "binding_information": "*:443:www.contoso.com", "ssl_flags": 1}
    record = {**RECORD, "key": "www.contoso.com:443", "kind": "hostnameport"}
    snap = iis_snapshot({SITE: [sni]}, access={SITE: (40, "Ssl, SslNegotiateCert")}, httpsys=[record])
    assert len(trap(cross_part_warnings(snap, Plan(), [SITE]))) == 1


def _store_created(store: str) -> Plan:
    return Plan((Op("store_create", {"store": store}, Phase.STORES, f"create {store}"),))


def test_a_new_store_named_like_a_windows_store_is_named_in_the_warning():
    snap = snapshot(stores={"ClientAuthIsuer": None})
    [warning] = store_name_warnings(snap, _store_created("ClientAuthIsuer"))
    assert "LocalMachine\\ClientAuthIsuer does not exist" in warning
    assert "Did you mean ClientAuthIssuer?" in warning


def test_a_new_store_named_like_no_windows_store_gets_no_suggestion():
    snap = snapshot(stores={"Zq": None})
    [warning] = store_name_warnings(snap, _store_created("Zq"))
    assert "Did you mean" not in warning


def test_exclusive_ca_mode_with_a_missing_issuer_store_warns_that_every_certificate_is_rejected():
    snap = snapshot(
        stores={"PartnerCAs": None},
        schannel={"ClientAuthTrustMode": 2, "SendTrustedIssuerList": None},
        httpsys=[{**RECORD, "ctl_store_name": "PartnerCAs"}],
    )
    [warning] = cross_part_warnings(snap, Plan(), [])
    assert warning.startswith("ClientAuthTrustMode=2 (exclusive_ca) checks client certificates")
    assert "LocalMachine\\PartnerCAs does not exist" in warning
