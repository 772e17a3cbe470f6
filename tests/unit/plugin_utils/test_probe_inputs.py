"""mtls.iis.probe's options checked on the controller: errors name the option, secrets never appear in them."""

from __future__ import annotations

from pathlib import Path

import pytest
from ansible_collections.mtls.iis.plugins.plugin_utils.errors import OptionError
from ansible_collections.mtls.iis.plugins.plugin_utils.probe_inputs import ProbeRequest
from cryptography.hazmat.primitives import serialization
from support import pki

PASSWORD = "s3cret-Pfx-pa55"


@pytest.fixture(scope="module")
def alice():
    root = pki.make_root("Contoso Client Root")
    return root, pki.make_leaf("alice", root)


def request(tmp_path: Path, **options):
    args = {"url": "https://api.contoso.com/orders", "timeout": 10, "expiry_warning_days": 30, **options}
    return ProbeRequest.from_options(args, lambda path, option: (tmp_path / path).read_bytes())


def test_pfx_gives_certificate_chain_and_unencrypted_key_to_the_module(tmp_path, alice):
    root, leaf = alice
    (tmp_path / "alice.pfx").write_bytes(leaf.pfx(PASSWORD, chain=[root]))
    probe = request(tmp_path, client_certificate={"pfx": "alice.pfx", "password": PASSWORD})
    args = probe.module_args({"url": probe.url, "tls_version": "auto", "retry_tls12": True, "timeout": 10})
    assert args["client_certificate"]["content"] == leaf.pem + root.pem
    assert "ENCRYPTED" not in args["client_certificate"]["key_content"]
    assert PASSWORD not in str(args)


def test_wrong_pfx_password_names_the_option_not_the_password(tmp_path, alice):
    (tmp_path / "alice.pfx").write_bytes(alice[1].pfx(PASSWORD))
    with pytest.raises(OptionError) as error:
        request(tmp_path, client_certificate={"pfx": "alice.pfx", "password": "wrong-one"})
    assert error.value.option == "client_certificate.password"
    assert "wrong-one" not in str(error.value)


def test_key_of_another_certificate_is_refused(tmp_path, alice):
    other = pki.make_leaf("bob", alice[0])
    with pytest.raises(OptionError, match="does not belong to the certificate CN=alice") as error:
        request(tmp_path, client_certificate={"content": alice[1].pem, "key_content": other.key_pem})
    assert error.value.option == "client_certificate.key_content"


def test_encrypted_key_without_password_asks_for_it(tmp_path, alice):
    encrypted = alice[1].key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(PASSWORD.encode()),
    )
    (tmp_path / "alice.key").write_bytes(encrypted)
    with pytest.raises(OptionError) as error:
        request(tmp_path, client_certificate={"content": alice[1].pem, "key_path": "alice.key"})
    assert error.value.option == "client_certificate.password"
    opened = request(
        tmp_path, client_certificate={"content": alice[1].pem, "key_path": "alice.key", "password": PASSWORD}
    )
    assert opened.client.certificate == alice[1].cert


def test_pem_file_holding_certificate_and_key_is_enough(tmp_path, alice):
    (tmp_path / "alice.pem").write_text(alice[1].pem + alice[1].key_pem)
    assert request(tmp_path, client_certificate={"path": "alice.pem"}).client.certificate == alice[1].cert


def test_certificate_without_key_names_key_path(tmp_path, alice):
    with pytest.raises(OptionError) as error:
        request(tmp_path, client_certificate={"content": alice[1].pem})
    assert error.value.option == "client_certificate.key_path"


@pytest.mark.parametrize("url", ["http://api.contoso.com/", "api.contoso.com", "https:///path", "https://h:99999/"])
def test_url_that_is_not_https_host_names_url(tmp_path, url):
    with pytest.raises(OptionError) as error:
        request(tmp_path, url=url)
    assert error.value.option == "url"


def test_ip_url_sends_no_sni_unless_server_name_is_given(tmp_path):
    assert request(tmp_path, url="https://10.0.4.21/api").server_name is None
    named = request(tmp_path, url="https://10.0.4.21/api", server_name="api.contoso.com")
    assert named.checked_name == "api.contoso.com"


def test_expect_status_accepts_iis_substatus_and_names_a_bad_entry(tmp_path):
    assert request(tmp_path, expect_status=["200", "403.16"]).expect_status == ("200", "403.16")
    with pytest.raises(OptionError) as error:
        request(tmp_path, expect_status=["200", "ok"])
    assert error.value.option == "expect_status[1]"


def test_ca_bundle_with_a_private_key_is_refused(tmp_path, alice):
    with pytest.raises(OptionError) as error:
        request(tmp_path, ca_bundle={"content": alice[0].pem + alice[0].key_pem})
    assert error.value.option == "ca_bundle.content"


def test_expect_status_refuses_a_code_of_four_digits(tmp_path):
    with pytest.raises(OptionError) as error:
        request(tmp_path, expect_status=["2000"])
    assert error.value.option == "expect_status[0]"


def test_a_timeout_of_one_second_is_accepted(tmp_path):
    assert request(tmp_path, timeout=1).url == "https://api.contoso.com/orders"


@pytest.mark.parametrize("timeout", [0, -1])
def test_a_timeout_that_is_not_positive_names_timeout(tmp_path, timeout):
    with pytest.raises(OptionError) as error:
        request(tmp_path, timeout=timeout)
    assert error.value.option == "timeout"
