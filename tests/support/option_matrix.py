"""The option matrix (issue 17 item 2): for every state option of every module, a host that differs only there.

Each :class:`Row` names one key of a module's argument spec (``option`` or ``parent.child`` for sub-options;
``option=choice`` for each choice of a choice option) and gives the task options that converge a host to the state
just before (``before``) and the options that differ from them only in that key (``after``). ``tests/e2e/
test_option_matrix.py`` converges one inventory host per row to ``before``, then to ``after`` and checks that
exactly ``ops`` were applied (the recorded apply), that the rerun is one module run without change, that
``--check`` on the converged host changes nothing, and that the diff holds ``diff`` (the option's line).
``NOT_STATE`` lists the keys that are no host state, each with the reason. ``tests/unit/test_option_matrix.py``
holds rows and exclusions equal to the argument specs: a new option without a row fails there.

``client_cert`` is the part modules' specs composed (``trust``, ``schannel``, ``sites[].bindings/ssl/mapping/
tracing``): :func:`client_cert_part` maps each of its keys to the part module's key, and every part row runs a
second time through ``client_cert`` (:func:`as_client_cert`).

Placeholders (whole strings, see :func:`support.bad_inputs.materialise`): ``@A`` / ``@B`` thumbprints of two
server certificates in My (``@B`` also in WebHosting), ``@C`` / ``@C_PFX`` a third one's thumbprint and PFX
(password :data:`PFX_PASSWORD`), ``@ROOT`` / ``@ROOT_PEM`` / ``@ROOT_PEM_CONTENT`` a client root (thumbprint, file,
PEM), ``@ISSUER`` / ``@ISSUER_PEM`` / ``@ISSUER_PEM_CONTENT`` its issuing CA, ``@CLIENT_PEM`` /
``@CLIENT_PEM_CONTENT`` a client certificate, ``@OTHER_CLIENT_PEM`` another one.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simhost import seed
from winmodel.state import new_state

from support import pki
from support.collection import make_importable

SITE = "Default Web Site"
HOST_NAME = "api.contoso.com"
PFX_PASSWORD = "Matrix-Pa55word!"

#: Seeds (names the e2e test knows how to apply to a fresh host before the ``before`` converge)
MY_CERTS = "my_certs"  # @A and @B with keys in My, @B also in WebHosting
ROOT_IN_ROOT = "root_in_root"  # the client root in Root (thumbprint sources name certificates on the host)
ROOT_IN_ISSUERS = "root_in_issuers"  # the client root in ClientAuthIssuer
MAPPING_FEATURES = "mapping_features"  # Web-Cert-Auth and Web-Client-Auth installed
TRACING_FEATURE = "tracing_feature"  # Web-Http-Tracing installed
NO_MAPPING_FEATURE = "no_mapping_feature"  # Web-Cert-Auth known but not installed
NO_TRACING_FEATURE = "no_tracing_feature"  # Web-Http-Tracing known but not installed
EXTRA_ISSUER = "extra_issuer"  # another CA in ClientAuthIssuer, one no task lists
MISPLACED_ROOT = "misplaced_root"  # the issuing CA (not self-signed) in Root
EXTRA_MAPPING = "extra_mapping"  # a one-to-one mapping of @OTHER_CLIENT_PEM at SITE, one no task lists
FEATURE_NEEDS_REBOOT = "feature_needs_reboot"  # Web-Cert-Auth, Web-Http-Tracing missing; installing asks a reboot
EXTRA_MANY = "extra_many"  # a many-to-one mapping "old" at SITE, one no task lists
SECTION_BELOW_SITE = "section_below_site"  # an iisClientCertificateMappingAuthentication section at SITE/app
CCS_FEATURE = "ccs_feature"  # Web-CertProvider (Centralized SSL Certificate Support) installed
FIXED_BINDING = "fixed_binding"  # the SNI binding of HOST_NAME on SITE with certificate @A (and its record)


@dataclass(frozen=True)
class Row:
    module: str  # short module name
    key: str  # the spec key this row covers
    before: dict[str, Any] | None  # options converging the host first (None: the seeded host as it is)
    after: dict[str, Any]  # the options under test: ``before`` with only ``key`` changed
    ops: tuple[str, ...]  # the op names the apply runs, in order (empty: the host is already converged)
    #: text the diff's ``after`` holds more often than its ``before`` (``-text``: less often), showing the change;
    #: "" when ``ops`` is empty
    diff: str
    seeds: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.module}:{self.key}"


def binding_options(**options: Any) -> dict[str, Any]:
    """site_binding options: the SNI binding of HOST_NAME on SITE with certificate @A, plus ``options``."""
    return {"site": SITE, "host": HOST_NAME, "certificate": {"thumbprint": "@A"}, **options}


def _flip(module: str, key: str, base: dict[str, Any], ops: tuple[str, ...], diff: str, **kw: Any) -> Row:
    """A boolean option turned from false to true."""
    return Row(module, key, {**base, key: False}, {**base, key: True}, ops, diff, **kw)


def _choices(
    module: str, option: str, base: dict[str, Any], choices: dict[str, tuple[str, str]], ops: tuple[str, ...], **kw
) -> list[Row]:
    """One row per choice, from the choice listed before it (the first from the last); ``choices``: choice ->
    (the choice converged before, the diff line)."""
    return [
        Row(module, f"{option}={choice}", {**base, option: start}, {**base, option: choice}, ops, line, **kw)
        for choice, (start, line) in choices.items()
    ]


BINDING_LINE = f"{SITE} *:443:{HOST_NAME}"


def _site_binding_rows() -> list[Row]:
    m, seeds = "site_binding", (MY_CERTS,)
    rows = [
        Row(m, "ip", binding_options(ip="10.0.0.5"), binding_options(ip="*"), ("binding_add",), BINDING_LINE, seeds),
        Row(m, "port", binding_options(port=8443), binding_options(port=443), ("binding_add",), BINDING_LINE, seeds),
        Row(
            m, "host", binding_options(host="www.contoso.com"), binding_options(), ("binding_add",), BINDING_LINE, seeds
        ),
        Row(
            m,
            "sni",
            binding_options(sni=False),
            binding_options(sni=True),
            ("binding_set_flags", "httpsys_remove"),
            "sslFlags: 1 (SNI)",
            seeds,
        ),
        Row(
            m,
            "ccs",
            None,  # the seeded binding with @A: ccs: true cannot go with a certificate option
            {"site": SITE, "host": HOST_NAME, "ccs": True},
            ("binding_add", "httpsys_remove"),
            "sslFlags: 3 (SNI, CentralCertStore)",
            (MY_CERTS, FIXED_BINDING, CCS_FEATURE),
        ),
        Row(
            m,
            "certificate.thumbprint",
            binding_options(),
            binding_options(certificate={"thumbprint": "@B"}),
            ("binding_set_cert",),
            "certificate: My\\@B",
            seeds,
        ),
        Row(
            m,
            "certificate.store=WebHosting",
            binding_options(certificate={"thumbprint": "@B"}),
            binding_options(certificate={"thumbprint": "@B", "store": "WebHosting"}),
            ("binding_set_cert",),
            "certificate: WebHosting\\@B",
            seeds,
        ),
        Row(
            m,
            "certificate.store=My",
            binding_options(certificate={"thumbprint": "@B", "store": "WebHosting"}),
            binding_options(certificate={"thumbprint": "@B", "store": "My"}),
            ("binding_set_cert",),
            "certificate: My\\@B",
            seeds,
        ),
        Row(
            m,
            "certificate.pfx",
            binding_options(),
            binding_options(certificate={"pfx": "@C_PFX", "password": PFX_PASSWORD}),
            ("pfx_import", "binding_set_cert"),
            "certificate: My\\@C",
            seeds,
        ),
        Row(
            m,
            "client_auth_issuer_store",
            binding_options(),
            binding_options(client_auth_issuer_store="ClientAuthIssuer"),
            ("httpsys_set",),
            "ctl_store_name: ClientAuthIssuer",
            seeds,
        ),
        Row(
            m,
            "revocation_freshness_seconds",
            binding_options(revocation_freshness_seconds=0),
            binding_options(revocation_freshness_seconds=3600),
            ("httpsys_set",),
            "revocation_freshness_seconds: 3600",
            seeds,
        ),
        Row(
            m,
            "state=absent",
            binding_options(state="present"),
            binding_options(state="absent"),
            ("httpsys_remove", "binding_remove"),
            f"-{BINDING_LINE}",
            seeds,
        ),
        Row(
            m,
            "state=present",
            binding_options(state="absent"),
            binding_options(state="present"),
            ("binding_add",),
            BINDING_LINE,
            seeds,
        ),
    ]
    for flag in ("disable_tls13", "disable_legacy_tls", "disable_http2", "disable_quic", "disable_ocsp_stapling"):
        rows.append(_flip(m, flag, binding_options(), ("binding_set_flags",), f"{flag}: true", seeds=seeds))
    for option in ("negotiate_client_certificate", "ds_mapper"):
        rows.append(_flip(m, option, binding_options(), ("httpsys_set",), f"{option}: true", seeds=seeds))
    revocation = {
        "online": ("disabled", "online"),
        "cached_only": ("online", "cached_only"),
        "disabled": ("online", "'off'"),
    }
    rows += _choices(
        m,
        "revocation_check",
        binding_options(),
        {choice: (start, f"revocation: {line}") for choice, (start, line) in revocation.items()},
        ("httpsys_set",),
        seeds=seeds,
    )
    return rows


def _ssl_settings_rows() -> list[Row]:
    m = "ssl_settings"
    base = {"path": SITE}
    on = {**base, "require_ssl": True}
    rows = [
        Row(
            m,
            "path",
            {"path": f"{SITE}/old", "require_ssl": True},
            {"path": f"{SITE}/api", "require_ssl": True},
            ("access_set",),
            f"{SITE}/api: 'Ssl (",
        ),
        _flip(m, "require_ssl", base, ("access_set",), "require SSL: yes"),
        _flip(m, "require_128bit", {**base, "require_ssl": True}, ("access_set",), "128-bit: yes"),
        Row(
            m,
            "state=absent",
            {**on, "state": "present"},
            {**on, "state": "absent"},
            ("access_unset",),
            "-require SSL: yes",
        ),
        Row(
            m,
            "state=present",
            {**on, "state": "absent"},
            {**on, "state": "present"},
            ("access_set",),
            "require SSL: yes",
        ),
    ]
    rows += _choices(
        m,
        "client_certificates",
        {**base, "require_ssl": True},
        {
            c: (s, f"client certificates: {c}")
            for c, s in (("ignore", "require"), ("accept", "ignore"), ("require", "accept"))
        },
        ("access_set",),
    )
    return rows


ONE = {"content": "@CLIENT_PEM_CONTENT", "user": "CONTOSO\\svc-a"}
MANY = {
    "name": "partners",
    "user": "CONTOSO\\svc-partners",
    "rules": [{"field": "issuer", "subfield": "CN", "match": "Contoso Matrix Issuing CA"}],
}


def mapping_options(**options: Any) -> dict[str, Any]:
    """cert_mapping options for SITE (features seeded, not installed by the task), plus ``options``."""
    return {"site": SITE, "install_feature": False, **options}


def _many(**fields: Any) -> dict[str, Any]:
    return mapping_options(many_to_one=[{**MANY, **fields}])


def _rule(**fields: Any) -> dict[str, Any]:
    return _many(rules=[{**MANY["rules"][0], **fields}])


def _cert_mapping_rows() -> list[Row]:
    m, seeds = "cert_mapping", (MAPPING_FEATURES,)
    rows = [
        _flip(m, option, mapping_options(), ("auth_set",), line, seeds=seeds)
        for option, line in (
            ("enabled", "enabled: true"),
            ("one_to_one_enabled", "oneToOneCertificateMappingsEnabled: true"),
            ("many_to_one_enabled", "manyToOneCertificateMappingsEnabled: true"),
            ("ad_mapping", "Active Directory mapping: enabled"),
            ("anonymous_authentication", "anonymous authentication: enabled"),
        )
    ]
    rows += _choices(
        m,
        "logon_method",
        mapping_options(),
        {
            c: (s, f"logonMethod: {word}")
            for c, s, word in (
                ("clear_text", "network", "ClearText"),
                ("network", "clear_text", "Network"),
                ("batch", "network", "Batch"),
                ("interactive", "batch", "Interactive"),
            )
        },
        ("auth_set",),
        seeds=seeds,
    )
    rows += [
        Row(
            m,
            "default_logon_domain",
            mapping_options(default_logon_domain="FABRIKAM"),
            mapping_options(default_logon_domain="CONTOSO"),
            ("auth_set",),
            "defaultLogonDomain: CONTOSO",
            seeds,
        ),
        Row(
            m,
            "one_to_one.path",
            mapping_options(),
            mapping_options(one_to_one=[{"path": "@CLIENT_PEM", "user": "CONTOSO\\svc-a"}]),
            ("one_to_one_set",),
            "CN=client01",
            seeds,
        ),
        Row(
            m,
            "one_to_one.content",
            mapping_options(one_to_one=[{"path": "@OTHER_CLIENT_PEM", "user": "CONTOSO\\svc-a"}]),
            mapping_options(one_to_one=[{"path": "@OTHER_CLIENT_PEM", "user": "CONTOSO\\svc-a"}, ONE]),
            ("one_to_one_set",),
            "CN=client01",
            seeds,
        ),
        Row(
            m,
            "one_to_one.user",
            mapping_options(one_to_one=[ONE]),
            mapping_options(one_to_one=[{**ONE, "user": "CONTOSO\\svc-b"}]),
            ("one_to_one_set",),
            "user: CONTOSO\\svc-b",
            seeds,
        ),
        Row(
            m,
            "one_to_one.enabled",
            mapping_options(one_to_one=[ONE]),
            mapping_options(one_to_one=[{**ONE, "enabled": False}]),
            ("one_to_one_set",),
            "enabled: false",
            seeds,
        ),
        Row(m, "many_to_one.name", _many(name="old"), _many(), ("many_to_one_set",), "partners:", seeds),
        Row(
            m,
            "many_to_one.description",
            _many(),
            _many(description="Fabrikam partners"),
            ("many_to_one_set",),
            "description: Fabrikam partners",
            seeds,
        ),
        Row(
            m,
            "many_to_one.user",
            _many(),
            _many(user="CONTOSO\\svc-other"),
            ("many_to_one_set",),
            "user: CONTOSO\\svc-other",
            seeds,
        ),
        Row(m, "many_to_one.enabled", _many(), _many(enabled=False), ("many_to_one_set",), "enabled: false", seeds),
        Row(
            m,
            "many_to_one.permission=deny",
            _many(),
            _many(permission="deny"),
            ("many_to_one_set",),
            "permission: Deny",
            seeds,
        ),
        Row(
            m,
            "many_to_one.permission=allow",
            _many(permission="deny"),
            _many(permission="allow"),
            ("many_to_one_set",),
            "permission: Allow",
            seeds,
        ),
        Row(
            m,
            "many_to_one.rules.field=subject",
            _rule(),
            _rule(field="subject"),
            ("many_to_one_set",),
            "Subject CN = ",
            seeds,
        ),
        Row(
            m,
            "many_to_one.rules.field=issuer",
            _rule(field="subject"),
            _rule(),
            ("many_to_one_set",),
            "Issuer CN = ",
            seeds,
        ),
        Row(m, "many_to_one.rules.subfield", _rule(), _rule(subfield="O"), ("many_to_one_set",), "Issuer O = ", seeds),
        Row(
            m,
            "many_to_one.rules.match",
            _rule(),
            _rule(match="Fabrikam*"),
            ("many_to_one_set",),
            "Issuer CN = Fabrikam*",
            seeds,
        ),
        Row(
            m,
            "many_to_one.rules.case_sensitive",
            _rule(),
            _rule(case_sensitive=False),
            ("many_to_one_set",),
            ", any case",
            seeds,
        ),
        Row(
            m,
            "exclusive",
            mapping_options(one_to_one=[ONE], exclusive=False),
            mapping_options(one_to_one=[ONE], exclusive=True),
            ("one_to_one_remove",),
            "-CN=client02",
            (*seeds, EXTRA_MAPPING),
        ),
        Row(
            m,
            "install_feature",
            None,
            mapping_options(enabled=True, install_feature=True),
            ("feature_install", "auth_set"),
            "Web-Cert-Auth: installed",
            (NO_MAPPING_FEATURE,),
        ),
        Row(
            m,
            "clear_below_site",
            mapping_options(enabled=True),
            mapping_options(enabled=True, clear_below_site=True),
            ("section_clear",),
            f"-{SITE}/app",
            (*seeds, SECTION_BELOW_SITE),
        ),
    ]
    return rows


def tracing_options(**options: Any) -> dict[str, Any]:
    """failed_request_tracing options for SITE (feature seeded, not installed by the task), plus ``options``."""
    return {"site": SITE, "install_feature": False, **options}


def _tracing_rows() -> list[Row]:
    m, seeds = "failed_request_tracing", (TRACING_FEATURE,)
    return [
        Row(
            m,
            "enabled",
            tracing_options(enabled=False),
            tracing_options(enabled=True),
            ("tracing_set",),
            "enabled: true",
            seeds,
        ),
        Row(
            m,
            "status_codes",
            tracing_options(),
            tracing_options(status_codes=["500"]),
            ("tracing_set",),
            "'500'",
            seeds,
        ),
        Row(
            m,
            "directory",
            tracing_options(),
            tracing_options(directory="D:\\Logs\\FailedReqLogFiles"),
            ("tracing_set",),
            "directory: D:\\Logs\\FailedReqLogFiles",
            seeds,
        ),
        Row(
            m,
            "max_log_files",
            tracing_options(),
            tracing_options(max_log_files=100),
            ("tracing_set",),
            "max_log_files: 100",
            seeds,
        ),
        Row(
            m,
            "install_feature",
            None,
            tracing_options(install_feature=True),
            ("feature_install", "tracing_set"),
            "Web-Http-Tracing: installed",
            (NO_TRACING_FEATURE,),
        ),
    ]


def _trusted_certs_rows() -> list[Row]:
    m = "trusted_certs"
    root_file = {"certificates": [{"path": "@ROOT_PEM"}]}
    issuer = {"client_auth_issuers": [{"path": "@ISSUER_PEM"}]}
    return [
        Row(m, "certificates.path", {}, root_file, ("cert_import",), "CN=Contoso Matrix Root"),
        Row(
            m,
            "certificates.content",
            {},
            {"certificates": [{"content": "@ROOT_PEM_CONTENT"}]},
            ("cert_import",),
            "CN=Contoso Matrix Root",
        ),
        Row(
            m,
            "certificates.thumbprint",
            {"certificates": [{"thumbprint": "@ISSUER"}], "state": "absent"},
            {"certificates": [{"thumbprint": "@ROOT"}], "state": "absent"},
            ("cert_remove",),
            "-CN=Contoso Matrix Root",
            (ROOT_IN_ROOT,),
        ),
        Row(m, "client_auth_issuers.path", {}, issuer, ("store_create", "cert_import"), "CN=Contoso Matrix Issuing CA"),
        Row(
            m,
            "client_auth_issuers.content",
            {},
            {"client_auth_issuers": [{"content": "@ISSUER_PEM_CONTENT"}]},
            ("store_create", "cert_import"),
            "CN=Contoso Matrix Issuing CA",
        ),
        Row(
            m,
            "client_auth_issuers.thumbprint",
            {"client_auth_issuers": [{"thumbprint": "@ISSUER"}], "state": "absent"},
            {"client_auth_issuers": [{"thumbprint": "@ROOT"}], "state": "absent"},
            ("cert_remove",),
            "-CN=Contoso Matrix Root",
            (ROOT_IN_ISSUERS,),
        ),
        Row(
            m,
            "client_auth_issuer_store",
            issuer,
            {**issuer, "client_auth_issuer_store": "PartnerIssuers"},
            ("store_create", "cert_import"),
            "CN=Contoso Matrix Issuing CA",
        ),
        Row(
            m,
            "exclusive_client_auth_issuers",
            issuer,
            {**issuer, "exclusive_client_auth_issuers": True},
            ("cert_remove",),
            "-CN=Fabrikam Matrix Issuing CA",
            (EXTRA_ISSUER,),
        ),
        Row(m, "non_self_signed_roots=report", None, {"non_self_signed_roots": "report"}, (), "", (MISPLACED_ROOT,)),
        Row(
            m,
            "non_self_signed_roots=move",
            {"non_self_signed_roots": "report"},
            {"non_self_signed_roots": "move"},
            ("cert_move",),
            "Root: []",
            (MISPLACED_ROOT,),
        ),
        Row(
            m,
            "state=absent",
            {**root_file, "state": "present"},
            {**root_file, "state": "absent"},
            ("cert_remove",),
            "-CN=Contoso Matrix Root",
        ),
        Row(
            m,
            "state=present",
            {**root_file, "state": "absent"},
            {**root_file, "state": "present"},
            ("cert_import",),
            "CN=Contoso Matrix Root",
        ),
    ]


def _schannel_rows() -> list[Row]:
    m = "schannel"
    modes = {"machine": 0, "exclusive_root": 1, "exclusive_ca": 2}
    rows = [
        Row(
            m,
            f"client_auth_trust_mode={mode}",
            {"client_auth_trust_mode": "exclusive_ca" if mode != "exclusive_ca" else "machine"},
            {"client_auth_trust_mode": mode},
            ("schannel_set",),
            f"ClientAuthTrustMode: {value} ({mode})",
        )
        for mode, value in modes.items()
    ]
    rows.append(
        Row(
            m,
            "client_auth_trust_mode=default",
            {"client_auth_trust_mode": "exclusive_ca"},
            {"client_auth_trust_mode": "default"},
            ("schannel_unset",),
            "ClientAuthTrustMode: not set (Windows default 0)",
        )
    )
    rows.append(_flip(m, "send_trusted_issuer_list", {}, ("schannel_set",), "SendTrustedIssuerList: 1 (on)"))
    return rows


#: rows whose diff does not show the change (none now; the matrix found clear_below_site's section_clear missing
#: from the mapping diff): the e2e diff test is a strict xfail for them
DIFF_GAPS: dict[str, str] = {}

ROWS: list[Row] = [
    *_site_binding_rows(),
    *_ssl_settings_rows(),
    *_cert_mapping_rows(),
    *_tracing_rows(),
    *_trusted_certs_rows(),
    *_schannel_rows(),
]

_IDENTITY_SITE = "names the IIS site (which must exist: no module creates sites); its settings are the other rows"
_SECRET = (
    "a write-only secret: Windows never returns it, so it is written when its mapping is created "
    "(update_password) and cannot differ from a converged host; test_cert_mapping.py covers both update modes"
)

#: module -> key -> why the key is no host state
NOT_STATE: dict[str, dict[str, str]] = {
    "site_binding": {
        "site": _IDENTITY_SITE,
        "certificate.password": "opens the PFX on the controller; the host keeps the certificate, not the password",
        "expiry_warning_days": "a warning threshold on the controller; no host state",
    },
    "ssl_settings": {},
    "cert_mapping": {
        "site": _IDENTITY_SITE,
        "one_to_one.password": _SECRET,
        "many_to_one.password": _SECRET,
        "update_password=on_create": "when to write a write-only secret (see one_to_one.password)",
        "update_password=always": "rewrites the password on every run by design (Windows cannot compare it), so a "
        "host is never converged for it; test_cert_mapping.py asserts the change each run",
    },
    "failed_request_tracing": {"site": _IDENTITY_SITE},
    "trusted_certs": {},
    "schannel": {},
    "client_cert": {
        "audit.expiry_days": "a threshold of the read-only audit report; no host state",
        "sites.name": _IDENTITY_SITE,
    },
}

#: client_cert's parts: its key prefix -> the part module
CLIENT_CERT_PARTS = {
    "trust.": "trusted_certs",
    "schannel.": "schannel",
    "sites.bindings.": "site_binding",
    "sites.ssl.": "ssl_settings",
    "sites.mapping.": "cert_mapping",
    "sites.tracing.": "failed_request_tracing",
}


def client_cert_part(key: str) -> tuple[str, str] | None:
    """The part module and its key for a key of client_cert's spec; None for client_cert's own keys."""
    for prefix, module in CLIENT_CERT_PARTS.items():
        if key.startswith(prefix):
            return module, key[len(prefix) :]
    return None


def as_client_cert(module: str, options: dict[str, Any]) -> dict[str, Any]:
    """A part module's task options as client_cert's (the same desired state, in the whole-host shape)."""
    if module == "trusted_certs":
        return {"trust": options}
    if module == "schannel":
        return {"schannel": options}
    rest = {key: value for key, value in options.items() if key not in ("site", "path")}
    if module == "ssl_settings":
        site, _sep, path = options["path"].partition("/")
        return {"sites": [{"name": site, "ssl": [{**rest, "path": path}]}]}
    part = {"site_binding": "bindings", "cert_mapping": "mapping", "failed_request_tracing": "tracing"}[module]
    return {"sites": [{"name": options["site"], part: [rest] if part == "bindings" else rest}]}


def spec_keys(spec: dict[str, Any], prefix: str = "") -> set[str]:
    """Every leaf option of ``spec`` as ``parent.child``; a choice option as one ``option=choice`` per choice."""
    keys: set[str] = set()
    for name, entry in spec.items():
        path = f"{prefix}{name}"
        if "options" in entry:
            keys |= spec_keys(entry["options"], f"{path}.")
        elif entry.get("choices"):
            keys |= {f"{path}={choice}" for choice in entry["choices"]}
        else:
            keys.add(path)
    return keys


#: the modules that change nothing on a host (their action plugin is READ_ONLY or runs no apply)
READ_ONLY = {
    "client_cert_info": "reads the host (READ_ONLY)",
    "diagnose": "reads the host and reports findings (READ_ONLY)",
    "probe": "a TLS handshake from the controller or the host; no apply",
}


def action_spec(module: str) -> dict[str, Any]:
    """The argument spec of a module's action plugin (``ARGUMENT_SPEC``), as ansible-playbook validates it."""
    make_importable()
    plugin = importlib.import_module(f"ansible_collections.mtls.iis.plugins.action.{module}")
    return plugin.ActionModule.ARGUMENT_SPEC


def state_modules() -> list[str]:
    """Every module the matrix covers: those with a row or an exclusion, client_cert included."""
    return sorted({row.module for row in ROWS} | set(NOT_STATE))


def make_pki() -> dict[str, pki.Issued]:
    """The certificates the placeholders name."""
    server_ca = pki.make_root("Contoso Matrix Server CA")
    root = pki.make_root("Contoso Matrix Root")
    issuing = pki.make_intermediate("Contoso Matrix Issuing CA", root)
    leaf = {name: pki.make_leaf(HOST_NAME, server_ca, eku=("serverAuth",), san=(HOST_NAME,)) for name in "ABC"}
    return {
        **leaf,
        "root": root,
        "issuing": issuing,
        "extra": pki.make_intermediate("Fabrikam Matrix Issuing CA", root),
        "client": pki.make_leaf("client01", issuing),
        "other_client": pki.make_leaf("client02", issuing),
    }


def write_files(write: Callable[[str, str | bytes], Path], certs: dict[str, pki.Issued]) -> dict[str, str]:
    """The placeholders' values, files written with ``write`` (SimFleet.write_file)."""
    return {
        "@A": certs["A"].thumbprint,
        "@B": certs["B"].thumbprint,
        "@C": certs["C"].thumbprint,
        "@C_PFX": str(write("c.pfx", certs["C"].pfx(PFX_PASSWORD))),
        "@ROOT": certs["root"].thumbprint,
        "@ROOT_PEM": str(write("root.pem", certs["root"].pem)),
        "@ROOT_PEM_CONTENT": certs["root"].pem,
        "@ISSUER": certs["issuing"].thumbprint,
        "@ISSUER_PEM": str(write("issuing.pem", certs["issuing"].pem)),
        "@ISSUER_PEM_CONTENT": certs["issuing"].pem,
        "@CLIENT_PEM": str(write("client.pem", certs["client"].pem)),
        "@CLIENT_PEM_CONTENT": certs["client"].pem,
        "@OTHER_CLIENT_PEM": str(write("other-client.pem", certs["other_client"].pem)),
    }


def seeded(row: Row, certs: dict[str, pki.Issued]) -> dict[str, Any]:
    """A fresh host with the row's seeds."""
    state = new_state()
    for name in row.seeds:
        if name == MY_CERTS:
            for cert in ("A", "B"):
                seed.add_cert(state, "My", certs[cert].der, has_private_key=True)
            seed.add_cert(state, "WebHosting", certs["B"].der, has_private_key=True)
        elif name == ROOT_IN_ROOT:
            seed.add_cert(state, "Root", certs["root"].der)
        elif name == ROOT_IN_ISSUERS:
            seed.add_cert(state, "ClientAuthIssuer", certs["root"].der)
        elif name == MAPPING_FEATURES:
            seed.install_feature(state, "Web-Cert-Auth")
            seed.install_feature(state, "Web-Client-Auth")
        elif name == NO_MAPPING_FEATURE:
            seed.install_feature(state, "Web-Cert-Auth", installed=False)
        elif name == TRACING_FEATURE:
            seed.install_feature(state, "Web-Http-Tracing")
        elif name == CCS_FEATURE:
            seed.install_feature(state, "Web-CertProvider")
        elif name == FIXED_BINDING:
            seed.add_binding(state, SITE, f"*:443:{HOST_NAME}", 1, certs["A"].thumbprint)
        elif name == NO_TRACING_FEATURE:
            seed.install_feature(state, "Web-Http-Tracing", installed=False)
        elif name == EXTRA_ISSUER:
            seed.add_cert(state, "ClientAuthIssuer", certs["extra"].der)
        elif name == MISPLACED_ROOT:
            seed.add_cert(state, "Root", certs["issuing"].der)
        elif name == EXTRA_MAPPING:
            seed.add_one_to_one(state, SITE, certs["other_client"].der_b64, "CONTOSO\\svc-b")
        elif name == SECTION_BELOW_SITE:
            seed.set_auth(state, f"{SITE}/app", "iis_mapping", enabled=True)
        elif name == FEATURE_NEEDS_REBOOT:
            for feature in ("Web-Cert-Auth", "Web-Http-Tracing"):
                seed.install_feature(state, feature, installed=False, reboot_required=True)
        elif name == EXTRA_MANY:
            seed.add_many_to_one(
                state, SITE, "old", "CONTOSO\\svc-old", [{"field": "issuer", "subfield": "CN", "match": "x"}]
            )
        else:
            raise AssertionError(f"row {row.name}: unknown seed {name!r}")
    return state
