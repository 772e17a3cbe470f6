"""LocalMachine certificate stores.

Windows facts followed (see /work/shared/REFERENCE.md, "Certificates on the controller" and
"The 403 family"):

- store names are case-insensitive (``Root`` and ``root`` are the same store);
- a certificate is identified by its thumbprint, the SHA-1 of its DER, upper-case hex;
- reading a store never creates it; ``X509Store.Open(ReadWrite)`` creates a missing store, so
  importing into a missing store creates it;
- a PFX is decrypted with its password (a wrong one fails, and the failure never shows it); importing
  a PFX whose certificate is already in the store without a key gives that certificate its key;
- ``pfx_import`` imports only the certificate that has the private key: the module opens the PFX with the
  ``X509Certificate2(byte[], string, X509KeyStorageFlags)`` constructor (``Open-MtlsPfx`` in CertStore.psm1), which
  .NET documents as "the first certificate associated with a private key is used" for a PFX holding several
  (X509Certificate2.Import remarks; dotnet/corefx PR 3945 describes the Windows behaviour). The PFX's CA
  certificates reach ``CA`` only through ``cert_import`` ops the controller plans (WINDOWS_FACTS CERT-8);
- Windows before build 17763 (Server 2016 is 14393) cannot decrypt PKCS#12 protected with PBES2/AES-256 or a SHA-2
  MAC, what OpenSSL 3 and ``cryptography`` write by default, and ``X509Certificate2`` fails with "The specified
  network password is not correct." even with the right password (ansible.windows PR #582, openssl issue 27035;
  WINDOWS_FACTS CERT-9): :func:`legacy_host_refuses`;
- HTTP.sys (and so IIS) binds only a certificate it finds in the named LocalMachine store, with a
  private key ("A specified logon session does not exist" otherwise).

State layout: ``state["stores"][<name as created>] = {"certificates": [{"der": b64, "has_private_key": bool}]}``.
The thumbprint is always recomputed from the DER, so a seeded file cannot hold a wrong one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from winmodel.state import State

from simhost.errors import OpError

Cert = dict[str, Any]

_THUMBPRINT = re.compile(r"[0-9A-F]{40}")


def thumbprint_of(der: bytes) -> str:
    """SHA-1 of the DER, upper-case hex: what Windows shows as the thumbprint."""
    return hashlib.sha1(der).hexdigest().upper()


def normalise_thumbprint(value: str) -> str:
    """Trimmed, upper-case: the module compares thumbprints case-insensitively."""
    return value.strip().upper()


def parse_thumbprint(value: str) -> str:
    """An op's thumbprint, refused unless it is 40 hex characters (as the module refuses it)."""
    normalised = normalise_thumbprint(value)
    if not _THUMBPRINT.fullmatch(normalised):
        raise OpError(f"thumbprint '{value}' is not 40 hexadecimal characters (a SHA-1 thumbprint)")
    return normalised


def decode_der(der_b64: str) -> bytes:
    """Base64 DER of an X.509 certificate, rejected the way ``X509Certificate2`` would reject it."""
    try:
        der = base64.b64decode(der_b64, validate=True)
    except (binascii.Error, ValueError, TypeError) as err:
        raise OpError(f"der is not valid base64: {err}") from err
    try:
        x509.load_der_x509_certificate(der)
    except ValueError as err:
        raise OpError(f"der is not an X.509 certificate: {err}") from err
    return der


def find_store_name(state: State, store: str) -> str | None:
    """The stored name of ``store`` (case-insensitive), or None when the store does not exist."""
    wanted = store.casefold()
    for name in state["stores"]:
        if name.casefold() == wanted:
            return name
    return None


def store_exists(state: State, store: str) -> bool:
    return find_store_name(state, store) is not None


def create_store(state: State, store: str) -> bool:
    """Create the store when missing; True when it was created."""
    if store_exists(state, store):
        return False
    state["stores"][store] = {"certificates": []}
    return True


def certificates(state: State, store: str) -> list[Cert]:
    """Certificates of a store as the snapshot shows them; empty for a missing store."""
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


def gather_store(state: State, store: str) -> dict[str, Any]:
    """One ``snapshot.stores`` entry. Never creates the store."""
    return {"exists": store_exists(state, store), "certificates": certificates(state, store)}


def find_certificate(state: State, store: str, thumbprint: str) -> Cert | None:
    wanted = normalise_thumbprint(thumbprint)
    for cert in certificates(state, store):
        if cert["thumbprint"] == wanted:
            return cert
    return None


def add_certificate(state: State, store: str, der: bytes, has_private_key: bool = False) -> bool:
    """Add a certificate; True when added, False when that thumbprint was already there.

    Like ``X509Store.Open(ReadWrite)`` followed by ``Add``, this creates a missing store.
    """
    create_store(state, store)
    if find_certificate(state, store, thumbprint_of(der)) is not None:
        return False
    name = find_store_name(state, store)
    assert name is not None
    state["stores"][name]["certificates"].append(
        {"der": base64.b64encode(der).decode("ascii"), "has_private_key": has_private_key}
    )
    return True


def remove_certificate(state: State, store: str, thumbprint: str) -> Cert | None:
    """Remove a certificate; return it (with its DER), or None when it was not there.

    A missing store stays missing (the real module opens it with ``OpenExistingOnly``).
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


@dataclass(frozen=True)
class Pfx:
    """What a PKCS#12 holds: the certificate that goes with its private key (if any), and the others."""

    keyed: bytes | None
    others: tuple[bytes, ...]


def decode_pfx(pfx_b64: str, password: str, password_ref: str) -> Pfx:
    """Open a base64 PKCS#12 with its password. Failures name ``password_ref``, never the password."""
    try:
        data = base64.b64decode(pfx_b64, validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise OpError("pfx is not valid base64") from None
    try:
        key, cert, others = pkcs12.load_key_and_certificates(data, password.encode("utf-8") if password else None)
    except (ValueError, TypeError):
        # The cryptography message does not carry the password; ours names only the reference.
        raise OpError(
            f"the PFX could not be opened with the password secrets['{password_ref}']: "
            "the password is wrong or the data is not a PKCS#12 file"
        ) from None
    ders = [item.public_bytes(serialization.Encoding.DER) for item in [cert, *others] if item is not None]
    keyed = None
    if cert is not None and key is not None:
        spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        if key.public_key().public_bytes(*spki) == cert.public_key().public_bytes(*spki):
            keyed = ders[0]
    return Pfx(keyed, tuple(der for der in ders if der != keyed))


#: First build that opens PBES2/AES PKCS#12 (Windows 10 1809 / Server 2019).
FIRST_AES_PFX_BUILD = 17763
#: DER of PBES2 (1.2.840.113549.1.5.13) and of the SHA-256/384/512 digest OIDs a PKCS#12 MAC may name.
_NEW_PKCS12_OIDS = (
    bytes.fromhex("06092a864886f70d01050d"),
    bytes.fromhex("0609608648016503040201"),
    bytes.fromhex("0609608648016503040202"),
    bytes.fromhex("0609608648016503040203"),
)


def host_build(state: State) -> int:
    """The build number of ``state["host"]["os_version"]`` (10.0.14393 -> 14393)."""
    parts = str(state["host"].get("os_version", "")).split(".")
    return int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else FIRST_AES_PFX_BUILD


def uses_aes_pkcs12(data: bytes) -> bool:
    """Whether a PKCS#12 names PBES2 or a SHA-2 MAC digest, which builds before 17763 cannot open (CERT-9)."""
    return any(oid in data for oid in _NEW_PKCS12_OIDS)


def legacy_host_refuses(state: State, pfx_b64: str) -> None:
    """Fail as ``X509Certificate2Collection.Import`` does on a build before 17763 when the PFX uses PBES2/AES or a
    SHA-2 MAC: ERROR_INVALID_PASSWORD (WINDOWS_FACTS CERT-19), which the engine (CertPfx.psm1) explains with the build
    and the remedy (issue 10 item 2)."""
    build = host_build(state)
    if build < FIRST_AES_PFX_BUILD and uses_aes_pkcs12(base64.b64decode(pfx_b64)):
        raise OpError(
            "the PFX could not be opened (System.Security.Cryptography.CryptographicException 0x80070056 - The "
            f"specified network password is not correct.): this Windows build ({build}) cannot open PFX files "
            "encrypted with PBES2/AES-256, which Windows supports from build 17763 (Windows Server 2019); re-export "
            "the PFX with TripleDES-SHA1 ('openssl pkcs12 -export -legacy') - mtls.iis re-encodes a PFX "
            "automatically when the os_version it gathered is below 17763"
        )


def import_with_key(state: State, store: str, der: bytes) -> bool:
    """Add a certificate with its private key (creating a missing store); True when something changed.

    A certificate already in the store without a key gains it; one already there with its key is left.
    """
    entry = _entry(state, store, thumbprint_of(der))
    if entry is None:
        return add_certificate(state, store, der, has_private_key=True)
    if entry.get("has_private_key"):
        return False
    entry["has_private_key"] = True
    return True


def require_server_certificate(state: State, store: str, thumbprint: str) -> None:
    """Fail like HTTP.sys when a binding names a certificate it cannot use."""
    cert = find_certificate(state, store, thumbprint)
    if cert is None:
        raise OpError(
            f"certificate {normalise_thumbprint(thumbprint)} is not in LocalMachine\\{store}: "
            "HTTP.sys cannot bind a certificate it does not find in the named store"
        )
    if not cert["has_private_key"]:
        raise OpError(
            f"certificate {cert['thumbprint']} in LocalMachine\\{store} has no private key: "
            "HTTP.sys refuses it (A specified logon session does not exist, error 1312)"
        )
