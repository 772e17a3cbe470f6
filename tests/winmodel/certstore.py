"""WinCertStore.psm1 in Python: LocalMachine certificate stores (PFX files: not modelled yet).

State: ``state["stores"]``, through :mod:`winmodel.stores`.

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

from cryptography import x509

from winmodel import stores
from winmodel.errors import WindowsError_
from winmodel.state import State


def get_store(state: State, name: str) -> dict[str, Any]:
    """``Get-MtlsWinCertStore`` (CERT-12, CERT-14): never creates the store."""
    stored = stores.find_store_name(state, name)
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
    stores.create_store(state, name)


def add_certificate(state: State, name: str, der: bytes) -> None:
    """``Add-MtlsWinCertStoreCertificate`` (CERT-13, CERT-15): a held certificate keeps its key link."""
    try:
        x509.load_der_x509_certificate(der)
    except ValueError as err:  # X509Certificate2 refuses what is not a certificate
        raise WindowsError_(f"der is not an X.509 certificate: {err}") from err
    stores.add_certificate(state, name, der)


def remove_certificate(state: State, name: str, thumbprint: str) -> None:
    """``Remove-MtlsWinCertStoreCertificate`` (CERT-1, CERT-12): a missing store or certificate is left alone."""
    stores.remove_certificate(state, name, thumbprint)


def copy_certificate(state: State, name: str, source: str, thumbprint: str) -> None:
    """``Copy-MtlsWinCertStoreCertificate`` (CERT-13, CERT-18): the target store is created when missing; the copy
    keeps the source's key link; a missing source store or certificate fails as the real function throws."""
    if stores.find_store_name(state, source) is None:
        raise WindowsError_(f"the store '{source}' does not exist")
    found = stores.find_certificate(state, source, thumbprint)
    if found is None:
        raise WindowsError_(f"the store '{source}' holds no certificate with thumbprint {thumbprint}")
    stores.add_certificate(state, name, base64.b64decode(found["der"]), found["has_private_key"])
