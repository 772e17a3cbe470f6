"""The bad-input catalogue (issue 12): mistakes an administrator makes, one row each, and what must happen.

Every row is a named test twice over: ``tests/unit/test_bad_inputs.py`` runs the rows the controller can judge
without a host through the validation layer directly; ``tests/e2e/test_bad_inputs.py`` runs every row through
ansible-playbook at ``-vvv`` against a simulated host and checks that the message names the option and the fix,
that no op was applied (a gather only for rows marked ``host``), that the host is byte-identical, that no traceback
and no secret shows.

Placeholders in ``args`` (whole strings) are replaced by files and values of the run: ``@PFX`` (a PFX of a server
certificate, password :data:`PFX_PASSWORD`), ``@OTHER_PFX`` (another server certificate's PFX), ``@CA_PEM`` /
``@CA_PEM_CONTENT`` (a CA certificate), ``@LEAF_PEM_CONTENT`` (a client certificate), ``@DIR`` (a directory),
``@THUMBPRINT`` (the server certificate already on the host, with its key), ``@P7B`` (a PKCS#7 bundle).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PFX_PASSWORD = "Pfx-Pa55word!"
SITE = "Default Web Site"
NOWHERE = "/nonexistent/mtls-iis/file.pem"
THUMB_ELSEWHERE = "AB" * 20


@dataclass(frozen=True)
class BadInput:
    name: str
    module: str  # short module name, or "role"
    args: dict[str, Any]  # task options (role: the role variables)
    option: str  # the option the message must name (full path)
    fix: str  # words of the fix the message must hold
    host: bool = False  # the check needs host state: one gather is allowed
    warning: bool = False  # accepted by Windows but almost surely a mistake: a warning (the row runs in check mode)
    secrets: tuple[str, ...] = field(default=())  # values that must not appear in any output
    #: the message is ansible-core's own role argument validation (it runs before the role's first task, so the
    #: collection cannot word it): it names the option's path without list indices and lists the valid names
    core_message: bool = False


def _cases() -> list[BadInput]:
    c: list[BadInput] = []

    def add(name: str, module: str, args: dict[str, Any], option: str, fix: str, **kw: Any) -> None:
        c.append(BadInput(name, module, args, option, fix, **kw))

    # --- site_binding ------------------------------------------------------------------------------------------
    sb = {"site": SITE, "certificate": {"thumbprint": "@THUMBPRINT"}}
    add("binding_host_with_port", "site_binding", {**sb, "host": "www.contoso.com:8443"}, "host", "port")
    add("binding_host_is_url", "site_binding", {**sb, "host": "https://www.contoso.com/"}, "host", "host name")
    add("binding_host_trailing_dot", "site_binding", {**sb, "host": "www.contoso.com."}, "host", "trailing dot")
    add("binding_host_ipv6_literal", "site_binding", {**sb, "host": "[2001:db8::1]"}, "host", "give the address in ip")
    add("binding_host_ipv6_bare", "site_binding", {**sb, "host": "2001:db8::1"}, "host", "give the address in ip")
    add("binding_host_ipv4", "site_binding", {**sb, "host": "10.0.0.5"}, "host", "give the address in ip")
    add("binding_host_underscore", "site_binding", {**sb, "host": "api_v2.contoso.com"}, "host", "letters, digits")
    add("binding_host_empty_label", "site_binding", {**sb, "host": "api..contoso.com"}, "host", "labels")
    add("binding_host_inner_wildcard", "site_binding", {**sb, "host": "api.*.contoso.com"}, "host", "leading '*.'")
    add("binding_host_long_label", "site_binding", {**sb, "host": "a" * 64 + ".com"}, "host", "63 characters")
    add("binding_host_with_space", "site_binding", {**sb, "host": "www contoso.com"}, "host", "letters, digits")
    add("binding_host_leading_hyphen", "site_binding", {**sb, "host": "-api.contoso.com"}, "host", "letters, digits")
    add("binding_host_list", "site_binding", {**sb, "host": ["a.contoso.com"]}, "host", "plain value")
    add("binding_ip_name", "site_binding", {**sb, "ip": "localhost"}, "ip", "IPv4/IPv6")
    add("binding_ip_octet", "site_binding", {**sb, "ip": "10.0.0.300"}, "ip", "IPv4/IPv6")
    add("binding_port_zero", "site_binding", {**sb, "port": 0}, "port", "between 1 and 65535")
    add("binding_port_too_big", "site_binding", {**sb, "port": 70000}, "port", "between 1 and 65535")
    add("binding_port_word", "site_binding", {**sb, "port": "https"}, "port", "whole number")
    add("binding_sni_without_host", "site_binding", {**sb, "sni": True}, "sni", "give host")
    add(
        "binding_store_root",
        "site_binding",
        {"site": SITE, "certificate": {"thumbprint": "@THUMBPRINT", "store": "Root"}},
        "certificate.store",
        "one of those values",
    )
    add(
        "binding_thumbprint_short",
        "site_binding",
        {"site": SITE, "certificate": {"thumbprint": "ABC123"}},
        "certificate.thumbprint",
        "40 hexadecimal",
    )
    add(
        "binding_thumbprint_and_pfx",
        "site_binding",
        {"site": SITE, "certificate": {"thumbprint": "@THUMBPRINT", "pfx": "@PFX"}},
        "certificate.pfx",
        "only one",
    )
    add(
        "binding_certificate_string",
        "site_binding",
        {"site": SITE, "certificate": "@THUMBPRINT"},
        "certificate",
        "indented",
    )
    add(
        "binding_certificate_empty",
        "site_binding",
        {"site": SITE, "certificate": {"store": "My"}},
        "certificate",
        "one of",
    )
    add(
        "binding_pfx_missing_file",
        "site_binding",
        {"site": SITE, "certificate": {"pfx": NOWHERE, "password": PFX_PASSWORD}},
        "certificate.pfx",
        "absolute path",
        secrets=(PFX_PASSWORD,),
    )
    add(
        "binding_pfx_is_directory",
        "site_binding",
        {"site": SITE, "certificate": {"pfx": "@DIR", "password": PFX_PASSWORD}},
        "certificate.pfx",
        "",
        secrets=(PFX_PASSWORD,),
    )
    add(
        "binding_pfx_wrong_password",
        "site_binding",
        {"site": SITE, "certificate": {"pfx": "@PFX", "password": "Wrong-Pa55-Secret"}},
        "certificate",
        "password",
        secrets=("Wrong-Pa55-Secret",),
    )
    add(
        "binding_pfx_is_pem",
        "site_binding",
        {"site": SITE, "certificate": {"pfx": "@CA_PEM", "password": PFX_PASSWORD}},
        "certificate",
        "PFX",
        secrets=(PFX_PASSWORD,),
    )
    add(
        "binding_unknown_options",
        "site_binding",
        {**sb, "hostname": "a.contoso.com", "negotiate_client_cert": True},
        "hostname (did you mean host?)",
        "negotiate_client_certificate",
    )
    add("binding_bool_word", "site_binding", {**sb, "ds_mapper": "maybe"}, "ds_mapper", "true or false")
    add(
        "binding_revocation_yaml_off", "site_binding", {**sb, "revocation_check": False}, "revocation_check", "disabled"
    )
    add("binding_revocation_choice", "site_binding", {**sb, "revocation_check": "none"}, "revocation_check", "online")
    add(
        "binding_freshness_negative",
        "site_binding",
        {**sb, "revocation_freshness_seconds": -5},
        "revocation_freshness_seconds",
        "0 to turn it off",
    )
    add(
        "binding_issuer_store_path",
        "site_binding",
        {**sb, "client_auth_issuer_store": "Cert:\\LocalMachine\\Root"},
        "client_auth_issuer_store",
        "no backslash",
    )
    add("binding_state_choice", "site_binding", {**sb, "state": "enabled"}, "state", "present")
    add("binding_site_missing", "site_binding", {"certificate": {"thumbprint": "@THUMBPRINT"}}, "site", "required")
    add(
        "binding_expiry_days_word",
        "site_binding",
        {**sb, "expiry_warning_days": "thirty"},
        "expiry_warning_days",
        "whole number",
    )
    add(
        "binding_site_does_not_exist",
        "site_binding",
        {**sb, "site": "Contoso Intranet"},
        "site",
        "create the site",
        host=True,
    )
    add(
        "binding_thumbprint_not_on_host",
        "site_binding",
        {"site": SITE, "host": "a.contoso.com", "certificate": {"thumbprint": THUMB_ELSEWHERE}},
        "certificate.thumbprint",
        "import the certificate",
        host=True,
    )
    add(
        "binding_zero_ip_shares_star_record",
        "site_binding",
        {"site": SITE, "ip": "0.0.0.0", "certificate": {"pfx": "@OTHER_PFX", "password": PFX_PASSWORD}},
        "ip",
        "own IP address",
        host=True,
        secrets=(PFX_PASSWORD,),
    )
    add(
        "binding_password_with_thumbprint",
        "site_binding",
        {"site": SITE, "certificate": {"thumbprint": "@THUMBPRINT", "password": "Ignored-Secret-7"}},
        "certificate.password",
        "remove password",
        host=True,
        warning=True,
        secrets=("Ignored-Secret-7",),
    )

    # --- ssl_settings ------------------------------------------------------------------------------------------
    add("ssl_path_dot", "ssl_settings", {"path": f"{SITE}/./app", "require_ssl": True}, "path", "without '.'")
    add("ssl_path_dotdot", "ssl_settings", {"path": f"{SITE}/app/../admin", "require_ssl": True}, "path", "'..'")
    add("ssl_path_query", "ssl_settings", {"path": f"{SITE}/app?x=1", "require_ssl": True}, "path", "query")
    add("ssl_path_wildcard", "ssl_settings", {"path": f"{SITE}/*", "require_ssl": True}, "path", "wildcards")
    add("ssl_path_server_level", "ssl_settings", {"path": "/", "require_ssl": True}, "path", "site, application")
    add(
        "ssl_require_without_ssl",
        "ssl_settings",
        {"path": SITE, "require_ssl": False, "client_certificates": "require"},
        "client_certificates",
        "require_ssl: true",
    )
    add(
        "ssl_client_choice",
        "ssl_settings",
        {"path": SITE, "client_certificates": "required"},
        "client_certificates",
        "did you mean require",
    )
    add(
        "ssl_require_ssl_word",
        "ssl_settings",
        {"path": SITE, "require_ssl": "yes please"},
        "require_ssl",
        "true or false",
    )
    add(
        "ssl_unknown_singular",
        "ssl_settings",
        {"path": SITE, "client_certificate": "require"},
        "client_certificate (did you mean client_certificates?)",
        "correct",
    )
    add("ssl_path_list", "ssl_settings", {"path": [SITE], "require_ssl": True}, "path", "plain value")
    add("ssl_state_choice", "ssl_settings", {"path": SITE, "state": "on"}, "state", "present")
    add("ssl_path_missing", "ssl_settings", {"require_ssl": True}, "path", "required")
    add(
        "ssl_site_does_not_exist",
        "ssl_settings",
        {"path": "Contoso Intranet/app", "require_ssl": True},
        "site",
        "create the site",
        host=True,
    )

    # --- cert_mapping ------------------------------------------------------------------------------------------
    leaf = {"content": "@LEAF_PEM_CONTENT"}
    add(
        "mapping_empty_user",
        "cert_mapping",
        {"site": SITE, "one_to_one": [{**leaf, "user": ""}]},
        "one_to_one[0].user",
        "Windows account",
    )
    add(
        "mapping_blank_user_with_password",
        "cert_mapping",
        {"site": SITE, "one_to_one": [{**leaf, "user": "  ", "password": "Map-Secret-9"}]},
        "one_to_one[0].user",
        "Windows account",
        secrets=("Map-Secret-9",),
    )
    add(
        "mapping_many_empty_user",
        "cert_mapping",
        {"site": SITE, "many_to_one": [{"name": "partners", "user": ""}]},
        "many_to_one[0].user",
        "Windows account",
    )
    add(
        "mapping_user_missing",
        "cert_mapping",
        {"site": SITE, "one_to_one": [{**leaf, "password": "Map-Secret-8"}]},
        "one_to_one[0].user",
        "give it",
        secrets=("Map-Secret-8",),
    )
    add("mapping_site_below_site", "cert_mapping", {"site": f"{SITE}/app", "enabled": True}, "site", "site name only")
    add(
        "mapping_ca_certificate",
        "cert_mapping",
        {"site": SITE, "one_to_one": [{"content": "@CA_PEM_CONTENT", "user": "C\\u"}]},
        "one_to_one[0]",
        "leaf",
    )
    add(
        "mapping_path_and_content",
        "cert_mapping",
        {"site": SITE, "one_to_one": [{**leaf, "path": "@CA_PEM", "user": "C\\u"}]},
        "one_to_one[0].path",
        "only one",
    )
    add(
        "mapping_no_certificate",
        "cert_mapping",
        {"site": SITE, "one_to_one": [{"user": "C\\u"}]},
        "one_to_one[0]",
        "one of",
    )
    add(
        "mapping_duplicate_name",
        "cert_mapping",
        {"site": SITE, "many_to_one": [{"name": "p", "user": "C\\a"}, {"name": "P", "user": "C\\b"}]},
        "many_to_one[1].name",
        "its own name",
    )
    add(
        "mapping_rule_field_typo",
        "cert_mapping",
        {
            "site": SITE,
            "many_to_one": [
                {"name": "p", "user": "C\\a", "rules": [{"field": "subjet", "subfield": "CN", "match": "x"}]}
            ],
        },
        "many_to_one[0].rules[0].field",
        "did you mean subject",
    )
    add(
        "mapping_rule_match_missing",
        "cert_mapping",
        {
            "site": SITE,
            "many_to_one": [{"name": "p", "user": "C\\a", "rules": [{"field": "subject", "subfield": "CN"}]}],
        },
        "many_to_one[0].rules[0].match",
        "required",
    )
    add(
        "mapping_logon_iis_spelling",
        "cert_mapping",
        {"site": SITE, "logon_method": "ClearText"},
        "logon_method",
        "clear_text",
    )
    add(
        "mapping_one_to_one_string",
        "cert_mapping",
        {"site": SITE, "one_to_one": "CONTOSO\\svc"},
        "one_to_one",
        "one item per line",
    )
    add(
        "mapping_many_to_one_mapping",
        "cert_mapping",
        {"site": SITE, "many_to_one": {"name": "p", "user": "C\\a"}},
        "many_to_one",
        "one item per line",
    )
    add(
        "mapping_update_password_choice",
        "cert_mapping",
        {"site": SITE, "update_password": "never"},
        "update_password",
        "on_create",
    )
    add(
        "mapping_rules_string",
        "cert_mapping",
        {"site": SITE, "many_to_one": [{"name": "p", "user": "C\\a", "rules": "CN=x"}]},
        "many_to_one[0].rules",
        "one item per line",
    )
    add(
        "mapping_content_not_certificate",
        "cert_mapping",
        {"site": SITE, "one_to_one": [{"content": "hello", "user": "C\\a"}]},
        "one_to_one[0].content",
        "",
    )
    add(
        "mapping_subfield_case",
        "cert_mapping",
        {
            "site": SITE,
            "many_to_one": [
                {"name": "p", "user": "C\\a", "rules": [{"field": "subject", "subfield": "cn", "match": "x"}]}
            ],
        },
        "many_to_one[0].rules[0].subfield",
        "write CN",
        host=True,
        warning=True,
    )
    add(
        "mapping_with_anonymous",
        "cert_mapping",
        {"site": SITE, "anonymous_authentication": True, "one_to_one": [{**leaf, "user": "C\\a"}]},
        "anonymous_authentication",
        "anonymous_authentication: false",
        host=True,
        warning=True,
    )
    add(
        "mapping_unknown_options",
        "cert_mapping",
        {"site": SITE, "one_to_one_enable": True, "anonymous": False},
        "one_to_one_enable (did you mean one_to_one_enabled?)",
        "anonymous",
    )

    # --- failed_request_tracing --------------------------------------------------------------------------------
    ft = {"site": SITE}
    add("tracing_max_log_zero", "failed_request_tracing", {**ft, "max_log_files": 0}, "max_log_files", "1 to 10000")
    add(
        "tracing_max_log_too_many",
        "failed_request_tracing",
        {**ft, "max_log_files": 20000},
        "max_log_files",
        "1 to 10000",
    )
    add(
        "tracing_max_log_word",
        "failed_request_tracing",
        {**ft, "max_log_files": "many"},
        "max_log_files",
        "whole number",
    )
    add(
        "tracing_reversed_range",
        "failed_request_tracing",
        {**ft, "status_codes": ["499-400"]},
        "status_codes",
        "400-499",
    )
    add(
        "tracing_status_word", "failed_request_tracing", {**ft, "status_codes": ["forbidden"]}, "status_codes", "403.16"
    )
    add(
        "tracing_range_with_substatus",
        "failed_request_tracing",
        {**ft, "status_codes": ["403.1-403.9"]},
        "status_codes",
        "400-499",
    )
    add("tracing_status_600", "failed_request_tracing", {**ft, "status_codes": ["600"]}, "status_codes", "403.16")
    add(
        "tracing_status_mapping",
        "failed_request_tracing",
        {**ft, "status_codes": {"403": True}},
        "status_codes",
        "one item per line",
    )
    add("tracing_enabled_word", "failed_request_tracing", {**ft, "enabled": "sometimes"}, "enabled", "true or false")
    add(
        "tracing_unknown_option",
        "failed_request_tracing",
        {**ft, "max_logs": 5},
        "max_logs (did you mean max_log_files?)",
        "correct",
    )
    add("tracing_site_missing", "failed_request_tracing", {"enabled": True}, "site", "required")
    add(
        "tracing_site_does_not_exist",
        "failed_request_tracing",
        {"site": "Contoso Intranet"},
        "site",
        "create the site",
        host=True,
    )
    add(
        "tracing_empty_status_codes",
        "failed_request_tracing",
        {**ft, "status_codes": []},
        "status_codes",
        "leave status_codes out",
        host=True,
        warning=True,
    )

    # --- trusted_certs -----------------------------------------------------------------------------------------
    ca = {"content": "@CA_PEM_CONTENT"}
    add(
        "trust_exclusive_without_issuers",
        "trusted_certs",
        {"certificates": [ca], "exclusive_client_auth_issuers": True},
        "exclusive_client_auth_issuers",
        "list the issuing CAs",
    )
    add(
        "trust_exclusive_on_root",
        "trusted_certs",
        {"client_auth_issuers": [ca], "client_auth_issuer_store": "Root", "exclusive_client_auth_issuers": True},
        "exclusive_client_auth_issuers",
        "dedicated store",
    )
    add(
        "trust_exclusive_absent",
        "trusted_certs",
        {"client_auth_issuers": [ca], "state": "absent", "exclusive_client_auth_issuers": True},
        "exclusive_client_auth_issuers",
        "state=present",
    )
    add(
        "trust_leaf_as_ca",
        "trusted_certs",
        {"certificates": [{"content": "@LEAF_PEM_CONTENT"}]},
        "certificates[0]",
        "only root and intermediate",
    )
    add(
        "trust_thumbprint_present",
        "trusted_certs",
        {"certificates": [{"thumbprint": THUMB_ELSEWHERE}]},
        "certificates[0].thumbprint",
        "give path or content",
    )
    add(
        "trust_bad_thumbprint_absent",
        "trusted_certs",
        {"certificates": [{"thumbprint": "xyz"}], "state": "absent"},
        "certificates[0].thumbprint",
        "40 hexadecimal",
    )
    add(
        "trust_store_with_backslash",
        "trusted_certs",
        {"client_auth_issuers": [ca], "client_auth_issuer_store": "My\\Sub"},
        "client_auth_issuer_store",
        "no backslash",
    )
    add(
        "trust_certificates_string",
        "trusted_certs",
        {"certificates": "/etc/pki/ca.pem"},
        "certificates",
        "one item per line",
    )
    add(
        "trust_certificates_item_string",
        "trusted_certs",
        {"certificates": ["/etc/pki/ca.pem"]},
        "certificates[0]",
        "indented",
    )
    add(
        "trust_path_missing",
        "trusted_certs",
        {"certificates": [{"path": NOWHERE}]},
        "certificates[0].path",
        "absolute path",
    )
    add("trust_path_directory", "trusted_certs", {"certificates": [{"path": "@DIR"}]}, "certificates[0].path", "")
    add(
        "trust_content_garbage",
        "trusted_certs",
        {"certificates": [{"content": "not a certificate"}]},
        "certificates[0].content",
        "",
    )
    add(
        "trust_non_self_signed_choice",
        "trusted_certs",
        {"certificates": [ca], "non_self_signed_roots": "moves"},
        "non_self_signed_roots",
        "did you mean move",
    )
    add(
        "trust_unknown_options",
        "trusted_certs",
        {"certificate": [ca], "client_auth_issuer": [ca]},
        "certificate (did you mean certificates?), client_auth_issuer (did you mean client_auth_issuers?)",
        "correct",
    )
    add(
        "trust_path_and_content",
        "trusted_certs",
        {"certificates": [{**ca, "path": "@CA_PEM"}]},
        "certificates[0].path",
        "only one",
    )
    add("trust_item_empty", "trusted_certs", {"certificates": [{}]}, "certificates[0]", "one of")
    add(
        "trust_store_typo",
        "trusted_certs",
        {"client_auth_issuers": [ca], "client_auth_issuer_store": "ClientAuthIsuer"},
        "ClientAuthIsuer",
        "Did you mean ClientAuthIssuer",
        host=True,
        warning=True,
    )

    # --- schannel ----------------------------------------------------------------------------------------------
    add(
        "schannel_mode_choice",
        "schannel",
        {"client_auth_trust_mode": "exclusive"},
        "client_auth_trust_mode",
        "exclusive_ca",
    )
    add("schannel_mode_number", "schannel", {"client_auth_trust_mode": 2}, "client_auth_trust_mode", "exclusive_ca")
    add(
        "schannel_send_list_word",
        "schannel",
        {"send_trusted_issuer_list": "sometimes"},
        "send_trusted_issuer_list",
        "default",
    )
    add("schannel_unknown_option", "schannel", {"trust_mode": "machine"}, "trust_mode", "client_auth_trust_mode")
    add("schannel_send_list_list", "schannel", {"send_trusted_issuer_list": [True]}, "send_trusted_issuer_list", "")
    add(
        "schannel_exclusive_ca_missing_issuer_store",
        "schannel",
        {"client_auth_trust_mode": "exclusive_ca"},
        "ClientAuthTrustMode",
        "Fix: put the issuing CAs there",
        host=True,
        warning=True,
    )

    # --- client_cert (whole host) ------------------------------------------------------------------------------
    add("host_sites_string", "client_cert", {"sites": SITE}, "sites", "one item per line")
    add("host_site_item_string", "client_cert", {"sites": [SITE]}, "sites[0]", "indented")
    add(
        "host_bindings_string",
        "client_cert",
        {"sites": [{"name": SITE, "bindings": "*:443:"}]},
        "sites[0].bindings",
        "one item per line",
    )
    add(
        "host_nested_pfx_missing",
        "client_cert",
        {"sites": [{"name": SITE, "bindings": [{"certificate": {"pfx": NOWHERE, "password": PFX_PASSWORD}}]}]},
        "sites[0].bindings[0].certificate.pfx",
        "absolute path",
        secrets=(PFX_PASSWORD,),
    )
    add(
        "host_second_site_host_port",
        "client_cert",
        {
            "sites": [
                {"name": SITE},
                {
                    "name": "Other",
                    "bindings": [{"host": "a.contoso.com:443", "certificate": {"thumbprint": "@THUMBPRINT"}}],
                },
            ]
        },
        "sites[1].bindings[0].host",
        "port",
    )
    add(
        "host_unknown_everywhere",
        "client_cert",
        {"site": SITE, "sites": [{"name": SITE, "binding": [], "bindings": [{"hots": "a"}]}]},
        "sites[0].bindings[0]: unknown option(s) hots (did you mean host?)",
        "did you mean bindings",
    )
    add("host_trust_string", "client_cert", {"trust": "Root"}, "trust", "indented")
    add(
        "host_site_twice",
        "client_cert",
        {"sites": [{"name": SITE}, {"name": SITE.upper()}]},
        "sites[1].name",
        "each site once",
    )
    add(
        "host_star_and_zero_on_one_port",
        "client_cert",
        {
            "sites": [
                {
                    "name": SITE,
                    "bindings": [
                        {"ip": "*", "certificate": {"thumbprint": "@THUMBPRINT"}},
                        {"ip": "0.0.0.0", "certificate": {"thumbprint": "@THUMBPRINT"}},
                    ],
                }
            ]
        },
        "sites[0].bindings[1].ip",
        "ip: '*'",
    )
    add(
        "host_binding_twice",
        "client_cert",
        {
            "sites": [
                {
                    "name": SITE,
                    "bindings": [{"host": "a.contoso.com", "certificate": {"thumbprint": "@THUMBPRINT"}}] * 2,
                }
            ]
        },
        "sites[0].bindings[1]",
        "each binding once",
    )
    add(
        "host_ssl_path_dotdot",
        "client_cert",
        {"sites": [{"name": SITE, "ssl": [{"path": "../Other", "require_ssl": True}]}]},
        "sites[0].ssl[0].path",
        "'..'",
    )
    add(
        "host_mapping_empty_user",
        "client_cert",
        {"sites": [{"name": SITE, "mapping": {"one_to_one": [{**leaf, "user": ""}]}}]},
        "sites[0].mapping.one_to_one[0].user",
        "Windows account",
    )
    add(
        "host_tracing_max_log_zero",
        "client_cert",
        {"sites": [{"name": SITE, "tracing": {"max_log_files": 0}}]},
        "sites[0].tracing.max_log_files",
        "1 to 10000",
    )
    add(
        "host_tracing_reversed_range",
        "client_cert",
        {"sites": [{"name": SITE, "tracing": {"status_codes": ["499-400"]}}]},
        "sites[0].tracing.status_codes",
        "400-499",
    )
    add("host_audit_days_word", "client_cert", {"audit": {"expiry_days": "soon"}}, "audit.expiry_days", "whole number")
    add(
        "host_schannel_choice",
        "client_cert",
        {"schannel": {"client_auth_trust_mode": "exclusiveca"}},
        "schannel.client_auth_trust_mode",
        "did you mean exclusive_ca",
    )
    add(
        "host_exclusive_without_issuers",
        "client_cert",
        {"trust": {"exclusive_client_auth_issuers": True}},
        "trust.exclusive_client_auth_issuers",
        "list the issuing CAs",
    )
    add(
        "host_mapping_string",
        "client_cert",
        {"sites": [{"name": SITE, "mapping": "on"}]},
        "sites[0].mapping",
        "indented",
    )
    add(
        "host_port_word",
        "client_cert",
        {"sites": [{"name": SITE, "bindings": [{"port": "443a"}]}]},
        "sites[0].bindings[0].port",
        "whole number",
    )
    add("host_site_name_missing", "client_cert", {"sites": [{"bindings": []}]}, "sites[0].name", "required")
    add(
        "host_binding_trailing_dot",
        "client_cert",
        {
            "sites": [
                {"name": SITE, "bindings": [{"host": "api.contoso.com.", "certificate": {"thumbprint": "@THUMBPRINT"}}]}
            ]
        },
        "sites[0].bindings[0].host",
        "trailing dot",
    )
    add(
        "host_site_does_not_exist",
        "client_cert",
        {"sites": [{"name": "Contoso Intranet", "tracing": {}}]},
        "sites[0].tracing.site",
        "create the site",
        host=True,
    )

    # --- client_cert_info --------------------------------------------------------------------------------------
    add("info_stores_mapping", "client_cert_info", {"stores": {"Root": True}}, "stores", "one item per line")
    add(
        "info_unknown_option",
        "client_cert_info",
        {"include_ders": True},
        "include_ders (did you mean include_der?)",
        "correct",
    )
    add("info_schannel_word", "client_cert_info", {"schannel": "maybe"}, "schannel", "true or false")
    add("info_store_item_list", "client_cert_info", {"stores": [["Root"]]}, "stores[0]", "plain value")

    # --- diagnose ----------------------------------------------------------------------------------------------
    dg = {"site": SITE}
    add("diagnose_host_with_port", "diagnose", {**dg, "host": "api.contoso.com:8443"}, "host", "port")
    add("diagnose_port_zero", "diagnose", {**dg, "port": 0}, "port", "between 1 and 65535")
    add(
        "diagnose_client_path_and_content",
        "diagnose",
        {**dg, "client_certificate": {"path": "@CA_PEM", "content": "@CA_PEM_CONTENT"}},
        "client_certificate.path",
        "only one",
    )
    add(
        "diagnose_client_string",
        "diagnose",
        {**dg, "client_certificate": "/tmp/client.pem"},
        "client_certificate",
        "indented",
    )
    add("diagnose_unknown_option", "diagnose", {**dg, "hostname": "a"}, "hostname (did you mean host?)", "correct")
    add(
        "diagnose_issuer_garbage",
        "diagnose",
        {**dg, "issuer_certificates": [{"content": "junk"}]},
        "issuer_certificates[0].content",
        "",
    )
    add(
        "diagnose_issuer_bad_thumbprint",
        "diagnose",
        {**dg, "issuer_certificates": [{"thumbprint": "zz"}]},
        "issuer_certificates[0].thumbprint",
        "40 hexadecimal",
    )
    add("diagnose_site_missing", "diagnose", {"host": "a.contoso.com"}, "site", "required")

    # --- probe (runs on the controller) ------------------------------------------------------------------------
    add(
        "probe_unknown_option",
        "probe",
        {"url": "https://a.contoso.com/", "timeot": 5},
        "timeot (did you mean timeout?)",
        "correct",
    )
    add("probe_url_missing", "probe", {"timeout": 5}, "url", "required")
    add(
        "probe_expect_status_mapping",
        "probe",
        {"url": "https://a.contoso.com/", "expect_status": {"200": True}},
        "expect_status",
        "one item per line",
    )

    # --- the role ----------------------------------------------------------------------------------------------
    add(
        "role_misspelled_sites",
        "role",
        {"client_cert_auth_site": [{"name": SITE}]},
        "client_cert_auth_site",
        "correct the spelling",
    )
    add(
        "role_misspelled_trust",
        "role",
        {"client_cert_auth_trusts": {"certificates": []}},
        "client_cert_auth_trusts",
        "correct the spelling",
    )
    add(
        "role_misspelled_reboot",
        "role",
        {"client_cert_auth_reboots": True},
        "client_cert_auth_reboots",
        "correct the spelling",
    )
    add(
        "role_nested_host_with_port",
        "role",
        {
            "client_cert_auth_sites": [
                {
                    "name": SITE,
                    "bindings": [{"host": "a.contoso.com:443", "certificate": {"thumbprint": "@THUMBPRINT"}}],
                }
            ]
        },
        "sites[0].bindings[0].host",
        "port",
    )
    add(
        "role_nested_unknown_option",
        "role",
        {"client_cert_auth_sites": [{"name": SITE, "tracing": {"max_logs": 5}}]},
        "client_cert_auth_sites.tracing.max_logs",
        "Supported parameters include: directory, enabled, install_feature, max_log_files",
        core_message=True,
    )
    return c


CASES: tuple[BadInput, ...] = tuple(_cases())


def materialise(value: Any, files: dict[str, str]) -> Any:
    """``value`` with every placeholder string replaced (see the module docstring)."""
    if isinstance(value, dict):
        return {key: materialise(item, files) for key, item in value.items()}
    if isinstance(value, list):
        return [materialise(item, files) for item in value]
    if isinstance(value, str) and value in files:
        return files[value]
    return value
