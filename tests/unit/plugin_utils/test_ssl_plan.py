"""The SSL settings planner: bitmasks, inheritance, absent."""

from __future__ import annotations

import dataclasses

import pytest
import yaml
from ansible_collections.mtls.iis.plugins.plugin_utils.diff import diff_for
from ansible_collections.mtls.iis.plugins.plugin_utils.errors import OptionError
from ansible_collections.mtls.iis.plugins.plugin_utils.ssl_settings import (
    SslDesired,
    plan_ssl,
    plan_ssl_paths,
    ssl_view,
)
from support.snapshots import https_binding, iis_snapshot

SITE = "Default Web Site"
HTTPS = [https_binding()]
NEGOTIATING = [{"key": "0.0.0.0:443", "kind": "ipport", "cert_hash": "AB" * 20, "default_flags": 0x2}]


def desired(**args):
    return SslDesired.from_options({"path": f"{SITE}/api", "state": "present", **args})


def wire(plan):
    return [op.to_wire() for op in plan.ops]


def test_require_client_certificates_writes_ssl_negotiate_require_at_the_location():
    snap = iis_snapshot({SITE: HTTPS}, access={f"{SITE}/api": (0, None)}, httpsys=NEGOTIATING)
    assert wire(plan_ssl(desired(client_certificates="require"), snap)) == [
        {"op": "access_set", "location": f"{SITE}/api", "ssl_flags": 8 | 32 | 64}
    ]


def test_flag_names_in_another_order_are_no_change():
    snap = iis_snapshot(
        {SITE: HTTPS}, access={f"{SITE}/api": (104, "SslRequireCert,Ssl, SslNegotiateCert")}, httpsys=NEGOTIATING
    )
    assert plan_ssl(desired(client_certificates="require", require_ssl=True), snap).ops == ()


def test_inherited_value_equal_to_desired_is_not_rewritten():
    snap = iis_snapshot({SITE: HTTPS}, access={f"{SITE}/api": (104, None)}, httpsys=NEGOTIATING)
    assert plan_ssl(desired(client_certificates="require"), snap).ops == ()


def test_omitted_options_keep_their_bits():
    snap = iis_snapshot({SITE: HTTPS}, access={f"{SITE}/api": (8 | 256, "Ssl, Ssl128")}, httpsys=NEGOTIATING)
    assert wire(plan_ssl(desired(client_certificates="accept"), snap))[0]["ssl_flags"] == 8 | 256 | 32


def test_absent_removes_an_explicit_override():
    snap = iis_snapshot({SITE: HTTPS}, access={f"{SITE}/api": (8, "Ssl")})
    assert wire(plan_ssl(desired(state="absent"), snap)) == [{"op": "access_unset", "location": f"{SITE}/api"}]


def test_absent_on_an_inheriting_path_plans_nothing():
    snap = iis_snapshot({SITE: HTTPS}, access={f"{SITE}/api": (8, None)})
    assert plan_ssl(desired(state="absent"), snap).ops == ()


def test_require_with_require_ssl_false_is_refused():
    with pytest.raises(OptionError, match=r"^client_certificates: require needs SSL"):
        desired(client_certificates="require", require_ssl=False)


def test_server_level_path_is_refused():
    with pytest.raises(OptionError, match=r"^path: SSL settings cannot be written at server level"):
        SslDesired.from_options({"path": "/", "state": "present"})


def test_leading_slash_and_backslashes_are_normalised():
    assert SslDesired.from_options({"path": "/Default Web Site\\api/", "state": "present"}).path == f"{SITE}/api"


def test_missing_site_is_refused():
    with pytest.raises(OptionError, match=r"^path: the IIS site 'Default Web Site' does not exist"):
        plan_ssl(desired(require_ssl=True), iis_snapshot({}))


def test_a_child_is_judged_on_the_value_its_parent_will_have_after_the_plan():
    # The site goes from "require" to "ignore" while app asks for require: app inherits require today, not tomorrow.
    snap = iis_snapshot({SITE: HTTPS}, access={SITE: (104, "Ssl, SslNegotiateCert, SslRequireCert")})
    site = SslDesired.from_options({"path": SITE, "state": "present", "client_certificates": "ignore"})
    app = desired(client_certificates="require")
    assert [op.to_wire() for op in plan_ssl_paths([app, site], snap).ops] == [
        {"op": "access_set", "location": SITE, "ssl_flags": 8},
        {"op": "access_set", "location": f"{SITE}/api", "ssl_flags": 104},
    ]


def test_a_path_made_to_inherit_shows_its_parents_new_value_in_the_diff():
    snap = iis_snapshot(
        {SITE: HTTPS}, access={SITE: (8, "Ssl"), f"{SITE}/api": (104, "Ssl, SslNegotiateCert, SslRequireCert")}
    )
    site = SslDesired.from_options({"path": SITE, "state": "present", "require_128bit": True})
    app = desired(state="absent")
    plan = plan_ssl_paths([site, app], snap)
    view = ssl_view(site, snap)
    view["ssl"].update(ssl_view(app, snap)["ssl"])
    after = yaml.safe_load(diff_for(view, plan, "ssl")["after"])["SSL settings (applicationHost.config)"]
    assert (
        after[f"{SITE}/api"] == "inherited: Ssl, Ssl128 (require SSL: yes, 128-bit: yes, client certificates: ignore)"
    )


def test_a_child_that_will_inherit_what_it_asks_for_from_its_changed_parent_plans_nothing():
    # The site goes from "ignore" to "require" and app, inheriting today, asks for require: only the site changes.
    snap = iis_snapshot({SITE: HTTPS}, access={SITE: (8, "Ssl"), f"{SITE}/api": (8, None)})
    site = SslDesired.from_options({"path": SITE, "state": "present", "client_certificates": "require"})
    app = desired(client_certificates="require")
    assert [op.to_wire() for op in plan_ssl_paths([site, app], snap).ops] == [
        {"op": "access_set", "location": SITE, "ssl_flags": 104}
    ]


def overridden(effective: int):
    """The path's sslFlags set by the site's web.config (SSL Settings unlocked, WINDOWS_FACTS IISCONFIG-13)."""
    snap = iis_snapshot({SITE: HTTPS}, access={f"{SITE}/api": (effective, "Ssl")}, httpsys=NEGOTIATING)
    access = snap.iis.access[f"{SITE}/api".lower()]
    accesses = {**snap.iis.access, f"{SITE}/api".lower(): dataclasses.replace(access, web_config=SITE)}
    return dataclasses.replace(snap, iis=dataclasses.replace(snap.iis, access=accesses))


def test_a_web_config_override_that_differs_is_refused_naming_where_it_lives():
    # Issue 10 item 14: applicationHost.config cannot change what the web.config sets; never claim it did.
    with pytest.raises(OptionError) as raised:
        plan_ssl(desired(client_certificates="require"), overridden(8))
    assert raised.value.option == "path"
    assert "from the web.config of 'Default Web Site'" in str(raised.value)


def test_a_web_config_override_that_already_gives_what_is_wanted_is_not_refused():
    # applicationHost.config is still written as asked: it counts again once the web.config no longer sets sslFlags.
    assert wire(plan_ssl(desired(client_certificates="require"), overridden(8 | 32 | 64))) == [
        {"op": "access_set", "location": f"{SITE}/api", "ssl_flags": 8 | 32 | 64}
    ]
