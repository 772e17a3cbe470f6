"""The endpoint's SOAP against envelopes recorded from real WinRM services (WINDOWS_FACTS WINRM-1).

The oracle is pywinrm's own test fixtures, shipped in the installed package: ``winrm/tests/conftest.py`` (a
Create/Command/Send/Receive/Signal/Delete exchange) and ``winrm/tests/test_exceptions.py`` (faults recorded from
Windows Server 2008 and 2022). They are read as text (never imported) and compared by shape: the same elements at
the same places with the same attributes; values that are ids or payload may differ.
"""

from __future__ import annotations

import ast
import base64
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

import pytest
import winrm
from winrm.exceptions import WinRMOperationTimeoutError, WSManFaultError
from winrm.protocol import Protocol
from wsman import service
from wsman.soap import (
    SIGNAL_TERMINATE,
    Output,
    Request,
    SoapError,
    command_response,
    create_response,
    empty_response,
    fault_response,
    parse_duration,
    parse_request,
    receive_response,
)

FIXTURES = Path(winrm.__file__).parent / "tests"
SHELL = "11111111-1111-1111-1111-111111111113"
COMMAND = "11111111-1111-1111-1111-111111111114"


@cache
def recorded() -> dict[str, str]:
    """pywinrm's recorded envelopes: module-level strings of conftest.py, envelopes inside test_exceptions.py."""
    found: dict[str, str] = {}
    tree = ast.parse((FIXTURES / "conftest.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            found[node.targets[0].id] = node.value.value  # type: ignore[attr-defined]
    for node in ast.walk(ast.parse((FIXTURES / "test_exceptions.py").read_text())):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "<s:Envelope" in node.value:
            if "w:TimedOut" in node.value:
                found["timeout_fault"] = node.value
            elif "MSFT_WmiError" in node.value:
                found["wmi_fault"] = node.value
    return found


def fixture(name: str) -> str:
    text = recorded().get(name)
    assert text, f"pywinrm's fixture {name} is missing from {FIXTURES}: the oracle of these tests is gone"
    return text


def shape(envelope: bytes | str) -> set[tuple[str, tuple[str, ...]]]:
    """Every element path (namespace URIs, not prefixes) with its attribute names; texts left out."""
    root = ET.fromstring(envelope.encode() if isinstance(envelope, str) else envelope)
    paths: set[tuple[str, tuple[str, ...]]] = set()

    def walk(element: ET.Element, prefix: str) -> None:
        path = f"{prefix}/{element.tag}"
        attributes = tuple(sorted(name for name in element.attrib if not name.startswith("{http://www.w3.org/XML")))
        paths.add((path, attributes))
        for child in element:
            walk(child, path)

    walk(root, "")
    return paths


def body_shape(envelope: bytes | str) -> set[tuple[str, tuple[str, ...]]]:
    """The shape below s:Body plus the header's addressing elements (Action, MessageID, To, RelatesTo)."""
    return {entry for entry in shape(envelope) if "Body" in entry[0] or entry[0].count("/") <= 3}


# -- reading requests ------------------------------------------------------------------------------


def test_create_request_is_read_as_create_of_a_cmd_shell():
    request = parse_request(fixture("open_shell_request").encode())
    assert request.operation == "Create"
    assert request.resource_uri.endswith("/windows/shell/cmd")
    assert request.input_streams == ("stdin",)
    assert request.output_streams == ("stdout", "stderr")
    assert request.max_envelope_size == 153600


def test_command_request_yields_the_command_line_and_console_option():
    request = parse_request(fixture("run_cmd_with_args_request").encode())
    assert request.operation == "Command"
    assert request.shell_id == SHELL
    assert request.command_line == "ipconfig /all"
    assert request.options["WINRS_CONSOLEMODE_STDIN"] == "TRUE"


def test_send_request_yields_the_decoded_stdin_of_the_command():
    request = parse_request(fixture("run_cmd_send_input").encode())
    assert request.operation == "Send"
    [stream] = request.streams
    assert stream.name == "stdin"
    assert stream.data == b'echo "hello world" && exit\r\n'
    assert stream.end is False


def test_receive_and_signal_requests_name_their_command():
    receive = parse_request(fixture("run_cmd_send_input_get_output").encode())
    signal = parse_request(fixture("stdin_cmd_cleanup").encode())
    assert (receive.operation, receive.command_id, receive.desired_streams) == (
        "Receive",
        "11111111-1111-1111-1111-111111111111",
        ("stdout", "stderr"),
    )
    assert (signal.operation, signal.signal_code) == ("Signal", SIGNAL_TERMINATE)


def test_operation_timeout_header_is_read_in_seconds():
    assert parse_request(fixture("run_cmd_send_input").encode()).operation_timeout == 20
    assert parse_duration("PT60.000S") == 60
    assert parse_duration("PT1M30S") == 90


def test_a_body_that_is_not_a_soap_envelope_is_refused():
    with pytest.raises(SoapError):
        parse_request(b"<html/>")


# -- writing responses -----------------------------------------------------------------------------


def _request(name: str) -> Request:
    return parse_request(fixture(name).encode())


def test_create_response_has_the_recorded_shape_and_carries_the_shell_id_where_pywinrm_reads_it():
    ours = create_response(_request("open_shell_request"), SHELL)
    assert body_shape(ours) == body_shape(fixture("open_shell_response"))
    root = ET.fromstring(ours)
    assert next(node.text for node in root.iter() if node.get("Name") == "ShellId") == SHELL


def test_command_response_has_the_recorded_shape():
    ours = command_response(_request("run_cmd_req_input"), COMMAND)
    assert body_shape(ours) == body_shape(fixture("run_cmd_req_input_response"))


def test_send_signal_and_delete_responses_have_the_recorded_shapes():
    assert body_shape(empty_response(_request("run_cmd_send_input"), "SendResponse")) == body_shape(
        fixture("run_cmd_send_input_response")
    )
    assert body_shape(empty_response(_request("stdin_cmd_cleanup"), "SignalResponse")) == body_shape(
        fixture("stdin_cmd_cleanup_response")
    )
    assert body_shape(empty_response(_request("close_shell_request"), None)) == body_shape(
        fixture("close_shell_response")
    )


def test_final_receive_response_has_the_recorded_shape_streams_end_and_exit_code():
    output = Output(stdout=b"hello world\r\n", done=True, exit_code=0)
    ours = receive_response(_request("run_cmd_send_input_get_output"), COMMAND, output, ("stdout", "stderr"))
    assert body_shape(ours) == body_shape(fixture("run_cmd_send_input_get_output_response"))


def test_responses_relate_to_the_request_message_id():
    request = _request("open_shell_request")
    root = ET.fromstring(create_response(request, SHELL))
    relates = next(node.text for node in root.iter() if node.tag.endswith("RelatesTo"))
    assert relates == request.message_id


def test_running_receive_response_has_no_exit_code_and_pywinrm_asks_again():
    ours = receive_response(_request("run_cmd_send_input_get_output"), COMMAND, Output(stdout=b"part"), ("stdout",))
    protocol = Protocol("http://windows-host:5985/wsman", username="u", password="p")
    protocol.transport.send_message = lambda message: ours  # type: ignore[method-assign]
    stdout, _unused, _unused, done = protocol.get_command_output_raw(SHELL, COMMAND)
    assert (stdout, done) == (b"part", False)


# -- faults ----------------------------------------------------------------------------------------


def _raise_as_transport(envelope: bytes, status: int):
    from winrm.exceptions import WinRMTransportError

    def send(message):
        raise WinRMTransportError("http", status, envelope.decode())

    return send


def test_operation_timeout_fault_matches_the_one_recorded_from_server_2022():
    ours = fault_response("uuid:1", service.operation_timeout(), "server2022.domain.test")
    recorded_fault = fixture("timeout_fault")
    assert shape(ours) >= {entry for entry in shape(recorded_fault) if "Fault" in entry[0]}
    reason = ".//{http://www.w3.org/2003/05/soap-envelope}Reason/{http://www.w3.org/2003/05/soap-envelope}Text"
    assert ET.fromstring(ours).find(reason).text == ET.fromstring(recorded_fault).find(reason).text


def test_pywinrm_turns_our_operation_timeout_fault_into_a_retry():
    protocol = Protocol("http://windows-host:5985/wsman", username="u", password="p")
    protocol.transport.send_message = _raise_as_transport(  # type: ignore[method-assign]
        fault_response("uuid:1", service.operation_timeout(), "web01"), 500
    )
    with pytest.raises(WinRMOperationTimeoutError):
        protocol.get_command_output_raw(SHELL, COMMAND)


def test_operations_quota_fault_carries_the_wmi_error_code_ansible_recreates_the_shell_on():
    ours = fault_response("uuid:1", service.operations_quota(1500), "web01")
    recorded_fault = fixture("wmi_fault")
    wmi = "{http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/MSFT_WmiError}error_Code"
    assert ET.fromstring(ours).find(f".//{wmi}").text == ET.fromstring(recorded_fault).find(f".//{wmi}").text
    protocol = Protocol("http://windows-host:5985/wsman", username="u", password="p")
    protocol.transport.send_message = _raise_as_transport(ours, 500)  # type: ignore[method-assign]
    with pytest.raises(WSManFaultError) as caught:
        protocol.run_command(SHELL, "powershell")
    assert caught.value.wmierror_code == 0x803381A6  # what ansible.builtin.winrm checks before re-creating the shell
    assert (caught.value.fault_code, caught.value.fault_subcode) == ("s:Receiver", "w:InternalError")


def test_shells_quota_fault_reads_as_windows_writes_it():
    protocol = Protocol("http://windows-host:5985/wsman", username="u", password="p")
    protocol.transport.send_message = _raise_as_transport(  # type: ignore[method-assign]
        fault_response("uuid:1", service.shells_quota(30), "web01"), 500
    )
    with pytest.raises(WSManFaultError) as caught:
        protocol.open_shell()
    assert caught.value.wsman_fault_code == 2150859173
    assert caught.value.fault_subcode == "w:QuotaLimit"
    assert "maximum number of concurrent shells" in caught.value.reason
    assert "maximum number of 30 concurrent shells" in caught.value.response


def test_stdin_in_a_send_is_base64_on_the_wire():
    request = _request("run_cmd_send_input")
    raw = fixture("run_cmd_send_input")
    assert base64.b64encode(request.streams[0].data).decode() in raw
