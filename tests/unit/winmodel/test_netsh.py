"""The Windows model's netsh (tests/winmodel/netsh.py) and the registry view of the HTTP.sys records it writes."""

from __future__ import annotations

import uuid

import pytest
from simhost import seed
from support.pki import make_root
from winmodel import httpsys, netsh, registry
from winmodel.errors import WindowsError_
from winmodel.state import new_state

APP_ID = "{4dc3e181-e14b-4a21-b022-59fc669b0914}"
TABLE = r"SYSTEM\CurrentControlSet\Services\HTTP\Parameters\SslBindingInfo"
SNI_TABLE = r"SYSTEM\CurrentControlSet\Services\HTTP\Parameters\SslSniBindingInfo"


@pytest.fixture
def host():
    state = new_state()
    cert = make_root("CN=web01")
    seed.add_cert(state, "My", cert.der, has_private_key=True)
    return state, cert.thumbprint


def _add(state, thumbprint, *extra, key="ipport=0.0.0.0:443", verb="add"):
    return netsh.invoke(state, ["http", verb, "sslcert", key, f"certhash={thumbprint}", f"appid={APP_ID}", *extra])


def test_add_writes_the_record_and_answers_success(host):
    state, thumbprint = host
    assert _add(state, thumbprint) == {"exit_code": 0, "output": "\nSSL Certificate successfully added\n"}
    record = httpsys.get_binding(state, "0.0.0.0:443", "ipport")
    assert (record["cert_hash"], record["cert_store"], record["app_id"]) == (thumbprint, "MY", APP_ID)


def test_adding_an_existing_record_fails_with_error_183_and_changes_nothing(host):
    state, thumbprint = host
    _add(state, thumbprint)
    answer = _add(state, thumbprint, "clientcertnegotiation=enable")
    assert answer["exit_code"] == 1
    assert answer["output"].startswith("SSL Certificate add failed, Error: 183")
    assert httpsys.get_binding(state, "0.0.0.0:443", "ipport")["default_flags"] == 0


def test_a_certificate_not_in_the_store_fails_with_error_1312(host):
    state, _unused = host
    answer = _add(state, "AB" * 20)
    assert (answer["exit_code"], answer["output"].splitlines()[0]) == (1, "SSL Certificate add failed, Error: 1312")
    assert state["httpsys"] == []


def test_a_certificate_without_its_private_key_fails_with_error_1312():
    state = new_state()
    cert = make_root("CN=nokey")
    seed.add_cert(state, "My", cert.der, has_private_key=False)
    assert _add(state, cert.thumbprint)["output"].splitlines()[0] == "SSL Certificate add failed, Error: 1312"


def test_update_replaces_the_whole_record_with_defaults_for_what_it_is_not_given(host):
    state, thumbprint = host
    _add(state, thumbprint, "clientcertnegotiation=enable", "usagecheck=disable")
    assert _add(state, thumbprint, "dsmapperusage=enable", verb="update")["exit_code"] == 0
    record = httpsys.get_binding(state, "0.0.0.0:443", "ipport")
    assert (record["default_flags"], record["cert_check_mode"]) == (httpsys.USE_DS_MAPPER, 0)


def test_update_of_a_missing_record_and_delete_of_a_missing_record_fail_with_error_2(host):
    state, thumbprint = host
    assert _add(state, thumbprint, verb="update")["output"].startswith("SSL Certificate update failed, Error: 2\n")
    answer = netsh.invoke(state, ["http", "delete", "sslcert", "ipport=0.0.0.0:443"])
    assert (answer["exit_code"], answer["output"].splitlines()[0]) == (1, "SSL Certificate deletion failed, Error: 2")


def test_delete_removes_the_record(host):
    state, thumbprint = host
    _add(state, thumbprint)
    answer = netsh.invoke(state, ["http", "delete", "sslcert", "ipport=0.0.0.0:443"])
    assert answer == {"exit_code": 0, "output": "\nSSL Certificate successfully deleted\n"}
    assert state["httpsys"] == []


@pytest.mark.parametrize(
    "argument",
    ["clientcertnegotiation=yes", "revocationfreshnesstime=-1", "revocationfreshnesstime=0", "urlretrievaltimeout=0"],
)
def test_a_value_netsh_cannot_take_is_the_parameter_is_incorrect(host, argument):
    state, thumbprint = host
    assert _add(state, thumbprint, argument) == {"exit_code": 1, "output": "The parameter is incorrect."}


def test_update_takes_a_freshness_time_of_zero_to_clear_it(host):
    state, thumbprint = host
    _add(state, thumbprint, "revocationfreshnesstime=60")
    assert _add(state, thumbprint, "revocationfreshnesstime=0", verb="update")["exit_code"] == 0
    assert httpsys.get_binding(state, "0.0.0.0:443", "ipport")["cert_check_mode"] == 0


@pytest.mark.parametrize("key", ["ipport=0.0.0.0", "ipport=::1:443", "ipport=host:443", "hostnameport=bad_name:443"])
def test_a_key_netsh_cannot_parse_is_the_parameter_is_incorrect(host, key):
    state, thumbprint = host
    assert _add(state, thumbprint, "certstorename=My", key=key)["output"] == "The parameter is incorrect."


def test_an_unknown_tag_is_a_syntax_error_with_the_usage(host):
    state, thumbprint = host
    answer = _add(state, thumbprint, "nosuchthing=enable")
    assert answer["exit_code"] == 1
    assert answer["output"].startswith(netsh.SYNTAX_INVALID + "\n\nUsage: add sslcert")


def test_hostnameport_without_certstorename_misses_an_essential_parameter(host):
    state, thumbprint = host
    answer = _add(state, thumbprint, key="hostnameport=www.contoso.com:443")
    assert answer["output"].startswith("One or more essential parameters were not entered.")


def test_a_ccs_record_names_no_certificate():
    state = new_state()
    assert netsh.invoke(state, ["http", "add", "sslcert", "ccs=443", f"appid={APP_ID}"])["exit_code"] == 0
    assert httpsys.get_binding(state, "443", "ccs")["cert_hash"] is None


def test_a_command_netsh_does_not_know_is_not_found():
    answer = netsh.invoke(new_state(), ["http", "frobnicate", "sslcert"])
    assert answer == {"exit_code": 1, "output": "The following command was not found: http frobnicate sslcert."}


def test_the_registry_holds_the_record_as_windows_persists_it(host):
    state, thumbprint = host
    _add(state, thumbprint, "clientcertnegotiation=enable", "verifyclientcertrevocation=disable", "sslctlstorename=CA")
    assert registry.get_key(state, TABLE)["subkeys"] == ["0.0.0.0:443"]
    values = registry.get_key(state, TABLE + r"\0.0.0.0:443")["values"]
    assert values["SslCertHash"] == {"kind": "REG_BINARY", "data": bytes.fromhex(thumbprint)}
    assert values["AppId"] == {"kind": "REG_BINARY", "data": uuid.UUID(APP_ID).bytes_le}
    assert values["DefaultFlags"] == {"kind": "REG_DWORD", "data": 2}
    assert values["DefaultSslCertCheckMode"] == {"kind": "REG_DWORD", "data": 1}
    assert values["DefaultSslCtlStoreName"] == {"kind": "REG_SZ", "data": "CA"}
    assert "DefaultSslCtlIdentifier" not in values


def test_a_table_without_records_does_not_exist_and_keys_compare_in_any_case(host):
    state, thumbprint = host
    _add(state, thumbprint, "certstorename=My", key="hostnameport=WWW.contoso.com:443")
    assert registry.get_key(state, TABLE) is None
    assert registry.get_key(state, SNI_TABLE.lower() + r"\www.contoso.com:443") is not None


def test_a_registry_write_under_the_tables_is_refused(host):
    state, _unused = host
    with pytest.raises(WindowsError_, match="HTTPSYS-6"):
        registry.set_value(state, TABLE + r"\0.0.0.0:443", "DefaultFlags", "REG_DWORD", 2)
