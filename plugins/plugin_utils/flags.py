# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Bitmasks of IIS and HTTP.sys (REFERENCE.md). Always compared as integers, never as strings."""

from __future__ import annotations

from .errors import HostStateError

# system.webServer/security/access@sslFlags (SslMapCert=128 is not in the IIS 10 schema: never emitted)
ACCESS_FLAGS = {"None": 0, "Ssl": 8, "SslNegotiateCert": 32, "SslRequireCert": 64, "Ssl128": 256}
SSL = 8
NEGOTIATE_CERT = 32
REQUIRE_CERT = 64
SSL128 = 256

# IIS binding sslFlags. Bits >= 4 are community-sourced (REFERENCE.md, Site bindings).
BINDING_SNI = 1
BINDING_CCS = 2
BINDING_NEGOTIATE_CLIENT_CERT = 128  # Server 2025 only; left as found, never managed

# option name -> (IIS binding sslFlags bit, HTTP.sys DefaultFlags bit)
TLS_OPTIONS: dict[str, tuple[int, int]] = {
    "disable_http2": (4, 0x10),
    "disable_ocsp_stapling": (8, 0x80),
    "disable_quic": (16, 0x20),
    "disable_tls13": (32, 0x40),
    "disable_legacy_tls": (64, 0x400),
}
HTTPSYS_DS_MAPPER = 0x1
HTTPSYS_NEGOTIATE_CLIENT_CERT = 0x2

# HTTP.sys DefaultCertCheckMode
CHECK_NO_REVOCATION = 0x1
CHECK_CACHED_ONLY = 0x2
CHECK_FRESHNESS_TIME = 0x4
CHECK_NO_USAGE_CHECK = 0x10000  # HTTP_SERVICE_CONFIG_SSL_PARAM: "No usage check is to be performed"


def access_flags_from_text(text: str) -> int:
    """'Ssl, SslNegotiateCert' (as written in applicationHost.config) or a number -> integer bitmask."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    value = 0
    for name in filter(None, (part.strip() for part in text.split(","))):
        matched = [bit for known, bit in ACCESS_FLAGS.items() if known.lower() == name.lower()]
        if not matched:
            raise HostStateError(f"unknown sslFlags name {name!r} in applicationHost.config")
        value |= matched[0]
    return value


def access_flags_text(value: int) -> str:
    names = [name for name, bit in ACCESS_FLAGS.items() if bit and value & bit]
    return ", ".join(names) if names else "None"


def describe_access(value: int) -> str:
    """How IIS Manager's SSL Settings page would show these flags."""
    if value & REQUIRE_CERT:
        certs = "require"
    elif value & NEGOTIATE_CERT:
        certs = "accept"
    else:
        certs = "ignore"
    return (
        f"{access_flags_text(value)} (require SSL: {'yes' if value & SSL else 'no'}, "
        f"128-bit: {'yes' if value & SSL128 else 'no'}, client certificates: {certs})"
    )


_BINDING_NAMES = {
    1: "SNI",
    2: "CentralCertStore",
    **{bits[0]: name for name, bits in TLS_OPTIONS.items()},
    128: "NegotiateClientCert",
}


def describe_binding_flags(value: int) -> str:
    names = [name for bit, name in sorted(_BINDING_NAMES.items()) if value & bit]
    return f"{value} ({', '.join(names) or 'none'})"
