"""The Windows model's PFX functions (tests/winmodel/pfx.py)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from simhost import seed
from support.pki import make_leaf, make_root
from winmodel import certstore, pfx, stores
from winmodel.errors import WindowsError_
from winmodel.state import new_state

FLAGS = ["MachineKeySet"]


@pytest.fixture(scope="module")
def chain():
    root = make_root("CN=Pfx Root")
    return root, make_leaf("CN=web01", root)


def _legacy(leaf, password: str) -> bytes:
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(2048)
        .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
        .hmac_hash(hashes.SHA1())  # the MAC Windows before 17763 opens (CERT-9)
        .build(password.encode())
    )
    return pkcs12.serialize_key_and_certificates(None, leaf.key, leaf.cert, None, encryption)


def test_read_returns_the_keyed_certificate_first_and_the_chain(chain):
    root, leaf = chain
    contents = pfx.read(new_state(), leaf.pfx("pw", chain=[root]), "pw", FLAGS)
    assert contents == [{"der": leaf.der, "has_private_key": True}, {"der": root.der, "has_private_key": False}]


def test_a_wrong_password_fails_with_windows_error_and_never_shows_the_password(chain):
    _unused, leaf = chain
    with pytest.raises(WindowsError_) as failure:
        pfx.read(new_state(), leaf.pfx("right"), "s3cret-wrong", FLAGS)
    assert (str(failure.value), failure.value.hresult) == ("The specified network password is not correct.", 0x80070056)
    assert "s3cret" not in str(failure.value)


def test_an_aes_pfx_fails_on_a_build_before_17763_even_with_the_right_password(chain):
    _unused, leaf = chain
    state = new_state()
    seed.set_os_version(state, "10.0.14393")
    with pytest.raises(WindowsError_) as failure:
        pfx.read(state, leaf.pfx("pw"), "pw", FLAGS)
    assert failure.value.hresult == pfx.INVALID_PASSWORD


def test_a_triple_des_pfx_opens_on_a_build_before_17763(chain):
    _unused, leaf = chain
    state = new_state()
    seed.set_os_version(state, "10.0.14393")
    assert pfx.read(state, _legacy(leaf, "pw"), "pw", FLAGS)[0]["has_private_key"] is True


def test_data_that_is_not_a_pkcs12_fails_with_cannot_find_the_requested_object():
    with pytest.raises(WindowsError_) as failure:
        pfx.read(new_state(), b"not a pfx", "", FLAGS)
    assert failure.value.hresult == pfx.NOT_FOUND


def test_an_unknown_key_storage_flag_is_refused(chain):
    _unused, leaf = chain
    with pytest.raises(WindowsError_, match="X509KeyStorageFlags"):
        pfx.read(new_state(), leaf.pfx("pw"), "pw", ["MachineKeys"])


def test_add_puts_the_certificate_with_its_key_link_into_a_new_store(chain):
    _unused, leaf = chain
    state = new_state()
    pfx.add(state, "WebHosting2", leaf.pfx("pw"), "pw", leaf.thumbprint.lower(), ["MachineKeySet", "PersistKeySet"])
    assert certstore.get_store(state, "webhosting2")["certificates"] == [{"der": leaf.der, "has_private_key": True}]


def test_add_over_a_copy_without_a_key_gives_it_the_key_link(chain):
    _unused, leaf = chain
    state = new_state()
    seed.add_cert(state, "My", leaf.der, has_private_key=False)
    pfx.add(state, "My", leaf.pfx("pw"), "pw", leaf.thumbprint, FLAGS)
    assert stores.find_certificate(state, "My", leaf.thumbprint)["has_private_key"] is True


def test_add_of_a_thumbprint_the_pfx_does_not_hold_adds_nothing(chain):
    _unused, leaf = chain
    state = new_state()
    with pytest.raises(WindowsError_, match="holds no certificate"):
        pfx.add(state, "My", leaf.pfx("pw"), "pw", "AB" * 20, FLAGS)
    assert certstore.get_store(state, "My")["certificates"] == []
