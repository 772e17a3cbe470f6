"""The Windows model of the pwsh test host (tests/winmodel): the boundary functions' Windows behaviour."""

from __future__ import annotations

import pytest
from simhost import seed
from support.pki import make_root
from winmodel import certstore, features, registry
from winmodel.errors import WindowsError_
from winmodel.state import new_state

SCHANNEL = r"SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL"


def test_a_missing_key_reads_as_none():
    assert registry.get_key(new_state(), r"SOFTWARE\Nobody\Here") is None


def test_a_key_lists_its_values_by_windows_type_name_and_its_subkeys():
    state = new_state()
    registry.new_key(state, SCHANNEL + r"\Protocols\TLS 1.2")
    key = registry.get_key(state, SCHANNEL)
    assert key == {"values": {"EventLogging": {"kind": "REG_DWORD", "data": 1}}, "subkeys": ["Protocols"]}


def test_key_paths_and_value_names_are_case_insensitive_and_keep_the_stored_spelling():
    state = new_state()
    registry.set_value(state, SCHANNEL.upper(), "eventlogging", "REG_DWORD", 5)
    assert registry.get_key(state, SCHANNEL.lower())["values"] == {"EventLogging": {"kind": "REG_DWORD", "data": 5}}


def test_setting_a_value_replaces_its_type_and_data():
    state = new_state()
    registry.set_value(state, SCHANNEL, "ClientAuthTrustMode", "REG_SZ", "2")
    registry.set_value(state, SCHANNEL, "ClientAuthTrustMode", "REG_DWORD", 2)
    assert registry.get_key(state, SCHANNEL)["values"]["ClientAuthTrustMode"] == {"kind": "REG_DWORD", "data": 2}


def test_a_dword_outside_the_unsigned_range_is_refused():
    with pytest.raises(WindowsError_, match="UInt32"):
        registry.set_value(new_state(), SCHANNEL, "ClientAuthTrustMode", "REG_DWORD", 2**32)


def test_removing_a_missing_value_or_a_value_of_a_missing_key_changes_nothing():
    state = new_state()
    before = repr(state)
    registry.remove_value(state, SCHANNEL, "ClientAuthTrustMode")
    registry.remove_value(state, r"SOFTWARE\Missing", "x")
    assert repr(state) == before


def test_an_ordinary_key_cannot_be_created_under_a_volatile_one():
    state = new_state()
    registry.new_key(state, r"SOFTWARE\mtls.iis\Pending", volatile=True)
    with pytest.raises(WindowsError_, match="volatile"):
        registry.set_value(state, r"SOFTWARE\mtls.iis\Pending\Child", "x", "REG_SZ", "y")


def test_a_restart_removes_the_keys_created_volatile():
    state = new_state()
    registry.new_key(state, r"SOFTWARE\mtls.iis")
    registry.new_key(state, r"SOFTWARE\mtls.iis\Pending", volatile=True)
    seed.reboot(state)
    assert registry.get_key(state, r"SOFTWARE\mtls.iis\Pending") is None
    assert registry.get_key(state, r"SOFTWARE\mtls.iis") is not None


def test_the_current_version_key_holds_the_hosts_build():
    state = new_state()
    seed.set_os_version(state, "10.0.14393")
    values = registry.get_key(state, r"SOFTWARE\Microsoft\Windows NT\CurrentVersion")["values"]
    assert values["CurrentMajorVersionNumber"] == {"kind": "REG_DWORD", "data": 10}
    assert values["CurrentBuildNumber"] == {"kind": "REG_SZ", "data": "14393"}


def test_get_windows_feature_answers_known_names_in_windows_spelling_and_nothing_for_unknown_ones():
    answer = features.get_features(new_state(), ["web-cert-auth", "Web-Nothing"])
    assert answer == {
        "available": True,
        "features": [{"name": "Web-Cert-Auth", "installed": False, "install_state": "Available"}],
    }


def test_installing_a_role_service_installs_iis_too():
    state = new_state()
    seed.set_iis_installed(state, False)
    assert features.install_feature(state, "Web-Cert-Auth") == {
        "success": True,
        "exit_code": "Success",
        "restart_needed": "No",
    }
    assert [f["installed"] for f in features.get_features(state, ["Web-Server", "Web-Cert-Auth"])["features"]] == [
        True,
        True,
    ]


def test_reading_a_missing_store_does_not_create_it():
    state = new_state()
    assert certstore.get_store(state, "ClientAuthIssuer") == {"exists": False, "certificates": []}
    certstore.remove_certificate(state, "ClientAuthIssuer", "AB" * 20)
    assert not seed.store_exists(state, "ClientAuthIssuer")


def test_adding_a_certificate_creates_the_store_and_returns_its_der():
    state = new_state()
    root = make_root("Model Root")
    certstore.add_certificate(state, "clientauthissuer", root.der)
    assert certstore.get_store(state, "ClientAuthIssuer") == {
        "exists": True,
        "certificates": [{"der": root.der, "has_private_key": False}],
    }


def test_copying_a_certificate_keeps_its_key_link_and_creates_the_target_store():
    state = new_state()
    root = make_root("Model Server")
    thumbprint = seed.add_cert(state, "My", root.der, has_private_key=True)
    certstore.copy_certificate(state, "Staging", "MY", thumbprint.lower())
    assert certstore.get_store(state, "Staging")["certificates"] == [{"der": root.der, "has_private_key": True}]


@pytest.mark.parametrize(
    ("source", "message"),
    [("Missing", "the store 'Missing' does not exist"), ("My", "the store 'My' holds no certificate with thumbprint")],
)
def test_copying_from_a_missing_store_or_certificate_fails_and_creates_nothing(source, message):
    state = new_state()
    seed.add_cert(state, "My", make_root("Other").der)
    with pytest.raises(WindowsError_, match=message):
        certstore.copy_certificate(state, "Staging", source, "AB" * 20)
    assert not seed.store_exists(state, "Staging")
