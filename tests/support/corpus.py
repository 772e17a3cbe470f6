"""The certificate corpus of issue 11: PKIs administrators have, generated at test time (no private key committed).

Each :class:`Case` says where every certificate given to ``trusted_certs`` lands, what ``diagnose`` must report for
the client (the error findings with their IIS sub-status, or none), and what Debian's ``openssl verify`` answers
for the same stores: the same verdict where OpenSSL and Windows agree, the opposite where they differ — each such
case carries the Microsoft source of the difference in ``differs``.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.mtls.iis.plugins.plugin_utils.snapshot import Snapshot
from cryptography.x509.oid import NameOID

from support import pki
from support.snapshots import empty_iis_mapping

SITE = "Default Web Site"
HOST = "api.contoso.com"


@dataclass
class Case:
    name: str
    trusted: list[pki.Issued]  # given to trusted_certs (as PEM unless ``trusted_data`` is set)
    placement: dict[str, str]  # thumbprint -> store trusted_certs puts it in ("Root" / "CA")
    client: pki.Issued | None = None
    sent: list[pki.Issued] = field(default_factory=list)  # what the client sends with its certificate
    errors: dict[str, str] = field(default_factory=dict)  # diagnose error finding id -> IIS status
    cannot_tell: bool = False  # diagnose says CHAIN_CANNOT_TELL
    windows_accepts: bool = True  # the chain verdict of Windows' rules
    differs: str = ""  # why OpenSSL's verdict differs from Windows', with the Microsoft source; "" = they agree
    trusted_data: bytes | None = None  # one file with every trusted certificate (a .p7b) instead of PEMs
    usage_check: bool = True


def _name(cn: str, org: str) -> pki.x509.Name:
    return pki.x509.Name(
        [pki.x509.NameAttribute(NameOID.ORGANIZATION_NAME, org), pki.x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    )


def _placed(**stores: list[pki.Issued]) -> dict[str, str]:
    return {c.thumbprint: store for store, certs in stores.items() for c in certs}


def build() -> list[Case]:
    cases: list[Case] = []

    root = pki.make_root("Contoso Root")
    cases.append(Case("two_tier", [root], _placed(Root=[root]), pki.make_leaf("alice", root)))

    inter = pki.make_intermediate("Contoso Issuing CA", root)
    cases.append(
        Case("three_tier", [root, inter], _placed(Root=[root], CA=[inter]), pki.make_leaf("alice", inter), [inter])
    )

    sha1_root = pki.make_root("Contoso Enterprise Root 2012", key_kind="rsa", signature="sha1")
    sha1_inter = pki.make_intermediate("Contoso Issuing CA 2012", sha1_root, key_kind="rsa", signature="sha1")
    cases.append(
        Case(
            "sha1_root",
            [sha1_root, sha1_inter],
            _placed(Root=[sha1_root], CA=[sha1_inter]),
            pki.make_leaf("alice", sha1_inter),
        )
    )

    weak_root = pki.make_root("Legacy Root 1024", key_kind="rsa1024")
    cases.append(Case("rsa1024_root", [weak_root], _placed(Root=[weak_root]), pki.make_leaf("bob", weak_root)))

    pss_root = pki.make_root("PSS Root", key_kind="rsa")
    pss_inter = pki.make_intermediate("PSS Issuing CA", pss_root, key_kind="rsa", signature="pss")
    cases.append(
        Case(
            "rsa_pss",
            [pss_root, pss_inter],
            _placed(Root=[pss_root], CA=[pss_inter]),
            pki.make_leaf("carol", pss_inter, signature="pss"),
        )
    )

    p384_root = pki.make_root("P-384 Root", key_kind="p384", signature="sha384")
    p384_inter = pki.make_intermediate("P-384 Issuing CA", p384_root, key_kind="p384", signature="sha384")
    cases.append(
        Case(
            "ec_p384",
            [p384_root, p384_inter],
            _placed(Root=[p384_root], CA=[p384_inter]),
            pki.make_leaf("dave", p384_inter, signature="sha384"),
        )
    )

    partner_root = pki.make_root("Fabrikam Root")
    cross = pki.make_cross_signed(root, partner_root)  # Contoso Root's name and key, issued by Fabrikam
    cases.append(
        Case(
            "cross_signed",
            [partner_root],
            _placed(Root=[partner_root]),
            pki.make_leaf("erin", inter),
            [inter, cross],
        )
    )

    # root renewal: the new root has the old one's name and a new key; the cross-certificates have the same name
    old_key, new_key = pki.new_key(), pki.new_key()
    old_root = pki.make_root("Contoso Root CA", key=old_key, not_before=pki.days(-3000))
    new_root = pki.make_root("Contoso Root CA", key=new_key)
    new_by_old = pki.make_intermediate("Contoso Root CA", old_root, key=new_key, path_length=None)
    renewed_inter = pki.make_intermediate("Contoso Issuing CA 2", new_root)
    cases.append(
        Case(
            "root_renewal_name_equal_cross",
            [old_root, new_by_old],
            _placed(Root=[old_root], CA=[new_by_old]),
            pki.make_leaf("frank", renewed_inter),
            [renewed_inter],
        )
    )

    expired = pki.make_intermediate("Expired Issuing CA", root, not_before=pki.days(-900), not_after=pki.days(-1))
    cases.append(
        Case(
            "expired_intermediate",
            [root, expired],
            _placed(Root=[root], CA=[expired]),
            pki.make_leaf("grace", expired, not_before=pki.days(-30)),
            errors={"CHAIN_CA_EXPIRED": "403.17"},
            windows_accepts=False,
        )
    )

    future = pki.make_intermediate("Future Issuing CA", root, not_before=pki.days(2))
    cases.append(
        Case(
            "not_yet_valid_intermediate",
            [root, future],
            _placed(Root=[root], CA=[future]),
            pki.make_leaf("heidi", future),
            errors={"CHAIN_CA_NOT_YET_VALID": "403.17"},
            windows_accepts=False,
        )
    )

    policy = pki.make_intermediate("Contoso Policy CA", root, path_length=0)
    below = pki.make_intermediate("Contoso Issuing CA 3", policy)
    cases.append(
        Case(
            "path_length_exceeded",
            [root, policy, below],
            _placed(Root=[root], CA=[policy, below]),
            pki.make_leaf("ivan", below),
            errors={"CHAIN_PATH_LENGTH_EXCEEDED": "403.16"},
            windows_accepts=False,
        )
    )

    not_ca = pki.make_leaf("Contoso Web Server", root, eku=None, key_usage=pki.CA_KEY_USAGE)
    cases.append(
        Case(
            "ca_false_issuer",
            [root],
            _placed(Root=[root]),
            pki.make_leaf("judy", not_ca),
            [not_ca],
            errors={"CHAIN_ISSUER_NOT_A_CA": "403.16"},
            windows_accepts=False,
        )
    )

    server_only = pki.make_intermediate("Contoso TLS Server CA", root, eku=("serverAuth",))
    cases.append(
        Case(
            "eku_restricted_issuer",
            [root, server_only],
            _placed(Root=[root], CA=[server_only]),
            pki.make_leaf("mallory", server_only),
            errors={"CHAIN_CA_EKU_EXCLUDES_CLIENT_AUTH": "403.16"},
            windows_accepts=False,
        )
    )
    cases.append(
        Case(
            "eku_restricted_issuer_usage_check_off",
            [root, server_only],
            _placed(Root=[root], CA=[server_only]),
            pki.make_leaf("niaj", server_only),
            usage_check=False,
            differs="HTTP.sys usagecheck=disable (DefaultCertCheckMode 0x10000, HTTP_SERVICE_CONFIG_SSL_PARAM) turns "
            "off the usage check on Windows; 'openssl verify -purpose sslclient' always checks it",
        )
    )

    constrained = pki.make_intermediate("Contoso Constrained CA", root, permitted=["O=Contoso"])
    cases.append(
        Case(
            "name_constraints_permitted",
            [root, constrained],
            _placed(Root=[root], CA=[constrained]),
            pki.make_leaf(_name("olivia", "Contoso"), constrained),
        )
    )
    cases.append(
        Case(
            "name_constraints_violated",
            [root, constrained],
            _placed(Root=[root], CA=[constrained]),
            pki.make_leaf(_name("peggy", "Fabrikam"), constrained),
            errors={"CHAIN_NAME_CONSTRAINT_VIOLATED": "403.16"},
            windows_accepts=False,
        )
    )

    cases.append(
        Case(
            "rsa512_client",
            [root, inter],
            _placed(Root=[root], CA=[inter]),
            pki.make_weak_rsa_leaf("trent", inter),
            errors={"CHAIN_RSA_KEY_BLOCKED": "403.16"},
            windows_accepts=False,
            differs="Windows blocks RSA keys under 1024 bits in every chain (KB2661254); 'openssl verify' checks key "
            "sizes only with -auth_level, which it does not set by default",
        )
    )

    for pem in (False, True):
        cases.append(
            Case(
                f"p7b_{'pem' if pem else 'der'}",
                [root, inter],
                _placed(Root=[root], CA=[inter]),
                pki.make_leaf("rupert", inter),
                trusted_data=pki.p7b([root, inter], pem=pem),
            )
        )

    no_bc = pki.make_intermediate("Contoso Legacy CA", root, ca=None)
    cases.append(
        Case(
            "issuer_without_basic_constraints",
            [root],
            _placed(Root=[root]),
            pki.make_leaf("sybil", no_bc),
            [no_bc],
            cannot_tell=True,
            windows_accepts=True,
            differs="OpenSSL refuses a v3 issuer without basicConstraints; whether CryptoAPI does is not documented "
            "(WINDOWS_FACTS CLIENTAUTH-5), so diagnose says 'cannot tell' and openssl's refusal is evidence only",
        )
    )
    return cases


# -- a healthy IIS host holding a case's stores ---------------------------------------------------
def _wire_cert(der: bytes, key: bool = False) -> dict[str, Any]:
    return {
        "thumbprint": hashlib.sha1(der).hexdigest().upper(),
        "der": base64.b64encode(der).decode(),
        "has_private_key": key,
    }


def host_snapshot(
    root: list[pki.Issued],
    ca: list[pki.Issued],
    server: pki.Issued,
    usage_check: bool = True,
    schannel: dict[str, Any] | None = None,
    issuer_store: list[pki.Issued] | None = None,
) -> Snapshot:
    """What gather returns for a host serving https://api.contoso.com/ with client certificates required."""
    record = {
        "key": f"{HOST}:443",
        "kind": "hostnameport",
        "cert_hash": server.thumbprint,
        "cert_store": "My",
        "default_flags": 0x2,  # negotiate the client certificate in the handshake
        "cert_check_mode": 0 if usage_check else 0x10000,
        "ctl_store_name": "ClientAuthIssuer" if issuer_store is not None else None,
    }
    wire: dict[str, Any] = {
        "host": {"os_version": "10.0.20348"},
        "stores": {
            "Root": {"exists": True, "certificates": [_wire_cert(c.der) for c in root]},
            "CA": {"exists": True, "certificates": [_wire_cert(c.der) for c in ca]},
            "My": {"exists": True, "certificates": [_wire_cert(server.der, key=True)]},
            "WebHosting": {"exists": False, "certificates": []},
            "ClientAuthIssuer": {
                "exists": issuer_store is not None,
                "certificates": [_wire_cert(c.der) for c in issuer_store or []],
            },
        },
        "schannel": schannel or {"ClientAuthTrustMode": None, "SendTrustedIssuerList": None},
        "httpsys": [record],
        "iis": {
            "available": True,
            "sites": {
                SITE: {
                    "id": 1,
                    "bindings": [
                        {
                            "protocol": "https",
                            "binding_information": f"*:443:{HOST}",
                            "ssl_flags": 1,
                            "certificate_hash": server.thumbprint,
                            "certificate_store": "My",
                        }
                    ],
                }
            },
            "access": {SITE: {"effective": 8 | 32 | 64, "explicit": "Ssl, SslNegotiateCert, SslRequireCert"}},
        },
        "auth": {
            SITE: {
                # The sections are always there (WINDOWS_FACTS AUTH-1); the features say whether IIS acts on them.
                "iis_mapping": empty_iis_mapping(),
                "ad_mapping": {"enabled": False},
                "anonymous": {"enabled": True},
                "below_site": [],
            }
        },
        "features": {"Web-Cert-Auth": False, "Web-Client-Auth": False, "Web-Http-Tracing": True},
        "tracing": {
            SITE: {
                "enabled": True,
                "directory": "%SystemDrive%\\inetpub\\logs\\FailedReqLogFiles",
                "max_log_files": 50,
                "rules": [{"path": "*", "status_codes": ["403.16"], "areas": "Authentication,Security"}],
            }
        },
    }
    return Snapshot.from_wire(wire)
