"""The probe client's pure parts: HTTP answers, IIS sub-statuses, TLS alerts, where to connect."""

from __future__ import annotations

import pytest
from ansible_collections.mtls.iis.plugins.module_utils.tls_probe import alert_of, parse_response, target

IIS_DETAILED_403_16 = (
    b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/html\r\nServer: Microsoft-IIS/10.0\r\n\r\n"
    b"<html><head><title>IIS 10.0 Detailed Error - 403.16 - Forbidden</title></head>"
    b"<body><h3>HTTP Error 403.16 - Forbidden</h3></body></html>"
)
IIS_CUSTOM_403 = (
    b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/html\r\n\r\n"
    b"<html><body><h2>403 - Forbidden: Access is denied.</h2></body></html>"
)


def test_detailed_error_page_gives_the_substatus():
    response = parse_response(IIS_DETAILED_403_16)
    assert (response["status"], response["substatus"], response["headers"]["server"]) == (403, 16, "Microsoft-IIS/10.0")


def test_custom_error_page_has_no_substatus():
    assert parse_response(IIS_CUSTOM_403)["substatus"] is None


def test_win32_error_code_of_the_tls13_trap_is_read():
    body = b"HTTP/1.1 500 Internal Server Error\r\n\r\n<td>Error Code</td><td>0x80070032</td>"
    assert parse_response(body)["win32_error"] == "0x80070032"


def test_bytes_that_are_not_http_are_no_response():
    assert parse_response(b"\x15\x03\x03\x00\x02\x02\x30") is None


@pytest.mark.parametrize(
    "message,alert",
    [
        ("[('SSL routines', '', 'tlsv1 alert unknown ca')]", "unknown ca"),
        ("[('SSL routines', '', 'tls alert certificate expired')]", "certificate expired"),
        ("[('SSL routines', '', 'tlsv13 alert certificate required')]", "certificate required"),
        ("[('SSL routines', '', 'wrong version number')]", None),
    ],
)
def test_alert_is_read_from_openssl_errors(message, alert):
    assert alert_of(Exception(message)) == alert


def test_host_name_is_sni_and_host_header():
    t = target("https://api.contoso.com:8443/orders?id=1", None, "auto", 5)
    assert (t.host, t.port, t.path, t.server_name, t.host_header) == (
        "api.contoso.com",
        8443,
        "/orders?id=1",
        "api.contoso.com",
        "api.contoso.com:8443",
    )


def test_ip_sends_no_sni_and_server_name_replaces_both():
    assert target("https://10.0.4.21/", None, "auto", 5).server_name is None
    named = target("https://10.0.4.21/", "api.contoso.com", "auto", 5)
    assert (named.host, named.server_name, named.host_header) == ("10.0.4.21", "api.contoso.com", "api.contoso.com")
