# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Normalisation of names users type: thumbprints and certificate store names."""

from __future__ import annotations

import re

from .errors import OptionError

# Characters that copy-paste from the MMC certificate dialog leaves behind.
_INVISIBLE = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\ufeff"), None)
_THUMBPRINT = re.compile(r"^[0-9A-F]{40}$")

# Store names become registry key names under HKLM\SOFTWARE\Microsoft\SystemCertificates.
# Windows documents no exact grammar for them; we accept a conservative set (letters, digits,
# space, '.', '_', '-', at most 64 characters) that covers every built-in store name.
_STORE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$")

#: Canonical spelling of the LocalMachine stores this collection writes or reads.
WELL_KNOWN_STORES = ("My", "Root", "CA", "ClientAuthIssuer", "WebHosting", "Trust", "Disallowed")


def normalize_thumbprint(value: str, option: str) -> str:
    """Upper-case hex SHA-1 without spaces, colons or invisible marks; OptionError otherwise."""
    text = str(value).translate(_INVISIBLE)
    text = re.sub(r"[\s:]", "", text).upper()
    if not _THUMBPRINT.match(text):
        raise OptionError(
            option,
            f"{value!r} is not a certificate thumbprint.",
            "give the 40 hexadecimal characters of the SHA-1 thumbprint (spaces, colons and case do not matter).",
        )
    return text


def canonical_store_name(value: str, option: str) -> str:
    """Validate a LocalMachine store name and return its canonical spelling."""
    text = str(value).strip()
    if not _STORE_NAME.match(text):
        raise OptionError(
            option,
            f"{value!r} is not a valid certificate store name.",
            "use a LocalMachine store name such as ClientAuthIssuer, Root, CA or My: letters, digits, "
            "space, '.', '_' and '-' only, at most 64 characters, no backslash or 'Cert:' path.",
        )
    for known in WELL_KNOWN_STORES:
        if known.lower() == text.lower():
            return known
    return text
