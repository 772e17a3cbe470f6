"""Certificate loading and classification on the controller."""

from __future__ import annotations

import hashlib

import pytest
from ansible_collections.mtls.iis.plugins.plugin_utils.certs import describe, parse_certificates
from ansible_collections.mtls.iis.plugins.plugin_utils.errors import OptionError
from ansible_collections.mtls.iis.plugins.plugin_utils.names import canonical_store_name, normalize_thumbprint
from cryptography.hazmat.primitives import serialization
from support import pki


@pytest.fixture(scope="module")
def root():
    return pki.make_root("Contoso Root")


@pytest.fixture(scope="module")
def issuing(root):
    return pki.make_intermediate("Contoso Issuing CA", root)


def test_thumbprint_is_uppercase_sha1_of_der(root):
    assert describe(root.cert).thumbprint == hashlib.sha1(root.der).hexdigest().upper()


def test_root_is_self_signed_ca(root):
    info = describe(root.cert)
    assert (info.self_signed, info.is_ca) == (True, True)


def test_intermediate_is_ca_but_not_self_signed(issuing):
    info = describe(issuing.cert)
    assert (info.self_signed, info.is_ca) == (False, True)


def test_same_name_signed_by_another_key_is_not_self_signed(root):
    impostor = pki.make_intermediate("Contoso Root", root)  # subject == issuer name, other key signed it
    info = describe(impostor.cert)
    assert info.subject == info.issuer
    assert info.self_signed is False


def test_leaf_is_not_ca(issuing):
    leaf = pki.make_leaf("client01", issuing, eku=["clientAuth"])
    assert describe(leaf.cert).is_ca is False


def test_pem_bundle_yields_every_certificate(root, issuing):
    certs = parse_certificates((root.pem + issuing.pem).encode(), "certificates[0].path", "file chain.pem")
    assert [describe(c).thumbprint for c in certs] == [root.thumbprint, issuing.thumbprint]


def test_der_file_loads(root):
    assert describe(parse_certificates(root.der, "opt", "file root.cer")[0]).thumbprint == root.thumbprint


def test_pem_private_key_is_refused_with_option_name(root):
    key_pem = root.key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(OptionError, match=r"^certificates\[0\]\.path: .*private key"):
        parse_certificates(root.pem.encode() + key_pem, "certificates[0].path", "file root.pem")


def test_der_private_key_is_refused(root):
    key_der = root.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(OptionError, match="private key"):
        parse_certificates(key_der, "opt", "file root.key")


def test_text_that_is_no_certificate_is_refused():
    with pytest.raises(OptionError, match="is not a certificate"):
        parse_certificates(b"hello world\n", "certificates[1].path", "file notes.txt")


@pytest.mark.parametrize(
    "typed",
    [
        "\u200e3b 1e fd 3a 66 ea 28 b1 66 97 39 47 03 a7 2c a3 40 a0 5b d5",
        "3B:1E:FD:3A:66:EA:28:B1:66:97:39:47:03:A7:2C:A3:40:A0:5B:D5",
    ],
)
def test_thumbprint_input_is_normalised(typed):
    assert normalize_thumbprint(typed, "thumbprint") == "3B1EFD3A66EA28B16697394703A72CA340A05BD5"


def test_malformed_thumbprint_names_the_option():
    with pytest.raises(OptionError, match=r"^certificate\.thumbprint: "):
        normalize_thumbprint("XYZ", "certificate.thumbprint")


def test_store_name_with_backslash_is_refused():
    with pytest.raises(OptionError, match=r"client_auth_issuer_store: .*not a valid certificate store name"):
        canonical_store_name("Cert:\\LocalMachine\\Root", "client_auth_issuer_store")


def test_store_name_case_is_canonicalised():
    assert canonical_store_name("clientauthissuer", "x") == "ClientAuthIssuer"


@pytest.mark.parametrize("pem", [False, True], ids=["der", "pem"])
def test_p7b_bundle_from_the_export_wizard_yields_every_certificate(root, issuing, pem):
    certs = parse_certificates(pki.p7b([root, issuing], pem=pem), "certificates[0].path", "file chain.p7b")
    assert {describe(c).thumbprint for c in certs} == {root.thumbprint, issuing.thumbprint}


def test_pfx_given_as_a_ca_certificate_is_refused_naming_the_pfx(root):
    with pytest.raises(OptionError, match=r"^certificates\[0\]\.path: file root\.pfx is a PFX/PKCS#12 file") as err:
        parse_certificates(root.pfx("secret"), "certificates[0].path", "file root.pfx")
    assert "private key" in str(err.value) and "secret" not in str(err.value)


def test_pfx_without_password_is_refused_too(root):
    with pytest.raises(OptionError, match="PFX/PKCS#12"):
        parse_certificates(root.pfx(None), "opt", "file root.p12")


def test_damaged_p7b_pem_is_refused():
    with pytest.raises(OptionError, match="damaged PKCS#7"):
        parse_certificates(b"-----BEGIN PKCS7-----\nAAAA\n-----END PKCS7-----\n", "opt", "file x.p7b")
