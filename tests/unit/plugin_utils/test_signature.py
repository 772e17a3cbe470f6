"""One signature check for every algorithm CryptoAPI accepts, independent of a library's TLS policy."""

from __future__ import annotations

import pytest
from ansible_collections.mtls.iis.plugins.plugin_utils.certs import describe, is_self_signed
from ansible_collections.mtls.iis.plugins.plugin_utils.signature import check_signature, issued_by, self_signature
from cryptography import x509
from support import pki

ALGORITHMS = [
    ("rsa1024", "md5", "MD5"),
    ("rsa1024", "sha1", "SHA-1"),
    ("rsa", "sha256", "SHA-256"),
    ("rsa", "pss", "SHA-256"),
    ("ec", "sha256", "SHA-256"),
    ("p384", "sha384", "SHA-384"),
    ("p521", "sha512", "SHA-512"),
    ("ed25519", "sha256", ""),
]


@pytest.mark.parametrize(("key_kind", "signature", "hash_name"), ALGORITHMS)
def test_a_root_signed_with_each_algorithm_is_self_signed(key_kind, signature, hash_name):
    root = pki.make_root(f"{key_kind} {signature} Root", key_kind=key_kind, signature=signature)
    info = describe(root.cert)
    assert (info.self_signed, info.signature_hash, info.self_signed_note) == (True, hash_name, "")


@pytest.mark.parametrize(("key_kind", "signature", "hash_name"), ALGORITHMS)
def test_an_intermediate_signed_with_each_algorithm_is_issued_by_its_root(key_kind, signature, hash_name):
    root = pki.make_root("Root", key_kind=key_kind)
    inter = pki.make_intermediate("Issuing", root, signature=signature)
    assert issued_by(inter.cert, root.cert).verified is True


def test_the_sha1_enterprise_root_of_issue_11_is_self_signed_although_the_library_refuses_it():
    root = pki.make_root("Contoso Enterprise Root 2012", key_kind="rsa", signature="sha1")
    with pytest.raises(ValueError, match="Unsupported signature algorithm"):
        root.cert.verify_directly_issued_by(root.cert)  # the library's TLS policy
    assert is_self_signed(root.cert) is True


def test_a_signature_by_another_key_of_the_same_type_does_not_verify():
    root, other = pki.make_root("Root", key_kind="rsa1024"), pki.make_root("Root", key_kind="rsa1024")
    inter = pki.make_intermediate("Issuing", root, signature="sha1")
    assert check_signature(inter.cert, other.cert.public_key()).verified is False


def test_a_signature_cannot_come_from_a_key_of_another_type():
    inter = pki.make_intermediate("Issuing", pki.make_root("Root", key_kind="ec"))
    check = check_signature(inter.cert, pki.make_root("RSA", key_kind="rsa1024").cert.public_key())
    assert check.verified is False and "RSA" in check.reason


def test_an_altered_certificate_does_not_verify():
    root = pki.make_root("Root", key_kind="rsa1024", signature="sha1")
    der = bytearray(root.der)
    der[-1] ^= 0x01  # flip a bit of the signature
    assert self_signature(x509.load_der_x509_certificate(bytes(der))).verified is False


def test_an_algorithm_this_controller_cannot_compute_is_cannot_tell_not_unsigned():
    root = pki.make_root("MD2 Root", key_kind="rsa1024", signature="sha1")
    md2 = bytes.fromhex("300d06092a864886f70d0101020500")
    sha1 = bytes.fromhex("300d06092a864886f70d0101050500")
    cert = x509.load_der_x509_certificate(root.der.replace(sha1, md2))
    check = self_signature(cert)
    assert check.verified is None and check.algorithm == "md2WithRSAEncryption"
    info = describe(cert)
    assert info.self_signed is True and "not checked" in info.self_signed_note
