"""The part of IIS's configuration schema (``%windir%\\system32\\inetsrv\\config\\schema\\IIS_schema.xml``) and of the
default applicationHost.config ``<configSections>`` that the collection's IIS utils touch.

Windows facts modelled (docs/WINDOWS_FACTS.md):
- IISCONFIG-7: collection entries are keyed by their key attributes; string keys compare case-insensitively unless the
  attribute is ``caseSensitive``.
- IISCONFIG-16: an attribute not written anywhere on the path reads as the schema default.
- IISCONFIG-17: ``system.applicationHost/sites`` is ``allowDefinition="AppHostOnly"`` and not allowed in a
  ``<location>``: it is read and written at the server level only.
- IISCONFIG-12 (access flags), AUTH-4 (mapping enums and defaults), AUTH-7 (mapping collections: no remove element),
  AUTH-8 (rules keyed by field, subfield and criteria together), TRACING-1, TRACING-4, TRACING-6, BINDING-5.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from winmodel.errors import WindowsError_

#: The exception type Microsoft.Web.Administration throws for what the configuration system refuses.
COM = "System.Runtime.InteropServices.COMException"
#: What PowerShell's ``throw "text"`` in WinIis.psm1 raises (RuntimeException, COR_E_SYSTEM's HRESULT).
THROWN = "System.Management.Automation.RuntimeException"


class IisError(WindowsError_):
    """An error of the IIS configuration system: ``str()`` is what ``Get-MtlsWinIisErrorText`` makes of it."""

    def __init__(self, kind: str, hresult: int, message: str) -> None:
        super().__init__(f"{kind} 0x{hresult:08X}: {message}")
        self.message = message


@dataclass(frozen=True)
class Attr:
    """One attribute: ``kind`` is bool, string, uint, enum or flags (``values``: name -> number)."""

    name: str
    kind: str
    default: Any
    values: Mapping[str, int] = field(default_factory=dict)
    key: bool = False
    case_sensitive: bool = False
    encrypted: bool = False
    bounds: tuple[int, int] = (0, 0xFFFFFFFF)


@dataclass(frozen=True)
class Element:
    """An element: its attributes, child elements, and (a collection) the schema of its ``add`` entries."""

    name: str
    attributes: tuple[Attr, ...] = ()
    children: tuple[Element, ...] = ()
    entry: Element | None = None
    removable: bool = True  # the collection has a <remove> element

    def attribute(self, name: str) -> Attr | None:
        # Attribute names are case-sensitive in IIS configuration (XML).
        return next((attr for attr in self.attributes if attr.name == name), None)

    def child(self, name: str) -> Element | None:
        return next((child for child in self.children if child.name == name), None)

    @property
    def keys(self) -> tuple[Attr, ...]:
        return tuple(attr for attr in self.attributes if attr.key)

    def key_of(self, attributes: Mapping[str, Any]) -> tuple[Any, ...]:
        """What IIS keys an entry of this schema by (IISCONFIG-7): its key attributes (an absent one at its default),
        strings without case unless the attribute is ``caseSensitive``."""
        values = []
        for attr in self.keys:
            value = attributes.get(attr.name, attr.default)
            values.append(value.casefold() if isinstance(value, str) and not attr.case_sensitive else value)
        return tuple(values)

    def defaults(self) -> dict[str, Any]:
        """The schema default of every attribute IIS returns (IISCONFIG-16; encrypted ones never, IISCONFIG-6), enum
        values by name as the simulator's host file stores them."""
        return {attr.name: stored_default(attr) for attr in self.attributes if not attr.encrypted}


@dataclass(frozen=True)
class Section:
    path: str
    element: Element
    override_mode_default: str  # "Allow" or "Deny" (default applicationHost.config <configSections>)
    app_host_only: bool = False


def stored_default(attr: Attr) -> Any:
    """An attribute's schema default as the host file stores it: an enum by its name."""
    return text(attr, attr.default) if attr.kind == "enum" else attr.default


def _bool(name: str, default: bool) -> Attr:
    return Attr(name, "bool", default)


def _str(name: str, default: str = "", **extra: Any) -> Attr:
    return Attr(name, "string", default, **extra)


ACCESS_FLAGS: dict[str, int] = {"None": 0, "Ssl": 8, "SslNegotiateCert": 32, "SslRequireCert": 64, "Ssl128": 256}
LOGON_METHODS: dict[str, int] = {"Interactive": 0, "Batch": 1, "Network": 2, "ClearText": 3}
PERMISSION_MODES: dict[str, int] = {"Allow": 1, "Deny": 2}
CERTIFICATE_FIELDS: dict[str, int] = {"Subject": 1, "Issuer": 2}
VERBOSITIES: dict[str, int] = {
    "General": 0,
    "CriticalError": 1,
    "Error": 2,
    "Warning": 3,
    "Information": 4,
    "Verbose": 5,
}
BINDING_FLAGS: dict[str, int] = {
    "None": 0,
    "Sni": 1,
    "CentralCertStore": 2,
    "DisableHTTP2": 4,
    "DisableOCSPStp": 8,
    "DisableQUIC": 16,
    "DisableTLS13": 32,
    "DisableLegacyTLS": 64,
    "NegotiateClientCert": 128,
}
DEFAULT_FREB_DIRECTORY = "%SystemDrive%\\inetpub\\logs\\FailedReqLogFiles"

SITES = "system.applicationHost/sites"
ACCESS = "system.webServer/security/access"
AUTH_PREFIX = "system.webServer/security/authentication/"
IIS_MAPPING = AUTH_PREFIX + "iisClientCertificateMappingAuthentication"
AD_MAPPING = AUTH_PREFIX + "clientCertificateMappingAuthentication"
ANONYMOUS = AUTH_PREFIX + "anonymousAuthentication"
TRACING = "system.webServer/tracing/traceFailedRequests"

_BINDING = Element(
    "binding",
    (
        _str("protocol", key=True),
        _str("bindingInformation", key=True),
        Attr("sslFlags", "flags", 0, BINDING_FLAGS),
    ),
)
#: ``sites/site/traceFailedRequestsLogging`` (TRACING-1; ``maxLogFiles`` 1..10000, TRACING-6).
TRACE_LOGGING = Element(
    "traceFailedRequestsLogging",
    (
        _bool("enabled", False),
        _str("directory", DEFAULT_FREB_DIRECTORY),
        Attr("maxLogFiles", "uint", 50, bounds=(1, 10000)),
    ),
)
_SITE = Element(
    "site",
    (_str("name", key=True), Attr("id", "uint", 0, key=True)),
    (Element("bindings", entry=_BINDING), TRACE_LOGGING),
)
ONE_TO_ONE_ENTRY = Element(
    "add",
    (
        _bool("enabled", True),
        _str("userName"),
        _str("password", encrypted=True),
        _str("certificate", key=True),
    ),
)
MAPPING_RULE = Element(
    "add",
    (
        Attr("certificateField", "enum", 1, CERTIFICATE_FIELDS, key=True),
        _str("certificateSubField", key=True),
        _str("matchCriteria", key=True),
        _bool("compareCaseSensitive", True),
    ),
)
MANY_TO_ONE_ENTRY = Element(
    "add",
    (
        _str("name", key=True),
        _str("description"),
        _bool("enabled", True),
        Attr("permissionMode", "enum", 1, PERMISSION_MODES),
        _str("userName"),
        _str("password", encrypted=True),
    ),
    (Element("rules", entry=MAPPING_RULE),),
)
TRACE_RULE = Element(
    "add",
    (_str("path", key=True),),
    (
        Element(
            "traceAreas",
            entry=Element(
                "add",
                (_str("provider", key=True), _str("areas"), Attr("verbosity", "enum", 3, VERBOSITIES)),
            ),
        ),
        Element("failureDefinitions", (_str("statusCodes"),)),
    ),
)

SECTIONS: dict[str, Section] = {
    SITES: Section(SITES, Element("sites", entry=_SITE), "Deny", app_host_only=True),
    ACCESS: Section(ACCESS, Element("access", (Attr("sslFlags", "flags", 0, ACCESS_FLAGS),)), "Deny"),
    IIS_MAPPING: Section(
        IIS_MAPPING,
        Element(
            "iisClientCertificateMappingAuthentication",
            (
                _bool("enabled", False),
                _bool("oneToOneCertificateMappingsEnabled", True),
                _bool("manyToOneCertificateMappingsEnabled", True),
                Attr("logonMethod", "enum", 3, LOGON_METHODS),
                _str("defaultLogonDomain"),
            ),
            (
                Element("oneToOneMappings", entry=ONE_TO_ONE_ENTRY, removable=False),
                Element("manyToOneMappings", entry=MANY_TO_ONE_ENTRY, removable=False),
            ),
        ),
        "Deny",
    ),
    AD_MAPPING: Section(
        AD_MAPPING, Element("clientCertificateMappingAuthentication", (_bool("enabled", False),)), "Deny"
    ),
    ANONYMOUS: Section(
        ANONYMOUS,
        Element(
            "anonymousAuthentication",
            (_bool("enabled", False), _str("userName", "IUSR"), _str("password", encrypted=True)),
        ),
        "Deny",
    ),
    TRACING: Section(TRACING, Element("traceFailedRequests", entry=TRACE_RULE), "Allow"),
}


def section(path: str) -> Section:
    """The section the schema declares under that path (compared as IIS does: case-insensitively)."""
    found = next((item for name, item in SECTIONS.items() if name.casefold() == path.casefold()), None)
    if found is None:
        # The message IIS gives for a section without a declaration (HTTP 500.19 documentation, IISCONFIG-18).
        raise IisError(
            COM,
            0x80070490,
            f"The configuration section '{path}' cannot be read because it is missing a section declaration",
        )
    return found


def _names(value: int, names: Mapping[str, int]) -> str:
    parts = [name for name, bit in names.items() if bit and value & bit]
    zero = next((name for name, bit in names.items() if bit == 0), "")
    return ", ".join(parts) if parts else zero


def text(attr: Attr, value: Any) -> str:
    """A typed value as applicationHost.config writes it: names for enum and flags, ``true``/``false``."""
    if attr.kind == "bool":
        return "true" if value else "false"
    if attr.kind == "enum":
        return next((name for name, number in attr.values.items() if number == value), str(value))
    if attr.kind == "flags":
        return _names(int(value), attr.values)
    return str(value)
