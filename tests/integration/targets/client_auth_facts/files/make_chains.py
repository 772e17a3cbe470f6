"""Write the certificate chains of the client_auth_facts target into a directory (run on the controller).

Generated at run time with `cryptography`: nothing secret is committed. Each scenario directory holds leaf.pem
(the certificate to build a chain for) and extra.pem (the CA certificates the chain engine may use); the pfx
directory holds server.pfx in PBES2/AES (what OpenSSL 3 writes) and server-3des.pfx (PBES1 3DES, SHA-1 MAC), both
with the password given on the command line, server-nopassword.pfx (no password) and damaged.pfx (no PKCS#12).

    make_chains.py OUT_DIR PFX_PASSWORD
"""

from __future__ import annotations

import datetime as dt
import secrets
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NOW = dt.datetime.now(dt.timezone.utc)
SHA256_RSA = bytes.fromhex("300d06092a864886f70d01010b0500")
SHA1_RSA = bytes.fromhex("300d06092a864886f70d0101050500")


def der(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + content


def name(cn: str, org: str = "mtls.iis facts") -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, org), x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    return x509.Name(attributes)


def issue(subject, public_key, issuer_name, signer, ca, sha1=False, eku=None, path_length=None, permitted=None):
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(secrets.randbits(63))
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=30))
    )
    if ca is not None:
        builder = builder.add_extension(x509.BasicConstraints(ca=ca, path_length=path_length if ca else None), True)
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), False)
    if permitted:
        builder = builder.add_extension(x509.NameConstraints([x509.DirectoryName(permitted)], None), True)
    if isinstance(signer, ed25519.Ed25519PrivateKey):
        return builder.sign(signer, None)
    cert = builder.sign(signer, hashes.SHA256())
    if not sha1:
        return cert
    tbs = cert.tbs_certificate_bytes.replace(SHA256_RSA, SHA1_RSA)  # cryptography will not sign SHA-1 itself
    signature = signer.sign(tbs, padding.PKCS1v15(), hashes.SHA1())
    return x509.load_der_x509_certificate(der(0x30, tbs + SHA1_RSA + der(0x03, b"\x00" + signature)))


def pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def scenario(out: Path, label: str, leaf: x509.Certificate, *extra: x509.Certificate) -> None:
    folder = out / label
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "leaf.pem").write_bytes(pem(leaf))
    (folder / "extra.pem").write_bytes(pem(*extra))


def chain(out: Path, label: str, root_key=None, sha1=False, ca_options=None, leaf_name=None, leaf_public=None):
    """root -> CA -> client certificate, with what the scenario changes on the CA or the client certificate."""
    root_key = root_key or rsa.generate_private_key(65537, 2048)
    root_name = name(f"{label} root")
    root = issue(root_name, root_key.public_key(), root_name, root_key, True, sha1=sha1)
    ca_key = rsa.generate_private_key(65537, 2048) if sha1 else ec.generate_private_key(ec.SECP256R1())
    options = {"ca": True, "sha1": sha1, **(ca_options or {})}
    ca = issue(name(f"{label} CA"), ca_key.public_key(), root_name, root_key, **options)
    leaf_public = leaf_public or ec.generate_private_key(ec.SECP256R1()).public_key()
    client_auth = [ExtendedKeyUsageOID.CLIENT_AUTH]
    leaf = issue(leaf_name or name(f"{label} client"), leaf_public, ca.subject, ca_key, False, eku=client_auth)
    scenario(out, label, leaf, ca, root)


def root_path_length(out: Path) -> None:
    """A root with pathLenConstraint 0 above two CAs."""
    root_key = rsa.generate_private_key(65537, 2048)
    root_name = name("root_pathlen root")
    root = issue(root_name, root_key.public_key(), root_name, root_key, True, path_length=0)
    ca1_key, ca2_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca1 = issue(name("root_pathlen CA 1"), ca1_key.public_key(), root_name, root_key, True)
    ca2 = issue(name("root_pathlen CA 2"), ca2_key.public_key(), ca1.subject, ca1_key, True)
    leaf_public = ec.generate_private_key(ec.SECP256R1()).public_key()
    leaf = issue(name("root_pathlen client"), leaf_public, ca2.subject, ca2_key, False)
    scenario(out, "root_pathlen", leaf, ca2, ca1, root)


def pfx_files(out: Path, password: bytes) -> None:
    """server.pfx in PBES2/AES-256 (OpenSSL 3's default), server-3des.pfx in PBES1 3DES with a SHA-1 MAC,
    server-nopassword.pfx with neither encryption nor password (CERT-21), damaged.pfx: bytes that are no PKCS#12."""
    key = rsa.generate_private_key(65537, 2048)
    subject = name("mtls.iis facts server")
    server = issue(subject, key.public_key(), subject, key, False)
    legacy = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
        .hmac_hash(hashes.SHA1())
        .build(password)
    )
    folder = out / "pfx"
    folder.mkdir(parents=True, exist_ok=True)
    aes = serialization.BestAvailableEncryption(password)
    (folder / "server.pfx").write_bytes(pkcs12.serialize_key_and_certificates(None, key, server, None, aes))
    (folder / "server-3des.pfx").write_bytes(pkcs12.serialize_key_and_certificates(None, key, server, None, legacy))
    plain = pkcs12.serialize_key_and_certificates(None, key, server, None, serialization.NoEncryption())
    (folder / "server-nopassword.pfx").write_bytes(plain)
    (folder / "damaged.pfx").write_bytes(secrets.token_bytes(256))


def main() -> None:
    out, password = Path(sys.argv[1]), sys.argv[2].encode()
    contoso = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Contoso")])
    weak = rsa.RSAPublicNumbers(65537, secrets.randbits(512) | (1 << 511) | 1).public_key()
    chain(out, "sha1_root", sha1=True)
    chain(out, "no_basic_constraints", ca_options={"ca": None})
    chain(out, "eku_nesting", ca_options={"eku": [ExtendedKeyUsageOID.SERVER_AUTH]})
    chain(out, "name_constraints", ca_options={"permitted": contoso}, leaf_name=name("peggy", "Fabrikam"))
    chain(out, "eddsa", root_key=ed25519.Ed25519PrivateKey.generate())
    chain(out, "rsa512_leaf", leaf_public=weak)
    root_path_length(out)
    pfx_files(out, password)


if __name__ == "__main__":
    main()
