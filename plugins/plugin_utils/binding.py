# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Site binding part: one HTTPS binding with its certificate, TLS bits and HTTP.sys options. Pure."""

from __future__ import annotations

import base64
import ipaddress
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from . import flags
from .certs import CertInfo, Pfx, load_pfx, pfx_for_host
from .diff import View, store_view
from .errors import OptionError
from .hostnames import binding_host
from .httpsys import REVOCATION_CHOICES, Record, httpsys_key, iis_default_record, kept_settings, with_binding_tls
from .names import canonical_store_name, normalize_thumbprint
from .plan import Op, Phase, Plan
from .snapshot import Scope, Site, SiteBinding, Snapshot
from .sources import FileReader
from .trust import INTERMEDIATE, ca_imports

SERVER_CERT_STORES = ("My", "WebHosting")
#: The Windows feature "Centralized SSL Certificate Support" (IIS Manager's Central Certificate Store provider): without
#: it a CCS binding has no certificate to offer (WINDOWS_FACTS FEATURE-5).
CCS_FEATURE = "Web-CertProvider"
PFX_SECRET = "pfx0"
HTTPSYS_OPTIONS = (
    "negotiate_client_certificate",
    "client_auth_issuer_store",
    "revocation_check",
    "revocation_freshness_seconds",
    "ds_mapper",
)


@dataclass(frozen=True)
class ServerCertificate:
    thumbprint: str
    store: str
    info: CertInfo | None = None  # known on the controller when given as PFX
    pfx: Pfx | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)

    @property
    def chain(self) -> tuple[CertInfo, ...]:
        """The PFX's other certificates (its CA chain), placed into LocalMachine\\CA."""
        return self.pfx.chain if self.pfx else ()


@dataclass(frozen=True)
class BindingDesired:
    site: str
    ip: str
    port: int
    host: str
    sni: bool
    certificate: ServerCertificate | None
    tls: dict[str, bool | None]  # disable_* -> True/False, None = leave the bit as it is
    httpsys: dict[str, Any]  # HTTPSYS_OPTIONS -> value, None = keep the current one
    state: str = "present"
    expiry_warning_days: int = 30
    prefix: str = ""  # where the options sit in the task, for messages: "sites[0].bindings[1]."
    host_unicode: str = ""  # the host as written when it is an internationalised name (host holds its A-label)
    warnings: tuple[str, ...] = ()  # what the options alone show to be almost surely a mistake
    ccs: bool | None = None  # the certificate from the Central Certificate Store; None = as the binding has it

    @property
    def binding_information(self) -> str:
        return f"{self.ip}:{self.port}:{self.host}"

    def plan(self, snapshot: Snapshot, now: datetime) -> Plan:
        return plan_binding(self, snapshot, now)

    def view(self, snapshot: Snapshot) -> View:
        return binding_view(self, snapshot)

    def scope(self) -> Scope:
        stores = frozenset({self.certificate.store}) if self.certificate else frozenset()
        if self.certificate and self.certificate.chain:
            stores |= {INTERMEDIATE}
        features = frozenset({CCS_FEATURE}) if self.ccs and self.state == "present" else frozenset()
        return Scope(sites=frozenset({self.site}), stores=stores, httpsys=True, features=features)

    @classmethod
    def from_options(cls, args: dict[str, Any], read: FileReader, prefix: str = "") -> BindingDesired:
        port = args["port"]
        if not 1 <= port <= 65535:
            raise OptionError(f"{prefix}port", f"{port} is not a TCP port.", "use a port between 1 and 65535 (443).")
        name = binding_host(args.get("host") or "", f"{prefix}host")
        host = name.ascii
        sni = bool(host) if args.get("sni") is None else args["sni"]
        if sni and not host:
            raise OptionError(
                f"{prefix}sni", "SNI needs a host name.", "give host (e.g. www.contoso.com) or set sni: false."
            )
        ccs = args.get("ccs")
        if ccs:
            _check_ccs_options(args, host, prefix)
        store = args.get("client_auth_issuer_store")
        httpsys = {name: args.get(name) for name in HTTPSYS_OPTIONS}
        if httpsys["revocation_check"] is not None:
            httpsys["revocation_check"] = REVOCATION_CHOICES[httpsys["revocation_check"]]
        if store is not None:
            httpsys["client_auth_issuer_store"] = (
                canonical_store_name(store, f"{prefix}client_auth_issuer_store") if store.strip() else ""
            )
        freshness = args.get("revocation_freshness_seconds")
        if freshness is not None and freshness < 0:
            raise OptionError(f"{prefix}revocation_freshness_seconds", "must not be negative.", "use 0 to turn it off.")
        return cls(
            site=args["site"],
            ip=_normalize_ip(args.get("ip") or "*", f"{prefix}ip"),
            port=port,
            host=host,
            sni=sni,
            host_unicode=name.unicode,
            warnings=_option_warnings(args, prefix),
            certificate=_server_certificate(args.get("certificate"), read, f"{prefix}certificate"),
            tls={name: args.get(name) for name in flags.TLS_OPTIONS},
            httpsys=httpsys,
            state=args.get("state", "present"),
            expiry_warning_days=args.get("expiry_warning_days", 30),
            prefix=prefix,
            ccs=ccs,
        )


def _check_ccs_options(args: dict[str, Any], host: str, prefix: str) -> None:
    """``ccs: true`` takes the certificate from the Central Certificate Store by the binding's host name (the
    ``<host>.pfx`` file on its share, WINDOWS_FACTS BINDING-9): a certificate option or a binding without host name
    cannot go with it."""
    if args.get("certificate"):
        raise OptionError(
            f"{prefix}certificate",
            "is given with ccs: true, but a Central Certificate Store binding takes its certificate from the store "
            "(the file <host>.pfx on its share), never from LocalMachine\\My or WebHosting.",
            "remove certificate, or set ccs: false to bind this certificate.",
        )
    if not host:
        raise OptionError(
            f"{prefix}ccs",
            "ccs: true needs a host name: the Central Certificate Store picks the certificate by the host name the "
            "client asks for (SNI).",
            "give host (e.g. www.contoso.com), or set ccs: false and give a certificate.",
        )


def _option_warnings(args: dict[str, Any], prefix: str) -> tuple[str, ...]:
    certificate = args.get("certificate") or {}
    if certificate.get("thumbprint") and certificate.get("password"):
        return (
            f"{prefix}certificate.password is ignored: the certificate is given by thumbprint (already on the host). "
            "Fix: remove password, or give certificate.pfx instead of thumbprint to ship the certificate.",
        )
    return ()


def _shared_record_owner(desired: BindingDesired, snapshot: Snapshot, kind: str, key: str, cert_hash: str) -> None:
    """Refuse a new binding whose HTTP.sys record already exists for another binding with another certificate.

    WINDOWS_FACTS VALID-3: IIS keys a non-SNI binding's record by ``0.0.0.0:port`` for both ``*`` and ``0.0.0.0``, so
    the bindings ``*:443:`` and ``0.0.0.0:443:`` share one record and the second one's certificate replaces the
    first one's.
    """
    record = snapshot.httpsys_record(kind, key)
    if kind != "ipport" or record is None or record.cert_hash.upper() == cert_hash.upper():
        return
    twin = "0.0.0.0" if desired.ip == "*" else "*" if desired.ip == "0.0.0.0" else desired.ip
    raise OptionError(
        f"{desired.prefix}ip",
        f"{desired.ip!r} on port {desired.port} shares the HTTP.sys record {key} with an existing binding "
        f"({twin}:{desired.port}: or another program's); adding this binding would replace that record's "
        f"certificate {record.cert_hash} for both.",
        f"change the existing binding instead (ip: {twin}), or give this binding its own IP address or port.",
    )


def _normalize_ip(value: str, option: str) -> str:
    text = value.strip().strip("[]")
    if text == "*":
        return "*"
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        raise OptionError(
            option, f"{value!r} is not an IP address.", "use * (all addresses) or an IPv4/IPv6 address."
        ) from None
    return f"[{address}]" if address.version == 6 else str(address)


def _server_certificate(spec: dict[str, Any] | None, read: FileReader, option: str) -> ServerCertificate | None:
    if not spec:
        return None
    store = canonical_store_name(spec.get("store") or "My", f"{option}.store")
    if store not in SERVER_CERT_STORES:
        raise OptionError(f"{option}.store", f"IIS binds server certificates from My or WebHosting, not {store}.")
    if spec.get("pfx"):
        data = read(spec["pfx"], f"{option}.pfx")
        pfx = load_pfx(data, spec.get("password"), option, f"file {spec['pfx']}")
        return ServerCertificate(pfx.info.thumbprint, store, pfx.info, pfx, spec.get("password"))
    if spec.get("thumbprint"):
        return ServerCertificate(normalize_thumbprint(spec["thumbprint"], f"{option}.thumbprint"), store)
    raise OptionError(option, "needs thumbprint (a certificate on the host) or pfx (a file on the controller).")


def require_site(snapshot: Snapshot, name: str, option: str = "site") -> Site:
    if snapshot.iis is None or not snapshot.iis.available:
        raise OptionError(option, "IIS is not installed on this host.", "install the Web-Server feature first.")
    site = snapshot.iis.site(name)
    if site is None:
        raise OptionError(
            option,
            f"the IIS site {name!r} does not exist on this host.",
            "create the site first (for example with microsoft.iis.website) or correct the name.",
        )
    return site


def _ccs_shadow_warnings(desired: BindingDesired, snapshot: Snapshot) -> list[str]:
    """HTTP.sys looks for an IP:port record before the port's ccs record (WINDOWS_FACTS HTTPSYS-10): a fixed
    certificate's ipport record on this port answers every handshake a CCS binding there would get."""
    address = "0.0.0.0" if desired.ip == "*" else desired.ip
    keys = {f"{address}:{desired.port}", f"0.0.0.0:{desired.port}"}
    shadowing = sorted(key for key in keys if snapshot.httpsys_record("ipport", key) is not None)
    return [
        f"the HTTP.sys record ipport {key} (a binding without host name on port {desired.port}, or another program's) "
        f"is found before the ccs record of port {desired.port}: its certificate answers the handshakes meant for "
        f"{desired.prefix}host {desired.host} through the Central Certificate Store."
        for key in shadowing
    ]


def _require_ccs_feature(desired: BindingDesired, snapshot: Snapshot) -> None:
    """A Central Certificate Store binding needs the Windows feature Web-CertProvider (FEATURE-5); this collection
    does not install or configure the provider (its share, account and PFX password)."""
    if snapshot.features is None or snapshot.feature_installed(CCS_FEATURE):
        return
    raise OptionError(
        f"{desired.prefix}ccs",
        f"a Central Certificate Store binding needs the Windows feature {CCS_FEATURE} (Centralized SSL Certificate "
        "Support), which is not installed on this host: IIS would have no certificate to offer for this binding.",
        f"install {CCS_FEATURE} and configure the Central Certificate Store (IIS Manager, Centralized Certificates, "
        "or Enable-WebCentralCertProvider) first, or give a certificate with ccs: false.",
    )


def _certificate_ops(desired: BindingDesired, snapshot: Snapshot, now: datetime) -> tuple[list[Op], list[str], dict]:
    cert = desired.certificate
    if cert is None:
        raise AssertionError("certificate ops planned for a binding without a certificate")
    ops: list[Op] = []
    secrets: dict[str, str] = {}
    found = snapshot.store(cert.store).get(cert.thumbprint)
    info = cert.info
    if cert.pfx:
        if found is None or not found.has_private_key:
            secrets[PFX_SECRET] = cert.password or ""
            data = pfx_for_host(cert.pfx, cert.password, snapshot.os_build, f"{desired.prefix}certificate")
            ops.append(
                Op(
                    "pfx_import",
                    {
                        "store": cert.store,
                        "pfx": base64.b64encode(data).decode(),
                        "password_ref": PFX_SECRET,
                        "thumbprint": cert.thumbprint,
                    },
                    Phase.CERTS_IN,
                    f"import {info.label if info else cert.thumbprint} with its private key "
                    f"into LocalMachine\\{cert.store}"
                    + (
                        " (re-encrypted with 3DES: this Windows build cannot open AES PFX files)"
                        if data != cert.pfx.data
                        else ""
                    ),
                )
            )
        ops += ca_imports(cert.chain, snapshot, f"CA certificate of {desired.prefix}certificate.pfx")
    elif found is None:
        raise OptionError(
            f"{desired.prefix}certificate.thumbprint",
            f"{cert.thumbprint} is not in LocalMachine\\{cert.store} on this host.",
            "import the certificate first, or give certificate.pfx (and password) to ship it from the controller.",
        )
    elif not found.has_private_key:
        raise OptionError(
            f"{desired.prefix}certificate.thumbprint",
            f"{cert.thumbprint} in LocalMachine\\{cert.store} has no private key, so HTTPS handshakes would fail.",
            "import the certificate with its key (certificate.pfx).",
        )
    else:
        info = found.info
    return ops, _server_cert_warnings(info, desired.expiry_warning_days, now), secrets


def _server_cert_warnings(info: CertInfo | None, days: int, now: datetime) -> list[str]:
    if info is None:
        return []
    warnings = []
    if info.not_yet_valid(now):
        warnings.append(
            f"the server certificate {info.label} is valid only from {info.not_before:%Y-%m-%d %H:%M} UTC; "
            "TLS clients reject it until then."
        )
    if info.expired(now):
        warnings.append(f"the server certificate {info.label} expired on {info.not_after:%Y-%m-%d}.")
    elif info.expires_within(now, days):
        warnings.append(
            f"the server certificate {info.label} expires on {info.not_after:%Y-%m-%d}, within {days} days."
        )
    if info.server_auth_eku is False:
        warnings.append(
            f"the server certificate {info.label} lacks the serverAuth extended key usage; clients will reject it."
        )
    return warnings


def _uses_ccs(desired: BindingDesired, current: SiteBinding | None) -> bool:
    """Whether the binding is to take its certificate from the Central Certificate Store: as asked, else as the
    binding has it unless a certificate is given."""
    if desired.ccs is not None:
        return desired.ccs
    return desired.certificate is None and current is not None and bool(current.ssl_flags & flags.BINDING_CCS)


def _binding_flags(current: int, desired: BindingDesired, ccs: bool) -> int:
    value = (current | flags.BINDING_SNI) if desired.sni else (current & ~flags.BINDING_SNI)
    value = (value | flags.BINDING_CCS) if ccs else (value & ~flags.BINDING_CCS)
    for name, (bit, _httpsys_bit) in flags.TLS_OPTIONS.items():
        wanted = desired.tls.get(name)
        if wanted is True:
            value |= bit
        elif wanted is False:
            value &= ~bit
    return value


def _desired_record(base: Record | None, cert_hash: str, cert_store: str, binding_flags: int, options: dict) -> Record:
    record = base or iis_default_record(cert_hash, cert_store, binding_flags)
    changes: dict[str, Any] = {"certificate_hash": cert_hash.upper(), "certificate_store": cert_store}
    if options.get("negotiate_client_certificate") is not None:
        changes["negotiate_client_certificate"] = options["negotiate_client_certificate"]
    if options.get("client_auth_issuer_store") is not None:
        changes["ctl_store_name"] = options["client_auth_issuer_store"] or None
    if options.get("ds_mapper") is not None:
        changes["ds_mapper"] = options["ds_mapper"]
    if options.get("revocation_check") is not None:
        changes["revocation"] = options["revocation_check"]
    if options.get("revocation_freshness_seconds") is not None:
        changes["revocation_freshness_seconds"] = options["revocation_freshness_seconds"]
    return with_binding_tls(replace(record, **changes), binding_flags)


def plan_binding(desired: BindingDesired, snapshot: Snapshot, now: datetime) -> Plan:
    site = require_site(snapshot, desired.site, f"{desired.prefix}site")
    bi = desired.binding_information
    current = site.binding(bi)
    if desired.state == "absent":
        return _plan_absent(desired, snapshot, site)

    ccs = _uses_ccs(desired, current)
    if ccs:
        _require_ccs_feature(desired, snapshot)
    ops: list[Op] = []
    warnings: list[str] = _ccs_shadow_warnings(desired, snapshot) if ccs else []
    secrets: dict[str, str] = {}
    if desired.certificate is None and not ccs and (current is None or current.ssl_flags & flags.BINDING_CCS):
        what = "does not exist yet" if current is None else "takes its certificate from the Central Certificate Store"
        raise OptionError(
            f"{desired.prefix}certificate",
            f"the binding {bi} of site {site.name!r} {what} and no certificate was given.",
            "give certificate.thumbprint (and store) of a certificate on the host, "
            "or certificate.pfx from the controller"
            + (", or ccs: true to take it from the Central Certificate Store." if desired.host else "."),
        )
    if ccs:
        cert_hash, cert_store = "", ""  # the Central Certificate Store finds it by host name (BINDING-9)
    elif desired.certificate is not None:
        ops, warnings, secrets = _certificate_ops(desired, snapshot, now)
        cert_hash, cert_store = desired.certificate.thumbprint, desired.certificate.store
    else:
        if current is None:
            raise AssertionError("a binding without a certificate option must exist already")
        cert_hash, cert_store = current.certificate_hash, current.certificate_store

    current_flags = current.ssl_flags if current else 0
    wanted_flags = _binding_flags(current_flags, desired, ccs)
    label = f"{site.name} https {bi}"
    if desired.host_unicode and desired.host_unicode != desired.host:
        label += f" (host {desired.host_unicode})"
    source = "from the Central Certificate Store" if ccs else f"{cert_hash} from {cert_store}"
    add_args = {
        "site": site.name,
        "binding_information": bi,
        "ssl_flags": wanted_flags,
        "certificate_hash": cert_hash,
        "certificate_store": cert_store,
    }
    if current is None:
        if not desired.sni and not ccs:
            _shared_record_owner(desired, snapshot, *httpsys_key(bi, wanted_flags), cert_hash)
        ops.append(Op("binding_add", add_args, Phase.BINDINGS, f"add binding {label} with certificate {source}"))
    elif bool(current_flags & flags.BINDING_CCS) != ccs:
        # Between a fixed certificate and the Central Certificate Store: binding_add on an existing binding replaces
        # the element with these flags and this certificate (none for CCS) in one edit (BINDING-4, BINDING-9).
        previous = "the Central Certificate Store" if not ccs else "a fixed certificate"
        ops.append(
            Op(
                "binding_add",
                add_args,
                Phase.BINDINGS,
                f"replace binding {label}: certificate {source} instead of {previous}, "
                f"sslFlags {flags.describe_binding_flags(wanted_flags)}",
            )
        )
    else:
        if not ccs and (
            current.certificate_hash.upper() != cert_hash.upper()
            or current.certificate_store.lower() != cert_store.lower()
        ):
            ops.append(
                Op(
                    "binding_set_cert",
                    {
                        "site": site.name,
                        "binding_information": bi,
                        "certificate_hash": cert_hash,
                        "certificate_store": cert_store,
                    },
                    Phase.BINDINGS,
                    f"bind certificate {cert_hash} from {cert_store} to {label}",
                )
            )
        if wanted_flags != current_flags:
            ops.append(
                Op(
                    "binding_set_flags",
                    {"site": site.name, "binding_information": bi, "ssl_flags": wanted_flags},
                    Phase.BINDINGS,
                    f"set sslFlags of {label} to {flags.describe_binding_flags(wanted_flags)}",
                )
            )
    rebinding = any(op.phase == Phase.BINDINGS for op in ops)

    kind, key = httpsys_key(bi, wanted_flags)
    # The record the binding has now; a new binding gets the one at its key, if any (IIS shares an ipport record).
    old_kind, old_key = httpsys_key(bi, current_flags) if current is not None else (kind, key)
    old = snapshot.httpsys_record(old_kind, old_key)
    current_record = Record.from_snapshot(old) if old else None
    # A copy saved before an earlier, interrupted binding change holds the options IIS dropped then.
    saved_settings = snapshot.saved_record(kind, key)
    saved = Record.from_saved(saved_settings) if saved_settings is not None else None
    base = saved or current_record
    wanted_record = _desired_record(base, cert_hash, cert_store, wanted_flags, desired.httpsys)
    if rebinding or old is None or (kind, key) != (old_kind, old_key):
        predicted = iis_default_record(cert_hash, cert_store, wanted_flags) if rebinding else None
    else:
        predicted = current_record
    kept = kept_settings(old) if old is not None else {}
    if (
        rebinding
        and saved_settings is None
        and base is not None
        and (_unstated(base.dropped_by_iis(), desired) or any(kept.values()))
    ):
        # IIS rewrites the record when the binding change commits: keep what it drops (the settings httpsys_set keeps
        # included) until httpsys_set restores it, so an apply interrupted in between loses nothing (ENGINE.md,
        # "Saved HTTP.sys options").
        ops.append(
            Op(
                "httpsys_save",
                {**_saved_copy(base, kind, old_kind, cert_hash, cert_store).to_args(kind, key), **kept},
                Phase.HTTPSYS_SAVE,
                f"keep a copy of the HTTP.sys SSL options of {kind} {key} until they are written again",
            )
        )
    # IIS drops the settings httpsys_set keeps as well: only httpsys_set (from the saved copy) brings them back.
    restores_kept = rebinding and any(kept.values())
    if saved_settings is not None or restores_kept or not wanted_record.same_as(predicted):
        if rebinding:
            reason = " (IIS dropped its client-certificate options when the binding changed)"
        elif saved_settings is not None:
            reason = " (restores the options saved before an interrupted binding change)"
        else:
            reason = ""
        ops.append(
            Op(
                "httpsys_set",
                wanted_record.to_args(kind, key),
                Phase.HTTPSYS,
                f"write the HTTP.sys SSL record {kind} {key}{reason}",
            )
        )
    moved = current is not None and (kind, key) != (old_kind, old_key)
    if moved and old is not None and not _record_used_elsewhere(snapshot, old_kind, old_key, site.name, bi):
        # The SNI bit moved the binding's record to another key; the replaced binding left the old one (issue 10
        # item 12, BINDING-4): it goes once the new one is written, unless another binding uses it.
        ops.append(
            Op(
                "httpsys_remove",
                {"key": old_key, "kind": old_kind},
                Phase.HTTPSYS,
                f"delete the HTTP.sys SSL record {old_kind} {old_key} (the binding now uses {kind} {key})",
            )
        )

    chain = desired.certificate.chain if desired.certificate else ()
    notices = []
    if desired.host_unicode and desired.host_unicode != desired.host:
        notices.append(
            f"{desired.prefix}host {desired.host_unicode} is written as its IDNA A-label {desired.host}: SNI host "
            "names are ASCII (RFC 6066 section 3), so the certificate's DNS name must be the A-label too."
        )
    return Plan.build(
        ops,
        [*warnings, *desired.warnings],
        secrets=secrets,
        labels={c.thumbprint: c.label for c in chain},
        notices=notices,
    )


def _saved_copy(base: Record, kind: str, old_kind: str, cert_hash: str, cert_store: str) -> Record:
    """The record httpsys_save keeps for ``kind``: the options of ``base``; between a fixed certificate and the
    Central Certificate Store, the certificate the new key's record has (none for ccs, HTTPSYS-10), so the copy is a
    record of its own kind."""
    if "ccs" in (kind, old_kind) and kind != old_kind:
        return replace(base, certificate_hash=cert_hash.upper(), certificate_store=cert_store)
    return base


#: Record field -> the option that states it (app_id has none: it is always kept from the record).
_STATED_BY = {
    "negotiate_client_certificate": "negotiate_client_certificate",
    "ctl_store_name": "client_auth_issuer_store",
    "ds_mapper": "ds_mapper",
    "revocation": "revocation_check",
    "revocation_freshness_seconds": "revocation_freshness_seconds",
}


def _unstated(fields: frozenset[str], desired: BindingDesired) -> bool:
    """Whether some of these record fields are not given by the task (so only the host knows them)."""
    return any(name not in _STATED_BY or desired.httpsys.get(_STATED_BY[name]) is None for name in fields)


def _record_used_elsewhere(snapshot: Snapshot, kind: str, key: str, site: str, binding_information: str) -> bool:
    """Whether an https binding of any site other than this one maps to the HTTP.sys record ``kind key``: non-SNI
    bindings on one ip:port share one record (WINDOWS_FACTS BINDING-8, issue 10 item 10)."""
    return any(
        (b.site.lower(), b.binding_information.lower()) != (site.lower(), binding_information.lower())
        and httpsys_key(b.binding_information, b.ssl_flags)[0] == kind
        and httpsys_key(b.binding_information, b.ssl_flags)[1].lower() == key.lower()
        for b in snapshot.iis.https_bindings()
    )


def _keying_flags(desired: BindingDesired, current: SiteBinding | None) -> int:
    """The sslFlags bits that key the binding's HTTP.sys record as the task gives them (SNI, CentralCertStore)."""
    sni = flags.BINDING_SNI if desired.sni else 0
    return sni | (flags.BINDING_CCS if _uses_ccs(desired, current) else 0)


def _plan_absent(desired: BindingDesired, snapshot: Snapshot, site: Site) -> Plan:
    """The HTTP.sys record first, at the key of the binding as it is on the host, then the binding: an apply
    interrupted between the two leaves the binding, so the rerun still finds the record's key from it. A record
    another binding still uses stays (binding_remove keeps it too, BINDING-2)."""
    bi = desired.binding_information
    current = site.binding(bi)
    ops: list[Op] = []
    kind, key = httpsys_key(bi, current.ssl_flags if current else _keying_flags(desired, None))
    present = snapshot.httpsys_record(kind, key) is not None or snapshot.saved_record(kind, key) is not None
    if present and not _record_used_elsewhere(snapshot, kind, key, site.name, bi):
        ops.append(
            Op(
                "httpsys_remove",
                {"key": key, "kind": kind},
                Phase.BINDINGS,
                f"delete the HTTP.sys SSL record {kind} {key}",
            )
        )
    if current is not None:
        ops.append(
            Op(
                "binding_remove",
                {"site": site.name, "binding_information": bi},
                Phase.BINDINGS,
                f"remove binding {site.name} https {bi}",
            )
        )
    return Plan.build(ops)


def binding_view(desired: BindingDesired, snapshot: Snapshot) -> View:
    site = require_site(snapshot, desired.site)
    bi = desired.binding_information
    current = site.binding(bi)
    view: View = {"bindings": {}, "httpsys": {}}
    if current is not None:
        view["bindings"][f"{site.name} {bi}"] = {
            "site": site.name,
            "binding_information": bi,
            "ssl_flags": current.ssl_flags,
            "certificate_hash": current.certificate_hash,
            "certificate_store": current.certificate_store,
        }
    if desired.certificate and desired.certificate.chain:  # the PFX's CA certificates go to LocalMachine\\CA
        store = snapshot.store(INTERMEDIATE)
        view["stores"] = {
            INTERMEDIATE: store_view(INTERMEDIATE, store.exists, {c.thumbprint: c.label for c in store.certificates})
        }
    # The record the binding uses now and the one at the key the task gives it (the same unless SNI changes).
    keyed_by = (current.ssl_flags if current else None, _keying_flags(desired, current))
    for ssl_flags in (value for value in keyed_by if value is not None):
        kind, key = httpsys_key(bi, ssl_flags)
        record = snapshot.httpsys_record(kind, key)
        if record is not None:
            view["httpsys"][f"{kind} {key}"] = Record.from_snapshot(record).to_args(kind, key)
    return view
