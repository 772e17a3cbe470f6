"""The whole before/after text of a diff, for a representative set of changes (issue 17 item 4).

Each expected text is written by hand from the scenario (what the host has, what the op does), never copied from
the output: a diff line rendered from the wrong state, or a projection that forgets an op, changes the text.
"""

from __future__ import annotations

from ansible_collections.mtls.iis.plugins.plugin_utils.diff import diff_for
from ansible_collections.mtls.iis.plugins.plugin_utils.plan import Op, Phase, Plan

SITE = "Default Web Site"
OLD = "AA" * 20
NEW = "BB" * 20
IIS_APP_ID = "{4dc3e181-e14b-4a21-b022-59fc669b0914}"


def texts(view, *ops):
    diff = diff_for(view, Plan.build(list(ops)), "test")
    return diff["before"], diff["after"]


def test_a_certificate_change_shows_the_record_iis_rewrites_without_its_client_certificate_options():
    view = {
        "bindings": {
            f"{SITE} *:443:": {
                "site": SITE,
                "binding_information": "*:443:",
                "ssl_flags": 0,
                "certificate_hash": OLD,
                "certificate_store": "My",
            }
        },
        "httpsys": {
            "ipport 0.0.0.0:443": {
                "key": "0.0.0.0:443",
                "kind": "ipport",
                "certificate_hash": OLD,
                "certificate_store": "My",
                "negotiate_client_certificate": True,
                "ctl_store_name": "ClientAuthIssuer",
            }
        },
    }
    op = Op(
        "binding_set_cert",
        {"site": SITE, "binding_information": "*:443:", "certificate_hash": NEW, "certificate_store": "My"},
        Phase.BINDINGS,
        "rebind",
    )
    before, after = texts(view, op)
    assert before == (
        "https bindings:\n"
        f"  '{SITE} *:443:':\n"
        f"    certificate: My\\{OLD}\n"
        "    sslFlags: 0 (none)\n"
        "HTTP.sys SSL records:\n"
        "  ipport 0.0.0.0:443:\n"
        f"    certificate_hash: {OLD}\n"
        "    certificate_store: My\n"
        "    negotiate_client_certificate: true\n"
        "    ctl_store_name: ClientAuthIssuer\n"
    )
    assert after == (
        "https bindings:\n"
        f"  '{SITE} *:443:':\n"
        f"    certificate: My\\{NEW}\n"
        "    sslFlags: 0 (none)\n"
        "HTTP.sys SSL records:\n"
        "  ipport 0.0.0.0:443:\n"
        f"    certificate_hash: {NEW}\n"
        "    certificate_store: My\n"
        f"    app_id: '{IIS_APP_ID}'\n"
        "    negotiate_client_certificate: false\n"
        "    ctl_store_name: null\n"
        "    ds_mapper: false\n"
        "    revocation: online\n"
        "    revocation_freshness_seconds: 0\n"
        "    disable_tls13: false\n"
        "    disable_legacy_tls: false\n"
        "    disable_http2: false\n"
        "    disable_quic: false\n"
        "    disable_ocsp_stapling: false\n"
    )


def test_removing_the_last_binding_shows_none():
    view = {
        "bindings": {
            f"{SITE} *:443:": {
                "site": SITE,
                "binding_information": "*:443:",
                "ssl_flags": 0,
                "certificate_hash": OLD,
                "certificate_store": "My",
            }
        }
    }
    op = Op("binding_remove", {"site": SITE, "binding_information": "*:443:"}, Phase.BINDINGS, "remove")
    assert texts(view, op)[1] == "https bindings: (none)\n"


def test_mapping_changes_show_written_passwords_ad_mapping_and_the_installed_feature():
    view = {
        "features": {"Web-Cert-Auth": False},
        "mapping": {
            SITE: {
                "iis_mapping": {"enabled": False},
                "one_to_one": {},
                "many_to_one": {},
                "ad_mapping": False,
                "anonymous": True,
            }
        },
    }
    ops = [
        Op("feature_install", {"name": "Web-Cert-Auth"}, Phase.FEATURES, "install"),
        Op(
            "one_to_one_set",
            {
                "location": SITE,
                "certificate": "MIIB" * 8,
                "user": "CONTOSO\\svc",
                "enabled": True,
                "password_ref": "m0",
            },
            Phase.SITE_CONFIG,
            "add",
        ),
        Op(
            "auth_set",
            {"location": SITE, "section": "anonymous", "attributes": {"enabled": False}},
            Phase.SITE_CONFIG,
            "anonymous off",
        ),
    ]
    before, after = texts(view, *ops)
    assert before == (
        "Windows features:\n"
        "  Web-Cert-Auth: not installed\n"
        f"client certificate authentication ({SITE}):\n"
        "  IIS client certificate mapping:\n"
        "    enabled: false\n"
        "  one-to-one mappings: (none)\n"
        "  many-to-one mappings: (none)\n"
        "  Active Directory mapping: disabled\n"
        "  anonymous authentication: enabled\n"
    )
    assert after == (
        "Windows features:\n"
        "  Web-Cert-Auth: installed\n"
        f"client certificate authentication ({SITE}):\n"
        "  IIS client certificate mapping:\n"
        "    enabled: false\n"
        "  one-to-one mappings:\n"
        "  - certificate: MIIBMIIBMIIBMIIB...\n"
        "    user: CONTOSO\\svc\n"
        "    enabled: true\n"
        "    password: (written)\n"
        "  many-to-one mappings: (none)\n"
        "  Active Directory mapping: disabled\n"
        "  anonymous authentication: disabled\n"
    )


def test_removing_failed_request_tracing_shows_it_off_with_no_status_codes():
    view = {"tracing": {SITE: {"enabled": True, "directory": "C:\\logs", "max_log_files": 50, "status_codes": [403]}}}
    op = Op("tracing_remove", {"site": SITE, "path": "*"}, Phase.SITE_CONFIG, "remove tracing")
    assert texts(view, op)[1] == (
        f"Failed Request Tracing ({SITE}):\n"
        "  enabled: false\n"
        "  directory: C:\\logs\n"
        "  max_log_files: 50\n"
        "  status_codes: []\n"
    )


def test_a_child_path_without_its_own_flags_shows_what_it_inherits_from_the_changed_site():
    view = {
        "ssl": {
            SITE: {"explicit": 8, "effective": 8},
            f"{SITE}/api": {"explicit": None, "effective": 8},
        },
        "ssl_sites": {SITE.lower(): {"explicit": {SITE.lower(): 8}, "server": 0}},
    }
    op = Op("access_set", {"location": SITE, "ssl_flags": 8 | 32 | 64}, Phase.SITE_CONFIG, "require")
    before, after = texts(view, op)
    ssl = "Ssl (require SSL: yes, 128-bit: no, client certificates: ignore)"
    required = "Ssl, SslNegotiateCert, SslRequireCert (require SSL: yes, 128-bit: no, client certificates: require)"
    assert before == f"SSL settings (applicationHost.config):\n  {SITE}: '{ssl}'\n  {SITE}/api: 'inherited: {ssl}'\n"
    assert after == (
        f"SSL settings (applicationHost.config):\n  {SITE}: '{required}'\n  {SITE}/api: 'inherited: {required}'\n"
    )


def test_a_grandchild_path_shows_what_it_inherits_from_its_changed_parent():
    api, v1 = f"{SITE}/api", f"{SITE}/api/v1"
    view = {
        "ssl": {api: {"explicit": 8, "effective": 8}, v1: {"explicit": None, "effective": 8}},
        "ssl_sites": {SITE.lower(): {"explicit": {api.lower(): 8}, "server": 0}},
    }
    op = Op("access_set", {"location": api, "ssl_flags": 8 | 32}, Phase.SITE_CONFIG, "accept")
    accept = "Ssl, SslNegotiateCert (require SSL: yes, 128-bit: no, client certificates: accept)"
    assert texts(view, op)[1] == (
        f"SSL settings (applicationHost.config):\n  {api}: '{accept}'\n  {v1}: 'inherited: {accept}'\n"
    )


def test_a_store_named_in_another_case_is_the_same_store():
    view = {"stores": {"ClientAuthIssuer": "(store does not exist)"}}
    ops = [
        Op("store_create", {"store": "clientauthissuer"}, Phase.STORES, "create"),
        Op("cert_import", {"store": "CLIENTAUTHISSUER", "der": "MIIB", "thumbprint": NEW}, Phase.CERTS_IN, "import"),
    ]
    before, after = texts(view, *ops)
    assert before == "certificate stores (LocalMachine):\n  ClientAuthIssuer: (store does not exist)\n"
    assert after == f"certificate stores (LocalMachine):\n  ClientAuthIssuer:\n  - {NEW}\n"


def test_a_path_whose_own_flags_are_removed_shows_what_it_then_inherits():
    api = f"{SITE}/api"
    view = {
        "ssl": {api: {"explicit": 8, "effective": 8}},
        "ssl_sites": {SITE.lower(): {"explicit": {api.lower(): 8}, "server": 0}},
    }
    op = Op("access_unset", {"location": api}, Phase.SITE_CONFIG, "unset")
    none = "None (require SSL: no, 128-bit: no, client certificates: ignore)"
    assert texts(view, op)[1] == f"SSL settings (applicationHost.config):\n  {api}: 'inherited: {none}'\n"


def test_turning_sni_on_moves_the_record_from_the_ip_port_key_to_the_host_name_key():
    bi = "*:443:api.contoso.com"
    view = {
        "bindings": {
            f"{SITE} {bi}": {
                "site": SITE,
                "binding_information": bi,
                "ssl_flags": 0,
                "certificate_hash": OLD,
                "certificate_store": "My",
            }
        },
        "httpsys": {"ipport 0.0.0.0:443": {"key": "0.0.0.0:443", "kind": "ipport", "certificate_hash": OLD}},
    }
    op = Op("binding_set_flags", {"site": SITE, "binding_information": bi, "ssl_flags": 1}, Phase.BINDINGS, "SNI")
    assert texts(view, op)[1] == (
        "https bindings:\n"
        f"  {SITE} {bi}:\n"
        f"    certificate: My\\{OLD}\n"
        "    sslFlags: 1 (SNI)\n"
        "HTTP.sys SSL records:\n"
        "  hostnameport api.contoso.com:443:\n"
        f"    certificate_hash: {OLD}\n"
        "    certificate_store: My\n"
        f"    app_id: '{IIS_APP_ID}'\n"
        "    negotiate_client_certificate: false\n"
        "    ctl_store_name: null\n"
        "    ds_mapper: false\n"
        "    revocation: online\n"
        "    revocation_freshness_seconds: 0\n"
        "    disable_tls13: false\n"
        "    disable_legacy_tls: false\n"
        "    disable_http2: false\n"
        "    disable_quic: false\n"
        "    disable_ocsp_stapling: false\n"
    )


def test_clearing_a_mapping_below_the_site_shows_the_path_before_and_not_after():
    # issue 17 item 2: the option matrix found section_clear (clear_below_site) invisible in the diff
    mapping = {
        "iis_mapping": {"enabled": True},
        "one_to_one": {},
        "many_to_one": {},
        "ad_mapping": False,
        "anonymous": True,
        "configured_below_site": [f"{SITE}/app"],
    }
    op = Op("section_clear", {"location": f"{SITE}/app", "section": "iis_mapping"}, Phase.SITE_CONFIG, "clear")
    before, after = texts({"mapping": {SITE: mapping}}, op)
    common = (
        f"client certificate authentication ({SITE}):\n"
        "  IIS client certificate mapping:\n"
        "    enabled: true\n"
        "  one-to-one mappings: (none)\n"
        "  many-to-one mappings: (none)\n"
        "  Active Directory mapping: disabled\n"
        "  anonymous authentication: enabled\n"
    )
    assert before == common + "  mapping configured below the site (IIS ignores it):\n  - Default Web Site/app\n"
    assert after == common
