"""WS-Management SOAP envelopes of the WinRS (``windows/shell/cmd``) resource: read a request, write a response.

Pure functions over bytes. The shapes follow MS-WSMV section 3.1.4 (Create, Command, Send, Receive, Signal,
Delete) and its examples in section 4.7, and are checked against the envelopes pywinrm records from real hosts
in its own test fixtures (``winrm/tests/conftest.py``, ``winrm/tests/test_exceptions.py``) by
``tests/unit/wsman/test_soap.py`` (WINDOWS_FACTS WINRM-1).
"""

from __future__ import annotations

import base64
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field

NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "x": "http://schemas.xmlsoap.org/ws/2004/09/transfer",
    "w": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
    "p": "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd",
    "rsp": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
    "f": "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault",
}
SHELL_CMD = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd"
ANONYMOUS = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
FAULT_ACTION = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault"
STATE_DONE = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done"
STATE_RUNNING = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Running"
SIGNAL_TERMINATE = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/terminate"

#: Short operation name -> request Action URI (MS-WSMV 3.1.4.5, 3.1.4.11-3.1.4.14, 3.1.4.7).
ACTIONS = {
    "Create": "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create",
    "Delete": "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete",
    "Command": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command",
    "Send": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send",
    "Receive": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive",
    "Signal": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal",
}
OPERATIONS = {uri: name for name, uri in ACTIONS.items()}

WMI_ERROR = "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/MSFT_WmiError"

for _prefix, _uri in {**NS, "wmie": WMI_ERROR}.items():
    ET.register_namespace(_prefix, _uri)


class SoapError(ValueError):
    """The bytes are not a SOAP envelope this endpoint can read."""


def _q(prefix: str, name: str) -> str:
    return f"{{{NS[prefix]}}}{name}"


@dataclass(frozen=True)
class Stream:
    name: str
    command_id: str | None
    data: bytes
    end: bool


@dataclass(frozen=True)
class Request:
    """What a WinRS request asks, read from its envelope."""

    action: str  # the full Action URI
    message_id: str
    resource_uri: str
    to: str
    shell_id: str | None
    max_envelope_size: int | None
    operation_timeout: float | None  # seconds
    options: dict[str, str] = field(default_factory=dict)
    # Command
    command: str = ""
    arguments: tuple[str, ...] = ()
    # Send
    streams: tuple[Stream, ...] = ()
    # Receive / Signal
    command_id: str | None = None
    desired_streams: tuple[str, ...] = ()
    signal_code: str | None = None
    # Create
    input_streams: tuple[str, ...] = ()
    output_streams: tuple[str, ...] = ()

    @property
    def operation(self) -> str:
        """``Create``, ``Command``… or the Action URI itself when it is not a WinRS operation."""
        return OPERATIONS.get(self.action, self.action)

    @property
    def command_line(self) -> str:
        """Command and arguments joined with spaces, as the WinRS service hands them to the process."""
        return " ".join([self.command, *self.arguments]).strip()


def parse_duration(text: str) -> float:
    """Seconds of an xs:duration as WS-Management clients send them (``PT60S``, ``PT60.000S``, ``PT1M``)."""
    value = text.strip().upper()
    if not value.startswith("PT"):
        raise SoapError(f"unsupported duration {text!r}")
    seconds = 0.0
    number = ""
    for char in value[2:]:
        if char.isdigit() or char == ".":
            number += char
            continue
        if not number:
            raise SoapError(f"unsupported duration {text!r}")
        seconds += float(number) * {"H": 3600, "M": 60, "S": 1}.get(char, 0)
        number = ""
    return seconds


def _text(element: ET.Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def parse_request(body: bytes) -> Request:
    """Read a request envelope; raise SoapError when it is not one."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as err:
        raise SoapError(f"not XML: {err}") from err
    if root.tag != _q("s", "Envelope"):
        raise SoapError(f"not a SOAP 1.2 envelope: {root.tag}")
    header = root.find("s:Header", NS)
    envelope_body = root.find("s:Body", NS)
    if header is None:
        raise SoapError("envelope without header")
    selectors = {
        sel.get("Name", ""): _text(sel) for sel in header.findall("w:SelectorSet/w:Selector", NS) if sel.get("Name")
    }
    options = {opt.get("Name", ""): _text(opt) for opt in header.findall("w:OptionSet/w:Option", NS)}
    max_env = _text(header.find("w:MaxEnvelopeSize", NS))
    timeout = _text(header.find("w:OperationTimeout", NS))
    fields: dict[str, object] = {}
    if envelope_body is not None:
        fields = _body_fields(envelope_body)
    return Request(
        action=_text(header.find("a:Action", NS)),
        message_id=_text(header.find("a:MessageID", NS)),
        resource_uri=_text(header.find("w:ResourceURI", NS)),
        to=_text(header.find("a:To", NS)),
        shell_id=selectors.get("ShellId"),
        max_envelope_size=int(max_env) if max_env.isdigit() else None,
        operation_timeout=parse_duration(timeout) if timeout else None,
        options=options,
        **fields,  # type: ignore[arg-type]
    )


def _body_fields(body: ET.Element) -> dict[str, object]:
    shell = body.find("rsp:Shell", NS)
    if shell is not None:
        return {
            "input_streams": tuple(_text(shell.find("rsp:InputStreams", NS)).split()),
            "output_streams": tuple(_text(shell.find("rsp:OutputStreams", NS)).split()),
        }
    command_line = body.find("rsp:CommandLine", NS)
    if command_line is not None:
        return {
            "command": _text(command_line.find("rsp:Command", NS)),
            "arguments": tuple(_text(arg) for arg in command_line.findall("rsp:Arguments", NS)),
        }
    send = body.find("rsp:Send", NS)
    if send is not None:
        streams = []
        for stream in send.findall("rsp:Stream", NS):
            try:
                data = base64.b64decode(_text(stream), validate=True)
            except ValueError as err:
                raise SoapError(f"stream {stream.get('Name')} is not base64: {err}") from err
            streams.append(
                Stream(stream.get("Name", ""), stream.get("CommandId"), data, stream.get("End", "").lower() == "true")
            )
        return {"streams": tuple(streams)}
    receive = body.find("rsp:Receive", NS)
    if receive is not None:
        desired = receive.find("rsp:DesiredStream", NS)
        return {
            "command_id": desired.get("CommandId") if desired is not None else None,
            "desired_streams": tuple(_text(desired).split()),
        }
    signal = body.find("rsp:Signal", NS)
    if signal is not None:
        return {"command_id": signal.get("CommandId"), "signal_code": _text(signal.find("rsp:Code", NS))}
    return {}


# -- responses ---------------------------------------------------------------------------------


def new_id() -> str:
    """A UUID as WinRM writes shell, command and message ids: upper-case (pywinrm's fixtures)."""
    return str(uuid.uuid4()).upper()


def _envelope(action: str, relates_to: str) -> tuple[ET.Element, ET.Element]:
    envelope = ET.Element(_q("s", "Envelope"), {"{http://www.w3.org/XML/1998/namespace}lang": "en-US"})
    header = ET.SubElement(envelope, _q("s", "Header"))
    ET.SubElement(header, _q("a", "Action")).text = action
    ET.SubElement(header, _q("a", "MessageID")).text = f"uuid:{new_id()}"
    ET.SubElement(header, _q("a", "To")).text = ANONYMOUS
    if relates_to:
        ET.SubElement(header, _q("a", "RelatesTo")).text = relates_to
    return envelope, ET.SubElement(envelope, _q("s", "Body"))


def _serialise(envelope: ET.Element) -> bytes:
    return ET.tostring(envelope, encoding="utf-8", xml_declaration=True)


def create_response(request: Request, shell_id: str) -> bytes:
    envelope, body = _envelope(ACTIONS["Create"] + "Response", request.message_id)
    created = ET.SubElement(body, _q("x", "ResourceCreated"))
    ET.SubElement(created, _q("a", "Address")).text = request.to
    reference = ET.SubElement(created, _q("a", "ReferenceParameters"))
    ET.SubElement(reference, _q("w", "ResourceURI")).text = request.resource_uri or SHELL_CMD
    selectors = ET.SubElement(reference, _q("w", "SelectorSet"))
    ET.SubElement(selectors, _q("w", "Selector"), {"Name": "ShellId"}).text = shell_id
    return _serialise(envelope)


def command_response(request: Request, command_id: str) -> bytes:
    envelope, body = _envelope(ACTIONS["Command"] + "Response", request.message_id)
    response = ET.SubElement(body, _q("rsp", "CommandResponse"))
    ET.SubElement(response, _q("rsp", "CommandId")).text = command_id
    return _serialise(envelope)


def empty_response(request: Request, element: str | None) -> bytes:
    """SendResponse, SignalResponse (a body element) or DeleteResponse (an empty body)."""
    envelope, body = _envelope(request.action + "Response", request.message_id)
    if element:
        ET.SubElement(body, _q("rsp", element))
    return _serialise(envelope)


@dataclass(frozen=True)
class Output:
    """One Receive's worth of a command's output."""

    stdout: bytes = b""
    stderr: bytes = b""
    done: bool = False
    exit_code: int = 0


def receive_response(request: Request, command_id: str, output: Output, streams: Sequence[str]) -> bytes:
    envelope, body = _envelope(ACTIONS["Receive"] + "Response", request.message_id)
    response = ET.SubElement(body, _q("rsp", "ReceiveResponse"))
    for name, data in (("stdout", output.stdout), ("stderr", output.stderr)):
        if name not in streams:
            continue
        if data:
            ET.SubElement(
                response, _q("rsp", "Stream"), {"Name": name, "CommandId": command_id}
            ).text = base64.b64encode(data).decode("ascii")
        if output.done:
            ET.SubElement(response, _q("rsp", "Stream"), {"Name": name, "CommandId": command_id, "End": "true"})
    state = ET.SubElement(
        response,
        _q("rsp", "CommandState"),
        {"CommandId": command_id, "State": STATE_DONE if output.done else STATE_RUNNING},
    )
    if output.done:
        ET.SubElement(state, _q("rsp", "ExitCode")).text = str(output.exit_code)
    return _serialise(envelope)


#: A generous bound on the bytes of a ReceiveResponse around its stream data (two streams, ids, command state).
_RECEIVE_OVERHEAD = 2048


def stream_budget(max_envelope_size: int) -> int:
    """How many output bytes one ReceiveResponse may carry within ``max_envelope_size`` (base64 is 4/3)."""
    return max(0, (max_envelope_size - _RECEIVE_OVERHEAD) * 3 // 4)


@dataclass(frozen=True)
class Fault:
    """A SOAP fault as the WinRM service writes it (MS-WSMV 3.1.4.1.30 and the recorded envelopes in WINDOWS_FACTS)."""

    http_status: int
    code: str  # s:Sender / s:Receiver
    subcode: str  # w:QuotaLimit, w:TimedOut…
    reason: str
    wsman_code: int | None = None  # f:WSManFault Code (an HRESULT of the WinRM service)
    message: str | None = None  # f:Message (defaults to the reason)
    wmi_error_code: int | None = None  # p:MSFT_WmiError error_Code instead of a WSManFault detail


def fault_response(request_message_id: str, fault: Fault, machine: str) -> bytes:
    envelope, body = _envelope(FAULT_ACTION, request_message_id)
    element = ET.SubElement(body, _q("s", "Fault"))
    code = ET.SubElement(element, _q("s", "Code"))
    ET.SubElement(code, _q("s", "Value")).text = fault.code
    subcode = ET.SubElement(code, _q("s", "Subcode"))
    ET.SubElement(subcode, _q("s", "Value")).text = fault.subcode
    reason = ET.SubElement(element, _q("s", "Reason"))
    ET.SubElement(reason, _q("s", "Text"), {"{http://www.w3.org/XML/1998/namespace}lang": "en-US"}).text = fault.reason
    detail = ET.SubElement(element, _q("s", "Detail"))
    if fault.wmi_error_code is not None:
        wmi = WMI_ERROR
        error = ET.SubElement(detail, f"{{{wmi}}}MSFT_WmiError")
        ET.SubElement(error, f"{{{wmi}}}Message").text = fault.message or fault.reason
        ET.SubElement(error, f"{{{wmi}}}MessageID").text = f"HRESULT 0x{fault.wmi_error_code:08x}"
        ET.SubElement(error, f"{{{wmi}}}error_Code").text = str(fault.wmi_error_code)
        ET.SubElement(error, f"{{{wmi}}}error_Type").text = "HRESULT"
    elif fault.wsman_code is not None:
        wsman_fault = ET.SubElement(detail, _q("f", "WSManFault"), {"Code": str(fault.wsman_code), "Machine": machine})
        ET.SubElement(wsman_fault, _q("f", "Message")).text = fault.message or fault.reason
    return _serialise(envelope)
