"""Errors of the Windows model: what a Windows API throws, as the message a boundary fake rethrows."""

from __future__ import annotations


class WindowsError_(Exception):
    """A Windows API failed; the fake throws the message as the API's exception would.

    ``exception_type`` and ``hresult``, when given, are the .NET exception type and its ``HResult`` (e.g.
    ``System.Security.Cryptography.CryptographicException`` 0x80070056): the fake throws that type with that code, so
    that code judging an error by its code (CertPfx.psm1, CertStore.psm1) sees what it would see on Windows.
    """

    def __init__(self, message: str, *, exception_type: str | None = None, hresult: int | None = None) -> None:
        super().__init__(message)
        self.exception_type = exception_type
        self.hresult = hresult


class StateError(ValueError):
    """A state file or a seed call describes something Windows cannot hold."""


class UnknownFunction(Exception):
    """A boundary function the model does not implement (yet): the fake fails loudly, never silently."""
