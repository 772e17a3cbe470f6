"""WinCertStore.psm1 in Python: LocalMachine certificate stores (PFX files: not modelled yet).

State: ``state["stores"]``, the layout of ``simhost.certstore``.

Windows facts modelled:
- CERT-1: a thumbprint is the SHA-1 of the DER; compared in any case.
- CERT-11: store names are case-insensitive.
- CERT-12: reading or removing from a missing store never creates it (OpenExistingOnly).
- CERT-13: opening a store for writing creates it when missing.
- CERT-14: ``has_private_key`` is the certificate's key link.
- CERT-15: adding a certificate the store holds keeps the stored one with its properties (key link).
- CERT-18: a certificate copied from another store keeps its properties (the key link) in the target.
"""

from __future__ import annotations

import base64
from typing import Any

from simhost import certstore as simcerts

from winmodel.errors import WindowsError_
from winmodel.state import State


def get_store(state: State, name: str) -> dict[str, Any]:
    """``Get-MtlsWinCertStore`` (CERT-12, CERT-14): never creates the store."""
    stored = simcerts.find_store_name(state, name)
    if stored is None:
        return {"exists": False, "certificates": []}
    return {
        "exists": True,
        "certificates": [
            {"der": base64.b64decode(entry["der"]), "has_private_key": bool(entry.get("has_private_key", False))}
            for entry in state["stores"][stored]["certificates"]
        ],
    }


def new_store(state: State, name: str) -> None:
    """``New-MtlsWinCertStore`` (CERT-13)."""
    simcerts.create_store(state, name)


def add_certificate(state: State, name: str, der: bytes) -> None:
    """``Add-MtlsWinCertStoreCertificate`` (CERT-13, CERT-15): a held certificate keeps its key link."""
    simcerts.decode_der(base64.b64encode(der).decode("ascii"))  # X509Certificate2 refuses what is not a certificate
    simcerts.add_certificate(state, name, der)


def remove_certificate(state: State, name: str, thumbprint: str) -> None:
    """``Remove-MtlsWinCertStoreCertificate`` (CERT-1, CERT-12): a missing store or certificate is left alone."""
    simcerts.remove_certificate(state, name, thumbprint)


def copy_certificate(state: State, name: str, source: str, thumbprint: str) -> None:
    """``Copy-MtlsWinCertStoreCertificate`` (CERT-13, CERT-18): the target store is created when missing; the copy
    keeps the source's key link; a missing source store or certificate fails as the real function throws."""
    if simcerts.find_store_name(state, source) is None:
        raise WindowsError_(f"the store '{source}' does not exist")
    found = simcerts.find_certificate(state, source, thumbprint)
    if found is None:
        raise WindowsError_(f"the store '{source}' holds no certificate with thumbprint {thumbprint}")
    simcerts.add_certificate(state, name, base64.b64decode(found["der"]), found["has_private_key"])
