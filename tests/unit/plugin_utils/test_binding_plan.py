"""The binding planner: certificate, sslFlags bits and the HTTP.sys record IIS drops on rebind."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

import pytest
from ansible_collections.mtls.iis.plugins.plugin_utils.binding import BindingDesired, binding_view, plan_binding
from ansible_collections.mtls.iis.plugins.plugin_utils.errors import OptionError
from ansible_collections.mtls.iis.plugins.plugin_utils.snapshot import HttpsBinding
from support import pki
from support.snapshots import https_binding, iis_snapshot

NOW = datetime.now(timezone.utc)
SITE = "Default Web Site"
BI = "*:443:api.contoso.com"
KEY = ("hostnameport", "api.contoso.com:443")


@pytest.fixture(scope="module")
def ca():
    return pki.make_root("Contoso Root")


@pytest.fixture(scope="module")
def server(ca):
    return pki.make_leaf("api.contoso.com", ca, eku=("serverAuth",), san=("api.contoso.com",))


@pytest.fixture(scope="module")
def server2(ca):
    return pki.make_leaf("api.contoso.com", ca, eku=("serverAuth",), san=("api.contoso.com",))


def options(**overrides):
    args = {
        "site": SITE,
        "ip": "*",
        "port": 443,
        "host": "api.contoso.com",
        "sni": None,
        "certificate": None,
        "expiry_warning_days": 30,
        "state": "present",
        **dict.fromkeys(
            ["disable_tls13", "disable_legacy_tls", "disable_http2", "disable_quic", "disable_ocsp_stapling"]
        ),
        **dict.fromkeys(
            [
                "negotiate_client_certificate",
                "client_auth_issuer_store",
                "revocation_check",
                "revocation_freshness_seconds",
                "ds_mapper",
            ]
        ),
    }
    args.update(overrides)
    return args


def desired(read=None, **overrides):
    return BindingDesired.from_options(options(**overrides), read or (lambda path, option: b""))


def by_thumbprint(cert):
    return {"thumbprint": cert.thumbprint, "store": "My"}


def record(cert, default_flags=0, ctl=None, check_mode=0, **extra):
    return {
        **extra,
        "key": KEY[1],
        "kind": KEY[0],
        "cert_hash": cert.thumbprint,
        "cert_store": "MY",
        "app_id": "{4dc3e181-e14b-4a21-b022-59fc669b0914}",
        "ctl_store_name": ctl,
        "default_flags": default_flags,
        "cert_check_mode": check_mode,
        "revocation_freshness_time": 0,
    }


def binding(cert, ssl_flags=1):
    return https_binding(BI, cert.thumbprint, ssl_flags)


def names(plan):
    return [op.name for op in plan.ops]


def test_new_sni_binding_is_added_then_its_httpsys_options_written(server):
    snap = iis_snapshot({SITE: []}, stores={"My": [(server.der, True)]})
    plan = plan_binding(
        desired(
            certificate=by_thumbprint(server),
            negotiate_client_certificate=True,
            client_auth_issuer_store="ClientAuthIssuer",
        ),
        snap,
        NOW,
    )
    assert names(plan) == ["binding_add", "httpsys_set"]
    assert plan.ops[0].args["ssl_flags"] == 1
    assert plan.ops[1].args["negotiate_client_certificate"] is True
    assert plan.ops[1].args["ctl_store_name"] == "ClientAuthIssuer"
    assert (plan.ops[1].args["kind"], plan.ops[1].args["key"]) == KEY


def test_converged_binding_plans_nothing(server):
    snap = iis_snapshot(
        {SITE: [binding(server)]},
        httpsys=[record(server, default_flags=0x2, ctl="ClientAuthIssuer")],
        stores={"My": [(server.der, True)]},
    )
    plan = plan_binding(
        desired(
            certificate=by_thumbprint(server),
            negotiate_client_certificate=True,
            client_auth_issuer_store="clientauthissuer",
        ),
        snap,
        NOW,
    )
    assert plan.ops == ()


def test_certificate_change_reasserts_every_httpsys_option_it_had(server, server2):
    snap = iis_snapshot(
        {SITE: [binding(server)]},
        httpsys=[record(server, default_flags=0x2 | 0x1, ctl="ClientAuthIssuer", check_mode=2)],
        stores={"My": [(server.der, True), (server2.der, True)]},
    )
    plan = plan_binding(desired(certificate=by_thumbprint(server2)), snap, NOW)
    assert names(plan) == ["httpsys_save", "binding_set_cert", "httpsys_set"]
    args = plan.ops[2].args
    assert (args["certificate_hash"], args["negotiate_client_certificate"], args["ds_mapper"]) == (
        server2.thumbprint,
        True,
        True,
    )
    assert (args["ctl_store_name"], args["revocation"]) == ("ClientAuthIssuer", "cached_only")


def test_rebind_without_client_cert_options_needs_no_httpsys_write(server, server2):
    snap = iis_snapshot(
        {SITE: [binding(server)]}, httpsys=[record(server)], stores={"My": [(server.der, True), (server2.der, True)]}
    )
    assert names(plan_binding(desired(certificate=by_thumbprint(server2)), snap, NOW)) == ["binding_set_cert"]


def test_rebind_saves_and_restores_the_settings_httpsys_set_keeps(server, server2):
    # reject and disabletls12 (DefaultFlags 0x8, 0x1000), no usage check, a URL retrieval timeout and a CTL identifier:
    # IIS drops them with the rest of the record, so the saved copy must hold them (ENGINE.md "Saved HTTP.sys options").
    snap = iis_snapshot(
        {SITE: [binding(server)]},
        httpsys=[
            record(
                server,
                default_flags=0x1008,
                check_mode=0x10000,
                revocation_url_retrieval_timeout=15000,
                ctl_identifier="Partners",
            )
        ],
        stores={"My": [(server.der, True), (server2.der, True)]},
    )
    plan = plan_binding(desired(certificate=by_thumbprint(server2)), snap, NOW)
    assert names(plan) == ["httpsys_save", "binding_set_cert", "httpsys_set"]
    saved = plan.ops[0].args
    kept = ("reject", "disable_tls12", "disable_session_id", "usage_check_disabled")
    assert {name: saved[name] for name in kept} == {
        "reject": True,
        "disable_tls12": True,
        "disable_session_id": False,
        "usage_check_disabled": True,
    }
    assert (saved["url_retrieval_timeout"], saved["ctl_identifier"]) == (15000, "Partners")


def test_changing_tls13_keeps_unmanaged_bits(server):
    snap = iis_snapshot({SITE: [binding(server, ssl_flags=1 | 4)]}, httpsys=[record(server, default_flags=0x10)])
    plan = plan_binding(desired(disable_tls13=True), snap, NOW)
    assert plan.ops[0].name == "binding_set_flags"
    assert plan.ops[0].args["ssl_flags"] == 1 | 4 | 32


def test_turning_one_tls_option_off_clears_only_its_bit(server):
    snap = iis_snapshot({SITE: [binding(server, ssl_flags=1 | 4 | 32)]}, httpsys=[record(server, default_flags=0x50)])
    plan = plan_binding(desired(disable_tls13=False), snap, NOW)
    assert [(op.name, op.args.get("ssl_flags")) for op in plan.ops if op.name == "binding_set_flags"] == [
        ("binding_set_flags", 1 | 4)
    ]


def test_pfx_is_imported_with_its_password_as_a_secret_reference(server):
    pfx = server.pfx("s3cret!")
    snap = iis_snapshot({SITE: []})
    plan = plan_binding(
        desired(read=lambda path, option: pfx, certificate={"pfx": "api.pfx", "password": "s3cret!", "store": "My"}),
        snap,
        NOW,
    )
    assert names(plan)[:2] == ["pfx_import", "binding_add"]
    assert plan.ops[0].args["password_ref"] == "pfx0"
    assert plan.secrets == {"pfx0": "s3cret!"}
    assert "s3cret!" not in repr(plan.describe()) and "s3cret!" not in repr(plan.to_wire())


def test_wrong_pfx_password_fails_naming_the_option(server):
    pfx = server.pfx("right")
    with pytest.raises(OptionError, match=r"^certificate\.password: ") as raised:
        desired(read=lambda path, option: pfx, certificate={"pfx": "api.pfx", "password": "wrong", "store": "My"})
    assert "wrong" not in str(raised.value)


def test_certificate_neither_on_host_nor_pfx_fails(server):
    snap = iis_snapshot({SITE: []}, stores={"My": []})
    with pytest.raises(OptionError, match=r"^certificate\.thumbprint: .* is not in LocalMachine\\My"):
        plan_binding(desired(certificate=by_thumbprint(server)), snap, NOW)


def test_missing_site_fails_naming_it(server):
    with pytest.raises(OptionError, match=r"^site: the IIS site 'Default Web Site' does not exist"):
        plan_binding(desired(certificate=by_thumbprint(server)), iis_snapshot({}), NOW)


@pytest.mark.parametrize(
    ("overrides", "pattern"),
    [
        ({"host": "", "sni": True}, r"^sni: SNI needs a host name"),
        ({"port": 70000}, r"^port: 70000 is not a TCP port"),
        ({"port": 0}, r"^port: 0 is not a TCP port"),
        ({"port": 65536}, r"^port: 65536 is not a TCP port"),
        ({"revocation_freshness_seconds": -1}, r"^revocation_freshness_seconds: must not be negative"),
        ({"ip": "[]"}, r"^ip: '\[\]' is not an IP address"),
        ({"certificate": {"thumbprint": "12345", "store": "My"}}, r"^certificate\.thumbprint: "),
    ],
)
def test_bad_binding_input_is_refused(overrides, pattern):
    with pytest.raises(OptionError, match=pattern):
        desired(**overrides)


@pytest.mark.parametrize(
    ("overrides", "binding_information"),
    [
        ({"port": 65535}, "*:65535:api.contoso.com"),
        ({"port": 1}, "*:1:api.contoso.com"),
        ({"ip": "10.0.0.5"}, "10.0.0.5:443:api.contoso.com"),
        ({"ip": "fe80::1"}, "[fe80::1]:443:api.contoso.com"),
        ({"ip": "[FE80::1]"}, "[fe80::1]:443:api.contoso.com"),
        ({"ip": " * "}, "*:443:api.contoso.com"),
    ],
)
def test_edge_values_of_ip_and_port_give_the_binding_information_iis_uses(overrides, binding_information):
    assert desired(**overrides).binding_information == binding_information


def test_a_revocation_freshness_of_zero_is_accepted():
    assert desired(revocation_freshness_seconds=0).httpsys["revocation_freshness_seconds"] == 0


def test_scope_reads_the_certificate_store_only_when_a_certificate_is_given(server):
    assert desired().scope().stores == frozenset()
    assert desired(certificate=by_thumbprint(server)).scope().stores == frozenset({"My"})


def test_thumbprint_with_invisible_mark_spaces_and_lower_case_is_accepted(server):
    typed = "\u200e" + " ".join(server.thumbprint.lower()[i : i + 2] for i in range(0, 40, 2))
    assert desired(certificate={"thumbprint": typed, "store": "My"}).certificate.thumbprint == server.thumbprint


def test_absent_removes_binding_and_its_httpsys_record(server):
    snap = iis_snapshot({SITE: [binding(server)]}, httpsys=[record(server)])
    assert names(plan_binding(desired(state="absent"), snap, NOW)) == ["httpsys_remove", "binding_remove"]


def test_absent_without_the_binding_removes_its_leftover_ip_port_record(server):
    leftover = {**record(server), "kind": "ipport", "key": "0.0.0.0:443"}
    snap = iis_snapshot({SITE: []}, httpsys=[leftover])
    plan = plan_binding(desired(state="absent", host="", sni=False), snap, NOW)
    assert [(op.name, op.args["kind"], op.args["key"]) for op in plan.ops] == [
        ("httpsys_remove", "ipport", "0.0.0.0:443")
    ]


def test_view_of_a_new_sni_binding_shows_the_record_at_its_host_name_key(server):
    snap = iis_snapshot({SITE: []}, httpsys=[record(server)])
    assert list(binding_view(desired(), snap)["httpsys"]) == [f"{KEY[0]} {KEY[1]}"]


def test_view_of_a_new_ip_binding_shows_the_record_at_its_ip_port_key(server):
    leftover = {**record(server), "kind": "ipport", "key": "0.0.0.0:443"}
    snap = iis_snapshot({SITE: []}, httpsys=[record(server), leftover])
    assert list(binding_view(desired(host="", sni=False), snap)["httpsys"]) == ["ipport 0.0.0.0:443"]


def test_server_certificate_without_server_auth_eku_warns(ca):
    client_only = pki.make_leaf("api.contoso.com", ca, eku=("clientAuth",))
    snap = iis_snapshot({SITE: []}, stores={"My": [(client_only.der, True)]})
    plan = plan_binding(desired(certificate=by_thumbprint(client_only)), snap, NOW)
    assert any("serverAuth" in w for w in plan.warnings)


def test_server_certificate_expiring_soon_warns(ca):
    soon = pki.make_leaf("api.contoso.com", ca, eku=("serverAuth",), not_after=pki.days(10))
    snap = iis_snapshot({SITE: []}, stores={"My": [(soon.der, True)]})
    plan = plan_binding(desired(certificate=by_thumbprint(soon)), snap, NOW)
    assert any("within 30 days" in w for w in plan.warnings)


# --- issue 12: host grammar, IDNA, the shared 0.0.0.0 record ---------------------------------------------------


def test_an_internationalised_host_is_bound_as_its_a_label_and_both_forms_are_shown(server):
    snap = iis_snapshot({SITE: []}, stores={"My": [(server.der, True)]})
    wanted = desired(host="München.contoso.com", certificate=by_thumbprint(server))
    plan = plan_binding(wanted, snap, NOW)
    add = next(op for op in plan.ops if op.name == "binding_add")
    assert add.args["binding_information"] == "*:443:xn--mnchen-3ya.contoso.com"
    assert "(host münchen.contoso.com)" in add.summary
    assert any("xn--mnchen-3ya.contoso.com" in n and "münchen.contoso.com" in n for n in plan.notices)


def test_a_wildcard_host_keeps_its_leading_label():
    assert desired(host="*.Contoso.com").host == "*.contoso.com"


@pytest.mark.parametrize("ip", ["0.0.0.0", "*"])
def test_a_new_binding_sharing_the_record_of_another_certificate_is_refused_after_the_gather(server, server2, ip):
    twin = "*" if ip == "0.0.0.0" else "0.0.0.0"
    shared = {**record(server), "key": "0.0.0.0:443", "kind": "ipport"}
    snap = iis_snapshot(
        {
            SITE: [
                {
                    "protocol": "https",
                    "binding_information": f"{twin}:443:",
                    "ssl_flags": 0,
                    "certificate_hash": server.thumbprint,
                    "certificate_store": "My",
                }
            ]
        },
        httpsys=[shared],
        stores={"My": [(server.der, True), (server2.der, True)]},
    )
    with pytest.raises(OptionError, match=r"^ip: .* shares the HTTP.sys record 0\.0\.0\.0:443"):
        plan_binding(desired(ip=ip, host="", certificate=by_thumbprint(server2)), snap, NOW)


def test_a_new_binding_with_the_certificate_its_shared_record_already_has_is_planned(server):
    shared = {**record(server), "key": "0.0.0.0:443", "kind": "ipport"}
    snap = iis_snapshot({SITE: []}, httpsys=[shared], stores={"My": [(server.der, True)]})
    plan = plan_binding(desired(ip="0.0.0.0", host="", certificate=by_thumbprint(server)), snap, NOW)
    assert [op.name for op in plan.ops] == ["binding_add"]


def shared_record(cert):
    return {**record(cert), "key": "0.0.0.0:443", "kind": "ipport"}


def test_absent_keeps_an_ipport_record_another_sites_binding_still_uses(server):
    # Issue 10 item 10: non-SNI bindings of several sites on *:443 share 0.0.0.0:443 (WINDOWS_FACTS BINDING-8).
    other = {**binding(server, ssl_flags=0), "binding_information": "*:443:shop.contoso.com"}
    snap = iis_snapshot({SITE: [binding(server, ssl_flags=0)], "Shop": [other]}, httpsys=[shared_record(server)])
    assert names(plan_binding(desired(state="absent"), snap, NOW)) == ["binding_remove"]


def test_absent_keeps_a_record_used_by_a_site_outside_the_task(server):
    snap = iis_snapshot({SITE: [binding(server, ssl_flags=0)]}, httpsys=[shared_record(server)])
    wire_sites = {b.site for b in snap.iis.https_bindings()}
    assert wire_sites == {SITE}
    shared = dataclasses.replace(
        snap,
        iis=dataclasses.replace(
            snap.iis,
            all_bindings=(*snap.iis.https_bindings(), HttpsBinding("Intranet", "10.0.0.5:443:", 0)),
        ),
    )
    assert names(plan_binding(desired(state="absent"), shared, NOW)) == ["httpsys_remove", "binding_remove"]
    other_on_star = HttpsBinding("Intranet", "*:443:intranet.contoso.com", 0)
    shared = dataclasses.replace(
        snap, iis=dataclasses.replace(snap.iis, all_bindings=(*snap.iis.https_bindings(), other_on_star))
    )
    assert names(plan_binding(desired(state="absent"), shared, NOW)) == ["binding_remove"]


def test_turning_sni_on_removes_the_old_unshared_record(server):
    # Issue 10 item 12: the SNI bit moves the record from ipport to hostnameport; IIS writes the new one at the
    # commit (no client-certificate options to restore here), the replaced binding leaves the old one.
    snap = iis_snapshot(
        {SITE: [binding(server, ssl_flags=0)]}, httpsys=[shared_record(server)], stores={"My": [(server.der, True)]}
    )
    plan = plan_binding(desired(sni=True), snap, NOW)
    assert [(op.name, op.args.get("kind"), op.args.get("key")) for op in plan.ops] == [
        ("binding_set_flags", None, None),
        ("httpsys_remove", "ipport", "0.0.0.0:443"),
    ]


def test_turning_sni_on_keeps_the_old_record_another_binding_shares(server):
    other = {**binding(server, ssl_flags=0), "binding_information": "*:443:shop.contoso.com"}
    snap = iis_snapshot(
        {SITE: [binding(server, ssl_flags=0)], "Shop": [other]},
        httpsys=[shared_record(server)],
        stores={"My": [(server.der, True)]},
    )
    assert names(plan_binding(desired(sni=True), snap, NOW)) == ["binding_set_flags"]


def test_a_central_certificate_store_binding_can_still_be_removed(server):
    snap = iis_snapshot({SITE: [{**binding(server, ssl_flags=1 | 2), "certificate_hash": "", "certificate_store": ""}]})
    assert names(plan_binding(desired(state="absent"), snap, NOW)) == ["binding_remove"]
