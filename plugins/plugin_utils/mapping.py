# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Certificate mapping part: IIS one-to-one / many-to-one mappings, AD mapping, anonymous auth. Pure.

Facts used (docs/WINDOWS_FACTS.md AUTH-*): mappings are honoured at site level only (AUTH-3), and the
``section_clear`` op removes those configured below it; IIS many-to-one and AD mapping are mutually exclusive
(AUTH-5); passwords are stored encrypted and cannot be read back, so they follow ``update_password``
(on_create | always); the sections are always in IIS's schema, and the features Web-Cert-Auth and Web-Client-Auth
make IIS act on them (AUTH-1); a one-to-one mapping stored with line breaks never matches (AUTH-6) and is replaced;
mappings inherited from the server level cannot be changed or removed at a site (AUTH-7); many-to-one names are
keyed case-insensitively (IISCONFIG-7) and rules by field, subfield and match (AUTH-8). AD mapping needs the
binding's DS mapper option and an IIS restart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .auth_model import LOGON_METHODS, PERMISSIONS, RULE_FIELDS, IisMapping, ManyToOne, OneToOne, Rule, SiteAuth
from .binding import require_site
from .certs import CertInfo, from_b64
from .diff import View
from .errors import OptionError
from .flags import HTTPSYS_DS_MAPPER
from .httpsys import httpsys_key
from .plan import Op, Phase, Plan
from .snapshot import Scope, Snapshot
from .sources import FileReader, load_certificates

CERT_AUTH_FEATURE = "Web-Cert-Auth"
AD_AUTH_FEATURE = "Web-Client-Auth"
#: option name -> IIS attribute of iisClientCertificateMappingAuthentication
IIS_ATTRIBUTES = {
    "enabled": "enabled",
    "one_to_one_enabled": "oneToOneCertificateMappingsEnabled",
    "many_to_one_enabled": "manyToOneCertificateMappingsEnabled",
    "logon_method": "logonMethod",
    "default_logon_domain": "defaultLogonDomain",
}


@dataclass(frozen=True)
class DesiredOneToOne:
    mapping: OneToOne
    cert: CertInfo
    password: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class DesiredManyToOne:
    mapping: ManyToOne
    password: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class MappingDesired:
    site: str
    iis: dict[str, Any]  # IIS attribute name -> value; only the options given
    one_to_one: tuple[DesiredOneToOne, ...] | None = None  # None: leave the list alone
    many_to_one: tuple[DesiredManyToOne, ...] | None = None
    exclusive: bool = False
    update_password: str = "on_create"
    ad_mapping: bool | None = None
    anonymous: bool | None = None
    install_feature: bool = True
    clear_below_site: bool = False
    prefix: str = ""  # where the options sit in the task, for messages: "sites[0].mapping."
    warnings: tuple[str, ...] = ()  # what the options alone show to be almost surely a mistake

    def plan(self, snapshot: Snapshot, now: datetime) -> Plan:
        return plan_mapping(self, snapshot)

    def view(self, snapshot: Snapshot) -> View:
        return mapping_view(self, snapshot)

    def scope(self) -> Scope:
        return Scope(
            sites=frozenset({self.site}),
            auth_sites=frozenset({self.site}),
            features=frozenset({CERT_AUTH_FEATURE, AD_AUTH_FEATURE}),
            httpsys=True,
        )

    @classmethod
    def from_options(cls, args: dict[str, Any], read: FileReader, prefix: str = "") -> MappingDesired:
        site = str(args["site"]).strip().strip("/")
        if "/" in site or "\\" in site:
            raise OptionError(
                f"{prefix}site",
                f"{site!r} is below site level, where IIS ignores client certificate mappings.",
                "give the site name only; mappings apply to every application of the site.",
            )
        iis = {attr: args[opt] for opt, attr in IIS_ATTRIBUTES.items() if args.get(opt) is not None}
        if "logonMethod" in iis:
            iis["logonMethod"] = LOGON_METHODS[iis["logonMethod"]]
        return cls(
            site=site,
            iis=iis,
            one_to_one=_one_to_one(args.get("one_to_one"), read, f"{prefix}one_to_one"),
            many_to_one=_many_to_one(args.get("many_to_one"), f"{prefix}many_to_one"),
            exclusive=args.get("exclusive", False),
            update_password=args.get("update_password", "on_create"),
            ad_mapping=args.get("ad_mapping"),
            anonymous=args.get("anonymous_authentication"),
            install_feature=args.get("install_feature", True),
            clear_below_site=args.get("clear_below_site", False),
            prefix=prefix,
            warnings=_option_warnings(args, prefix),
        )


#: Subject/issuer sub-field names of many-to-one rules as IIS writes them (WINDOWS_FACTS VALID-6).
KNOWN_SUBFIELDS = ("CN", "O", "OU", "L", "S", "ST", "C", "E", "DC", "SN", "G", "T", "I")


def _option_warnings(args: dict[str, Any], prefix: str) -> tuple[str, ...]:
    warnings: list[str] = []
    mapping_on = args.get("enabled") is not False and (args.get("one_to_one") or args.get("many_to_one"))
    if mapping_on and args.get("anonymous_authentication") is True:
        warnings.append(
            f"{prefix}anonymous_authentication is true together with certificate mappings: IIS lets requests in as "
            "the anonymous user, so the mapped accounts are not used (WINDOWS_FACTS VALID-7). "
            "Fix: set anonymous_authentication: false for the site."
        )
    for index, item in enumerate(args.get("many_to_one") or []):
        for number, rule in enumerate(item.get("rules") or []):
            subfield = str(rule.get("subfield") or "")
            canonical = next((k for k in KNOWN_SUBFIELDS if k.lower() == subfield.lower()), None)
            if canonical and canonical != subfield:
                warnings.append(
                    f"{prefix}many_to_one[{index}].rules[{number}].subfield {subfield!r}: IIS compares sub-field "
                    f"names case-sensitively (WINDOWS_FACTS VALID-6), so this rule matches no certificate. "
                    f"Fix: write {canonical}."
                )
    return tuple(warnings)


def _user(value: Any, option: str) -> str:
    """A mapping's account: IIS refuses an empty userName when a mapping is enabled (WINDOWS_FACTS VALID-8)."""
    text = str(value or "")
    if not text.strip():
        raise OptionError(
            option, "is empty.", "give the Windows account the certificate maps to, e.g. CONTOSO\\svc-api."
        )
    return text


def _one_to_one(
    items: list[dict[str, Any]] | None, read: FileReader, option: str
) -> tuple[DesiredOneToOne, ...] | None:
    if items is None:
        return None
    result: list[DesiredOneToOne] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        name = f"{option}[{index}]"
        certs = load_certificates(item, name, read)
        if len(certs) != 1:
            raise OptionError(
                name, f"holds {len(certs)} certificates.", "give exactly one client certificate per mapping."
            )
        cert = certs[0]
        if cert.is_ca:
            raise OptionError(
                name,
                f"{cert.label} is a CA certificate; a one-to-one mapping takes the client's own certificate.",
                "give the client (leaf) certificate; put CA certificates in mtls.iis.trusted_certs.",
            )
        if cert.der_b64 in seen:
            raise OptionError(
                name,
                f"{cert.label} is already mapped by {option}[{seen[cert.der_b64]}]; "
                "IIS keys one-to-one mappings by certificate.",
                "list each client certificate once.",
            )
        seen[cert.der_b64] = index
        mapping = OneToOne(cert.der_b64, _user(item["user"], f"{name}.user"), item.get("enabled", True))
        result.append(DesiredOneToOne(mapping, cert, item.get("password")))
    return tuple(result)


def _many_to_one(items: list[dict[str, Any]] | None, option: str) -> tuple[DesiredManyToOne, ...] | None:
    if items is None:
        return None
    result: list[DesiredManyToOne] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        key = item["name"].lower()
        if key in seen:
            raise OptionError(
                f"{option}[{index}].name",
                f"{item['name']!r} is already used by {option}[{seen[key]}]; IIS keys many-to-one mappings by name.",
                "give every many-to-one mapping its own name.",
            )
        seen[key] = index
        rules = tuple(
            Rule(RULE_FIELDS[r["field"]], r["subfield"], r["match"], r.get("case_sensitive", True))
            for r in item.get("rules") or []
        )
        _refuse_duplicate_rules(rules, f"{option}[{index}].rules")
        mapping = ManyToOne(
            name=item["name"],
            user=_user(item["user"], f"{option}[{index}].user"),
            description=item.get("description") or "",
            enabled=item.get("enabled", True),
            permission=PERMISSIONS[item.get("permission") or "allow"],
            rules=rules,
        )
        result.append(DesiredManyToOne(mapping, item.get("password")))
    return tuple(result)


def _refuse_duplicate_rules(rules: tuple[Rule, ...], option: str) -> None:
    """IIS keys many-to-one rules by field, subfield and match (any case, WINDOWS_FACTS AUTH-8) and refuses a second."""
    seen: dict[tuple[str, str, str], int] = {}
    for index, rule in enumerate(rules):
        key = (rule.field.lower(), rule.subfield.lower(), rule.match.lower())
        if key in seen:
            raise OptionError(
                f"{option}[{index}]",
                f"repeats {option}[{seen[key]}] ({rule.describe()}); IIS keys many-to-one rules by field, subfield "
                "and match, in any case.",
                "list each rule once.",
            )
        seen[key] = index


def _refuse_inherited(option: str, what: str, change: str) -> OptionError:
    return OptionError(
        option,
        f"{what} is inherited from the server level of applicationHost.config, and IIS cannot {change} it at the "
        "site: its collection has no remove element.",
        "change it at the server level, or leave it out of this task.",
    )


class _Secrets:
    """Hands out password references (m0, m1, ...) for ops; the values go to host_state's no_log option."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def ref(self, password: str) -> str:
        key = f"m{len(self.values)}"
        self.values[key] = password
        return key


def _wants_password(password: str | None, exists: bool, update_password: str) -> bool:
    return password is not None and (not exists or update_password == "always")


def _feature_ops(desired: MappingDesired, snapshot: Snapshot, auth: SiteAuth) -> list[Op]:
    needed = []
    uses_iis = bool(desired.iis) or desired.one_to_one is not None or desired.many_to_one is not None
    if uses_iis and not snapshot.feature_installed(CERT_AUTH_FEATURE):
        needed.append((CERT_AUTH_FEATURE, "enabled"))
    if desired.ad_mapping and not snapshot.feature_installed(AD_AUTH_FEATURE):
        needed.append((AD_AUTH_FEATURE, "ad_mapping"))
    ops = []
    for feature, option in needed:
        if not desired.install_feature:
            raise OptionError(
                f"{desired.prefix}{option}",
                f"needs the Windows feature {feature}, which is not installed.",
                f"set install_feature: true, or install {feature} first.",
            )
        ops.append(Op("feature_install", {"name": feature}, Phase.FEATURES, f"install the Windows feature {feature}"))
    return ops


def _auth_set(site: str, section: str, attributes: dict[str, Any]) -> Op:
    shown = ", ".join(f"{k}={v}" for k, v in attributes.items())
    return Op(
        "auth_set",
        {"location": site, "section": section, "attributes": attributes},
        Phase.SITE_CONFIG,
        f"set {section} of {site}: {shown}",
    )


def _section_ops(desired: MappingDesired, current: IisMapping, site: str, ad_current: bool, anon_current: bool | None):
    """auth_set ops, turning things off before turning things on (IIS refuses many-to-one beside AD mapping)."""
    now = {attr: getattr(current, opt) for opt, attr in IIS_ATTRIBUTES.items()}
    changed = {attr: value for attr, value in desired.iis.items() if now[attr] != value}
    off = {k: v for k, v in changed.items() if v is False}
    on = {k: v for k, v in changed.items() if v is not False}
    first, last = [], []
    if off:
        first.append(_auth_set(site, "iis_mapping", off))
    if desired.ad_mapping is not None and desired.ad_mapping != ad_current:
        (last if desired.ad_mapping else first).append(_auth_set(site, "ad_mapping", {"enabled": desired.ad_mapping}))
    if on:
        last.append(_auth_set(site, "iis_mapping", on))
    if desired.anonymous is not None and desired.anonymous != anon_current:
        last.append(_auth_set(site, "anonymous", {"enabled": desired.anonymous}))
    return first, last


def _one_to_one_ops(desired: MappingDesired, current: IisMapping, site: str, secrets: _Secrets) -> list[Op]:
    ops: list[Op] = []
    option = f"{desired.prefix}one_to_one"
    existing = {m.certificate: m for m in current.one_to_one}
    for index, want in enumerate(desired.one_to_one or ()):
        have = existing.get(want.mapping.certificate)
        if have is not None and have.inherited:
            if have != want.mapping:
                raise _refuse_inherited(f"{option}[{index}]", f"the one-to-one mapping of {want.cert.label}", "change")
            continue
        if have is not None and have.drifted and want.password is None:
            raise OptionError(
                f"{option}[{index}].password",
                f"the one-to-one mapping of {want.cert.label} is stored with line breaks or spaces in its certificate, "
                "so IIS never matches it; replacing it needs the account's password, which IIS cannot give back.",
                "give password (it is written with the replaced mapping).",
            )
        # A mapping stored with line breaks is replaced: for its password it counts as a new one.
        password = _wants_password(want.password, have is not None and not have.drifted, desired.update_password)
        if have == want.mapping and not password:
            continue
        args: dict[str, Any] = {
            "location": site,
            "certificate": want.mapping.certificate,
            "user": want.mapping.user,
            "enabled": want.mapping.enabled,
        }
        if password:
            args["password_ref"] = secrets.ref(want.password or "")
        verb = "add" if have is None else "rewrite (stored with line breaks)" if have.drifted else "update"
        ops.append(
            Op(
                "one_to_one_set",
                args,
                Phase.SITE_CONFIG,
                f"{verb} one-to-one mapping {want.cert.label} -> {want.mapping.user}",
            )
        )
    if desired.exclusive and desired.one_to_one is not None:
        wanted = {w.mapping.certificate for w in desired.one_to_one}
        for m in current.one_to_one:
            if m.certificate in wanted:
                continue
            if m.inherited:
                raise _refuse_inherited(f"{desired.prefix}exclusive", f"the one-to-one mapping of {m.user}", "remove")
            ops.append(
                Op(
                    "one_to_one_remove",
                    {"location": site, "certificate": m.certificate},
                    Phase.SITE_CONFIG,
                    f"remove one-to-one mapping of {m.user} (not listed)",
                )
            )
    return ops


def _many_to_one_ops(desired: MappingDesired, current: IisMapping, site: str, secrets: _Secrets) -> list[Op]:
    ops: list[Op] = []
    option = f"{desired.prefix}many_to_one"
    # IIS keys many-to-one mappings by name in any case (IISCONFIG-7): 'Partners' updates and renames 'partners'.
    existing = {m.name.lower(): m for m in current.many_to_one}
    for index, want in enumerate(desired.many_to_one or ()):
        m = want.mapping
        have = existing.get(m.name.lower())
        if have is not None and have.inherited:
            if have != m:
                raise _refuse_inherited(f"{option}[{index}]", f"the many-to-one mapping {have.name!r}", "change")
            continue
        password = _wants_password(want.password, have is not None, desired.update_password)
        if have == m and not password:
            continue
        args = {
            "location": site,
            "name": m.name,
            "description": m.description,
            "enabled": m.enabled,
            "permission": m.permission,
            "user": m.user,
            "rules": [r.to_wire() for r in m.rules],
        }
        if password:
            args["password_ref"] = secrets.ref(want.password or "")
        verb = (
            "add"
            if have is None
            else f"rename {have.name!r} to {m.name!r} and update"
            if have.name != m.name
            else "update"
        )
        ops.append(Op("many_to_one_set", args, Phase.SITE_CONFIG, f"{verb} many-to-one mapping {m.name!r} -> {m.user}"))
    if desired.exclusive and desired.many_to_one is not None:
        wanted_names = {w.mapping.name.lower() for w in desired.many_to_one}
        for have in current.many_to_one:
            if have.name.lower() in wanted_names:
                continue
            if have.inherited:
                raise _refuse_inherited(
                    f"{desired.prefix}exclusive", f"the many-to-one mapping {have.name!r}", "remove"
                )
            ops.append(
                Op(
                    "many_to_one_remove",
                    {"location": site, "name": have.name},
                    Phase.SITE_CONFIG,
                    f"remove many-to-one mapping {have.name!r} (not listed)",
                )
            )
    return ops


def _below_site_ops(desired: MappingDesired, auth: SiteAuth) -> list[Op]:
    """section_clear for every path below the site that configures mappings, which IIS ignores there (AUTH-3)."""
    if not desired.clear_below_site:
        return []
    return [
        Op(
            "section_clear",
            {"location": path, "section": "iis_mapping"},
            Phase.SITE_CONFIG,
            f"remove the client certificate mapping configured at {path} (IIS ignores mappings below site level)",
        )
        for path in auth.below_site
    ]


def _many_to_one_active_after(desired: MappingDesired, current: IisMapping) -> bool:
    enabled = desired.iis.get("enabled", current.enabled)
    many_enabled = desired.iis.get("manyToOneCertificateMappingsEnabled", current.many_to_one_enabled)
    if desired.many_to_one is None:
        count = len(current.many_to_one)
    elif desired.exclusive:
        # Inherited mappings stay: a site cannot remove them (AUTH-7).
        inherited = {m.name.lower() for m in current.many_to_one if m.inherited}
        count = len(inherited | {w.mapping.name.lower() for w in desired.many_to_one})
    else:
        count = len(
            {m.name.lower() for m in current.many_to_one} | {w.mapping.name.lower() for w in desired.many_to_one}
        )
    return bool(enabled and many_enabled and count)


def plan_mapping(desired: MappingDesired, snapshot: Snapshot) -> Plan:
    site = require_site(snapshot, desired.site, f"{desired.prefix}site")
    auth = snapshot.site_auth(site.name) or SiteAuth()
    current = auth.iis_mapping
    ad_current = auth.ad_mapping
    ad_after = ad_current if desired.ad_mapping is None else desired.ad_mapping
    if ad_after and _many_to_one_active_after(desired, current):
        raise OptionError(
            f"{desired.prefix}ad_mapping",
            "IIS many-to-one mappings and Active Directory mapping cannot both be enabled on a site.",
            "use either many_to_one (with enabled and many_to_one_enabled) or ad_mapping: true, not both.",
        )
    secrets = _Secrets()
    ops = _feature_ops(desired, snapshot, auth)
    first, last = _section_ops(desired, current, site.name, ad_current, auth.anonymous)
    ops += first + _one_to_one_ops(desired, current, site.name, secrets)
    ops += _many_to_one_ops(desired, current, site.name, secrets) + last + _below_site_ops(desired, auth)

    warnings = []
    if auth.below_site and not desired.clear_below_site:
        warnings.append(
            f"client certificate mapping is also configured at {', '.join(auth.below_site)}: IIS ignores mappings "
            "below site level, so those entries have no effect (clear_below_site: true removes them)."
        )
    if ad_after:
        warnings += _ad_warnings(snapshot, site.name, changed=ad_after != ad_current)
    labels = {w.mapping.certificate: w.cert.label for w in desired.one_to_one or ()}
    return Plan.build(ops, [*warnings, *desired.warnings], labels=labels, secrets=secrets.values)


def _ad_warnings(snapshot: Snapshot, site: str, changed: bool) -> list[str]:
    warnings = []
    bindings = require_site(snapshot, site).bindings
    lacking = [
        b.binding_information
        for b in bindings
        if not (
            (record := snapshot.httpsys_record(*httpsys_key(b.binding_information, b.ssl_flags)))
            and record.default_flags & HTTPSYS_DS_MAPPER
        )
    ]
    if lacking or not bindings:
        warnings.append(
            f"Active Directory client certificate mapping needs the DS mapper on the site's https bindings, and "
            f"{', '.join(lacking) or 'no https binding'} of {site!r} lack it: "
            "set ds_mapper: true with mtls.iis.site_binding."
        )
    if changed:
        warnings.append(
            "Active Directory mapping changed outside IIS Manager takes effect after an IIS restart (iisreset)."
        )
    return warnings


def mapping_view(desired: MappingDesired, snapshot: Snapshot) -> View:
    auth = snapshot.site_auth(desired.site) or SiteAuth()
    current = auth.iis_mapping
    return {
        "features": {name: snapshot.feature_installed(name) for name in (CERT_AUTH_FEATURE, AD_AUTH_FEATURE)},
        "mapping": {
            desired.site: {
                "iis_mapping": {attr: getattr(current, opt) for opt, attr in IIS_ATTRIBUTES.items()},
                "one_to_one": {
                    m.certificate: {"certificate": from_b64(m.certificate).label, "user": m.user, "enabled": m.enabled}
                    for m in current.one_to_one
                },
                "many_to_one": {
                    m.name: {
                        "user": m.user,
                        "enabled": m.enabled,
                        "permission": m.permission,
                        "description": m.description,
                        "rules": [r.describe() for r in m.rules],
                    }
                    for m in current.many_to_one
                },
                "ad_mapping": auth.ad_mapping,
                "anonymous": auth.anonymous,
                "configured_below_site": list(auth.below_site),
            }
        },
    }
