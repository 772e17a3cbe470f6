"""IIS bindings and ``access@sslFlags`` at the level of the IIS schema and HTTP.sys: what both simulator layers share.

The lower layer of the simulator (issue 20, "The simulator in two layers"): the configuration model of
:mod:`winmodel.iis` / :mod:`winmodel.iisdoc` and the engine's IIS ops (``simhost/iis.py``) read flags, binding keys and
a binding's certificate through this module.

Windows facts followed (docs/WINDOWS_FACTS.md; the project's REFERENCE.md):

- "Site bindings": ``bindingInformation`` is ``ip:port:host`` (IPv6 in brackets; host names ASCII DNS labels, VALID-1,
  VALID-2); the binding ``sslFlags`` bits are 1 SNI, 2 central certificate store, 4 DisableHTTP2, 8
  DisableOCSPStapling, 16 DisableQUIC, 32 DisableTLS13, 64 DisableLegacyTLS, 128 NegotiateClientCert (bits >= 4
  community-sourced). SNI needs a host name. An IP binding maps to the HTTP.sys key ``ipport=0.0.0.0:port`` (or its
  IP), an SNI binding to ``hostnameport=host:port``, a Central Certificate Store binding (bit 2, with or without SNI)
  to ``ccs=port``, one record for every CCS binding of the port (BINDING-9, HTTPSYS-10).
- The certificate hash and store are **not** in applicationHost.config: they live in HTTP.sys, and a binding's
  certificate is read from the record at the binding's key, as ``Binding.CertificateHash`` does (BINDING-1). Two
  non-SNI bindings on the same ip:port share one record, hence one certificate.
- IIS writes the TLS bits of a binding's sslFlags into the record's DefaultFlags (:data:`BINDING_TO_HTTPSYS`,
  HTTPSYS-4; :func:`winmodel.httpsys.iis_record`).
- "IIS sslFlags": flag names None=0, Ssl=8, SslNegotiateCert=32, SslRequireCert=64, Ssl128=256 (no SslMapCert 128 in
  the IIS 10 schema), written as IIS writes them (names joined with ", ").
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any

from winmodel import httpsys, iisschema
from winmodel.errors import StateError, WindowsError_
from winmodel.state import State

# --- access sslFlags ----------------------------------------------------------------------------------

#: Names IIS writes for ``access@sslFlags``, in the order it writes them (the schema's, IISCONFIG-12).
ACCESS_FLAGS: tuple[tuple[str, int], ...] = tuple(iisschema.ACCESS_FLAGS.items())
ACCESS_BITS = sum(iisschema.ACCESS_FLAGS.values())


def access_flags_text(value: int) -> str:
    """The string IIS writes: names joined with ', ', 'None' for 0."""
    names = [name for name, bit in ACCESS_FLAGS if bit and value & bit]
    return ", ".join(names) if names else "None"


def access_flags_value(text: str) -> int:
    """The integer of a flags string (names case-insensitive, any spacing); StateError for unknown names."""
    value = 0
    for part in filter(None, (item.strip() for item in text.split(","))):
        bits = [bit for name, bit in ACCESS_FLAGS if name.casefold() == part.casefold()]
        if not bits:
            raise StateError(f"{part!r} is not an sslFlags name of the IIS 10 schema")
        value |= bits[0]
    return value


# --- binding sslFlags and keys ---------------------------------------------------------------------

SNI = iisschema.BINDING_FLAGS["Sni"]
CENTRAL_CERT_STORE = iisschema.BINDING_FLAGS["CentralCertStore"]
BINDING_FLAGS_MAX = sum(iisschema.BINDING_FLAGS.values())

#: Binding sslFlags bit -> the HTTP.sys DefaultFlags bit IIS writes for it (community-sourced, REFERENCE.md).
BINDING_TO_HTTPSYS: dict[int, int] = {
    4: httpsys.DISABLE_HTTP2,
    8: httpsys.DISABLE_OCSP_STAPLING,
    16: httpsys.DISABLE_QUIC,
    32: httpsys.DISABLE_TLS13,
    64: httpsys.DISABLE_LEGACY_TLS,
    128: httpsys.NEGOTIATE_CLIENT_CERT,
}

# WINDOWS_FACTS VALID-1/VALID-2: ASCII DNS labels (an IDN only as its A-label), no trailing dot, '*' only as a
# leading '*.' wildcard label.
_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
_HOST = re.compile(rf"(?:\*\.)?{_LABEL}(?:\.{_LABEL})*")


@dataclass(frozen=True)
class Endpoint:
    """A parsed ``bindingInformation``: ``ip`` is ``*``, an IPv4 address or a bracketed IPv6 address."""

    ip: str
    port: int
    host: str


def parse_binding_information(text: str) -> Endpoint:
    """``ip:port:host`` as IIS accepts it; raises :class:`WindowsError_` otherwise."""
    rest, sep_host, host = text.rpartition(":")
    ip, sep_port, port = rest.rpartition(":")
    if not sep_host or not sep_port or not ip:
        raise WindowsError_(
            f"binding information '{text}' is not 'ip:port:host' (e.g. '*:443:' or '*:443:www.contoso.com')"
        )
    number = httpsys.parse_port(port, f"binding information '{text}'")
    if ip != "*":
        bracketed = ip.startswith("[") and ip.endswith("]")
        try:
            address = ipaddress.ip_address(ip[1:-1] if bracketed else ip)
        except ValueError:
            raise WindowsError_(f"binding information '{text}': '{ip}' is not '*' or an IP address") from None
        if address.version == 6 and not bracketed:
            raise WindowsError_(f"binding information '{text}': an IPv6 address must be in brackets")
        ip = f"[{address.compressed}]" if address.version == 6 else address.compressed
    if host and not _HOST.fullmatch(host):
        raise WindowsError_(f"binding information '{text}': '{host}' is not a host name")
    return Endpoint(ip, number, host)


def httpsys_endpoint(binding_information: str, ssl_flags: int) -> tuple[str, str]:
    """``(kind, key)`` of the HTTP.sys record IIS uses for an https binding."""
    endpoint = parse_binding_information(binding_information)
    if ssl_flags & CENTRAL_CERT_STORE:
        return "ccs", str(endpoint.port)
    if ssl_flags & SNI:
        if not endpoint.host:
            raise WindowsError_(
                f"binding '{binding_information}' asks for SNI (sslFlags bit 1) without a host name: "
                "IIS refuses an SNI binding without a host name"
            )
        return "hostnameport", f"{endpoint.host}:{endpoint.port}"
    ip = "0.0.0.0" if endpoint.ip == "*" else endpoint.ip
    return "ipport", f"{ip}:{endpoint.port}"


def _endpoint_or_none(binding: dict[str, Any]) -> tuple[str, str] | None:
    try:
        return httpsys_endpoint(binding["binding_information"], binding["ssl_flags"])
    except WindowsError_:
        return None


def mirrored_flags(ssl_flags: int) -> int:
    """The HTTP.sys DefaultFlags IIS writes for a binding's sslFlags (only the TLS bits)."""
    return sum(bit for flag, bit in BINDING_TO_HTTPSYS.items() if ssl_flags & flag)


def write_record(state: State, binding_information: str, ssl_flags: int, cert_hash: str, cert_store: str) -> None:
    """The HTTP.sys record IIS writes for an https binding when it commits (BINDING-7, HTTPSYS-4): at the binding's key,
    with its certificate, the IIS app id and only the TLS bits mirrored from its sslFlags
    (:func:`winmodel.httpsys.iis_record`). Both engines commit bindings through here."""
    kind, key = httpsys_endpoint(binding_information, ssl_flags)
    httpsys.put_binding(state, httpsys.iis_record(kind, key, cert_hash, cert_store, mirrored_flags(ssl_flags)))


def view_binding(state: State, binding: dict[str, Any]) -> dict[str, Any]:
    """A binding as gather shows it, its certificate read from HTTP.sys ("" when there is no record)."""
    record = None
    endpoint = _endpoint_or_none(binding) if binding["protocol"].casefold() == "https" else None
    if endpoint is not None:
        record = httpsys.get_binding(state, endpoint[1], endpoint[0])
    return {
        "protocol": binding["protocol"],
        "binding_information": binding["binding_information"],
        "ssl_flags": binding["ssl_flags"],
        "certificate_hash": (record or {}).get("cert_hash") or "",
        "certificate_store": (record or {}).get("cert_store") or "",
    }
