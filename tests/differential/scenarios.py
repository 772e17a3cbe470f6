"""The scenarios of the differential test (issue 20): what is ported onto the boundary on main so far.

Each scenario is one inventory host (its own state file), seeded alike on both engines, with its own tasks. Only
what the pwsh host can answer is here: the host part of every gather, Schannel, Windows features, HTTP.sys through
netsh, certificate stores and PFX files, and the action plugins that need no IIS (the Windows model answers all but
IIS, which comes with its port). Add scopes and ops as they are ported.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from simhost import seed
from support.pki import make_intermediate, make_leaf, make_root
from winmodel.state import State

GATHER = "mtls.iis.host_state_gather"
APPLY = "mtls.iis.host_state_apply"


@dataclass(frozen=True)
class Scenario:
    name: str
    tasks: list[dict[str, Any]]
    seed: Callable[[State], None] = field(default=lambda state: None)
    #: the module runs (round trips) the scenario must take on each engine, when it states them: for a converge
    #: through an action plugin, 1 when nothing changes and 2 when something does (DESIGN.md)
    module_runs: int | None = None


def _gather(scope: dict[str, Any]) -> dict[str, Any]:
    return {"name": "gather", GATHER: {"scope": scope}, "ignore_errors": True}


def _apply(*ops: dict[str, Any], name: str = "apply", check: bool = False) -> dict[str, Any]:
    task: dict[str, Any] = {"name": name, APPLY: {"ops": list(ops)}, "ignore_errors": True}
    if check:
        task["check_mode"] = True
    return task


def _schannel(check: bool = False, **options: Any) -> dict[str, Any]:
    """A task of the schannel module: its action plugin gathers, plans and applies (the converge's round trips)."""
    task: dict[str, Any] = {"name": "schannel", "mtls.iis.schannel": options, "diff": True, "ignore_errors": True}
    if check:
        task["check_mode"] = True
    return task


def _set(value: int, name: str = "ClientAuthTrustMode") -> dict[str, Any]:
    return {"op": "schannel_set", "name": name, "value": value}


def _seed_mode(value: Any, kind: str = "REG_DWORD") -> Callable[[State], None]:
    return lambda state: seed.set_registry_value(state, "ClientAuthTrustMode", value, type=kind)


def _both(*steps: Callable[[State], None]) -> Callable[[State], None]:
    def run(state: State) -> None:
        for step in steps:
            step(state)

    return run


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("gather-host", [_gather({})]),
    Scenario("gather-host-2016", [_gather({})], lambda state: seed.set_os_version(state, "10.0.14393")),
    Scenario("gather-schannel-fresh", [_gather({"schannel": True})]),
    Scenario("gather-schannel-dword", [_gather({"schannel": True})], _seed_mode(2)),
    Scenario("gather-schannel-regsz", [_gather({"schannel": True})], _seed_mode("2", "REG_SZ")),
    Scenario("gather-features", [_gather({"features": ["Web-Cert-Auth", "web-server", "WEB-HTTP-TRACING"]})]),
    Scenario("gather-features-unknown", [_gather({"features": ["Web-No-Such-Feature"]})]),
    Scenario("gather-features-wildcard", [_gather({"features": ["Web-*"]})]),
    Scenario("gather-unknown-scope", [_gather({"schannel": True, "nonsense": True})]),
    Scenario("schannel-set", [_apply(_set(2)), _gather({"schannel": True})]),
    Scenario("schannel-set-unchanged", [_apply(_set(2)), _gather({"schannel": True})], _seed_mode(2)),
    Scenario("schannel-set-over-regsz", [_apply(_set(2)), _gather({"schannel": True})], _seed_mode("2", "REG_SZ")),
    Scenario(
        "schannel-unset",
        [_apply({"op": "schannel_unset", "name": "ClientAuthTrustMode"}), _gather({"schannel": True})],
        _seed_mode(0),
    ),
    Scenario("schannel-unset-absent", [_apply({"op": "schannel_unset", "name": "SendTrustedIssuerList"})]),
    Scenario("schannel-wrong-case-name", [_apply(_set(1, name="clientauthtrustmode"))]),
    Scenario("schannel-out-of-range", [_apply(_set(4294967296))]),
    Scenario(
        "schannel-pending-after-reboot",
        [_apply(_set(2)), _gather({"schannel": True})],
        _both(_seed_mode(1), lambda state: None),
    ),
    Scenario("feature-install", [_apply({"op": "feature_install", "name": "web-cert-auth"})]),
    Scenario(
        "feature-install-without-iis",
        [_apply({"op": "feature_install", "name": "Web-Cert-Auth"}), _gather({"features": ["Web-Server"]})],
        lambda state: seed.set_iis_installed(state, False),
    ),
    Scenario(
        "feature-install-reboot",
        [_apply({"op": "feature_install", "name": "Web-Client-Auth"})],
        lambda state: seed.install_feature(state, "Web-Client-Auth", installed=False, reboot_required=True),
    ),
    Scenario("feature-install-installed", [_apply({"op": "feature_install", "name": "Web-Server"})]),
    Scenario("feature-install-unknown", [_apply({"op": "feature_install", "name": "Web-Nothing"})]),
    Scenario(
        "apply-stops-at-first-failure",
        [_apply(_set(2), {"op": "feature_install", "name": "Web-Nothing"}, _set(1, "SendTrustedIssuerList"))],
    ),
    Scenario("apply-in-check-mode", [_apply(_set(2), check=True)]),
    Scenario("apply-unknown-op", [_apply({"op": "reboot_now"})]),
    Scenario("apply-extra-argument", [_apply({"op": "schannel_unset", "name": "ClientAuthTrustMode", "x": 1})]),
    # Converges through an action plugin: the round trips (1 module run without a change, 2 with one).
    Scenario("module-schannel-converge", [_schannel(client_auth_trust_mode="exclusive_ca")], module_runs=2),
    Scenario(
        "module-schannel-in-sync",
        [_schannel(client_auth_trust_mode="exclusive_ca", send_trusted_issuer_list=False)],
        _both(_seed_mode(2), lambda state: seed.set_registry_value(state, "SendTrustedIssuerList", 0)),
        module_runs=1,
    ),
    Scenario("module-schannel-check-mode", [_schannel(check=True, client_auth_trust_mode="machine")], module_runs=1),
    Scenario("module-schannel-default", [_schannel(client_auth_trust_mode="default")], _seed_mode(1), module_runs=2),
)

# IIS ops and gather scopes (task WMIIS), in their own file; it imports Scenario, GATHER and APPLY from here.
from differential.scenarios_iis import IIS_SCENARIOS

SCENARIOS = SCENARIOS + IIS_SCENARIOS


def selected(scenarios: tuple[Scenario, ...], only: str) -> tuple[Scenario, ...]:
    """The scenarios ``MTLS_DIFF_ONLY`` names (comma-separated names or name prefixes ending in ``*``); all when empty.

    A name that selects nothing is an error, so a typo cannot pass as an empty run.
    """
    wanted = [item.strip() for item in only.split(",") if item.strip()]
    if not wanted:
        return scenarios
    chosen: list[Scenario] = []
    for item in wanted:
        found = [s for s in scenarios if (s.name.startswith(item[:-1]) if item.endswith("*") else s.name == item)]
        if not found:
            raise ValueError(f"MTLS_DIFF_ONLY: {item!r} names no scenario")
        chosen.extend(s for s in found if s not in chosen)
    return tuple(chosen)


# --- WMHTTP (issue 20): HTTP.sys through netsh, certificate stores and PFX files -----------------------------------

_ROOT = make_root("CN=Differential Root")
_LEAF = make_leaf("CN=web01.contoso.com", _ROOT)
_OTHER = make_leaf("CN=other.contoso.com", _ROOT)
_APP_ID = "{4dc3e181-e14b-4a21-b022-59fc669b0914}"
_PASSWORD = "differential-pfx-password"
_SECRETS = {"pfx": _PASSWORD}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _pfx_3des(password: str) -> bytes:
    """What Windows before build 17763 opens: PBES1 3DES with a SHA-1 MAC (WINDOWS_FACTS CERT-9)."""
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(2048)
        .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
        .hmac_hash(hashes.SHA1())
        .build(password.encode())
    )
    return pkcs12.serialize_key_and_certificates(None, _LEAF.key, _LEAF.cert, [_ROOT.cert], encryption)


_PFX_AES = _b64(_LEAF.pfx(_PASSWORD, chain=[_ROOT]))
_PFX_3DES = _b64(_pfx_3des(_PASSWORD))


def _apply_secret(*ops: dict[str, Any], check: bool = False, secrets: dict[str, str] | None = None) -> dict[str, Any]:
    task = _apply(*ops, check=check)
    task[APPLY]["secrets"] = _SECRETS if secrets is None else secrets
    return task


def _httpsys_set(key: str = "0.0.0.0:443", kind: str = "ipport", **changes: Any) -> dict[str, Any]:
    op: dict[str, Any] = {
        "op": "httpsys_set",
        "key": key,
        "kind": kind,
        "certificate_hash": _LEAF.thumbprint,
        "certificate_store": "My",
        "app_id": _APP_ID,
        "negotiate_client_certificate": True,
        "ctl_store_name": "ClientAuthIssuer",
        "ds_mapper": False,
        "revocation": "online",
        "revocation_freshness_seconds": 0,
        "disable_tls13": False,
        "disable_legacy_tls": False,
        "disable_http2": False,
        "disable_quic": False,
        "disable_ocsp_stapling": False,
    }
    op.update(changes)
    return op


def _httpsys_save(**changes: Any) -> dict[str, Any]:
    """``httpsys_save`` of the record ``_httpsys_set`` writes, with the settings it keeps (none set)."""
    kept = dict.fromkeys(("reject", "enable_token_binding", "log_extended_events", "enable_session_ticket"), False)
    kept.update(disable_tls12=False, disable_session_id=False, usage_check_disabled=False)
    return {**_httpsys_set(**changes), "op": "httpsys_save", **kept, "url_retrieval_timeout": 0, "ctl_identifier": ""}


def _record(key: str = "0.0.0.0:443", kind: str = "ipport", **fields: Any) -> dict[str, Any]:
    return {"key": key, "kind": kind, "cert_hash": _LEAF.thumbprint, "cert_store": "My", "app_id": _APP_ID, **fields}


def _seed_leaf(store: str = "My", has_private_key: bool = True) -> Callable[[State], None]:
    return lambda state: seed.add_cert(state, store, _LEAF.der, has_private_key=has_private_key)


def _seed_record(**fields: Any) -> Callable[[State], None]:
    return lambda state: seed.add_httpsys_binding(state, _record(**fields))


_GATHER_HTTPSYS = _gather({"httpsys": True})
_GATHER_STORES = _gather({"stores": ["My", "root", "CA", "WebHosting", "ClientAuthIssuer"]})
_NEGOTIATED_WITH_CTL = {"default_flags": 0x2, "ctl_store_name": "ClientAuthIssuer"}
_NO_CERTIFICATE = {"certificate_hash": "", "certificate_store": ""}  # a ccs record's (HTTPSYS-10)

WMHTTP_SCENARIOS: tuple[Scenario, ...] = (
    Scenario("gather-httpsys-none", [_GATHER_HTTPSYS]),
    Scenario(
        "gather-httpsys-every-kind",
        [_GATHER_HTTPSYS],
        _both(
            _seed_record(default_flags=0x40A, cert_check_mode=0x10005, revocation_freshness_time=60),
            _seed_record(key="www.contoso.com:443", kind="hostnameport", ctl_identifier="Partners"),
            lambda state: seed.add_httpsys_binding(state, {"key": "443", "kind": "ccs", "app_id": _APP_ID}),
        ),
    ),
    Scenario("httpsys-set-add", [_apply(_httpsys_set()), _GATHER_HTTPSYS], _seed_leaf()),
    Scenario(
        "httpsys-set-add-sni",
        [_apply(_httpsys_set("www.contoso.com:443", "hostnameport", disable_tls13=True)), _GATHER_HTTPSYS],
        _seed_leaf(),
    ),
    Scenario(
        "httpsys-set-unchanged",
        [_apply(_httpsys_set())],
        _both(_seed_leaf(), _seed_record(**_NEGOTIATED_WITH_CTL)),
    ),
    Scenario(
        "httpsys-set-update-keeps-what-it-does-not-manage",
        [_apply(_httpsys_set(revocation="cached_only", revocation_freshness_seconds=300)), _GATHER_HTTPSYS],
        _both(
            _seed_leaf(),
            _seed_record(default_flags=0x8 | 0x200, cert_check_mode=0x10000, revocation_url_retrieval_timeout=5000),
        ),
    ),
    Scenario(
        "httpsys-set-clears-a-freshness-time",
        [_apply(_httpsys_set()), _GATHER_HTTPSYS],
        _both(_seed_leaf(), _seed_record(cert_check_mode=0x4, revocation_freshness_time=60, **_NEGOTIATED_WITH_CTL)),
    ),
    Scenario("httpsys-set-certificate-not-in-store", [_apply(_httpsys_set()), _GATHER_HTTPSYS]),
    Scenario("httpsys-set-certificate-without-key", [_apply(_httpsys_set())], _seed_leaf(has_private_key=False)),
    Scenario("httpsys-set-check-mode", [_apply(_httpsys_set(), check=True)], _seed_leaf()),
    Scenario("httpsys-set-ccs-with-a-certificate", [_apply(_httpsys_set("443", "ccs"))], _seed_leaf()),
    Scenario("httpsys-set-ccs", [_apply(_httpsys_set("443", "ccs", **_NO_CERTIFICATE)), _GATHER_HTTPSYS]),
    Scenario(
        "httpsys-set-ccs-unchanged",
        [_apply(_httpsys_set("443", "ccs", **_NO_CERTIFICATE))],
        lambda state: seed.add_httpsys_binding(
            state, {"key": "443", "kind": "ccs", "app_id": _APP_ID, "cert_store": None, **_NEGOTIATED_WITH_CTL}
        ),
    ),
    Scenario(
        "httpsys-remove-ccs",
        [_apply({"op": "httpsys_remove", "key": "443", "kind": "ccs"}), _GATHER_HTTPSYS],
        lambda state: seed.add_httpsys_binding(state, {"key": "443", "kind": "ccs", "app_id": _APP_ID}),
    ),
    Scenario("httpsys-set-bad-key", [_apply(_httpsys_set("0.0.0.0"))], _seed_leaf()),
    Scenario(
        "httpsys-save-then-set",
        [_apply(_httpsys_save()), _apply(_httpsys_set()), _gather({"httpsys": True})],
        _both(_seed_leaf(), _seed_record()),
    ),
    Scenario(
        "httpsys-remove",
        [_apply({"op": "httpsys_remove", "key": "www.contoso.com:443", "kind": "hostnameport"}), _GATHER_HTTPSYS],
        _both(_seed_record(key="WWW.contoso.com:443", kind="hostnameport"), _seed_record()),
    ),
    Scenario("httpsys-remove-absent", [_apply({"op": "httpsys_remove", "key": "0.0.0.0:443", "kind": "ipport"})]),
    Scenario(
        "gather-stores",
        [_GATHER_STORES],
        _both(_seed_leaf(), lambda state: seed.add_cert(state, "Root", _ROOT.der)),
    ),
    Scenario(
        "cert-import",
        [
            _apply(
                {"op": "cert_import", "store": "CA", "der": _b64(_OTHER.der), "thumbprint": _OTHER.thumbprint.lower()},
                {
                    "op": "cert_import",
                    "store": "ClientAuthIssuer",
                    "der": _b64(_ROOT.der),
                    "thumbprint": _ROOT.thumbprint,
                },
            ),
            _GATHER_STORES,
        ],
    ),
    Scenario(
        "cert-import-present-keeps-the-key",
        [_apply({"op": "cert_import", "store": "my", "der": _b64(_LEAF.der), "thumbprint": _LEAF.thumbprint})],
        _seed_leaf(),
    ),
    Scenario(
        "cert-import-wrong-thumbprint",
        [_apply({"op": "cert_import", "store": "CA", "der": _b64(_LEAF.der), "thumbprint": _OTHER.thumbprint})],
    ),
    Scenario(
        "cert-import-check-mode",
        [
            _apply(
                {"op": "cert_import", "store": "CA", "der": _b64(_LEAF.der), "thumbprint": _LEAF.thumbprint}, check=True
            )
        ],
    ),
    Scenario(
        "cert-remove",
        [_apply({"op": "cert_remove", "store": "ROOT", "thumbprint": _ROOT.thumbprint}), _GATHER_STORES],
        lambda state: seed.add_cert(state, "Root", _ROOT.der),
    ),
    Scenario("cert-remove-absent", [_apply({"op": "cert_remove", "store": "Root", "thumbprint": _ROOT.thumbprint})]),
    Scenario(
        "cert-remove-missing-store",
        [_apply({"op": "cert_remove", "store": "ClientAuthIssuer", "thumbprint": _ROOT.thumbprint}), _GATHER_STORES],
    ),
    Scenario(
        "cert-move",
        [
            _apply({"op": "cert_move", "from_store": "My", "to_store": "WebHosting", "thumbprint": _LEAF.thumbprint}),
            _GATHER_STORES,
        ],
        _seed_leaf(),
    ),
    Scenario(
        "cert-move-missing",
        [_apply({"op": "cert_move", "from_store": "My", "to_store": "WebHosting", "thumbprint": _LEAF.thumbprint})],
    ),
    Scenario(
        "store-create",
        [_apply({"op": "store_create", "store": "ClientAuthIssuer"}, {"op": "store_create", "store": "root"})],
    ),
    Scenario(
        "pfx-import",
        [
            _apply_secret(
                {
                    "op": "pfx_import",
                    "store": "My",
                    "pfx": _PFX_AES,
                    "password_ref": "pfx",
                    "thumbprint": _LEAF.thumbprint,
                }
            ),
            _GATHER_STORES,
        ],
    ),
    Scenario(
        "pfx-import-over-a-copy-without-key",
        [
            _apply_secret(
                {
                    "op": "pfx_import",
                    "store": "My",
                    "pfx": _PFX_AES,
                    "password_ref": "pfx",
                    "thumbprint": _LEAF.thumbprint,
                }
            ),
            _GATHER_STORES,
        ],
        _seed_leaf(has_private_key=False),
    ),
    Scenario(
        "pfx-import-present",
        [
            _apply_secret(
                {
                    "op": "pfx_import",
                    "store": "My",
                    "pfx": _PFX_AES,
                    "password_ref": "pfx",
                    "thumbprint": _LEAF.thumbprint,
                }
            )
        ],
        _seed_leaf(),
    ),
    Scenario(
        "pfx-import-wrong-password",
        [
            _apply_secret(
                {
                    "op": "pfx_import",
                    "store": "My",
                    "pfx": _PFX_AES,
                    "password_ref": "pfx",
                    "thumbprint": _LEAF.thumbprint,
                },
                secrets={"pfx": "not-the-password"},
            )
        ],
    ),
    Scenario(
        "pfx-import-aes-before-17763",
        [
            _apply_secret(
                {
                    "op": "pfx_import",
                    "store": "My",
                    "pfx": _PFX_AES,
                    "password_ref": "pfx",
                    "thumbprint": _LEAF.thumbprint,
                }
            )
        ],
        lambda state: seed.set_os_version(state, "10.0.14393"),
    ),
    Scenario(
        "pfx-import-3des-before-17763",
        [
            _apply_secret(
                {
                    "op": "pfx_import",
                    "store": "WebHosting",
                    "pfx": _PFX_3DES,
                    "password_ref": "pfx",
                    "thumbprint": _LEAF.thumbprint,
                }
            ),
            _GATHER_STORES,
        ],
        lambda state: seed.set_os_version(state, "10.0.14393"),
    ),
    Scenario(
        "pfx-import-wrong-thumbprint",
        [
            _apply_secret(
                {
                    "op": "pfx_import",
                    "store": "My",
                    "pfx": _PFX_AES,
                    "password_ref": "pfx",
                    "thumbprint": _ROOT.thumbprint,
                }
            )
        ],
    ),
    Scenario(
        "pfx-import-missing-secret",
        [
            _apply_secret(
                {
                    "op": "pfx_import",
                    "store": "My",
                    "pfx": _PFX_AES,
                    "password_ref": "other",
                    "thumbprint": _LEAF.thumbprint,
                }
            )
        ],
    ),
    Scenario(
        "pfx-import-check-mode",
        [
            _apply_secret(
                {
                    "op": "pfx_import",
                    "store": "My",
                    "pfx": _PFX_AES,
                    "password_ref": "pfx",
                    "thumbprint": _LEAF.thumbprint,
                },
                check=True,
            )
        ],
    ),
)

_ISSUING = make_intermediate("CN=Differential Issuing CA", _ROOT)


def _action(module: str, args: dict[str, Any], name: str, check: bool = False) -> dict[str, Any]:
    task: dict[str, Any] = {"name": name, f"mtls.iis.{module}": args, "ignore_errors": True, "diff": True}
    if check:
        task["check_mode"] = True
    return task


_TRUST = {
    "certificates": [{"content": _ROOT.pem}, {"content": _ISSUING.pem}],
    "client_auth_issuers": [{"content": _ISSUING.pem}],
}
_SCHANNEL = {"client_auth_trust_mode": "exclusive_ca", "send_trusted_issuer_list": False}

#: The action plugins that run end to end on the pwsh host now (no IIS needed), with their round trips.
WMHTTP_ACTION_SCENARIOS: tuple[Scenario, ...] = (
    Scenario("action-trusted-certs", [_action("trusted_certs", _TRUST, "converge")], module_runs=2),
    Scenario(
        "action-trusted-certs-in-sync",
        [_action("trusted_certs", _TRUST, "converge")],
        _both(
            lambda state: seed.add_cert(state, "Root", _ROOT.der),
            lambda state: seed.add_cert(state, "CA", _ISSUING.der),
            lambda state: seed.add_cert(state, "ClientAuthIssuer", _ISSUING.der),
        ),
        module_runs=1,
    ),
    Scenario("action-trusted-certs-check-mode", [_action("trusted_certs", _TRUST, "check", check=True)], module_runs=1),
    Scenario(
        "action-trusted-certs-absent",
        [_action("trusted_certs", {"certificates": [{"thumbprint": _ROOT.thumbprint}], "state": "absent"}, "remove")],
        lambda state: seed.add_cert(state, "Root", _ROOT.der),
        module_runs=2,
    ),
    Scenario(
        "action-schannel-with-an-httpsys-record",
        [_action("schannel", {"client_auth_trust_mode": "exclusive_ca"}, "converge")],
        _seed_record(),
        module_runs=2,
    ),
)

SCENARIOS = SCENARIOS + WMHTTP_SCENARIOS + WMHTTP_ACTION_SCENARIOS
