# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Self-signed verdicts of store certificates, remembered on the controller.

Whether a certificate is self-signed (:func:`certs.self_signed_verdict`: issuer = subject and its signature,
checked by :mod:`signature` for every algorithm CryptoAPI accepts, does not disprove it) is a pure function of its
DER, and checking the signature is the dominant cost of planning a host whose Trusted Root holds hundreds of
certificates (~60 us each for RSA). Every host of a fleet holds mostly the same roots, and Ansible plans each host
in a fresh worker process, so the verdicts are kept in memory and in a small file on the controller, keyed by the
SHA-256 of the DER. A lost or damaged file only costs the checks again.

The file carries :data:`VERSION`, the version of the rule that made its verdicts. A file written under another
rule is ignored and replaced: version 1 (no version field) came from ``verify_directly_issued_by``, which called
SHA-1-signed roots "not self-signed" (issue 11), and such a verdict must never be trusted again.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from .certs import self_signed_verdict
from .cryptography_lib import x509

#: Version of the self-signed rule; bump it whenever the rule changes so remembered verdicts are dropped.
VERSION = 2

Verdict = tuple[bool, str]  # (self-signed, note: why the names alone decided, or "")

_VERDICTS: dict[str, Verdict] = {}
_LOADED: set[str] = set()
_DIRTY = False


def cache_file() -> Path:
    base = os.environ.get("MTLS_IIS_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "mtls.iis"
    )
    return Path(base) / "self-signed-verdicts.json"


def verdict(der: bytes) -> Verdict:
    """(self-signed, note) of a certificate, remembered by the SHA-256 of its DER."""
    global _DIRTY
    key = hashlib.sha256(der).hexdigest()
    found = _VERDICTS.get(key)
    if found is None:
        found = _VERDICTS[key] = self_signed_verdict(x509.load_der_x509_certificate(der))
        _DIRTY = True
    return found


def self_signed(der: bytes) -> bool:
    return verdict(der)[0]


def _valid_entry(value: object) -> bool:
    return isinstance(value, list) and len(value) == 2 and isinstance(value[0], bool) and isinstance(value[1], str)


def load(path: Path | None = None) -> None:
    """Read remembered verdicts; a file of another rule version (or damaged) is ignored."""
    path = path or cache_file()
    if str(path) in _LOADED:
        return
    _LOADED.add(str(path))
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("verdicts"), dict):
        return
    _VERDICTS.update({k: (v[0], v[1]) for k, v in data["verdicts"].items() if isinstance(k, str) and _valid_entry(v)})


def save(path: Path | None = None) -> None:
    """Write the verdicts when new ones were found (atomically; concurrent workers may race harmlessly)."""
    global _DIRTY
    if not _DIRTY:
        return
    path = path or cache_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as handle:
            json.dump({"version": VERSION, "verdicts": {k: list(v) for k, v in _VERDICTS.items()}}, handle)
        os.replace(handle.name, path)
        _DIRTY = False
    except OSError:
        pass


def forget() -> None:
    """Drop the verdicts held in memory (benchmarks time the cold case with it)."""
    _VERDICTS.clear()
    _LOADED.clear()
