"""Differential scenarios of the IIS ops and gather scopes (task WMIIS): the Windows model of IIS configuration
(tests/winmodel/iis*.py) under the real IIS utils, against the simulated op engine."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simhost import seed
from support.pki import make_root
from winmodel.state import State

from differential.scenarios import APPLY, GATHER, Scenario

SITE = "Contoso"
_CLIENT = make_root("Differential Client").der_b64
_SERVER = make_root("Differential Server")
_THUMBPRINT = _SERVER.thumbprint
_RULE = {"field": "Subject", "subfield": "O", "match": "Fabrikam*", "case_sensitive": True}


def _gather(scope: dict[str, Any]) -> dict[str, Any]:
    return {"name": "gather", GATHER: {"scope": scope}, "ignore_errors": True}


def _apply(*ops: dict[str, Any], check: bool = False, secrets: dict[str, str] | None = None) -> dict[str, Any]:
    args: dict[str, Any] = {"ops": list(ops)}
    if secrets:
        args["secrets"] = secrets
    task: dict[str, Any] = {"name": "apply", APPLY: args, "ignore_errors": True}
    if check:
        task["check_mode"] = True
    return task


def _seeded(*steps: Callable[[State], Any]) -> Callable[[State], None]:
    def run(state: State) -> None:
        seed.add_site(state, SITE)
        for step in steps:
            step(state)

    return run


def _many_to_one(name: str = "partners", rules: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "op": "many_to_one_set",
        "location": SITE,
        "name": name,
        "description": "",
        "enabled": True,
        "permission": "Allow",
        "user": "CONTOSO\\svc",
        "rules": [_RULE] if rules is None else rules,
        **extra,
    }


def _module(module: str, check: bool = False, **options: Any) -> dict[str, Any]:
    """A task of an action plugin that needs only IIS (and the registry): it gathers, plans and applies."""
    task: dict[str, Any] = {"name": module, f"mtls.iis.{module}": options, "diff": True, "ignore_errors": True}
    if check:
        task["check_mode"] = True
    return task


def _binding(op: str, **args: Any) -> dict[str, Any]:
    return {"op": op, "site": SITE, "binding_information": "*:443:", **args}


def _server_certificate(state: State) -> str:
    return seed.add_cert(state, "My", _SERVER.der, has_private_key=True)


_CCS_BI = "*:443:www.contoso.com"
_CCS = {"binding_information": _CCS_BI, "ssl_flags": 3, "certificate_hash": "", "certificate_store": ""}
_AUTH_SCOPE = {"auth_sites": [SITE]}
_ACCESS_SCOPE = {"sites": [SITE], "access_paths": [f"{SITE}/api", f"{SITE}/api/deep"]}
_TRACING_SCOPE = {"tracing_sites": [SITE]}


IIS_SCENARIOS: tuple[Scenario, ...] = (
    # --- gather ---
    Scenario("iis-gather-sites", [_gather({"sites": [SITE, "contoso", "Nowhere"]})], _seeded()),
    Scenario(
        "iis-gather-access",
        [_gather(_ACCESS_SCOPE)],
        _seeded(
            lambda state: seed.set_location_flags(state, f"{SITE}/api", "Ssl, SslNegotiateCert"),
            lambda state: seed.set_location_flags(state, f"{SITE}/other", "Ssl"),
        ),
    ),
    Scenario(
        "iis-gather-access-web-config",
        [_gather(_ACCESS_SCOPE)],
        _seeded(
            lambda state: seed.unlock_ssl_settings(state, SITE),
            lambda state: seed.set_web_config_flags(state, f"{SITE}/api", "Ssl, SslRequireCert"),
        ),
    ),
    # a web.config that sets sslFlags where SSL Settings are locked (the default): the merged read fails (IISCONFIG-22)
    Scenario(
        "iis-gather-access-web-config-locked",
        [_gather(_ACCESS_SCOPE)],
        _seeded(lambda state: seed.set_web_config_flags(state, f"{SITE}/api", "Ssl, SslRequireCert")),
    ),
    Scenario("iis-gather-without-iis", [_gather(_ACCESS_SCOPE)], lambda state: seed.set_iis_installed(state, False)),
    Scenario(
        "iis-gather-auth",
        [_gather(_AUTH_SCOPE)],
        _seeded(
            lambda state: seed.set_auth(state, SITE, "iis_mapping", enabled=True, logonMethod="Network"),
            lambda state: seed.add_one_to_one(state, SITE, _CLIENT, "CONTOSO\\one", password="pw-1"),
            lambda state: seed.add_many_to_one(state, "", "global", "CONTOSO\\g", [_RULE], password="pw-2"),
            lambda state: seed.set_auth(state, f"{SITE}/app", "iis_mapping"),
        ),
    ),
    Scenario(
        "iis-gather-tracing",
        [_gather(_TRACING_SCOPE)],
        _seeded(
            lambda state: seed.set_tracing(
                state,
                SITE,
                enabled=True,
                rules=[{"path": "*", "status_codes": ["403.16"]}],
                web_config_rules=[{"path": "*.aspx", "status_codes": ["401"]}],
            )
        ),
    ),
    # --- access ---
    Scenario("iis-access-set", [_apply({"op": "access_set", "location": f"{SITE}/api", "ssl_flags": 40})], _seeded()),
    Scenario(
        "iis-access-set-unchanged",
        [_apply({"op": "access_set", "location": f"{SITE}/API", "ssl_flags": 40})],
        _seeded(lambda state: seed.set_location_flags(state, f"{SITE}/api", "Ssl, SslNegotiateCert")),
    ),
    Scenario(
        "iis-access-set-check-mode",
        [_apply({"op": "access_set", "location": SITE, "ssl_flags": 8}, check=True)],
        _seeded(),
    ),
    Scenario("iis-access-set-missing-site", [_apply({"op": "access_set", "location": "Nowhere", "ssl_flags": 8})]),
    Scenario(
        "iis-access-unset",
        [_apply({"op": "access_unset", "location": f"{SITE}/api"}), _gather(_ACCESS_SCOPE)],
        _seeded(lambda state: seed.set_location_flags(state, f"{SITE}/api", "Ssl")),
    ),
    # --- authentication and mapping ---
    Scenario(
        "iis-auth-set",
        [_apply({"op": "auth_set", "location": SITE, "section": "iis_mapping", "attributes": {"enabled": True}})],
        _seeded(),
    ),
    Scenario(
        "iis-one-to-one-set",
        [
            _apply(
                {
                    "op": "one_to_one_set",
                    "location": SITE,
                    "certificate": _CLIENT,
                    "user": "CONTOSO\\one",
                    "enabled": True,
                    "password_ref": "p1",
                },
                secrets={"p1": "one-secret"},
            )
        ],
        _seeded(),
    ),
    Scenario(
        "iis-one-to-one-remove",
        [_apply({"op": "one_to_one_remove", "location": SITE, "certificate": _CLIENT})],
        _seeded(lambda state: seed.add_one_to_one(state, SITE, _CLIENT, "CONTOSO\\one")),
    ),
    Scenario(
        "iis-many-to-one-set",
        [_apply(_many_to_one(password_ref="p1"), secrets={"p1": "many-secret"})],
        _seeded(),
    ),
    Scenario(
        "iis-many-to-one-rename-case",
        [_apply(_many_to_one("Partners"))],
        _seeded(lambda state: seed.add_many_to_one(state, SITE, "partners", "CONTOSO\\svc", [_RULE])),
    ),
    Scenario("iis-many-to-one-duplicate-rule", [_apply(_many_to_one(rules=[_RULE, dict(_RULE)]))], _seeded()),
    Scenario(
        "iis-many-to-one-remove",
        [_apply({"op": "many_to_one_remove", "location": SITE, "name": "PARTNERS"})],
        _seeded(lambda state: seed.add_many_to_one(state, SITE, "partners", "CONTOSO\\svc", [_RULE])),
    ),
    Scenario(
        "iis-many-to-one-with-ad-mapping",
        [_apply({"op": "auth_set", "location": SITE, "section": "ad_mapping", "attributes": {"enabled": True}})],
        _seeded(
            lambda state: seed.set_auth(state, SITE, "iis_mapping", enabled=True),
            lambda state: seed.add_many_to_one(state, SITE, "partners", "CONTOSO\\svc", [_RULE]),
        ),
    ),
    Scenario(
        "iis-section-clear",
        [_apply({"op": "section_clear", "location": f"{SITE}/app", "section": "iis_mapping"}), _gather(_AUTH_SCOPE)],
        _seeded(lambda state: seed.set_auth(state, f"{SITE}/app", "iis_mapping", enabled=True)),
    ),
    # --- Failed Request Tracing ---
    Scenario(
        "iis-tracing-set",
        [
            _apply(
                {
                    "op": "tracing_set",
                    "site": SITE,
                    "enabled": True,
                    "directory": "%SystemDrive%\\inetpub\\logs\\FailedReqLogFiles",
                    "max_log_files": 20,
                    "path": "*",
                    "status_codes": ["401", "403.16"],
                }
            ),
            _gather(_TRACING_SCOPE),
        ],
        _seeded(),
    ),
    # --- bindings (IIS writes the HTTP.sys record at commit, BINDING-7) ---
    Scenario(
        "iis-binding-add",
        [_apply(_binding("binding_add", ssl_flags=0, certificate_hash=_THUMBPRINT, certificate_store="My"))],
        _seeded(_server_certificate),
    ),
    Scenario(
        "iis-binding-add-missing-site",
        [
            _apply(
                {
                    **_binding("binding_add", ssl_flags=0, certificate_hash=_THUMBPRINT, certificate_store="My"),
                    "site": "Nowhere",
                }
            )
        ],
        _seeded(_server_certificate),
    ),
    Scenario(
        "iis-binding-remove",
        [_apply(_binding("binding_remove")), _gather({"sites": [SITE]})],
        _seeded(_server_certificate, lambda state: seed.add_binding(state, SITE, "*:443:", 0, _THUMBPRINT, "My")),
    ),
    Scenario(
        "iis-binding-set-flags",
        [_apply(_binding("binding_set_flags", ssl_flags=32))],
        _seeded(_server_certificate, lambda state: seed.add_binding(state, SITE, "*:443:", 0, _THUMBPRINT, "My")),
    ),
    # turning SNI on replaces the binding (Remove(old, $true), BINDING-2): IIS writes the new key's record at commit and
    # the ip:port record stays for the planner's httpsys_remove (issue 10 item 12)
    Scenario(
        "iis-binding-sni-on-keeps-the-old-record",
        [
            _apply(
                {
                    **_binding("binding_add", ssl_flags=1, certificate_hash=_THUMBPRINT, certificate_store="My"),
                    "binding_information": _CCS_BI,
                }
            ),
            _gather({"sites": [SITE], "httpsys": True}),
        ],
        _seeded(_server_certificate, lambda state: seed.add_binding(state, SITE, _CCS_BI, 0, _THUMBPRINT, "My")),
    ),
    # --- Central Certificate Store bindings (issue 10 item 8, BINDING-9): no certificate, the ccs record at commit ---
    Scenario(
        "iis-binding-add-ccs",
        [_apply(_binding("binding_add", **_CCS)), _gather({"sites": [SITE], "httpsys": True})],
        _seeded(),
    ),
    Scenario(
        "iis-binding-fixed-to-ccs",
        [_apply(_binding("binding_add", **_CCS)), _gather({"sites": [SITE], "httpsys": True})],
        _seeded(_server_certificate, lambda state: seed.add_binding(state, SITE, _CCS_BI, 1, _THUMBPRINT, "My")),
    ),
    Scenario(
        "iis-binding-ccs-with-a-certificate",
        [_apply(_binding("binding_add", **{**_CCS, "certificate_hash": _THUMBPRINT}))],
        _seeded(_server_certificate),
    ),
    Scenario(
        "iis-module-site-binding-ccs",
        [_module("site_binding", site=SITE, host="www.contoso.com", ccs=True, negotiate_client_certificate=True)],
        _seeded(lambda state: seed.install_feature(state, "Web-CertProvider")),
        module_runs=2,
    ),
    # --- action plugins that need only IIS and the registry: gather, plan, apply ---
    Scenario(
        "iis-module-failed-request-tracing",
        [_module("failed_request_tracing", site=SITE, enabled=True, status_codes=["403.16"])],
        _seeded(),
        module_runs=2,
    ),
    Scenario(
        "iis-module-failed-request-tracing-in-sync",
        [_module("failed_request_tracing", site=SITE, enabled=True, status_codes=["403"])],
        _seeded(
            lambda state: seed.install_feature(state, "Web-Http-Tracing"),
            lambda state: seed.set_tracing(state, SITE, enabled=True, rules=[{"path": "*", "status_codes": ["403"]}]),
        ),
        module_runs=1,
    ),
    Scenario(
        "iis-module-ssl-settings",
        [_module("ssl_settings", path=f"{SITE}/api", client_certificates="require")],
        _seeded(),
        module_runs=2,
    ),
    Scenario(
        "iis-module-ssl-settings-check-mode",
        [_module("ssl_settings", check=True, path=SITE, client_certificates="accept")],
        _seeded(),
        module_runs=1,
    ),
    Scenario(
        "iis-module-cert-mapping",
        [
            _module(
                "cert_mapping",
                site=SITE,
                enabled=True,
                many_to_one=[
                    {
                        "name": "partners",
                        "user": "CONTOSO\\svc",
                        "password": "many-secret",
                        "rules": [{"field": "subject", "subfield": "O", "match": "Fabrikam*"}],
                    }
                ],
            )
        ],
        _seeded(),
        module_runs=2,
    ),
    Scenario(
        "iis-tracing-remove",
        [_apply({"op": "tracing_remove", "site": SITE, "path": "*"})],
        _seeded(
            lambda state: seed.set_tracing(state, SITE, enabled=True, rules=[{"path": "*", "status_codes": ["403"]}])
        ),
    ),
)
