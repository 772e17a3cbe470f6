"""The certificate helpers other tests build on."""

from __future__ import annotations

import hashlib

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from support.pki import days, make_cross_signed, make_intermediate, make_leaf, make_root


def test_root_is_self_signed_ca(chain) -> None:
    chain.root.cert.verify_directly_issued_by(chain.root.cert)
    assert chain.root.cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True


def test_intermediate_and_leaf_chain_up(chain) -> None:
    chain.intermediate.cert.verify_directly_issued_by(chain.root.cert)
    chain.leaf.cert.verify_directly_issued_by(chain.intermediate.cert)
    assert chain.leaf.cert.issuer == chain.intermediate.cert.subject


def test_thumbprint_is_upper_sha1_of_der(chain) -> None:
    assert chain.leaf.thumbprint == hashlib.sha1(chain.leaf.der).hexdigest().upper()
    assert chain.leaf.pem.startswith("-----BEGIN CERTIFICATE-----")


def test_leaf_defaults_to_client_auth(chain) -> None:
    eku = chain.leaf.cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]


def test_leaf_takes_ekus_and_sans(chain) -> None:
    leaf = make_leaf(
        "web", chain.intermediate, eku=("serverAuth", "clientAuth"), san=("web.contoso.com", "IP:10.0.0.5")
    )
    eku = leaf.cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
    san = leaf.cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["web.contoso.com"]


def test_validity_window_can_be_expired_or_not_yet_valid(chain) -> None:
    expired = make_leaf("old", chain.intermediate, not_before=days(-30), not_after=days(-1))
    future = make_leaf("new", chain.intermediate, not_before=days(1))
    assert expired.cert.not_valid_after_utc < days(0) < future.cert.not_valid_before_utc


def test_basic_constraints_and_key_usage_can_be_left_out(chain) -> None:
    legacy = make_intermediate("Legacy CA", chain.root, ca=None, key_usage=None)
    for extension in (x509.BasicConstraints, x509.KeyUsage):
        with pytest.raises(x509.ExtensionNotFound):
            legacy.cert.extensions.get_extension_for_class(extension)


def test_cross_signed_ca_keeps_subject_and_key_but_not_the_issuer(chain) -> None:
    other = make_root("Other Root")
    cross = make_cross_signed(chain.root, other)
    assert cross.cert.subject == chain.root.cert.subject
    assert cross.cert.public_key() == chain.root.cert.public_key()
    assert cross.cert.issuer == other.cert.subject
    cross.cert.verify_directly_issued_by(other.cert)
    assert cross.thumbprint != chain.root.thumbprint


def test_pfx_holds_certificate_and_key(chain) -> None:
    from cryptography.hazmat.primitives.serialization import pkcs12

    loaded = pkcs12.load_key_and_certificates(chain.leaf.pfx("pw"), b"pw")
    assert loaded[1] == chain.leaf.cert


def test_root_with_explicit_key_reuses_it() -> None:
    first = make_root("A")
    again = make_root("A", key=first.key)
    assert again.cert.public_key() == first.cert.public_key()
