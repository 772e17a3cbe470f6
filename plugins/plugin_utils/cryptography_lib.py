# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one import of ``cryptography``: the collection's plugins load without it, a task fails with the fix.

Ansible loads plugins (``ansible-doc``, ``ansible-test sanity``'s import test, a playbook that never calls
this collection) in Pythons that may lack ``cryptography``. Every controller module imports the names it
needs from here; ``HostStateAction.run`` fails with :func:`missing_cryptography_message` before it reads
any option when ``HAS_CRYPTOGRAPHY`` is false.
"""

from __future__ import annotations

import sys

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID
except ImportError as exc:
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR: str | None = str(exc)
    # Only referenced inside functions, which no task reaches without cryptography (HostStateAction.run).
    x509 = hashes = serialization = pkcs12 = None  # type: ignore[assignment]
    dsa = ec = ed448 = ed25519 = padding = rsa = None  # type: ignore[assignment]
    AuthorityInformationAccessOID = ExtendedKeyUsageOID = NameOID = None  # type: ignore[assignment,misc]

    class InvalidSignature(Exception):  # type: ignore[no-redef]
        """Stands in for ``cryptography.exceptions.InvalidSignature`` in ``except`` clauses."""

    class UnsupportedAlgorithm(Exception):  # type: ignore[no-redef]
        """Stands in for ``cryptography.exceptions.UnsupportedAlgorithm`` in ``except`` clauses."""

else:
    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_IMPORT_ERROR = None

__all__ = [
    "CRYPTOGRAPHY_IMPORT_ERROR",
    "HAS_CRYPTOGRAPHY",
    "AuthorityInformationAccessOID",
    "ExtendedKeyUsageOID",
    "InvalidSignature",
    "NameOID",
    "UnsupportedAlgorithm",
    "dsa",
    "ec",
    "ed448",
    "ed25519",
    "hashes",
    "missing_cryptography_message",
    "padding",
    "pkcs12",
    "rsa",
    "serialization",
    "x509",
]


def missing_cryptography_message(python: str = sys.executable, error: str | None = CRYPTOGRAPHY_IMPORT_ERROR) -> str:
    """What a task says when ``cryptography`` is missing: which Python, why, and the command that fixes it."""
    return (
        f"mtls.iis reads and classifies certificates on the controller with the Python library cryptography, "
        f"which the Python running Ansible ({python}) cannot import ({error}). "
        f"Install it into that Python: {python} -m pip install cryptography "
        f"(or pip install -r requirements.txt from the collection's root)."
    )
