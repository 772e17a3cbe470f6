"""diagnose follows Microsoft's documented causes (pure: snapshots in, findings out)."""

from __future__ import annotations

import base64
import dataclasses
from datetime import datetime, timezone

import pytest
from ansible_collections.mtls.iis.plugins.plugin_utils.auth_model import OneToOne
from ansible_collections.mtls.iis.plugins.plugin_utils.chain import AmbiguousBundle, leaf_first
from ansible_collections.mtls.iis.plugins.plugin_utils.diagnosis import (
    DiagnoseRequest,
    check_mapping,
    check_ssl_settings,
    check_tracing,
    diagnose,
    serving_bindings,
)
from ansible_collections.mtls.iis.plugins.plugin_utils.snapshot import Snapshot
from support import corpus, pki

NOW = datetime.now(timezone.utc)


@pytest.fixture(scope="module")
def keys():
    root = pki.make_root("Contoso Root")
    issuing = pki.make_intermediate("Contoso Client Issuing CA", root)
    client = pki.make_leaf("alice", issuing)
    server = pki.make_leaf(corpus.HOST, root, eku=("serverAuth",), san=(corpus.HOST,))
    return root, issuing, client, server


def run(snapshot: Snapshot, *client: pki.Issued) -> dict[str, dict]:
    request = DiagnoseRequest(site=corpus.SITE, host=corpus.HOST, client=tuple(c.cert for c in client))
    findings, _unused = diagnose(request, snapshot, NOW)
    return {f.id: f.to_dict() for f in findings}


def test_client_without_client_auth_eku_is_rejected_while_the_binding_checks_usage(keys):
    root, issuing, _unused, server = keys
    client = pki.make_leaf("alice", issuing, eku=("emailProtection",))
    found = run(corpus.host_snapshot([root], [issuing], server, usage_check=True), client)
    assert found["CLIENT_CERT_NO_CLIENT_AUTH_EKU"]["status"] == "403.16"


def test_client_without_client_auth_eku_is_accepted_when_the_binding_has_no_usage_check(keys):
    root, issuing, _unused, server = keys
    client = pki.make_leaf("alice", issuing, eku=("emailProtection",))
    found = run(corpus.host_snapshot([root], [issuing], server, usage_check=False), client)
    assert "CLIENT_CERT_NO_CLIENT_AUTH_EKU" not in found


@pytest.mark.parametrize("mode", [None, 1, 2])
def test_send_trusted_issuer_list_without_the_client_ca_is_403_7_whatever_the_trust_mode(keys, mode):
    root, issuing, client, server = keys
    other = pki.make_root("Fabrikam Root")
    snap = corpus.host_snapshot(
        [root, other],
        [issuing],
        server,
        schannel={"SendTrustedIssuerList": 1, "ClientAuthTrustMode": mode},
        issuer_store=[other],  # the binding's sslctlstorename holds only Fabrikam
    )
    found = run(snap, client)
    assert found["CLIENT_CA_NOT_IN_ISSUER_LIST"]["status"] == "403.7"
    assert found["CLIENT_CA_NOT_IN_ISSUER_LIST"]["evidence"]["store"] == "ClientAuthIssuer"


def test_send_trusted_issuer_list_uses_root_when_the_binding_names_no_issuer_store(keys):
    root, issuing, client, server = keys
    snap = corpus.host_snapshot([root], [issuing], server, schannel={"SendTrustedIssuerList": 1})
    assert "CLIENT_CA_NOT_IN_ISSUER_LIST" not in run(snap, client)


def test_ad_mapping_with_the_ds_mapper_needs_no_iis_mapping_feature(keys):
    root, issuing, _unused, server = keys
    snap = corpus.host_snapshot([root], [issuing], server)
    auth = {corpus.SITE.lower(): dataclasses.replace(snap.site_auth(corpus.SITE), ad_mapping=True, anonymous=False)}
    record = dataclasses.replace(snap.httpsys[0], default_flags=snap.httpsys[0].default_flags | 0x1)  # DS mapper
    with_ad = dataclasses.replace(snap, auth=auth, httpsys=(record,))
    request = DiagnoseRequest(site=corpus.SITE, host=corpus.HOST)
    ids = [f.id for f in check_mapping(request, with_ad, serving_bindings(request, with_ad))]
    assert "MAPPING_FEATURE_MISSING" not in ids
    without_ds = dataclasses.replace(with_ad, httpsys=snap.httpsys)
    ids = [f.id for f in check_mapping(request, without_ds, serving_bindings(request, without_ds))]
    assert "MAPPING_FEATURE_MISSING" in ids


def test_the_client_bundle_may_come_in_any_order(keys):
    root, issuing, client, _unused = keys
    assert leaf_first([root.cert, issuing.cert, client.cert])[0] == client.cert
    assert leaf_first([issuing.cert, client.cert])[0] == client.cert


def test_a_bundle_with_two_client_certificates_is_ambiguous(keys):
    _unused, issuing, client, _unused = keys
    with pytest.raises(AmbiguousBundle, match="alice"):
        leaf_first([client.cert, pki.make_leaf("bob", issuing).cert, issuing.cert])


def test_a_client_chain_in_any_order_diagnoses_like_the_ordered_one(keys):
    root, issuing, client, server = keys
    snap = corpus.host_snapshot([root], [], server)
    ordered = leaf_first([issuing.cert, client.cert])
    request = DiagnoseRequest(site=corpus.SITE, host=corpus.HOST, client=tuple(ordered))
    findings, chain = diagnose(request, snap, NOW)
    assert [f.id for f in findings if f.severity == "error"] == []
    assert chain["windows_verdict"] == "accepted" and chain["trusted"] is True


def _with_auth(snap: Snapshot, features: dict[str, bool], **changes) -> Snapshot:
    auth = {corpus.SITE.lower(): dataclasses.replace(snap.site_auth(corpus.SITE), **changes)}
    return dataclasses.replace(snap, auth=auth, features={**(snap.features or {}), **features})


def _mapping_ids(snap: Snapshot) -> list[str]:
    request = DiagnoseRequest(site=corpus.SITE, host=corpus.HOST)
    return [f.id for f in check_mapping(request, snap, serving_bindings(request, snap))]


def test_a_missing_mapping_feature_is_found_from_the_features_though_the_section_is_there(keys):
    # Issue 10 item 9: the section is in IIS's schema whatever the features (WINDOWS_FACTS AUTH-1); configured
    # mappings do nothing without Web-Cert-Auth.
    root, issuing, _unused, server = keys
    snap = corpus.host_snapshot([root], [issuing], server)
    enabled = dataclasses.replace(snap.site_auth(corpus.SITE).iis_mapping, enabled=True)
    assert "MAPPING_FEATURE_MISSING" in _mapping_ids(
        _with_auth(snap, {"Web-Cert-Auth": False}, anonymous=False, iis_mapping=enabled)
    )
    assert "MAPPING_FEATURE_MISSING" not in _mapping_ids(
        _with_auth(snap, {"Web-Cert-Auth": True}, anonymous=False, iis_mapping=enabled)
    )


def test_mappings_below_the_site_are_fixed_with_clear_below_site(keys):
    root, issuing, _unused, server = keys
    snap = corpus.host_snapshot([root], [issuing], server)
    request = DiagnoseRequest(site=corpus.SITE, host=corpus.HOST)
    below = _with_auth(snap, {}, below_site=(f"{corpus.SITE}/api",))
    finding = next(
        f for f in check_mapping(request, below, serving_bindings(request, below)) if f.id == "MAPPING_BELOW_SITE"
    )
    assert finding.to_dict()["fix"]["options"] == {"site": corpus.SITE, "clear_below_site": True}


def test_tracing_rules_without_the_tracing_feature_trace_nothing(keys):
    root, issuing, _unused, server = keys
    snap = corpus.host_snapshot([root], [issuing], server)
    request = DiagnoseRequest(site=corpus.SITE, host=corpus.HOST)
    assert check_tracing(request, snap) == []
    without = dataclasses.replace(snap, features={**(snap.features or {}), "Web-Http-Tracing": False})
    assert [f.id for f in check_tracing(request, without)] == ["TRACING_OFF"]


def test_ssl_settings_set_by_a_web_config_are_reported_with_where_they_live(keys):
    # Issue 10 item 14: ssl_settings cannot change them (WINDOWS_FACTS IISCONFIG-13), so diagnose names the web.config.
    root, issuing, _unused, server = keys
    snap = corpus.host_snapshot([root], [issuing], server)
    request = DiagnoseRequest(site=corpus.SITE, host=corpus.HOST)
    assert "SSL_SETTINGS_IN_WEB_CONFIG" not in [f.id for f in check_ssl_settings(request, snap, [])]
    path = request.location.lower()
    access = {**snap.iis.access, path: dataclasses.replace(snap.iis.access[path], web_config=corpus.SITE)}
    overridden = dataclasses.replace(snap, iis=dataclasses.replace(snap.iis, access=access))
    finding = next(f for f in check_ssl_settings(request, overridden, []) if f.id == "SSL_SETTINGS_IN_WEB_CONFIG")
    assert finding.evidence["web_config"] == corpus.SITE


def _ccs_site(snap: Snapshot, feature_installed: bool) -> Snapshot:
    """The corpus host with its binding turned into a Central Certificate Store one (sslFlags 3, no certificate) and
    the ccs record of port 443 (WINDOWS_FACTS BINDING-9, HTTPSYS-10)."""
    site = snap.iis.site(corpus.SITE)
    binding = dataclasses.replace(site.bindings[0], ssl_flags=3, certificate_hash="", certificate_store="")
    iis = dataclasses.replace(snap.iis, sites={corpus.SITE.lower(): dataclasses.replace(site, bindings=(binding,))})
    record = dataclasses.replace(snap.httpsys[0], kind="ccs", key="443", cert_hash="", cert_store="")
    features = {**(snap.features or {}), "Web-CertProvider": feature_installed}
    return dataclasses.replace(snap, iis=iis, httpsys=(record,), features=features)


def test_a_ccs_binding_without_web_certprovider_is_found_instead_of_a_missing_server_certificate(keys):
    root, issuing, client, server = keys
    found = run(_ccs_site(corpus.host_snapshot([root], [issuing], server), False), client, issuing)
    assert found["CCS_FEATURE_MISSING"]["evidence"]["record"] == "ccs 443"
    assert "SERVER_CERT_MISSING" not in found


def test_a_ccs_binding_with_web_certprovider_installed_has_no_binding_finding(keys):
    root, issuing, client, server = keys
    found = run(_ccs_site(corpus.host_snapshot([root], [issuing], server), True), client, issuing)
    assert not {"CCS_FEATURE_MISSING", "SERVER_CERT_MISSING", "NO_HTTPS_BINDING"} & set(found)


def test_diagnose_gathers_the_central_certificate_store_feature():
    assert "Web-CertProvider" in DiagnoseRequest(site=corpus.SITE, host=corpus.HOST).scope().features


def test_a_certificate_in_trusted_root_that_is_not_self_signed_is_found(keys):
    root, issuing, client, server = keys
    found = run(corpus.host_snapshot([root, issuing], [], server), client)
    assert found["NON_SELF_SIGNED_IN_ROOT"]["status"] == "403.16"
    assert "KB2802568" in found["NON_SELF_SIGNED_IN_ROOT"]["detail"]


def test_a_client_root_found_only_among_the_intermediates_is_not_trusted(keys):
    root, issuing, client, server = keys
    found = run(corpus.host_snapshot([], [issuing, root], server), client)
    assert found["CLIENT_ROOT_NOT_TRUSTED"]["evidence"]["found"] == "LocalMachine\\CA"


def _mapped_one_to_one(snap: Snapshot, client: pki.Issued | None) -> Snapshot:
    mappings = (OneToOne(base64.b64encode(client.der).decode(), "CONTOSO\\alice"),) if client else ()
    mapping = dataclasses.replace(
        snap.site_auth(corpus.SITE).iis_mapping, enabled=True, one_to_one=mappings, many_to_one_enabled=False
    )
    return _with_auth(snap, {"Web-Cert-Auth": True}, anonymous=False, iis_mapping=mapping)


def test_a_client_certificate_mapped_one_to_one_is_mapped(keys):
    root, issuing, client, server = keys
    snap = corpus.host_snapshot([root], [issuing], server)
    assert "CLIENT_NOT_MAPPED" in run(_mapped_one_to_one(snap, None), client)
    assert "CLIENT_NOT_MAPPED" not in run(_mapped_one_to_one(snap, client), client)
