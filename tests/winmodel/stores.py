"""LocalMachine certificate stores as the host state holds them: what a store holds and how stores behave.

The lower layer of the simulator (issue 20, "The simulator in two layers"): the boundary functions of
:mod:`winmodel.certstore` / :mod:`winmodel.pfx` and the op engine of ``tests/simhost`` both act on stores through
this module.

Windows facts followed (docs/WINDOWS_FACTS.md; the project's REFERENCE.md, "Certificates on the controller" and
"The 403 family"):

- store names are case-insensitive (``Root`` and ``root`` are the same store, CERT-11);
- a certificate is identified by its thumbprint, the SHA-1 of its DER, upper-case hex (CERT-1);
- reading a store never creates it, nor does removing from it (``OpenExistingOnly``, CERT-12);
  ``X509Store.Open(ReadWrite)`` creates a missing store, so adding to a missing store creates it (CERT-13);
- ``has_private_key`` is the certificate's key link (CERT-14); adding a certificate the store holds keeps the stored
  one with its properties (CERT-15); importing a PFX whose certificate is already in the store without a key gives
  that certificate its key.

State layout: ``state["stores"][<name as created>] = {"certificates": [{"der": b64, "has_private_key": bool}]}``.
The thumbprint is always recomputed from the DER, so a seeded file cannot hold a wrong one.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from winmodel.state import State

Cert = dict[str, Any]


def thumbprint_of(der: bytes) -> str:
    """SHA-1 of the DER, upper-case hex: what Windows shows as the thumbprint (CERT-1)."""
    return hashlib.sha1(der).hexdigest().upper()


def normalise_thumbprint(value: str) -> str:
    """Trimmed, upper-case: thumbprints compare case-insensitively (CERT-1)."""
    return value.strip().upper()


def find_store_name(state: State, store: str) -> str | None:
    """The stored name of ``store`` (case-insensitive, CERT-11), or None when the store does not exist."""
    wanted = store.casefold()
    for name in state["stores"]:
        if name.casefold() == wanted:
            return name
    return None


def store_exists(state: State, store: str) -> bool:
    return find_store_name(state, store) is not None


def create_store(state: State, store: str) -> bool:
    """Create the store when missing (CERT-13); True when it was created."""
    if store_exists(state, store):
        return False
    state["stores"][store] = {"certificates": []}
    return True


def certificates(state: State, store: str) -> list[Cert]:
    """Certificates of a store as ``{"thumbprint", "der" (base64), "has_private_key"}``; empty for a missing store."""
    name = find_store_name(state, store)
    if name is None:
        return []
    return [
        {
            "thumbprint": thumbprint_of(base64.b64decode(entry["der"])),
            "der": entry["der"],
            "has_private_key": bool(entry.get("has_private_key", False)),
        }
        for entry in state["stores"][name]["certificates"]
    ]


def find_certificate(state: State, store: str, thumbprint: str) -> Cert | None:
    wanted = normalise_thumbprint(thumbprint)
    for cert in certificates(state, store):
        if cert["thumbprint"] == wanted:
            return cert
    return None


def add_certificate(state: State, store: str, der: bytes, has_private_key: bool = False) -> bool:
    """Add a certificate; True when added, False when that thumbprint was already there (kept as stored, CERT-15).

    Like ``X509Store.Open(ReadWrite)`` followed by ``Add``, this creates a missing store (CERT-13).
    """
    create_store(state, store)
    if find_certificate(state, store, thumbprint_of(der)) is not None:
        return False
    name = find_store_name(state, store)
    if name is None:
        raise AssertionError(f"store {store} was just created")
    state["stores"][name]["certificates"].append(
        {"der": base64.b64encode(der).decode("ascii"), "has_private_key": has_private_key}
    )
    return True


def remove_certificate(state: State, store: str, thumbprint: str) -> Cert | None:
    """Remove a certificate; return it (with its DER), or None when it was not there.

    A missing store stays missing (``OpenExistingOnly``, CERT-12).
    """
    name = find_store_name(state, store)
    found = find_certificate(state, store, thumbprint)
    if name is None or found is None:
        return None
    entries = state["stores"][name]["certificates"]
    state["stores"][name]["certificates"] = [
        entry for entry in entries if thumbprint_of(base64.b64decode(entry["der"])) != found["thumbprint"]
    ]
    return found


def _entry(state: State, store: str, thumbprint: str) -> dict[str, Any] | None:
    """The stored entry (mutable) of a certificate, or None."""
    name = find_store_name(state, store)
    if name is None:
        return None
    wanted = normalise_thumbprint(thumbprint)
    for entry in state["stores"][name]["certificates"]:
        if thumbprint_of(base64.b64decode(entry["der"])) == wanted:
            return entry
    return None


def import_with_key(state: State, store: str, der: bytes) -> bool:
    """Add a certificate with its private key (creating a missing store); True when something changed.

    A certificate already in the store without a key gains it; one already there with its key is left (CERT-15).
    """
    entry = _entry(state, store, thumbprint_of(der))
    if entry is None:
        return add_certificate(state, store, der, has_private_key=True)
    if entry.get("has_private_key"):
        return False
    entry["has_private_key"] = True
    return True


def usable_by_httpsys(state: State, store: str, thumbprint: str) -> bool:
    """HTTP.sys binds only a certificate of the named LocalMachine store with its private key (HTTPSYS-13; "A
    specified logon session does not exist", error 1312, otherwise)."""
    found = find_certificate(state, store, thumbprint)
    return found is not None and bool(found["has_private_key"])
