"""Who is calling: Basic, NTLM (with WinRM message encryption) and certificate authentication.

- Basic (RFC 7617) against the host's local accounts.
- NTLM through pyspnego as the acceptor; after the handshake every envelope travels wrapped with the
  connection's session key in the ``multipart/encrypted`` framing of MS-WSMV 2.2.9.1.1 (WINDOWS_FACTS WINRM-7).
- Certificate: the TLS client certificate decides the user through ``winrm/config/service/certmapping``
  (MS-WSMV 2.2.4.3): issuer thumbprint + user principal name from the subject alternative name (WINRM-8).
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import spnego
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID

from wsman.service import CertMapping

#: The Authorization header pywinrm sends for certificate authentication (MS-WSMV 2.2.9.2, WINRM-8).
CERT_AUTH_HEADER = "http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/https/mutual"
SPNEGO_ENCRYPTED = "application/HTTP-SPNEGO-session-encrypted"
BOUNDARY = b"--Encrypted Boundary"
UPN_OID = x509.ObjectIdentifier("1.3.6.1.4.1.311.20.2.3")


class AuthError(Exception):
    """The caller is not who it claims to be, or may not log on."""


def basic_user(header: str, users: Mapping[str, str]) -> str:
    """The user of a valid ``Basic`` Authorization header; AuthError otherwise."""
    try:
        decoded = base64.b64decode(header.split(None, 1)[1], validate=True).decode("utf-8")
    except (IndexError, ValueError) as err:
        raise AuthError("malformed Basic credentials") from err
    user, _unused, password = decoded.partition(":")
    account = _account(user, users)
    if account is None or users[account] != password:
        raise AuthError("unknown user name or bad password")
    return account


def _account(user: str, users: Mapping[str, str]) -> str | None:
    # Local accounts: "name", ".\\name" or "HOST\\name", compared case-insensitively as Windows does.
    name = user.rsplit("\\", 1)[-1].lower()
    return next((account for account in users if account.lower() == name), None)


class NtlmUsers:
    """The accounts pyspnego's NTLM acceptor knows, in the ``NTLM_USER_FILE`` it reads."""

    def __init__(self) -> None:
        handle, name = tempfile.mkstemp(prefix="wsman-ntlm-", suffix=".txt")
        os.close(handle)
        self.path = Path(name)
        self._users: dict[str, str] = {}

    def add(self, users: Mapping[str, str]) -> None:
        self._users.update(users)
        # No domain: matches a client that sends none, as a workgroup host's local accounts do.
        self.path.write_text("".join(f":{user}:{password}\n" for user, password in self._users.items()))
        os.environ["NTLM_USER_FILE"] = str(self.path)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


@dataclass
class NtlmAcceptor:
    """One connection's NTLM context: the handshake, then message encryption with its session key."""

    context: spnego.ContextProxy | None = None
    user: str | None = None

    def step(self, token_b64: str) -> bytes | None:
        """Feed the client's token; the reply token (None when the handshake completed). AuthError on a bad logon."""
        if self.context is None or self.context.complete:
            self.context = spnego.server(protocol="ntlm")
            self.user = None
        try:
            reply = self.context.step(base64.b64decode(token_b64))
        except (spnego.exceptions.SpnegoError, ValueError) as err:
            self.context = None
            raise AuthError(f"NTLM logon failed: {err}") from err
        if self.context.complete:
            self.user = str(self.context.client_principal or "")
        return reply

    @property
    def established(self) -> bool:
        return self.context is not None and self.context.complete

    def unwrap(self, body: bytes) -> bytes:
        """The envelope inside a ``multipart/encrypted`` request body; AuthError when it does not decrypt."""
        if not self.established:
            raise AuthError("an encrypted message on a connection without an NTLM context")
        assert self.context is not None
        message = b""
        parts = [part for part in body.split(BOUNDARY + b"\r\n") if part]
        for index in range(0, len(parts) - 1, 2):
            header, payload = parts[index], parts[index + 1]
            expected = int(header.split(b"Length=")[1].split(b"\r\n")[0])
            if payload.endswith(BOUNDARY + b"--\r\n"):
                payload = payload[: -len(BOUNDARY + b"--\r\n")]
            payload = payload.replace(b"\tContent-Type: application/octet-stream\r\n", b"", 1)
            signature_length = struct.unpack("<i", payload[:4])[0]
            signature = payload[4 : 4 + signature_length]
            try:
                plain = self.context.unwrap_winrm(signature, payload[4 + signature_length :])
            except spnego.exceptions.SpnegoError as err:
                raise AuthError(f"message does not decrypt: {err}") from err
            if len(plain) != expected:
                raise AuthError("decrypted length differs from OriginalContent")
            message += plain
        return message

    def wrap(self, envelope: bytes) -> bytes:
        """A response envelope in the same framing, sealed with the session key."""
        assert self.context is not None
        wrapped = self.context.wrap_winrm(envelope)
        original = b"type=application/soap+xml;charset=UTF-8;Length=" + str(len(envelope)).encode()
        return b"".join(
            [
                BOUNDARY + b"\r\n",
                b"\tContent-Type: " + SPNEGO_ENCRYPTED.encode() + b"\r\n",
                b"\tOriginalContent: " + original + b"\r\n",
                BOUNDARY + b"\r\n",
                b"\tContent-Type: application/octet-stream\r\n",
                struct.pack("<i", len(wrapped.header)) + wrapped.header + wrapped.data,
                BOUNDARY + b"--\r\n",
            ]
        )


ENCRYPTED_CONTENT_TYPE = f'multipart/encrypted;protocol="{SPNEGO_ENCRYPTED}";boundary="Encrypted Boundary"'


def _der_utf8(value: bytes) -> str:
    """The text of a DER UTF8String (an otherName value)."""
    if not value or value[0] != 0x0C:
        raise ValueError("not a UTF8String")
    length, offset = value[1], 2
    if length & 0x80:
        count = length & 0x7F
        length, offset = int.from_bytes(value[2 : 2 + count], "big"), 2 + count
    return value[offset : offset + length].decode("utf-8")


def user_principal_name(cert: x509.Certificate) -> str | None:
    """The UPN (otherName 1.3.6.1.4.1.311.20.2.3) in the certificate's subject alternative name, if any."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return None
    for name in san.get_values_for_type(x509.OtherName):
        if name.type_id == UPN_OID:
            try:
                return _der_utf8(name.value)
            except (ValueError, UnicodeDecodeError):
                return None
    return None


def _issuer_thumbprint(cert: x509.Certificate, authorities: Iterable[x509.Certificate]) -> str | None:
    for authority in authorities:
        if authority.subject != cert.issuer:
            continue
        try:
            cert.verify_directly_issued_by(authority)
        except (InvalidSignature, ValueError, TypeError):
            continue
        return hashlib.sha1(authority.public_bytes(Encoding.DER)).hexdigest().upper()
    return None


def certificate_user(
    der: bytes | None, authorities: Iterable[x509.Certificate], mappings: Iterable[CertMapping]
) -> str:
    """The local user a TLS client certificate maps to; AuthError when it maps to none (WINRM-8)."""
    if not der:
        raise AuthError("no client certificate was presented")
    cert = x509.load_der_x509_certificate(der)
    try:
        usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        usages = None
    if usages is None or ExtendedKeyUsageOID.CLIENT_AUTH not in usages:
        raise AuthError("the client certificate is not valid for client authentication")
    upn = user_principal_name(cert)
    issuer = _issuer_thumbprint(cert, authorities)
    if upn is None or issuer is None:
        raise AuthError("the client certificate has no user principal name or no known issuer")
    for mapping in mappings:
        if mapping.matches(issuer, upn):
            return mapping.user
    raise AuthError(f"no certificate mapping for {upn} issued by {issuer}")
