"""Self-signed verdicts of store certificates, remembered on the controller.

Whether a certificate is self-signed (issuer = subject and the signature verifies with its own key)
is a pure function of its DER, and checking the signature is the dominant cost of planning a host
whose Trusted Root holds hundreds of certificates (~60 us each for RSA). Every host of a fleet holds
mostly the same roots, and Ansible plans each host in a fresh worker process, so the verdicts are kept
in memory and in a small file on the controller, keyed by the SHA-256 of the DER. A lost or damaged
file only costs the checks again.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from cryptography import x509

from .certs import is_self_signed

_VERDICTS: dict[str, bool] = {}
_LOADED: set[str] = set()
_DIRTY = False


def cache_file() -> Path:
    base = os.environ.get("MTLS_IIS_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "mtls.iis"
    )
    return Path(base) / "self-signed-verdicts.json"


def self_signed(der: bytes) -> bool:
    global _DIRTY
    key = hashlib.sha256(der).hexdigest()
    verdict = _VERDICTS.get(key)
    if verdict is None:
        verdict = _VERDICTS[key] = is_self_signed(x509.load_der_x509_certificate(der))
        _DIRTY = True
    return verdict


def load(path: Path | None = None) -> None:
    path = path or cache_file()
    if str(path) in _LOADED:
        return
    _LOADED.add(str(path))
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return
    if isinstance(data, dict):
        _VERDICTS.update({k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, bool)})


def save(path: Path | None = None) -> None:
    """Write the verdicts when new ones were found (atomically; concurrent workers may race harmlessly)."""
    global _DIRTY
    if not _DIRTY:
        return
    path = path or cache_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as handle:
            json.dump(_VERDICTS, handle)
        os.replace(handle.name, path)
        _DIRTY = False
    except OSError:
        pass


def forget() -> None:
    """Drop the verdicts held in memory (benchmarks time the cold case with it)."""
    _VERDICTS.clear()
    _LOADED.clear()
