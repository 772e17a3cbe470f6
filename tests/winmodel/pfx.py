"""The PFX functions of WinCertStore.psm1 in Python: ``Read-MtlsWinPfx`` and ``Add-MtlsWinCertStorePfx`` (issue 20).

A PFX is opened as ``X509Certificate2Collection.Import(byte[], password, flags)`` opens it on Windows; the password
arrives only in the request body of the fake (never a command line) and appears in no message.

Windows facts modelled (docs/WINDOWS_FACTS.md):
- CERT-9, CERT-19: a wrong password fails with ``CryptographicException`` 0x80070056 "The specified network password
  is not correct."; so does a PBES2/AES-256 or SHA-2-MAC file on a build before 17763, even with the right password.
- CERT-14, CERT-17: ``has_private_key`` is true for the certificate the file's private key belongs to (its key link);
  the link is set whatever the key storage flags (without PersistKeySet the key itself is deleted at ``Reset()``, which
  ``HasPrivateKey`` does not see: the model keeps only the link).
- CERT-15: adding a certificate the store holds keeps it with its properties; the PFX's key link is added.
- CERT-13: the store is created when missing.
- CERT-16: failure messages never carry the password.
- CERT-21: an empty password opens a file protected with no password or with the empty one (``PFXImportCertStore``
  tries both); data that is not a PKCS#12 fails with ``CryptographicException`` 0x80092004 "Cannot find the requested
  object." (unverified).
- The certificates come back with the keyed one first, then the others as the file lists them (the order of
  ``X509Certificate2Collection.Import`` is unverified; the engine looks certificates up by thumbprint).
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from winmodel import stores
from winmodel.errors import WindowsError_
from winmodel.state import State

CRYPTOGRAPHIC_EXCEPTION = "System.Security.Cryptography.CryptographicException"
#: HRESULT_FROM_WIN32(ERROR_INVALID_PASSWORD) (CERT-19).
INVALID_PASSWORD = 0x80070056
INVALID_PASSWORD_TEXT = "The specified network password is not correct."
#: CRYPT_E_NOT_FOUND (CERT-21, unverified for Import).
NOT_FOUND = 0x80092004
NOT_FOUND_TEXT = "Cannot find the requested object."
#: The names of X509KeyStorageFlags (.NET Framework 4.7.2+ adds EphemeralKeySet).
KEY_STORAGE_FLAGS: frozenset[str] = frozenset(
    {"DefaultKeySet", "UserKeySet", "MachineKeySet", "Exportable", "UserProtected", "PersistKeySet", "EphemeralKeySet"}
)

#: First build that opens PBES2/AES PKCS#12 (Windows 10 1809 / Server 2019; CERT-9).
FIRST_AES_PFX_BUILD = 17763
#: DER of PBES2 (1.2.840.113549.1.5.13) and of the SHA-256/384/512 digest OIDs a PKCS#12 MAC may name.
_NEW_PKCS12_OIDS = (
    bytes.fromhex("06092a864886f70d01050d"),
    bytes.fromhex("0609608648016503040201"),
    bytes.fromhex("0609608648016503040202"),
    bytes.fromhex("0609608648016503040203"),
)

_SPKI = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo


def host_build(state: State) -> int:
    """The build number of ``state["host"]["os_version"]`` (10.0.14393 -> 14393)."""
    parts = str(state["host"].get("os_version", "")).split(".")
    return int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else FIRST_AES_PFX_BUILD


def uses_aes_pkcs12(data: bytes) -> bool:
    """Whether a PKCS#12 names PBES2 or a SHA-2 MAC digest, which builds before 17763 cannot open (CERT-9)."""
    return any(oid in data for oid in _NEW_PKCS12_OIDS)


def _check_flags(flags: list[str]) -> None:
    for flag in flags:
        if str(flag) not in KEY_STORAGE_FLAGS:  # PowerShell's enum conversion is case-insensitive; ours sends names
            raise WindowsError_(
                f'Cannot convert value "{flag}" to type '
                '"System.Security.Cryptography.X509Certificates.X509KeyStorageFlags".'
            )


def _load(data: bytes, password: str) -> tuple[Any, Any, list[Any]]:
    attempts = [password.encode("utf-8")] if password else [None, b""]
    for attempt in attempts:
        try:
            return pkcs12.load_key_and_certificates(data, attempt)
        except (ValueError, TypeError):
            continue
    # cryptography does not tell a wrong password from damaged data; a DER SEQUENCE is taken for a PKCS#12.
    if data[:1] != b"\x30":
        raise WindowsError_(NOT_FOUND_TEXT, exception_type=CRYPTOGRAPHIC_EXCEPTION, hresult=NOT_FOUND)
    raise WindowsError_(INVALID_PASSWORD_TEXT, exception_type=CRYPTOGRAPHIC_EXCEPTION, hresult=INVALID_PASSWORD)


def read(state: State, pfx: bytes, password: str, flags: list[str]) -> list[dict[str, Any]]:
    """``Read-MtlsWinPfx``: every certificate of the file as ``{"der", "has_private_key"}``."""
    _check_flags(flags)
    if host_build(state) < FIRST_AES_PFX_BUILD and uses_aes_pkcs12(pfx):  # CERT-9
        raise WindowsError_(INVALID_PASSWORD_TEXT, exception_type=CRYPTOGRAPHIC_EXCEPTION, hresult=INVALID_PASSWORD)
    return open_pfx(pfx, password)


def open_pfx(pfx: bytes, password: str) -> list[dict[str, Any]]:
    """Every certificate of a PKCS#12 as ``{"der", "has_private_key"}``, the keyed one first, on any build (CERT-21,
    CERT-14); :func:`read` adds the build rule of CERT-9."""
    key, cert, others = _load(pfx, password)
    contents: list[dict[str, Any]] = []
    for item in [cert, *others]:
        if item is None:
            continue
        keyed = key is not None and key.public_key().public_bytes(*_SPKI) == item.public_key().public_bytes(*_SPKI)
        contents.append({"der": item.public_bytes(serialization.Encoding.DER), "has_private_key": keyed})
    return sorted(contents, key=lambda entry: not entry["has_private_key"])


def add(state: State, name: str, pfx: bytes, password: str, thumbprint: str, flags: list[str]) -> None:
    """``Add-MtlsWinCertStorePfx``: the certificate with this thumbprint, with its key link, into the store."""
    contents = read(state, pfx, password, flags)
    wanted = [entry for entry in contents if stores.thumbprint_of(entry["der"]) == thumbprint.strip().upper()]
    if not wanted:
        raise WindowsError_(f"the PFX holds no certificate with thumbprint {thumbprint}")
    if wanted[0]["has_private_key"]:
        stores.import_with_key(state, name, wanted[0]["der"])
    else:
        stores.add_certificate(state, name, wanted[0]["der"])
