"""The WinRS service of one host: shells per user, commands per shell, quotas, and the six operations.

Each operation takes a parsed :class:`~wsman.soap.Request` and the authenticated user and returns the response
envelope, or raises :class:`FaultError` with the fault Windows answers (``wsman.service``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wsman import service
from wsman.commands import Command, CommandRunner, HostContext
from wsman.soap import (
    SHELL_CMD,
    Fault,
    Request,
    command_response,
    create_response,
    empty_response,
    new_id,
    receive_response,
    stream_budget,
)

#: wsman:MaxEnvelopeSize below this is refused with wsman:EncodingLimit (MS-WSMV 3.1.4.1.7, WINRM-2).
MIN_ENVELOPE_SIZE = 8192


class FaultError(Exception):
    def __init__(self, fault: Fault) -> None:
        super().__init__(fault.reason)
        self.fault = fault


@dataclass
class Shell:
    user: str
    commands: dict[str, Command] = field(default_factory=dict)
    #: commands ever started in this shell: WinRS releases them only with the shell (WINRM-4)
    operations: int = 0


@dataclass
class HostShells:
    """WinRS state of one host."""

    host: HostContext
    runner: CommandRunner
    limits: service.Limits = field(default_factory=service.Limits)
    shells: dict[str, Shell] = field(default_factory=dict)

    # -- quotas -------------------------------------------------------------------------------
    def shells_of(self, user: str) -> list[str]:
        return [shell_id for shell_id, shell in self.shells.items() if shell.user.lower() == user.lower()]

    def operations_of(self, user: str) -> int:
        return sum(self.shells[shell_id].operations for shell_id in self.shells_of(user))

    def open_idle_shells(self, user: str, count: int) -> list[str]:
        """Shells left open by some other client of the same user (e.g. a crashed tool)."""
        ids = [new_id() for _unused in range(count)]
        for shell_id in ids:
            self.shells[shell_id] = Shell(user)
        return ids

    def close(self, shell_ids: list[str]) -> None:
        for shell_id in shell_ids:
            self.shells.pop(shell_id, None)

    # -- operations ---------------------------------------------------------------------------
    def _shell(self, request: Request, user: str) -> Shell:
        shell = self.shells.get(request.shell_id or "")
        if shell is None or shell.user.lower() != user.lower():
            raise FaultError(service.shell_not_found(request.shell_id))
        return shell

    def command_of(self, request: Request, user: str) -> Command:
        command = self._shell(request, user).commands.get(request.command_id or "")
        if command is None:
            raise FaultError(service.command_not_found())
        return command

    def check_envelope(self, request: Request) -> int:
        """The response size this request allows (MS-WSMV 3.1.4.1.7)."""
        if request.max_envelope_size is not None and request.max_envelope_size < MIN_ENVELOPE_SIZE:
            raise FaultError(service.envelope_limit_too_small())
        return min(request.max_envelope_size or self.limits.max_envelope_bytes, self.limits.max_envelope_bytes)

    def operation_timeout(self, request: Request) -> float:
        """Seconds granted to a Receive: the client's OperationTimeout, at most MaxTimeoutms (MS-WSMV 3.1.4.1.6)."""
        ceiling = self.limits.max_timeout_ms / 1000
        return min(request.operation_timeout or ceiling, ceiling)

    def create(self, request: Request, user: str) -> bytes:
        if request.resource_uri != SHELL_CMD:
            raise FaultError(service.not_supported(request.resource_uri))
        if len(self.shells_of(user)) >= self.limits.max_shells_per_user:
            raise FaultError(service.shells_quota(self.limits.max_shells_per_user))
        shell_id = new_id()
        self.shells[shell_id] = Shell(user)
        return create_response(request, shell_id)

    def command(self, request: Request, user: str) -> bytes:
        shell = self._shell(request, user)
        if self.operations_of(user) >= self.limits.max_operations_per_user:
            raise FaultError(service.operations_quota(self.limits.max_operations_per_user))
        command_id = new_id()
        console = request.options.get("WINRS_CONSOLEMODE_STDIN", "TRUE").upper() == "TRUE"
        shell.commands[command_id] = self.runner.start(self.host, request.command_line, console)
        shell.operations += 1
        return command_response(request, command_id)

    async def send(self, request: Request, user: str) -> bytes:
        shell = self._shell(request, user)
        for stream in request.streams:
            command = shell.commands.get(stream.command_id or "")
            if command is None:
                raise FaultError(service.command_not_found())
            await command.write(stream.data, stream.end)
        return empty_response(request, "SendResponse")

    async def receive(self, request: Request, user: str) -> bytes:
        command = self.command_of(request, user)
        budget = stream_budget(self.check_envelope(request))
        output = await command.read(self.operation_timeout(request), budget)
        if output is None:
            raise FaultError(service.operation_timeout())
        streams = request.desired_streams or ("stdout", "stderr")
        return receive_response(request, request.command_id or "", output, streams)

    async def signal(self, request: Request, user: str) -> bytes:
        command = self.command_of(request, user)
        await command.terminate()
        self._shell(request, user).commands.pop(request.command_id or "", None)
        return empty_response(request, "SignalResponse")

    def delete(self, request: Request, user: str) -> bytes:
        self._shell(request, user)
        del self.shells[request.shell_id or ""]
        return empty_response(request, None)
