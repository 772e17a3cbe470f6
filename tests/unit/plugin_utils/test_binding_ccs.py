"""Central Certificate Store bindings (issue 10 item 8): sslFlags CentralCertStore, no certificate, the ccs record."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

import pytest
from ansible_collections.mtls.iis.plugins.plugin_utils.binding import BindingDesired, binding_view, plan_binding
from ansible_collections.mtls.iis.plugins.plugin_utils.errors import OptionError
from ansible_collections.mtls.iis.plugins.plugin_utils.whole_host import HostDesired
from support import pki
from support.snapshots import https_binding, iis_snapshot

NOW = datetime.now(timezone.utc)
SITE = "Default Web Site"
HOST = "api.contoso.com"
BI = f"*:443:{HOST}"
APP_ID = "{4dc3e181-e14b-4a21-b022-59fc669b0914}"


@pytest.fixture(scope="module")
def server():
    return pki.make_leaf(HOST, pki.make_root("Contoso Root"), eku=("serverAuth",), san=(HOST,))


def desired(**overrides):
    args = {"site": SITE, "ip": "*", "port": 443, "host": HOST, "ccs": True, **overrides}
    return BindingDesired.from_options(args, lambda path, option: b"")


def ccs_binding(bi=BI, ssl_flags=1 | 2):
    return {"protocol": "https", "binding_information": bi, "ssl_flags": ssl_flags, "certificate_hash": ""}


def fixed_binding(cert, ssl_flags=1):
    return https_binding(BI, cert.thumbprint, ssl_flags)


def ccs_record(default_flags=0, port="443"):
    return {
        "key": port,
        "kind": "ccs",
        "cert_hash": "",
        "cert_store": "",
        "app_id": APP_ID,
        "default_flags": default_flags,
    }


def sni_record(cert):
    return {"key": f"{HOST}:443", "kind": "hostnameport", "cert_hash": cert.thumbprint, "cert_store": "My"}


def with_features(snapshot, installed=True):
    return dataclasses.replace(snapshot, features={"Web-CertProvider": installed})


def ops(plan):
    return [(op.name, op.args.get("kind"), op.args.get("key")) for op in plan.ops]


def test_a_new_ccs_binding_is_added_with_sni_and_central_cert_store_bits_and_no_certificate():
    plan = plan_binding(desired(), with_features(iis_snapshot({SITE: []})), NOW)
    add = plan.ops[0]
    assert (add.name, add.args["ssl_flags"], add.args["certificate_hash"], add.args["certificate_store"]) == (
        "binding_add",
        3,
        "",
        "",
    )


def test_client_certificate_options_of_a_ccs_binding_go_on_the_ccs_record_of_its_port():
    plan = plan_binding(
        desired(negotiate_client_certificate=True, revocation_check="cached_only"),
        with_features(iis_snapshot({SITE: []})),
        NOW,
    )
    assert ops(plan) == [("binding_add", None, None), ("httpsys_set", "ccs", "443")]
    written = plan.ops[1].args
    assert (written["negotiate_client_certificate"], written["revocation"]) == (True, "cached_only")
    assert (written["certificate_hash"], written["certificate_store"]) == ("", "")


def test_a_converged_ccs_binding_plans_nothing():
    snap = with_features(iis_snapshot({SITE: [ccs_binding()]}, httpsys=[ccs_record(default_flags=0x2)]))
    assert plan_binding(desired(negotiate_client_certificate=True), snap, NOW).ops == ()


def test_a_ccs_option_change_rewrites_only_the_ccs_record():
    snap = with_features(iis_snapshot({SITE: [ccs_binding()]}, httpsys=[ccs_record()]))
    assert ops(plan_binding(desired(negotiate_client_certificate=True), snap, NOW)) == [("httpsys_set", "ccs", "443")]


def test_a_ccs_binding_without_the_ccs_option_keeps_the_central_certificate_store():
    snap = iis_snapshot({SITE: [ccs_binding()]}, httpsys=[ccs_record()])
    plan = plan_binding(desired(ccs=None, negotiate_client_certificate=True), snap, NOW)
    assert ops(plan) == [("httpsys_set", "ccs", "443")]


def test_the_planner_never_writes_a_hostnameport_record_for_a_ccs_binding():
    snap = with_features(iis_snapshot({SITE: [ccs_binding()]}, httpsys=[ccs_record()]))
    plan = plan_binding(desired(negotiate_client_certificate=True, disable_http2=True), snap, NOW)
    assert all(op.args.get("kind") in (None, "ccs") for op in plan.ops)


def test_switching_a_fixed_binding_to_ccs_replaces_it_and_removes_its_unshared_record(server):
    snap = with_features(
        iis_snapshot({SITE: [fixed_binding(server)]}, httpsys=[sni_record(server)], stores={"My": [(server.der, True)]})
    )
    plan = plan_binding(desired(), snap, NOW)
    # IIS writes the ccs record at commit (HTTPSYS-14); with no client-certificate option there is nothing to add.
    assert ops(plan) == [("binding_add", None, None), ("httpsys_remove", "hostnameport", f"{HOST}:443")]
    assert (plan.ops[0].args["ssl_flags"], plan.ops[0].args["certificate_hash"]) == (3, "")


def test_switching_a_ccs_binding_to_a_fixed_certificate_keeps_the_ccs_record_another_ccs_binding_uses(server):
    other = ccs_binding(bi="*:443:shop.contoso.com")
    snap = iis_snapshot(
        {SITE: [ccs_binding()], "Shop": [other]}, httpsys=[ccs_record()], stores={"My": [(server.der, True)]}
    )
    plan = plan_binding(desired(ccs=False, certificate={"thumbprint": server.thumbprint}), snap, NOW)
    assert ops(plan) == [("binding_add", None, None)]  # IIS writes the hostnameport record; the ccs one stays
    assert (plan.ops[0].args["ssl_flags"], plan.ops[0].args["certificate_hash"]) == (1, server.thumbprint)


def test_switching_the_last_ccs_binding_of_a_port_to_a_fixed_certificate_removes_the_ccs_record(server):
    snap = iis_snapshot({SITE: [ccs_binding()]}, httpsys=[ccs_record()], stores={"My": [(server.der, True)]})
    plan = plan_binding(desired(ccs=False, certificate={"thumbprint": server.thumbprint}), snap, NOW)
    assert ("httpsys_remove", "ccs", "443") in ops(plan)


def test_a_ccs_binding_given_a_certificate_without_ccs_false_is_switched_to_it(server):
    snap = iis_snapshot({SITE: [ccs_binding()]}, httpsys=[ccs_record()], stores={"My": [(server.der, True)]})
    plan = plan_binding(desired(ccs=None, certificate={"thumbprint": server.thumbprint}), snap, NOW)
    assert plan.ops[0].name == "binding_add" and plan.ops[0].args["ssl_flags"] == 1


def test_turning_ccs_off_without_a_certificate_names_the_certificate_option():
    snap = iis_snapshot({SITE: [ccs_binding()]}, httpsys=[ccs_record()])
    with pytest.raises(OptionError, match="Central Certificate Store and no certificate was given") as raised:
        plan_binding(desired(ccs=False), snap, NOW)
    assert raised.value.option == "certificate"


def test_a_certificate_given_with_ccs_is_refused_naming_the_option(server):
    with pytest.raises(OptionError, match="ccs: false") as raised:
        BindingDesired.from_options(
            {"site": SITE, "port": 443, "host": HOST, "ccs": True, "certificate": {"thumbprint": server.thumbprint}},
            lambda path, option: b"",
            "sites[0].bindings[1].",
        )
    assert raised.value.option == "sites[0].bindings[1].certificate"


def test_ccs_without_a_host_name_is_refused():
    with pytest.raises(OptionError, match="needs a host name") as raised:
        desired(host="", sni=False)
    assert raised.value.option == "ccs"


def test_a_ccs_binding_without_sni_carries_only_the_central_cert_store_bit():
    plan = plan_binding(desired(sni=False), with_features(iis_snapshot({SITE: []})), NOW)
    assert plan.ops[0].args["ssl_flags"] == 2


def test_a_ccs_binding_is_refused_when_web_certprovider_is_not_installed():
    with pytest.raises(OptionError, match="Web-CertProvider") as raised:
        plan_binding(desired(), with_features(iis_snapshot({SITE: []}), installed=False), NOW)
    assert raised.value.option == "ccs"


def test_a_ccs_binding_asks_gather_for_the_web_certprovider_feature():
    assert desired().scope().features == frozenset({"Web-CertProvider"})


def test_removing_a_ccs_binding_removes_the_ccs_record_no_other_binding_uses():
    snap = iis_snapshot({SITE: [ccs_binding()]}, httpsys=[ccs_record()])
    assert ops(plan_binding(desired(state="absent"), snap, NOW)) == [
        ("httpsys_remove", "ccs", "443"),
        ("binding_remove", None, None),
    ]


def test_removing_one_of_two_ccs_bindings_of_a_port_keeps_the_ccs_record():
    snap = iis_snapshot(
        {SITE: [ccs_binding()], "Shop": [ccs_binding(bi="*:443:shop.contoso.com")]}, httpsys=[ccs_record()]
    )
    assert ops(plan_binding(desired(state="absent"), snap, NOW)) == [("binding_remove", None, None)]


def test_the_view_of_a_ccs_binding_shows_its_ccs_record():
    snap = iis_snapshot({SITE: [ccs_binding()]}, httpsys=[ccs_record(default_flags=0x2)])
    view = binding_view(desired(), snap)
    assert view["httpsys"]["ccs 443"]["negotiate_client_certificate"] is True


def test_an_ipport_record_on_the_port_is_warned_about_as_shadowing_the_ccs_binding(server):
    shared = {"key": "0.0.0.0:443", "kind": "ipport", "cert_hash": server.thumbprint, "cert_store": "My"}
    plan = plan_binding(desired(), with_features(iis_snapshot({SITE: []}, httpsys=[shared])), NOW)
    assert any("ipport 0.0.0.0:443" in warning and "Central Certificate Store" in warning for warning in plan.warnings)


def test_a_ccs_binding_alone_on_its_port_has_no_shadow_warning():
    assert plan_binding(desired(), with_features(iis_snapshot({SITE: []})), NOW).warnings == ()


def test_an_unstated_option_kept_across_a_switch_to_ccs_is_saved_as_a_ccs_record(server):
    options = {**sni_record(server), "default_flags": 0x1}  # the DS mapper, which the task does not state
    snap = with_features(
        iis_snapshot({SITE: [fixed_binding(server)]}, httpsys=[options], stores={"My": [(server.der, True)]})
    )
    plan = plan_binding(desired(), snap, NOW)
    save = next(op for op in plan.ops if op.name == "httpsys_save")
    assert (save.args["kind"], save.args["key"], save.args["certificate_hash"], save.args["ds_mapper"]) == (
        "ccs",
        "443",
        "",
        True,
    )


def _two_ccs_bindings(first: dict, second: dict) -> dict:
    common = {"ip": "*", "port": 443, "ccs": True, "state": "present"}
    return {
        "sites": [
            {"name": SITE, "bindings": [{**common, "host": HOST, **first}]},
            {"name": "Shop", "bindings": [{**common, "host": "shop.contoso.com", **second}]},
        ]
    }


def test_two_ccs_bindings_of_one_port_with_different_options_are_refused_naming_the_second():
    args = _two_ccs_bindings({"negotiate_client_certificate": True}, {"negotiate_client_certificate": False})
    with pytest.raises(OptionError, match="ccs 443") as raised:
        HostDesired.from_options(args, lambda path, option: b"")
    assert raised.value.option == "sites[1].bindings[0].negotiate_client_certificate"


def test_two_ccs_bindings_of_one_port_may_state_an_option_once():
    args = _two_ccs_bindings({"negotiate_client_certificate": True}, {})
    assert len(HostDesired.from_options(args, lambda path, option: b"").sites) == 2
