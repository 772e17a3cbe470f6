"""Errors of the Windows model: what a Windows API throws, as the message a boundary fake rethrows."""

from __future__ import annotations


class WindowsError_(Exception):
    """A Windows API failed; the fake throws the message as the API's exception would."""


class UnknownFunction(Exception):
    """A boundary function the model does not implement (yet): the fake fails loudly, never silently."""
