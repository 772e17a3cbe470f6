"""The WinRM service's configuration and the faults it answers with, as Windows has them.

Every default and every fault text names its ``docs/WINDOWS_FACTS.md`` entry (section WINRM), where the source and
status are written down.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wsman.soap import Fault

#: Windows' answer to a request envelope larger than MaxEnvelopeSizekb: HTTP 413 with no SOAP body (WINRM-2).
ENTITY_TOO_LARGE = 413


@dataclass(frozen=True)
class Limits:
    """WinRM quotas of one host, with Windows' defaults."""

    #: winrm/config MaxEnvelopeSizekb: 500 since Windows Server 2012, 150 on older releases (WINRM-2).
    max_envelope_kb: int = 500
    #: winrm/config MaxTimeoutms: the longest OperationTimeout the service grants (WINRM-5).
    max_timeout_ms: int = 60_000
    #: winrm/config/winrs MaxShellsPerUser (WINRM-3).
    max_shells_per_user: int = 30
    #: winrm/config/service MaxConcurrentOperationsPerUser; WinRS counts every command of a shell until the shell
    #: is deleted (WINRM-4).
    max_operations_per_user: int = 1500

    @property
    def max_envelope_bytes(self) -> int:
        return self.max_envelope_kb * 1024


@dataclass(frozen=True)
class CertMapping:
    """winrm/config/service/certmapping: a client certificate issued by ``issuer`` (the thumbprint of the CA that
    signed it) whose user principal name matches ``subject`` (at most one ``*``, first or last) logs on as
    ``user`` (WINRM-8)."""

    issuer: str
    subject: str
    user: str

    def matches(self, issuer_thumbprint: str, upn: str) -> bool:
        if issuer_thumbprint.upper() != self.issuer.replace(" ", "").upper():
            return False
        pattern, name = self.subject.lower(), upn.lower()
        if pattern == "*":
            return True
        if pattern.startswith("*"):
            return name.endswith(pattern[1:])
        if pattern.endswith("*"):
            return name.startswith(pattern[:-1])
        return name == pattern


@dataclass(frozen=True)
class Listener:
    """How one host is reached and who may log on: the listener's scheme and the service's auth settings."""

    scheme: str = "http"  # http | https
    #: users (local accounts) and passwords for Basic and NTLM
    users: dict[str, str] = field(default_factory=dict)
    basic: bool = True
    negotiate: bool = False
    certificate: bool = False
    cert_mappings: tuple[CertMapping, ...] = ()


# -- faults (WINDOWS_FACTS WINRM-3 … WINRM-7) ----------------------------------------------------------------


def shells_quota(limit: int) -> Fault:
    """Create when the user already has MaxShellsPerUser shells open (WINRM-3)."""
    return Fault(
        http_status=500,
        code="s:Sender",
        subcode="w:QuotaLimit",
        reason="The WS-Management service cannot process the request. The maximum number of concurrent shells for "
        "this user has been exceeded. Close existing shells or raise the quota for this user.",
        wsman_code=2150859173,  # 0x803381A5 ERROR_WSMAN_QUOTA_MAX_SHELLS
        message=f"The WS-Management service cannot process the request. This user is allowed a maximum number of "
        f"{limit} concurrent shells, which has been exceeded. Close existing shells or raise the quota for this user. ",
    )


def operations_quota(limit: int) -> Fault:
    """Command when the user's open operations reach MaxConcurrentOperationsPerUser (WINRM-4)."""
    text = (
        f"The WS-Management service cannot process the request. This user is allowed a maximum number of {limit} "
        "concurrent operations, which has been exceeded. Close existing operations for this user, or raise the quota "
        "for this user. "
    )
    return Fault(
        http_status=500,
        code="s:Receiver",
        subcode="w:InternalError",
        reason=text,
        message=text,
        wmi_error_code=2150859174,  # 0x803381A6 ERROR_WSMAN_QUOTA_MAX_OPERATIONS
    )


def operation_timeout() -> Fault:
    """Receive when the command wrote nothing within the OperationTimeout; the client asks again (WINRM-5)."""
    text = "The WS-Management service cannot complete the operation within the time specified in OperationTimeout.  "
    return Fault(
        http_status=500, code="s:Receiver", subcode="w:TimedOut", reason=text, wsman_code=2150858793, message=text
    )


def shell_not_found(shell_id: str | None) -> Fault:
    """Any operation on a shell that does not exist (deleted, or another user's) (WINRM-6)."""
    text = (
        f"The request for the Windows Remote Shell with ShellId {shell_id or ''} failed because the shell was not "
        "found on the server. Possible causes are: the specified ShellId is incorrect or the shell no longer exists "
        "on the server. Provide the correct ShellId or create a new shell and retry the operation. "
    )
    return Fault(
        http_status=500,
        code="s:Sender",
        subcode="w:InvalidSelectors",
        reason=text,
        wsman_code=2150858843,  # 0x8033805B ERROR_WINRS_SHELL_NOT_FOUND
        message=text,
    )


def command_not_found() -> Fault:
    """Send/Receive/Signal naming a CommandId the shell does not have (WINRM-6)."""
    text = "The supplied command context is not valid. "
    return Fault(http_status=500, code="s:Sender", subcode="w:InvalidSelectors", reason=text, message=text)


def envelope_limit_too_small() -> Fault:
    """A request whose wsman:MaxEnvelopeSize is below 8192 octets (MS-WSMV 3.1.4.1.7, WINRM-2)."""
    text = "The WS-Management service cannot process the request because the envelope size is too small."
    return Fault(http_status=500, code="s:Sender", subcode="w:EncodingLimit", reason=text)


def not_supported(action: str) -> Fault:
    """An Action or resource this endpoint does not serve (only the WinRS cmd shell is served)."""
    text = f"The WS-Management service does not support the request: {action}"
    return Fault(http_status=500, code="s:Sender", subcode="a:ActionNotSupported", reason=text)
