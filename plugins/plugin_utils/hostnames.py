# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Host names of IIS bindings (and of SNI): grammar and IDNA. Pure.

WINDOWS_FACTS VALID-1: an SNI host name is an ASCII DNS name without a trailing dot (RFC 6066 section 3); an
internationalised name goes on the wire as its A-label (``xn--``), so the binding, the HTTP.sys ``hostnameport`` key
and the certificate's SAN all use the A-label. WINDOWS_FACTS VALID-2: an IIS binding's host is a DNS name or a
wildcard ``*.`` in its first label (IIS 10); it carries neither a port, a scheme, a path nor an IP literal.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from .errors import OptionError

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
MAX_NAME = 253  # RFC 1035 section 2.3.4 (the presentation form without the trailing dot)


@dataclass(frozen=True)
class HostName:
    """A binding's host: ``ascii`` as IIS, HTTP.sys and TLS see it; ``unicode`` as the user wrote it."""

    ascii: str
    unicode: str

    @property
    def shown(self) -> str:
        """Both forms when they differ (for diffs and plans): ``xn--mnchen-3ya.de (münchen.de)``."""
        return self.ascii if self.ascii == self.unicode else f"{self.ascii} ({self.unicode})"


def _fail(option: str, value: str, problem: str, fix: str) -> OptionError:
    return OptionError(option, f"{value!r} {problem}", fix)


def binding_host(value: str, option: str) -> HostName:
    """The A-label form of a binding host name; OptionError naming ``option`` for anything IIS or SNI refuses."""
    text = str(value).strip()
    if not text:
        return HostName("", "")
    lowered = text.lower()
    if "://" in lowered or "/" in lowered:
        raise _fail(option, value, "is a URL, not a host name.", "give only the host name, e.g. www.contoso.com.")
    if ":" in lowered or lowered.startswith("["):
        try:
            ipaddress.ip_address(lowered.strip("[]"))
        except ValueError:
            raise _fail(
                option,
                value,
                "holds a ':' (a host with a port?).",
                "give the host name alone (www.contoso.com) and the port in port.",
            ) from None
        raise _fail(option, value, "is an IP address, not a host name.", "give the address in ip and leave host empty.")
    if lowered.endswith("."):
        raise _fail(
            option,
            value,
            "ends with a dot; SNI host names never do (RFC 6066 section 3), so IIS refuses it.",
            f"write it without the trailing dot: {lowered.rstrip('.')}.",
        )
    try:
        ipaddress.ip_address(lowered)
    except ValueError:
        pass
    else:
        raise _fail(option, value, "is an IP address, not a host name.", "give the address in ip and leave host empty.")
    wildcard = lowered.startswith("*.")
    body = lowered[2:] if wildcard else lowered
    try:
        ascii_body = body.encode("idna").decode("ascii")
    except UnicodeError:
        raise _fail(
            option,
            value,
            "is not a valid (internationalised) DNS name.",
            "use letters, digits and '-' in dot-separated labels of at most 63 characters, e.g. www.contoso.com.",
        ) from None
    labels = ascii_body.split(".")
    if len(ascii_body) > MAX_NAME - (2 if wildcard else 0) or not all(_LABEL.match(label) for label in labels):
        raise _fail(
            option,
            value,
            "is not a valid DNS host name.",
            "use letters, digits and '-' in dot-separated labels of at most 63 characters (no '_', spaces or '*' "
            "except a leading '*.'), e.g. www.contoso.com.",
        )
    prefix = "*." if wildcard else ""
    unicode_body = ascii_body.encode("ascii").decode("idna") if "xn--" in ascii_body else body
    return HostName(prefix + ascii_body, prefix + unicode_body)
