# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Explain why IIS answers 403.7 / 403.13 / 403.16 / 403.17 (or resets the connection). Pure.

Each check reads the snapshot (and, when given, the client's certificate and chain) and returns
findings with a stable id, the IIS status the problem causes, the evidence, and the option of this
collection's modules that repairs it. Facts: REFERENCE.md, "The 403 family", "TLS 1.3 and client
certificates", "Schannel", "IIS client certificate mapping", and docs/WINDOWS_FACTS.md (CLIENTAUTH-*).

The client chain is built and judged by Windows' rules (:mod:`.chain`); what this controller cannot judge is one
``CHAIN_CANNOT_TELL`` warning with the reasons, and ``cryptography``'s Web PKI verifier is evidence only: its
refusal alone is the informational ``LIBRARY_REJECTS_CHAIN``, never a 403.16.
"""

from __future__ import annotations

import fnmatch
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from . import flags
from .binding import CCS_FEATURE
from .chain import ADMIN, CLIENT, ROOT_STORE, Candidate, Chain, build_chain, candidate, verify
from .cryptography_lib import AuthorityInformationAccessOID, NameOID, x509
from .httpsys import Record, httpsys_key, split_binding_information
from .schannel_values import CLIENT_AUTH_TRUST_MODE, SEND_TRUSTED_ISSUER_LIST, TRUST_MODE_NAMES, effective
from .snapshot import Scope, SiteBinding, Snapshot, Store, StoreCert
from .tls13 import FIRST_TLS13_BUILD

ROOT, CA = "Root", "CA"
ISSUER_LIST_LIMIT = 16 * 1024  # bytes of CA names Schannel sends with SendTrustedIssuerList=1
SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Finding:
    id: str
    severity: str  # error | warning | info
    status: str  # the IIS answer it causes: "403.16", "403.7", "reset", "401", ...
    title: str
    detail: str
    evidence: dict[str, Any] = field(default_factory=dict)
    fix: dict[str, Any] = field(default_factory=dict)  # {"module": ..., "options": {...}} or {"text": ...}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DiagnoseRequest:
    site: str
    host: str = ""
    port: int = 443
    path: str = ""  # location path; "" = the site
    client: tuple[x509.Certificate, ...] = ()  # the client's certificate first, then what it sends
    issuers: tuple[x509.Certificate, ...] = ()  # CA certificates known on the controller only
    expiry_warning_days: int = 30

    @property
    def location(self) -> str:
        return self.path or self.site

    def scope(self) -> Scope:
        return Scope(
            stores=frozenset({ROOT, CA, "My", "WebHosting", "ClientAuthIssuer"}),
            schannel=True,
            httpsys=True,
            ctl_stores=True,
            sites=frozenset({self.site}),
            access_paths=frozenset({self.location}),
            auth_sites=frozenset({self.site}),
            features=frozenset({"Web-Cert-Auth", "Web-Client-Auth", "Web-Http-Tracing", CCS_FEATURE}),
            tracing_sites=frozenset({self.site}),
        )


@dataclass(frozen=True)
class Serving:
    """An https binding that serves the request, with its HTTP.sys record."""

    binding: SiteBinding
    kind: str
    key: str
    record: Record | None
    usage_check: bool = True  # HTTP.sys checks the client certificate's EKU (DefaultCertCheckMode lacks 0x10000)


def _fix(module: str, **options: Any) -> dict[str, Any]:
    return {"module": f"mtls.iis.{module}", "options": options}


# -- context -------------------------------------------------------------------------------------
def serving_bindings(request: DiagnoseRequest, snapshot: Snapshot) -> list[Serving]:
    site = snapshot.iis.site(request.site) if snapshot.iis else None
    found = []
    for b in site.bindings if site else ():
        _ip, port, host = split_binding_information(b.binding_information)
        if port != request.port or (host and request.host and host.lower() != request.host.lower()):
            continue
        if host and not request.host:
            continue
        kind, key = httpsys_key(b.binding_information, b.ssl_flags)
        record = snapshot.httpsys_record(kind, key)
        found.append(
            Serving(b, kind, key, Record.from_snapshot(record) if record else None, not record or record.usage_check)
        )
    # an SNI binding for the host name wins over the IP binding, as HTTP.sys chooses; a Central Certificate Store
    # binding is one by host name too (BINDING-9)
    sni = [s for s in found if s.kind in ("hostnameport", "ccs")]
    return sni or found


def location_flags(request: DiagnoseRequest, snapshot: Snapshot) -> int:
    access = snapshot.iis.access_at(request.location) if snapshot.iis else None
    return access.effective if access else 0


# -- host checks ---------------------------------------------------------------------------------
def check_bindings(
    request: DiagnoseRequest, snapshot: Snapshot, serving: list[Serving], now: datetime
) -> list[Finding]:
    wanted = location_flags(request, snapshot)
    if not serving:
        asks = bool(wanted & flags.NEGOTIATE_CERT)
        return [
            Finding(
                "NO_HTTPS_BINDING",
                "error" if asks else "warning",
                "403.7",
                f"no https binding of {request.site!r} serves port {request.port}"
                + (f" for {request.host}" if request.host else ""),
                "Client certificates only travel over TLS; without a binding for this host and port no client can "
                "present one.",
                {"site": request.site, "port": request.port, "host": request.host},
                _fix("site_binding", site=request.site, port=request.port, host=request.host or None),
            )
        ]
    findings = []
    for s in serving:
        if s.binding.ssl_flags & flags.BINDING_CCS:
            findings += _central_certificate_store(request, snapshot, s)
        else:
            findings += _server_certificate(request, snapshot, s, now)
    return findings


def _central_certificate_store(request: DiagnoseRequest, snapshot: Snapshot, s: Serving) -> list[Finding]:
    """A Central Certificate Store binding names no certificate (BINDING-9): the host can only say whether the
    provider's feature is installed (FEATURE-5); the PFX files on the store's share are out of the snapshot's reach."""
    if snapshot.features is None or snapshot.feature_installed(CCS_FEATURE):
        return []
    return [
        Finding(
            "CCS_FEATURE_MISSING",
            "error",
            "reset",
            f"the binding takes its certificate from the Central Certificate Store, but {CCS_FEATURE} is not installed",
            f"{s.binding.binding_information} has sslFlags CentralCertStore; without the Centralized SSL Certificate "
            "Support feature IIS has no certificate to offer and TLS handshakes fail. mtls.iis does not configure the "
            "provider (its share, account and PFX password).",
            {"binding": s.binding.binding_information, "feature": CCS_FEATURE, "record": f"{s.kind} {s.key}"},
            {
                "text": f"install {CCS_FEATURE} and configure the Central Certificate Store (IIS Manager, Centralized "
                "Certificates), or bind a certificate with mtls.iis.site_binding (ccs: false, certificate)."
            },
        )
    ]


def _server_certificate(request: DiagnoseRequest, snapshot: Snapshot, s: Serving, now: datetime) -> list[Finding]:
    thumbprint = (s.record.certificate_hash if s.record else s.binding.certificate_hash).upper()
    store_name = (s.record.certificate_store if s.record else s.binding.certificate_store) or "My"
    store = snapshot.stores_named("WebHosting" if store_name.lower() == "webhosting" else "My")
    found = store.get(thumbprint) if store else None
    evidence = {"binding": s.binding.binding_information, "thumbprint": thumbprint, "store": store_name}
    fix = _fix("site_binding", site=request.site, certificate={"pfx": "<server.pfx>", "password": "<vault>"})
    if found is None:
        return [
            Finding(
                "SERVER_CERT_MISSING",
                "error",
                "reset",
                "the binding's server certificate is not in its store",
                f"{thumbprint} is bound but not in LocalMachine\\{store_name}: TLS handshakes fail.",
                evidence,
                fix,
            )
        ]
    info = found.info
    evidence["subject"] = info.subject
    findings = []
    if not found.has_private_key:
        findings.append(
            Finding(
                "SERVER_CERT_NO_PRIVATE_KEY",
                "error",
                "reset",
                "the server certificate has no private key",
                f"{info.label} cannot be used for TLS without its key.",
                evidence,
                fix,
            )
        )
    if info.expired(now):
        findings.append(
            Finding(
                "SERVER_CERT_EXPIRED",
                "error",
                "reset",
                "the server certificate has expired",
                f"{info.label} expired on {info.not_after:%Y-%m-%d}.",
                evidence,
                fix,
            )
        )
    elif info.expires_within(now, request.expiry_warning_days):
        findings.append(
            Finding(
                "SERVER_CERT_EXPIRING",
                "warning",
                "none yet",
                "the server certificate expires soon",
                f"{info.label} expires on {info.not_after:%Y-%m-%d}.",
                evidence,
                fix,
            )
        )
    return findings


def check_ssl_settings(request: DiagnoseRequest, snapshot: Snapshot, serving: list[Serving]) -> list[Finding]:
    wanted = location_flags(request, snapshot)
    findings = []
    access = snapshot.iis.access_at(request.location) if snapshot.iis else None
    if access is not None and access.web_config is not None:
        # SSL Settings unlocked: IIS enforces the web.config's value (WINDOWS_FACTS IISCONFIG-13, issue 10 item 14).
        findings.append(
            Finding(
                "SSL_SETTINGS_IN_WEB_CONFIG",
                "info",
                "n/a",
                f"the SSL settings IIS enforces at {request.location} come from the web.config of {access.web_config}",
                "SSL Settings are unlocked there: IIS enforces that web.config's sslFlags, and mtls.iis.ssl_settings, "
                "which writes applicationHost.config, cannot change them.",
                {
                    "location": request.location,
                    "web_config": access.web_config,
                    "sslFlags": flags.access_flags_text(wanted),
                },
                {
                    "text": f"change sslFlags in the web.config of {access.web_config}, or remove them there and use "
                    "mtls.iis.ssl_settings"
                },
            )
        )
    if wanted & flags.REQUIRE_CERT and not wanted & flags.SSL:
        findings.append(
            Finding(
                "CERT_REQUIRED_WITHOUT_SSL",
                "warning",
                "403.7",
                f"{request.location} requires client certificates but not SSL",
                "Requests over plain HTTP can never carry a client certificate and are answered 403.7.",
                {"location": request.location, "sslFlags": flags.access_flags_text(wanted)},
                _fix("ssl_settings", path=request.location, require_ssl=True),
            )
        )
    tls13_possible = snapshot.os_build is None or snapshot.os_build >= FIRST_TLS13_BUILD
    if wanted & flags.NEGOTIATE_CERT and tls13_possible:
        for s in serving:
            negotiates = bool(s.record and s.record.negotiate_client_certificate) or bool(
                s.binding.ssl_flags & flags.BINDING_NEGOTIATE_CLIENT_CERT
            )
            tls13_off = bool(s.binding.ssl_flags & flags.TLS_OPTIONS["disable_tls13"][0]) or bool(
                s.record and s.record.disable_tls13
            )
            if not negotiates and not tls13_off:
                findings.append(
                    Finding(
                        "TLS13_RENEGOTIATION",
                        "error",
                        "reset",
                        "client certificates are asked for after the handshake, which TLS 1.3 cannot do",
                        f"{request.location} has SslNegotiateCert and binding {s.binding.binding_information} neither "
                        "negotiates the client certificate in the handshake nor disables TLS 1.3: connection reset on "
                        "Server 2022, HTTP 500 (0x80070032) on Server 2025.",
                        {
                            "location": request.location,
                            "binding": s.binding.binding_information,
                            "os_version": snapshot.host.get("os_version"),
                        },
                        _fix(
                            "site_binding",
                            site=request.site,
                            host=request.host or None,
                            negotiate_client_certificate=True,
                        ),
                    )
                )
    return findings


def _issuer_list_bytes(certs: list[StoreCert]) -> int:
    return sum(len(c.cert.subject.public_bytes()) + 2 for c in certs)


def _sends_issuer_list(snapshot: Snapshot) -> bool:
    return effective(SEND_TRUSTED_ISSUER_LIST, (snapshot.schannel or {}).get(SEND_TRUSTED_ISSUER_LIST)) == 1


def _issuer_list_store(snapshot: Snapshot, serving: list[Serving]) -> tuple[str, Store | None]:
    """The store whose CA names Schannel sends with SendTrustedIssuerList=1: the binding's sslctlstorename, else Root
    (KB2802568; WINDOWS_FACTS CLIENTAUTH-2)."""
    ctl = next((s.record.ctl_store_name for s in serving if s.record and s.record.ctl_store_name), None)
    return (ctl, snapshot.stores_named(ctl)) if ctl else (ROOT, snapshot.store(ROOT))


def check_trust_stores(request: DiagnoseRequest, snapshot: Snapshot, serving: list[Serving]) -> list[Finding]:
    send_list = _sends_issuer_list(snapshot)
    findings = []
    misplaced = [c.info for c in snapshot.store(ROOT).certificates if not c.info.self_signed]
    if misplaced:
        findings.append(
            Finding(
                "NON_SELF_SIGNED_IN_ROOT",
                "error",
                "403.7" if send_list else "403.16",
                "certificates that are not self-signed sit in Trusted Root",
                "Windows then rejects client certificates"
                + (" before the client can send one (SendTrustedIssuerList=1: 403.7)." if send_list else " (403.16).")
                + " KB2802568; Microsoft's fix is to move them to the Intermediate Certification Authorities store.",
                {"store": "LocalMachine\\Root", "certificates": [c.label for c in misplaced]},
                _fix("trusted_certs", non_self_signed_roots="move"),
            )
        )
    if send_list:
        store_name, store = _issuer_list_store(snapshot, serving)
        listed = list(store.certificates if store else ())
        size = _issuer_list_bytes(listed)
        if size > ISSUER_LIST_LIMIT:
            findings.append(
                Finding(
                    "TRUSTED_ISSUER_LIST_TOO_LARGE",
                    "error",
                    "403.7",
                    "the trusted issuer list is larger than Schannel sends",
                    f"SendTrustedIssuerList=1 sends the names of {len(listed)} CAs ({size} bytes) from "
                    f"LocalMachine\\{store_name}; Schannel truncates at 16 KB and clients may send no certificate "
                    "(KB2801679).",
                    {"store": store_name, "bytes": size, "certificates": len(listed)},
                    _fix("schannel", send_trusted_issuer_list=False),
                )
            )
    return findings


def check_schannel(request: DiagnoseRequest, snapshot: Snapshot, serving: list[Serving]) -> list[Finding]:
    schannel = snapshot.schannel or {}
    mode = effective(CLIENT_AUTH_TRUST_MODE, schannel.get(CLIENT_AUTH_TRUST_MODE))
    findings = []
    if snapshot.schannel_pending_reboot:
        findings.append(
            Finding(
                "SCHANNEL_REBOOT_PENDING",
                "warning",
                "pending",
                "a Schannel change waits for a reboot",
                "ClientAuthTrustMode or SendTrustedIssuerList changed since the last boot; Schannel (in LSASS) "
                "still acts on the old values.",
                {
                    "ClientAuthTrustMode": schannel.get(CLIENT_AUTH_TRUST_MODE),
                    "SendTrustedIssuerList": schannel.get(SEND_TRUSTED_ISSUER_LIST),
                },
                {"text": "reboot the host (role mtls.iis.client_cert_auth: client_cert_auth_reboot: true)"},
            )
        )
    if mode in (1, 2):
        for s in serving:
            ctl = s.record.ctl_store_name if s.record else None
            store = snapshot.stores_named(ctl) if ctl else None
            if not ctl or store is None or not store.certificates:
                findings.append(
                    Finding(
                        "TRUST_MODE_WITHOUT_ISSUER_STORE",
                        "error",
                        "403.16",
                        f"ClientAuthTrustMode {TRUST_MODE_NAMES[mode]} but the binding has no usable issuer store",
                        f"Binding {s.binding.binding_information} has "
                        + (
                            f"issuer store {ctl!r}, which is empty or missing"
                            if ctl
                            else "no issuer store (sslctlstorename)"
                        )
                        + ": Schannel accepts no client certificate.",
                        {"binding": s.binding.binding_information, "ctl_store_name": ctl, "mode": mode},
                        _fix("site_binding", site=request.site, client_auth_issuer_store="ClientAuthIssuer"),
                    )
                )
    return findings


def check_mapping(request: DiagnoseRequest, snapshot: Snapshot, serving: list[Serving]) -> list[Finding]:
    auth = snapshot.site_auth(request.site)
    findings = []
    if auth is None:
        return findings
    wanted = location_flags(request, snapshot)
    ad_in_use = bool(auth.ad_mapping) and any(s.record and s.record.ds_mapper for s in serving)
    # The sections are always there; the feature decides whether IIS maps at all (WINDOWS_FACTS AUTH-1).
    cert_auth = snapshot.feature_installed("Web-Cert-Auth")
    if not cert_auth and wanted & flags.REQUIRE_CERT and not auth.anonymous and not ad_in_use:
        findings.append(
            Finding(
                "MAPPING_FEATURE_MISSING",
                "error",
                "401",
                "client certificates are required, anonymous access is off, and certificate mapping is not installed",
                "Without Web-Cert-Auth IIS cannot map the certificate to an account, so nobody is authenticated.",
                {"feature": "Web-Cert-Auth"},
                _fix("cert_mapping", site=request.site, enabled=True, install_feature=True),
            )
        )
    if auth.below_site:
        findings.append(
            Finding(
                "MAPPING_BELOW_SITE",
                "warning",
                "401",
                "certificate mappings configured below site level",
                "IIS honours client certificate mappings at site level only; these are ignored.",
                {"locations": list(auth.below_site)},
                _fix("cert_mapping", site=request.site, clear_below_site=True),
            )
        )
    mapping = auth.iis_mapping
    many_active = mapping.enabled and mapping.many_to_one_enabled and bool(mapping.many_to_one)
    if auth.ad_mapping:
        if many_active:
            findings.append(
                Finding(
                    "MANY_TO_ONE_WITH_AD_MAPPING",
                    "error",
                    "500",
                    "IIS many-to-one mapping and Active Directory mapping are both enabled",
                    "IIS refuses this combination on a site.",
                    {"site": request.site},
                    _fix("cert_mapping", site=request.site, ad_mapping=False),
                )
            )
        lacking = [s.binding.binding_information for s in serving if not (s.record and s.record.ds_mapper)]
        if lacking:
            findings.append(
                Finding(
                    "AD_MAPPING_WITHOUT_DS_MAPPER",
                    "error",
                    "401",
                    "Active Directory mapping is on but the binding does not use the DS mapper",
                    "HTTP.sys maps certificates to AD accounts only with dsmapperusage enabled on the binding.",
                    {"bindings": lacking},
                    _fix("site_binding", site=request.site, ds_mapper=True),
                )
            )
    return findings


def check_tracing(request: DiagnoseRequest, snapshot: Snapshot) -> list[Finding]:
    tracing = snapshot.site_tracing(request.site)
    installed = snapshot.feature_installed("Web-Http-Tracing")
    if tracing is not None and tracing.enabled and tracing.rules and installed:
        return []
    return [
        Finding(
            "TRACING_OFF",
            "info",
            "n/a",
            "Failed Request Tracing is off for the site",
            "With it on, IIS writes a trace of every 403.7/403.16/403.17 with the Schannel and authentication details.",
            {"site": request.site, "feature_installed": installed},
            _fix("failed_request_tracing", site=request.site, enabled=True),
        )
    ]


# -- client certificate checks -------------------------------------------------------------------
def _issuer_stores(snapshot: Snapshot, serving: list[Serving]) -> list[str]:
    """The client-auth issuer stores the serving bindings name (HTTP.sys sslctlstorename) that were gathered."""
    names = {
        s.record.ctl_store_name.lower(): s.record.ctl_store_name
        for s in serving
        if s.record and s.record.ctl_store_name
    }
    return [name for key, name in sorted(names.items()) if key not in (ROOT.lower(), CA.lower())]


def _pool(request: DiagnoseRequest, snapshot: Snapshot, serving: list[Serving]) -> list[Candidate]:
    """Every certificate Windows' chain engine could use: the client's, LocalMachine stores, then the controller's.

    The binding's client-auth issuer store takes part only with ClientAuthTrustMode 1 or 2, where Schannel makes it
    the exclusive trust store; in machine trust it only feeds the trusted issuer list (WINDOWS_FACTS CLIENTAUTH-3).
    """
    pool = [candidate(c, CLIENT) for c in request.client[1:]]
    mode = effective(CLIENT_AUTH_TRUST_MODE, (snapshot.schannel or {}).get(CLIENT_AUTH_TRUST_MODE))
    for name in (ROOT, CA, *(_issuer_stores(snapshot, serving) if mode in (1, 2) else ())):
        store = snapshot.stores_named(name)
        pool += [
            Candidate(c.cert, c.info, f"LocalMachine\\{store.name}") for c in (store.certificates if store else ())
        ]
    pool += [candidate(c, ADMIN) for c in request.issuers]
    return pool


def _subfield(name: x509.Name, subfield: str) -> list[str]:
    oids = {
        "CN": NameOID.COMMON_NAME,
        "O": NameOID.ORGANIZATION_NAME,
        "OU": NameOID.ORGANIZATIONAL_UNIT_NAME,
        "L": NameOID.LOCALITY_NAME,
        "S": NameOID.STATE_OR_PROVINCE_NAME,
        "C": NameOID.COUNTRY_NAME,
        "E": NameOID.EMAIL_ADDRESS,
    }
    oid = oids.get(subfield)
    return [str(a.value) for a in name.get_attributes_for_oid(oid)] if oid else []


def _rule_matches(cert: x509.Certificate, rule: Any) -> bool:
    name = cert.subject if rule.field == "Subject" else cert.issuer
    values = _subfield(name, rule.subfield)
    if rule.case_sensitive:
        return any(fnmatch.fnmatchcase(v, rule.match) for v in values)
    return any(fnmatch.fnmatchcase(v.lower(), rule.match.lower()) for v in values)


def _usage_check(serving: list[Serving]) -> bool:
    """HTTP.sys checks the client certificate's EKU unless every serving binding disabled it (0x10000)."""
    return not serving or any(s.usage_check for s in serving)


def check_client(
    request: DiagnoseRequest, snapshot: Snapshot, serving: list[Serving], now: datetime
) -> tuple[list[Finding], dict]:
    leaf = candidate(request.client[0], CLIENT)
    info = leaf.info
    usage_check = _usage_check(serving)
    findings: list[Finding] = []
    evidence = {"client": info.label}
    if info.expired(now):
        findings.append(
            Finding(
                "CLIENT_CERT_EXPIRED",
                "error",
                "403.17",
                "the client certificate has expired",
                f"{info.label} expired on {info.not_after:%Y-%m-%d}.",
                evidence,
                {"text": "issue the client a new certificate"},
            )
        )
    elif info.not_yet_valid(now):
        findings.append(
            Finding(
                "CLIENT_CERT_NOT_YET_VALID",
                "error",
                "403.17",
                "the client certificate is not valid yet",
                f"{info.label} is valid from {info.not_before:%Y-%m-%d %H:%M} UTC (check the clocks).",
                evidence,
                {"text": "wait, or fix the clock of the issuing CA or of the server"},
            )
        )
    if info.client_auth_eku is False and usage_check:
        findings.append(
            Finding(
                "CLIENT_CERT_NO_CLIENT_AUTH_EKU",
                "error",
                "403.16",
                "the client certificate is not valid for client authentication",
                f"{info.label} has an extended key usage without clientAuth, and the binding checks usage "
                "(HTTP.sys usagecheck, on by default).",
                evidence,
                {"text": "issue the client a certificate with the Client Authentication EKU"},
            )
        )

    pool = _pool(request, snapshot, serving)
    chain = build_chain(leaf, pool, now, usage_check=usage_check)
    findings += _chain_findings(request, chain)
    findings += _problem_findings(chain)
    findings += _weak_ca_findings(chain)
    findings += _issuer_store_findings(request, snapshot, serving, chain)
    findings += _issuer_list_findings(request, snapshot, serving, chain)
    findings += _revocation_findings(leaf, serving)
    findings += _mapping_match_findings(request, snapshot, leaf)

    roots = [c for c in pool if c.source == ROOT_STORE and c.info.self_signed]
    verdict = verify(leaf, [c for c in chain.cas if not c.info.self_signed], roots, now)
    windows_errors = [f for f in findings if f.severity == "error" and f.status.startswith("403")]
    if not verdict.valid and not windows_errors:
        findings.append(
            Finding(
                "LIBRARY_REJECTS_CHAIN",
                "info",
                "none",
                "cryptography's Web PKI verifier rejects the chain that Windows' rules accept",
                f"{verdict.error}. {verdict.note}",
                {**evidence, "library_error": verdict.error},
                {"text": "nothing to fix for IIS; reissue with current algorithms when the PKI is renewed"},
            )
        )
    chain_report = {
        "complete": chain.complete,
        "trusted": chain.trusted,
        "links": [{"subject": c.info.subject, "thumbprint": c.info.thumbprint, "found": c.source} for c in chain.links],
        "windows_verdict": "rejected" if chain.errors else "cannot tell" if chain.unknowns else "accepted",
        "problems": [asdict(p) for p in chain.problems],
        "usage_check": usage_check,
        "x509_valid": verdict.valid,
        "x509_error": verdict.error,
        "note": verdict.note,
    }
    return findings, chain_report


def _chain_findings(request: DiagnoseRequest, chain: Chain) -> list[Finding]:
    findings = []
    for link in chain.cas:
        if link.source == ADMIN and not link.info.self_signed:
            findings.append(
                Finding(
                    "INTERMEDIATE_MISSING",
                    "error",
                    "403.16",
                    "an intermediate CA is neither on the server nor sent by the client",
                    f"{link.info.label} is needed to build the chain; IIS does not download missing intermediates.",
                    {"certificate": link.info.label},
                    _fix("trusted_certs", certificates=[{"path": "<the intermediate>.pem"}]),
                )
            )
    anchor = chain.anchor
    if chain.complete and anchor.source != ROOT_STORE:
        findings.append(
            Finding(
                "CLIENT_ROOT_NOT_TRUSTED",
                "error",
                "403.16",
                "the client's root CA is not in LocalMachine\\Root",
                f"The chain ends at {anchor.info.label}, {anchor.source}, which Windows does not trust.",
                {"root": anchor.info.label, "found": anchor.source},
                _fix("trusted_certs", certificates=[{"path": "<the client root>.pem"}]),
            )
        )
    if not chain.complete:
        last = chain.anchor
        findings.append(
            Finding(
                "CLIENT_CHAIN_INCOMPLETE",
                "error",
                "403.16",
                "the client certificate does not chain to any known CA",
                f"No certificate issued {last.info.label}: its issuer {last.info.issuer} is in neither the "
                "client's chain, LocalMachine\\CA nor LocalMachine\\Root.",
                {"issuer": last.info.issuer},
                _fix("trusted_certs", certificates=[{"path": "<issuer of the client certificate>.pem"}]),
            )
        )
    return findings


#: chain problem code -> (finding id, title, fix)
PROBLEM_FINDINGS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "CA_EXPIRED": (
        "CHAIN_CA_EXPIRED",
        "a CA certificate in the client's chain has expired",
        _fix("trusted_certs", certificates=[{"path": "<the renewed CA>.pem"}]),
    ),
    "CA_NOT_YET_VALID": (
        "CHAIN_CA_NOT_YET_VALID",
        "a CA certificate in the client's chain is not valid yet",
        {"text": "check the server's clock and the CA's validity; use the CA certificate already in force"},
    ),
    "NOT_A_CA": (
        "CHAIN_ISSUER_NOT_A_CA",
        "a certificate in the client's chain issues certificates but is not a CA (basicConstraints CA:FALSE)",
        {"text": "issue client certificates from a CA certificate with basicConstraints CA:TRUE"},
    ),
    "PATH_LENGTH": (
        "CHAIN_PATH_LENGTH_EXCEEDED",
        "the client's chain is longer than a CA's pathLenConstraint allows",
        {"text": "issue the client certificate from a CA within the allowed path length"},
    ),
    "CA_EKU_EXCLUDES_CLIENT_AUTH": (
        "CHAIN_CA_EKU_EXCLUDES_CLIENT_AUTH",
        "a CA in the client's chain is not allowed to issue client-authentication certificates",
        {
            "text": "issue client certificates from a CA whose EKU includes Client Authentication (or, knowingly, turn "
            "off HTTP.sys's usage check: netsh http update sslcert ... usagecheck=disable)"
        },
    ),
    "NAME_NOT_PERMITTED": (
        "CHAIN_NAME_CONSTRAINT_VIOLATED",
        "the client's chain violates a CA's name constraints",
        {"text": "issue the client certificate with a subject inside the CA's permitted names"},
    ),
    "NAME_EXCLUDED": (
        "CHAIN_NAME_CONSTRAINT_VIOLATED",
        "the client's chain violates a CA's name constraints",
        {"text": "issue the client certificate with a subject outside the CA's excluded names"},
    ),
    "WEAK_KEY": (
        "CHAIN_RSA_KEY_BLOCKED",
        "a certificate in the client's chain has an RSA key under 1024 bits, which Windows blocks",
        {"text": "reissue the certificate with an RSA key of 2048 bits or more"},
    ),
}


def _problem_findings(chain: Chain) -> list[Finding]:
    findings: list[Finding] = []
    for problem in chain.errors:
        finding_id, title, fix = PROBLEM_FINDINGS[problem.code]
        findings.append(
            Finding(
                finding_id, "error", problem.status, title, problem.detail, {"certificate": problem.certificate}, fix
            )
        )
    if chain.unknowns:
        findings.append(
            Finding(
                "CHAIN_CANNOT_TELL",
                "warning",
                "cannot tell",
                "part of the client's chain cannot be judged on the controller",
                "Windows decides these points on the host; this controller cannot: "
                + " ".join(p.detail for p in chain.unknowns),
                {"problems": [asdict(p) for p in chain.unknowns]},
                {"text": "check the chain on the server: certutil -verify -urlfetch client.cer"},
            )
        )
    return findings


def _weak_ca_findings(chain: Chain) -> list[Finding]:
    """Windows accepts these (enterprise PKIs are outside Microsoft's SHA-1 deprecation), but a person should know."""
    findings: list[Finding] = []
    for link in chain.cas:
        info = link.info
        root = chain.complete and link is chain.anchor
        if info.signature_hash == "SHA-1" or info.signature_hash.startswith("MD"):
            findings.append(
                Finding(
                    "CA_WEAK_SIGNATURE",
                    "info" if root else "warning",
                    "none",
                    f"a CA certificate in the client's chain is signed with {info.signature_hash}",
                    f"{info.label} is signed with {info.signature_hash}. Windows accepts it for enterprise PKIs "
                    "(Microsoft's SHA-1 and MD5 deprecations cover its root programme only)"
                    + ("; a root's own signature carries no trust." if root else "; plan to reissue it with SHA-256."),
                    {"certificate": info.label, "signature_hash": info.signature_hash},
                    {"text": "reissue the CA certificate with SHA-256 at its next renewal"},
                )
            )
        if info.key_type == "RSA" and 1024 <= info.key_bits < 2048:
            findings.append(
                Finding(
                    "CA_RSA_UNDER_2048",
                    "warning",
                    "none",
                    "a CA certificate in the client's chain has an RSA key under 2048 bits",
                    f"{info.label} has a {info.key_bits}-bit RSA key. Windows accepts it (only keys under 1024 bits "
                    "are blocked) but it is weak and Web PKI tools reject it.",
                    {"certificate": info.label, "key_bits": info.key_bits},
                    {"text": "renew the CA with a 2048-bit or larger key"},
                )
            )
    return findings


def _issuer_store_findings(
    request: DiagnoseRequest, snapshot: Snapshot, serving: list[Serving], chain: Chain
) -> list[Finding]:
    mode = effective(CLIENT_AUTH_TRUST_MODE, (snapshot.schannel or {}).get(CLIENT_AUTH_TRUST_MODE))
    findings = []
    if mode not in (1, 2):
        return findings
    for s in serving:
        ctl = s.record.ctl_store_name if s.record else None
        store = snapshot.stores_named(ctl) if ctl else None
        if store is None or not store.certificates:
            continue  # reported by check_schannel
        candidates = [chain.anchor] if mode == 1 else list(chain.cas)
        if not any(store.has(c.info.thumbprint) for c in candidates):
            what = "its root" if mode == 1 else "any of its CA certificates"
            findings.append(
                Finding(
                    "ISSUER_NOT_IN_ISSUER_STORE",
                    "error",
                    "403.16",
                    f"the client's chain is not anchored in the binding's issuer store ({TRUST_MODE_NAMES[mode]})",
                    f"ClientAuthTrustMode={mode} needs {what} in LocalMachine\\{ctl}; none is there.",
                    {"store": ctl, "chain": [c.info.label for c in chain.cas]},
                    _fix(
                        "trusted_certs",
                        client_auth_issuers=[{"path": "<client issuing CA>.pem"}],
                        client_auth_issuer_store=ctl,
                    ),
                )
            )
    return findings


def _issuer_list_findings(
    request: DiagnoseRequest, snapshot: Snapshot, serving: list[Serving], chain: Chain
) -> list[Finding]:
    """KB2802568 scenario 2: with SendTrustedIssuerList=1 a client whose CAs are not in the list sends no certificate.

    The list is built from the binding's client-auth issuer store (sslctlstorename), else LocalMachine\\Root
    (WINDOWS_FACTS CLIENTAUTH-2); it applies whatever ClientAuthTrustMode is.
    """
    if not _sends_issuer_list(snapshot):
        return []
    store_name, store = _issuer_list_store(snapshot, serving)
    listed = {c.cert.subject for c in (store.certificates if store else ())}
    names = {chain.links[0].cert.issuer, *(c.cert.subject for c in chain.cas)}
    if names & listed:
        return []
    return [
        Finding(
            "CLIENT_CA_NOT_IN_ISSUER_LIST",
            "error",
            "403.7",
            "the client's CAs are not in the trusted issuer list the server sends",
            f"SendTrustedIssuerList=1: the server names the CAs of LocalMachine\\{store_name} in its certificate "
            f"request and none of them is in the chain of {chain.links[0].info.label}, so clients offer no "
            "certificate (KB2802568, scenario 2: 403.7).",
            {"store": store_name, "client_cas": sorted(n.rfc4514_string() for n in names)},
            _fix("trusted_certs", client_auth_issuers=[{"path": "<client issuing CA>.pem"}]),
        )
    ]


def _revocation_findings(leaf: Candidate, serving: list[Serving]) -> list[Finding]:
    checks = [s for s in serving if not (s.record and s.record.revocation == "off")]
    if not checks:
        return []
    try:
        leaf.cert.extensions.get_extension_for_class(x509.CRLDistributionPoints)
        return []
    except x509.ExtensionNotFound:
        pass
    try:
        aia = leaf.cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
        if any(d.access_method == AuthorityInformationAccessOID.OCSP for d in aia):
            return []
    except x509.ExtensionNotFound:
        pass
    return [
        Finding(
            "CLIENT_CERT_NO_REVOCATION_INFO",
            "warning",
            "403.13",
            "the client certificate carries no CRL or OCSP location while the binding checks revocation",
            "Windows may fail to determine its revocation status; IIS then answers 403.13 (CA and policy decide).",
            {"client": leaf.info.label},
            {
                **_fix("site_binding", revocation_check="disabled"),
                "text": "better: issue client certificates with a CRL distribution point or OCSP URL; turn revocation "
                "checking off only for a PKI that publishes no revocation",
            },
        )
    ]


def _mapping_match_findings(request: DiagnoseRequest, snapshot: Snapshot, leaf: Candidate) -> list[Finding]:
    auth = snapshot.site_auth(request.site)
    if auth is None or not snapshot.feature_installed("Web-Cert-Auth") or not auth.iis_mapping.enabled:
        return []
    if auth.anonymous:
        return []
    mapping = auth.iis_mapping
    # A mapping stored with line breaks never matches (WINDOWS_FACTS AUTH-6).
    if mapping.one_to_one_enabled and any(
        m.certificate == leaf.info.der_b64 and m.enabled and not m.drifted for m in mapping.one_to_one
    ):
        return []
    if mapping.many_to_one_enabled:
        for m in mapping.many_to_one:
            if m.enabled and m.rules and all(_rule_matches(leaf.cert, r) for r in m.rules):
                if m.permission == "Deny":
                    return [
                        Finding(
                            "MAPPER_DENIED",
                            "error",
                            "403.12",
                            f"the many-to-one mapping {m.name!r} denies this certificate",
                            "A matching many-to-one mapping with permission Deny rejects the client.",
                            {"mapping": m.name},
                            _fix("cert_mapping", site=request.site),
                        )
                    ]
                return []
    return [
        Finding(
            "CLIENT_NOT_MAPPED",
            "error",
            "401",
            "no certificate mapping matches the client certificate",
            "Anonymous access is off and IIS client certificate mapping finds no account for this certificate.",
            {"client": leaf.info.label},
            _fix("cert_mapping", site=request.site),
        )
    ]


# -- all -----------------------------------------------------------------------------------------
def diagnose(request: DiagnoseRequest, snapshot: Snapshot, now: datetime) -> tuple[list[Finding], dict | None]:
    serving = serving_bindings(request, snapshot)
    findings = [
        *check_bindings(request, snapshot, serving, now),
        *check_ssl_settings(request, snapshot, serving),
        *check_trust_stores(request, snapshot, serving),
        *check_schannel(request, snapshot, serving),
        *check_mapping(request, snapshot, serving),
        *check_tracing(request, snapshot),
    ]
    chain_report = None
    if request.client:
        client_findings, chain_report = check_client(request, snapshot, serving, now)
        findings += client_findings
    findings.sort(key=lambda f: SEVERITIES.index(f.severity))
    return findings, chain_report
