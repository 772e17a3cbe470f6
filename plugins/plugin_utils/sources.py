# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Certificates as users hold them: a controller path, PEM content, or a thumbprint on the host."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .certs import CertInfo, describe, parse_certificates
from .errors import OptionError
from .names import normalize_thumbprint

#: Reads a controller file: returns its bytes; raises OptionError naming the option when it cannot.
FileReader = Callable[[str, str], bytes]

CERT_SOURCE_OPTIONS: dict[str, Any] = {
    "path": {"type": "path"},
    "content": {"type": "str"},
    "thumbprint": {"type": "str"},
}
CERT_SOURCE_SPEC: dict[str, Any] = {
    "type": "list",
    "elements": "dict",
    "default": [],
    "options": CERT_SOURCE_OPTIONS,
    "mutually_exclusive": [("path", "content", "thumbprint")],
    "required_one_of": [("path", "content", "thumbprint")],
}


def load_certificates(item: dict[str, Any], option: str, read: FileReader) -> list[CertInfo]:
    """Every certificate of one ``{path}`` or ``{content}`` item (a PEM bundle gives several)."""
    if item.get("path"):
        origin = f"file {item['path']}"
        data = read(item["path"], f"{option}.path")
        field = f"{option}.path"
    else:
        origin = "PEM content"
        data = str(item["content"]).encode("utf-8")
        field = f"{option}.content"
    return [describe(cert, source=f"{option} ({origin})") for cert in parse_certificates(data, field, origin)]


def load_ca_sources(
    items: Sequence[dict[str, Any]], option: str, read: FileReader, allow_thumbprints: bool
) -> tuple[list[CertInfo], list[str]]:
    """CA certificates and bare thumbprints from a list option; refuses leaf certificates."""
    certs: list[CertInfo] = []
    thumbprints: list[str] = []
    for index, item in enumerate(items):
        name = f"{option}[{index}]"
        if item.get("thumbprint"):
            if not allow_thumbprints:
                raise OptionError(
                    f"{name}.thumbprint",
                    "a bare thumbprint cannot be imported: the host needs the certificate itself.",
                    "give path or content for state=present; thumbprints are accepted with state=absent.",
                )
            thumbprints.append(normalize_thumbprint(item["thumbprint"], f"{name}.thumbprint"))
            continue
        for cert in load_certificates(item, name, read):
            if not cert.is_ca:
                raise OptionError(
                    name,
                    f"{cert.label} is not a CA certificate (basicConstraints CA is false or missing), "
                    "so Windows would never use it to build a client certificate chain.",
                    "list only root and intermediate CA certificates here; client certificates belong in "
                    "certificate mappings and server certificates in bindings.",
                )
            certs.append(cert)
    return certs, thumbprints
