"""Errors raised inside the simulated host."""

from __future__ import annotations


class OpError(Exception):
    """An op failed the way the real ``host_state`` module would fail it.

    ``changed`` tells whether the op changed the host before it failed (a ``cert_move`` that added
    the certificate to its target and then failed to remove it from its source).
    """

    def __init__(self, message: str, *, changed: bool = False) -> None:
        super().__init__(message)
        self.changed = changed


class ConnectionDropped(Exception):
    """The connection to the host was lost: the controller gets no module result at all.

    Raised by an injected connection fault (:mod:`simhost.faults`), after whatever the host did before the
    drop was saved. The test connection plugin turns it into ``AnsibleConnectionFailure``, as a WinRM
    transport error reaches Ansible.
    """
