"""mtls.iis.diagnose: one scenario per finding.

Each scenario starts from a healthy host (converged once with mtls.iis.client_cert), breaks it the way
real hosts break, checks the finding's id and IIS status, applies the fix the finding recommends with
this collection's modules (or, where no module can, the remedy it names), and checks the finding is gone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from ansible_collections.mtls.iis.plugins.plugin_utils.diagnosis import PROBLEM_FINDINGS
from simhost import seed
from support import pki
from support.collection import REPO_ROOT
from support.playbook import SimFleet
from winmodel import httpsys as winhttpsys
from winmodel import stores

HOST = "win01"
TASK = "under test"
SITE = "Default Web Site"
API_HOST = "api.contoso.com"
PASSWORD = "Diag-Pfx-Pa55!"


class Pki:
    def __init__(self) -> None:
        self.root = pki.make_root("Contoso Root")
        self.issuing = pki.make_intermediate("Contoso Client Issuing CA", self.root)
        self.client = pki.make_leaf("alice", self.issuing)
        self.server = pki.make_leaf(API_HOST, self.root, eku=("serverAuth",), san=(API_HOST,))
        self.server2 = pki.make_leaf(API_HOST, self.root, eku=("serverAuth",), san=(API_HOST,))
        self.partner_root = pki.make_root("Fabrikam Root")
        self.partner = pki.make_intermediate("Fabrikam Issuing CA", self.partner_root)


@pytest.fixture(scope="module")
def keys():
    return Pki()


def healthy_state(keys: Pki, files) -> dict[str, Any]:
    return {
        "trust": {
            "certificates": [{"content": keys.root.pem}, {"content": keys.issuing.pem}],
            "client_auth_issuers": [{"content": keys.issuing.pem}],
        },
        "schannel": {"client_auth_trust_mode": "exclusive_ca", "send_trusted_issuer_list": False},
        "sites": [
            {
                "name": SITE,
                "bindings": [
                    {
                        "host": API_HOST,
                        "certificate": {"pfx": str(files / "server.pfx"), "password": PASSWORD},
                        "negotiate_client_certificate": True,
                        "client_auth_issuer_store": "ClientAuthIssuer",
                    }
                ],
                "ssl": [{"path": "api", "client_certificates": "require"}],
                "tracing": {"enabled": True},
            }
        ],
    }


@pytest.fixture(scope="module")
def healthy(tmp_path_factory, keys):
    """A converged host, built once with the modules and copied into each test."""
    base = SimFleet(tmp_path_factory.mktemp("healthy"))
    base.write_file("server.pfx", keys.server.pfx(PASSWORD))
    run = base.run_module("mtls.iis.client_cert", healthy_state(keys, base.files))
    assert run.recap()[HOST]["failed"] == 0, run.stdout
    state = base.state(HOST)
    seed.reboot(state)  # the Schannel change of the converge has taken effect
    return state


@pytest.fixture
def fleet(tmp_path, healthy, keys):
    fleet = SimFleet(tmp_path)
    fleet.save(HOST, json.loads(json.dumps(healthy)))
    fleet.write_file("server.pfx", keys.server.pfx(PASSWORD))
    fleet.write_file("server2.pfx", keys.server2.pfx(PASSWORD))
    return fleet


def diagnose(fleet: SimFleet, client: pki.Issued | None, chain=(), issuers=(), host: str = API_HOST) -> list[dict]:
    args: dict[str, Any] = {"site": SITE, "host": host, "path": "api"}
    if client is not None:
        args["client_certificate"] = {"content": client.pem + "".join(c.pem for c in chain)}
    if issuers:
        args["issuer_certificates"] = [{"content": c.pem} for c in issuers]
    result = fleet.run_module("mtls.iis.diagnose", args).result(TASK, HOST)
    assert not result.get("failed"), result
    return result["findings"]


def ids(findings: list[dict]) -> dict[str, str]:
    return {f["id"]: f["status"] for f in findings}


def apply(fleet: SimFleet, module: str, args: dict[str, Any]) -> None:
    run = fleet.run_module(f"mtls.iis.{module}", args)
    assert run.recap()[HOST]["failed"] == 0, run.stdout


def edit(fleet: SimFleet, change: Callable[[dict], None]) -> None:
    state = fleet.state(HOST)
    change(state)
    fleet.save(HOST, state)


def test_healthy_host_with_a_valid_client_certificate_has_no_error(fleet, keys):
    findings = diagnose(fleet, keys.client, chain=[keys.issuing])
    assert [f for f in findings if f["severity"] == "error"] == []


def test_runs_in_one_read_only_module_run(fleet, keys):
    before = json.dumps(fleet.state(HOST), sort_keys=True)
    diagnose(fleet, keys.client, chain=[keys.issuing])
    assert [r["mode"] for r in fleet.module_runs(HOST)] == ["gather"]
    assert json.dumps(fleet.state(HOST), sort_keys=True) == before


@dataclass
class Scenario:
    finding: str
    status: str
    breaks: Callable[[SimFleet, Pki], None]
    fix: Callable[[SimFleet, Pki], None]
    client: Callable[[Pki], tuple] = field(default=lambda k: (k.client, [k.issuing], []))
    fixed_client: Callable[[Pki], tuple] | None = None  # when the fix is a new client certificate


def _store_remove(store: str, thumbprint: str) -> Callable[[dict], None]:
    return lambda state: stores.remove_certificate(state, store, thumbprint)


def _expired_intermediate_client(keys: Pki) -> tuple:
    key = pki.new_key()
    old = pki.make_intermediate(
        "Contoso Legacy Issuing CA", keys.root, key=key, not_before=pki.days(-900), not_after=pki.days(-1)
    )
    RENEWED["ca"] = pki.make_intermediate("Contoso Legacy Issuing CA", keys.root, key=key)
    client = pki.make_leaf("carol", old, not_before=pki.days(-100), not_after=pki.days(100))
    return client, [old], []


def _client_below_path_length(keys: Pki) -> tuple:
    policy = pki.make_intermediate("Contoso Policy CA", keys.root, path_length=0)
    issuing = pki.make_intermediate("Contoso Issuing CA 3", policy)
    return pki.make_leaf("ivan", issuing), [issuing, policy], []


SCENARIOS = {
    "ccs_feature_missing": Scenario(
        "CCS_FEATURE_MISSING",
        "reset",
        lambda f, k: edit(f, _binding_to_ccs),
        # Installing and configuring the Central Certificate Store provider is outside mtls.iis (FEATURE-5).
        lambda f, k: edit(f, lambda s: seed.install_feature(s, "Web-CertProvider")),
    ),
    "root_not_trusted": Scenario(
        "CLIENT_ROOT_NOT_TRUSTED",
        "403.16",
        lambda f, k: edit(f, _store_remove("Root", k.root.thumbprint)),
        lambda f, k: apply(f, "trusted_certs", {"certificates": [{"content": k.root.pem}]}),
        client=lambda k: (k.client, [k.issuing, k.root], []),
    ),
    "non_self_signed_in_root": Scenario(
        "NON_SELF_SIGNED_IN_ROOT",
        "403.16",
        lambda f, k: edit(f, lambda s: seed.add_cert(s, "Root", k.partner.der)),
        lambda f, k: apply(f, "trusted_certs", {"non_self_signed_roots": "move"}),
    ),
    "non_self_signed_in_root_with_issuer_list": Scenario(
        "NON_SELF_SIGNED_IN_ROOT",
        "403.7",
        lambda f, k: edit(
            f,
            lambda s: (seed.add_cert(s, "Root", k.partner.der), seed.set_registry_value(s, "SendTrustedIssuerList", 1)),
        ),
        lambda f, k: apply(f, "trusted_certs", {"non_self_signed_roots": "move"}),
    ),
    "intermediate_missing": Scenario(
        "INTERMEDIATE_MISSING",
        "403.16",
        # machine trust: the client-auth issuer store (which holds the issuing CA) takes no part in the chain
        lambda f, k: (
            apply(f, "schannel", {"client_auth_trust_mode": "machine"}),
            edit(f, _store_remove("CA", k.issuing.thumbprint)),
        ),
        lambda f, k: apply(f, "trusted_certs", {"certificates": [{"content": k.issuing.pem}]}),
        client=lambda k: (k.client, [], [k.issuing]),
    ),
    "client_expired": Scenario(
        "CLIENT_CERT_EXPIRED",
        "403.17",
        lambda f, k: None,
        lambda f, k: None,
        client=lambda k: (
            pki.make_leaf("alice", k.issuing, not_before=pki.days(-400), not_after=pki.days(-1)),
            [k.issuing],
            [],
        ),
        fixed_client=lambda k: (k.client, [k.issuing], []),
    ),
    "client_not_yet_valid": Scenario(
        "CLIENT_CERT_NOT_YET_VALID",
        "403.17",
        lambda f, k: None,
        lambda f, k: None,
        client=lambda k: (
            pki.make_leaf("alice", k.issuing, not_before=pki.days(2), not_after=pki.days(400)),
            [k.issuing],
            [],
        ),
        fixed_client=lambda k: (k.client, [k.issuing], []),
    ),
    "client_without_client_auth": Scenario(
        "CLIENT_CERT_NO_CLIENT_AUTH_EKU",
        "403.16",
        lambda f, k: None,
        lambda f, k: None,
        client=lambda k: (pki.make_leaf("alice", k.issuing, eku=("serverAuth",)), [k.issuing], []),
        fixed_client=lambda k: (k.client, [k.issuing], []),
    ),
    "chain_incomplete": Scenario(
        "CLIENT_CHAIN_INCOMPLETE",
        "403.16",
        lambda f, k: None,
        lambda f, k: apply(
            f,
            "trusted_certs",
            {
                "certificates": [{"content": k.partner_root.pem}, {"content": k.partner.pem}],
                "client_auth_issuers": [{"content": k.partner.pem}],
            },
        ),
        client=lambda k: (pki.make_leaf("bob", k.partner), [], []),
    ),
    "trust_mode_without_issuer_store": Scenario(
        "TRUST_MODE_WITHOUT_ISSUER_STORE",
        "403.16",
        lambda f, k: apply(f, "site_binding", {"site": SITE, "host": API_HOST, "client_auth_issuer_store": ""}),
        lambda f, k: apply(
            f, "site_binding", {"site": SITE, "host": API_HOST, "client_auth_issuer_store": "ClientAuthIssuer"}
        ),
    ),
    "issuer_not_in_issuer_store": Scenario(
        "ISSUER_NOT_IN_ISSUER_STORE",
        "403.16",
        lambda f, k: apply(
            f,
            "trusted_certs",
            {"client_auth_issuers": [{"content": k.partner.pem}], "exclusive_client_auth_issuers": True},
        ),
        lambda f, k: apply(f, "trusted_certs", {"client_auth_issuers": [{"content": k.issuing.pem}]}),
    ),
    "tls13_renegotiation": Scenario(
        "TLS13_RENEGOTIATION",
        "reset",
        lambda f, k: apply(f, "site_binding", {"site": SITE, "host": API_HOST, "negotiate_client_certificate": False}),
        lambda f, k: apply(f, "site_binding", {"site": SITE, "host": API_HOST, "negotiate_client_certificate": True}),
    ),
    "required_without_ssl": Scenario(
        "CERT_REQUIRED_WITHOUT_SSL",
        "403.7",
        lambda f, k: edit(f, lambda s: seed.set_location_flags(s, f"{SITE}/api", "SslNegotiateCert, SslRequireCert")),
        lambda f, k: apply(f, "ssl_settings", {"path": f"{SITE}/api", "require_ssl": True}),
    ),
    "ssl_settings_in_web_config": Scenario(
        "SSL_SETTINGS_IN_WEB_CONFIG",
        "n/a",
        # SSL Settings unlocked and set in the site's web.config (IISCONFIG-13): no module writes there, so the fix is
        # the administrator's: take sslFlags out of the web.config (applicationHost.config counts again)
        lambda f, k: edit(
            f,
            lambda s: (
                seed.unlock_ssl_settings(s, SITE),
                seed.set_web_config_flags(s, SITE, "Ssl, SslNegotiateCert, SslRequireCert"),
            ),
        ),
        lambda f, k: edit(f, lambda s: seed.set_web_config_flags(s, SITE, None)),
    ),
    "no_https_binding": Scenario(
        "NO_HTTPS_BINDING",
        "403.7",
        lambda f, k: apply(f, "site_binding", {"site": SITE, "host": API_HOST, "state": "absent"}),
        lambda f, k: apply(
            f,
            "site_binding",
            {
                "site": SITE,
                "host": API_HOST,
                "certificate": {"pfx": str(f.files / "server.pfx"), "password": PASSWORD},
                "negotiate_client_certificate": True,
                "client_auth_issuer_store": "ClientAuthIssuer",
            },
        ),
    ),
    "server_cert_expired": Scenario(
        "SERVER_CERT_EXPIRED",
        "reset",
        lambda f, k: _bind_to(
            f, pki.make_leaf(API_HOST, k.root, eku=("serverAuth",), not_before=pki.days(-400), not_after=pki.days(-1))
        ),
        lambda f, k: apply(
            f,
            "site_binding",
            {
                "site": SITE,
                "host": API_HOST,
                "certificate": {"pfx": str(f.files / "server2.pfx"), "password": PASSWORD},
            },
        ),
    ),
    "server_cert_expiring": Scenario(
        "SERVER_CERT_EXPIRING",
        "none yet",
        lambda f, k: _bind_to(f, pki.make_leaf(API_HOST, k.root, eku=("serverAuth",), not_after=pki.days(5))),
        lambda f, k: apply(
            f,
            "site_binding",
            {
                "site": SITE,
                "host": API_HOST,
                "certificate": {"pfx": str(f.files / "server2.pfx"), "password": PASSWORD},
            },
        ),
    ),
    "server_cert_without_key": Scenario(
        "SERVER_CERT_NO_PRIVATE_KEY",
        "reset",
        lambda f, k: edit(
            f,
            lambda s: (
                _store_remove("My", k.server.thumbprint)(s),
                seed.add_cert(s, "My", k.server.der, has_private_key=False),
            ),
        ),
        lambda f, k: apply(
            f,
            "site_binding",
            {"site": SITE, "host": API_HOST, "certificate": {"pfx": str(f.files / "server.pfx"), "password": PASSWORD}},
        ),
    ),
    "server_cert_missing": Scenario(
        "SERVER_CERT_MISSING",
        "reset",
        lambda f, k: edit(f, _store_remove("My", k.server.thumbprint)),
        lambda f, k: apply(
            f,
            "site_binding",
            {"site": SITE, "host": API_HOST, "certificate": {"pfx": str(f.files / "server.pfx"), "password": PASSWORD}},
        ),
    ),
    "issuer_list_too_large": Scenario(
        "TRUSTED_ISSUER_LIST_TOO_LARGE",
        "403.7",
        lambda f, k: edit(f, _big_issuer_list),
        lambda f, k: apply(f, "schannel", {"send_trusted_issuer_list": False}),
    ),
    "schannel_reboot_pending": Scenario(
        "SCHANNEL_REBOOT_PENDING",
        "pending",
        lambda f, k: apply(f, "schannel", {"client_auth_trust_mode": "exclusive_root"}),
        lambda f, k: edit(f, seed.reboot),
    ),
    "tracing_off": Scenario(
        "TRACING_OFF",
        "n/a",
        lambda f, k: apply(f, "failed_request_tracing", {"site": SITE, "enabled": False}),
        lambda f, k: apply(f, "failed_request_tracing", {"site": SITE}),
    ),
    "chain_ca_expired": Scenario(
        "CHAIN_CA_EXPIRED",
        "403.17",
        lambda f, k: None,
        lambda f, k: apply(f, "trusted_certs", {"certificates": [{"content": RENEWED["ca"].pem}]}),
        client=_expired_intermediate_client,
    ),
    "mapping_below_site": Scenario(
        "MAPPING_BELOW_SITE",
        "401",
        lambda f, k: edit(
            f,
            lambda s: (
                seed.install_feature(s, "Web-Cert-Auth"),
                seed.set_auth(s, f"{SITE}/api", "iis_mapping", enabled=True),
            ),
        ),
        # no module removes configuration below site level: the remedy the finding names, done by hand
        lambda f, k: edit(f, lambda s: seed.clear_auth_section(s, f"{SITE}/api", "iis_mapping")),
    ),
    "ad_mapping_without_ds_mapper": Scenario(
        "AD_MAPPING_WITHOUT_DS_MAPPER",
        "401",
        lambda f, k: apply(f, "cert_mapping", {"site": SITE, "ad_mapping": True}),
        lambda f, k: apply(f, "site_binding", {"site": SITE, "host": API_HOST, "ds_mapper": True}),
    ),
    "many_to_one_with_ad": Scenario(
        "MANY_TO_ONE_WITH_AD_MAPPING",
        "500",
        lambda f, k: edit(f, _many_to_one_and_ad),
        lambda f, k: apply(f, "cert_mapping", {"site": SITE, "ad_mapping": False}),
    ),
    "client_not_mapped": Scenario(
        "CLIENT_NOT_MAPPED",
        "401",
        lambda f, k: apply(f, "cert_mapping", {"site": SITE, "enabled": True, "anonymous_authentication": False}),
        lambda f, k: apply(
            f,
            "cert_mapping",
            {"site": SITE, "one_to_one": [{"content": k.client.pem, "user": "CONTOSO\\alice", "password": "x"}]},
        ),
    ),
    "mapper_denied": Scenario(
        "MAPPER_DENIED",
        "403.12",
        lambda f, k: apply(
            f,
            "cert_mapping",
            {"site": SITE, "enabled": True, "anonymous_authentication": False, "many_to_one": [_many("deny")]},
        ),
        lambda f, k: apply(f, "cert_mapping", {"site": SITE, "many_to_one": [_many("allow")]}),
    ),
    "mapping_feature_missing": Scenario(
        "MAPPING_FEATURE_MISSING",
        "401",
        lambda f, k: edit(f, lambda s: seed.set_auth(s, SITE, "anonymous", enabled=False)),
        lambda f, k: apply(
            f,
            "cert_mapping",
            {
                "site": SITE,
                "enabled": True,
                "install_feature": True,
                "one_to_one": [{"content": k.client.pem, "user": "CONTOSO\\alice"}],
            },
        ),
    ),
    "library_rejects_chain": Scenario(
        "LIBRARY_REJECTS_CHAIN",
        "none",
        lambda f, k: apply(f, "schannel", {"client_auth_trust_mode": "machine"}),
        lambda f, k: None,
        client=lambda k: _client_under(pki.make_intermediate("Contoso Legacy 1024 CA", k.root, key_kind="rsa1024")),
        fixed_client=lambda k: (k.client, [k.issuing], []),
    ),
    "chain_cannot_tell": Scenario(
        "CHAIN_CANNOT_TELL",
        "cannot tell",
        lambda f, k: None,
        lambda f, k: None,
        client=lambda k: _client_under(pki.make_intermediate("Contoso Legacy Client CA", k.root, ca=None)),
        fixed_client=lambda k: (k.client, [k.issuing], []),
    ),
    "chain_ca_not_yet_valid": Scenario(
        "CHAIN_CA_NOT_YET_VALID",
        "403.17",
        lambda f, k: None,
        lambda f, k: None,
        client=lambda k: _client_under(pki.make_intermediate("Contoso Future CA", k.root, not_before=pki.days(2))),
        fixed_client=lambda k: (k.client, [k.issuing], []),
    ),
    "chain_issuer_not_a_ca": Scenario(
        "CHAIN_ISSUER_NOT_A_CA",
        "403.16",
        lambda f, k: None,
        lambda f, k: None,
        client=lambda k: _client_under(pki.make_leaf("Contoso Web", k.root, eku=None, key_usage=pki.CA_KEY_USAGE)),
        fixed_client=lambda k: (k.client, [k.issuing], []),
    ),
    "chain_path_length_exceeded": Scenario(
        "CHAIN_PATH_LENGTH_EXCEEDED",
        "403.16",
        lambda f, k: None,
        lambda f, k: None,
        client=_client_below_path_length,
        fixed_client=lambda k: (k.client, [k.issuing], []),
    ),
    "chain_ca_eku_excludes_client_auth": Scenario(
        "CHAIN_CA_EKU_EXCLUDES_CLIENT_AUTH",
        "403.16",
        lambda f, k: None,
        lambda f, k: None,
        client=lambda k: _client_under(pki.make_intermediate("Contoso TLS CA", k.root, eku=("serverAuth",))),
        fixed_client=lambda k: (k.client, [k.issuing], []),
    ),
    "chain_name_constraint_violated": Scenario(
        "CHAIN_NAME_CONSTRAINT_VIOLATED",
        "403.16",
        lambda f, k: None,
        lambda f, k: None,
        client=lambda k: _client_under(
            pki.make_intermediate("Contoso Constrained CA", k.root, permitted=["O=Contoso"])
        ),
        fixed_client=lambda k: (k.client, [k.issuing], []),
    ),
    "chain_rsa_key_blocked": Scenario(
        "CHAIN_RSA_KEY_BLOCKED",
        "403.16",
        lambda f, k: None,
        lambda f, k: None,
        client=lambda k: (pki.make_weak_rsa_leaf("mallory", k.issuing), [k.issuing], []),
        fixed_client=lambda k: (k.client, [k.issuing], []),
    ),
    "ca_weak_signature": Scenario(
        "CA_WEAK_SIGNATURE",
        "none",
        lambda f, k: None,
        lambda f, k: None,
        client=lambda k: _sha1_client(),
        fixed_client=lambda k: (k.client, [k.issuing], []),
    ),
    "ca_rsa_under_2048": Scenario(
        "CA_RSA_UNDER_2048",
        "none",
        lambda f, k: None,
        lambda f, k: None,
        client=lambda k: _client_under(pki.make_intermediate("Contoso Legacy 1024 CA", k.root, key_kind="rsa1024")),
        fixed_client=lambda k: (k.client, [k.issuing], []),
    ),
    "client_ca_not_in_issuer_list": Scenario(
        "CLIENT_CA_NOT_IN_ISSUER_LIST",
        "403.7",
        lambda f, k: edit(f, lambda s: seed.set_registry_value(s, "SendTrustedIssuerList", 1)),
        lambda f, k: apply(f, "trusted_certs", {"client_auth_issuers": [{"content": k.partner.pem}]}),
        client=lambda k: (pki.make_leaf("bob", k.partner), [k.partner], []),
    ),
    "no_revocation_info": Scenario(
        "CLIENT_CERT_NO_REVOCATION_INFO",
        "403.13",
        lambda f, k: None,
        lambda f, k: apply(f, "site_binding", {"site": SITE, "host": API_HOST, "revocation_check": "disabled"}),
    ),
}
RENEWED: dict[str, pki.Issued] = {}


def _many(permission: str) -> dict[str, Any]:
    return {
        "name": "contoso",
        "user": "CONTOSO\\svc",
        "permission": permission,
        "rules": [{"field": "issuer", "subfield": "CN", "match": "Contoso Client Issuing CA"}],
    }


def _bind_to(fleet: SimFleet, cert: pki.Issued) -> None:
    edit(fleet, lambda s: seed.add_cert(s, "My", cert.der, has_private_key=True))
    apply(fleet, "site_binding", {"site": SITE, "host": API_HOST, "certificate": {"thumbprint": cert.thumbprint}})


def _binding_to_ccs(state: dict) -> None:
    """The healthy binding turned into a Central Certificate Store one outside mtls.iis (sslFlags 3, its options on
    the ccs record of port 443, WINDOWS_FACTS BINDING-9), on a host without Web-CertProvider."""
    site = next(s for name, s in state["iis"]["sites"].items() if name.lower() == SITE.lower())
    binding = next(b for b in site["bindings"] if b["binding_information"] == f"*:443:{API_HOST}")
    binding["ssl_flags"] |= 2
    record = seed.httpsys_record(state, "hostnameport", f"{API_HOST}:443")
    winhttpsys.delete_binding(state, f"{API_HOST}:443", "hostnameport")
    seed.add_httpsys_binding(state, {**record, "kind": "ccs", "key": "443", "cert_hash": None, "cert_store": None})


def _big_issuer_list(state: dict) -> None:
    seed.set_registry_value(state, "SendTrustedIssuerList", 1)
    for n in range(200):
        name = pki.x509.Name(
            [
                pki.x509.NameAttribute(pki.NameOID.COMMON_NAME, f"Example Holdings Issuing CA number {n:03d}"),
                pki.x509.NameAttribute(pki.NameOID.ORGANIZATIONAL_UNIT_NAME, "Group Information Security Services"),
                pki.x509.NameAttribute(pki.NameOID.ORGANIZATION_NAME, "Example Holdings International PLC"),
            ]
        )
        ca = pki.make_root(name)
        seed.add_cert(state, "ClientAuthIssuer", ca.der)


def _many_to_one_and_ad(state: dict) -> None:
    seed.install_feature(state, "Web-Cert-Auth")
    seed.install_feature(state, "Web-Client-Auth")
    seed.set_auth(state, SITE, "ad_mapping", enabled=True)
    seed.add_many_to_one(state, SITE, "contoso", "CONTOSO\\svc", [{"field": "Issuer", "subfield": "CN", "match": "*"}])
    seed.set_auth(state, SITE, "iis_mapping", enabled=True)


def _client_under(ca: pki.Issued) -> tuple:
    """A client certificate issued by ``ca`` (under the healthy root), which the client sends with it."""
    return pki.make_leaf("dave", ca), [ca], []


def _sha1_client() -> tuple:
    """An enterprise PKI of the 2010s: SHA-1 RSA root and issuing CA, both sent by the client."""
    root = pki.make_root("Contoso Enterprise Root 2012", key_kind="rsa1024", signature="sha1")
    issuing = pki.make_intermediate("Contoso Issuing CA 2012", root, key_kind="rsa1024", signature="sha1")
    return pki.make_leaf("frank", issuing), [issuing, root], []


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_finding_is_reported_then_fixed(fleet, keys, name):
    scenario = SCENARIOS[name]
    client, chain, issuers = scenario.client(keys)
    scenario.breaks(fleet, keys)
    before = ids(diagnose(fleet, client, chain, issuers))
    assert before.get(scenario.finding) == scenario.status, before

    scenario.fix(fleet, keys)
    if scenario.fixed_client:
        client, chain, issuers = scenario.fixed_client(keys)
    after = ids(diagnose(fleet, client, chain, issuers))
    assert scenario.finding not in after, after


def test_every_finding_has_a_scenario():
    source = (REPO_ROOT / "plugins" / "plugin_utils" / "diagnosis.py").read_text()
    declared = set(re.findall(r'Finding\(\s*"([A-Z0-9_]+)"', source)) | {v[0] for v in PROBLEM_FINDINGS.values()}
    assert declared == {s.finding for s in SCENARIOS.values()}


@pytest.mark.winrm
def test_diagnose_playbook_prints_findings_per_host_and_fails_on_errors(fleet, keys):
    edit(fleet, lambda s: seed.add_cert(s, "Root", keys.partner.der))
    run = fleet.run_playbook(
        REPO_ROOT / "playbooks" / "diagnose.yml",
        "-e",
        "mtls_hosts=windows",
        "-e",
        f"mtls_diagnose_host={API_HOST}",
        "-e",
        "mtls_diagnose_path=api",
    )
    assert run.rc == 2
    assert "[error] 403.16 NON_SELF_SIGNED_IN_ROOT" in run.stdout
    assert "mtls.iis.trusted_certs (non_self_signed_roots: move)" in run.stdout


def test_diagnose_playbook_passes_on_a_healthy_host(fleet, keys):
    client = fleet.write_file("client.pem", keys.client.pem + keys.issuing.pem)
    run = fleet.run_playbook(
        REPO_ROOT / "playbooks" / "diagnose.yml",
        "-e",
        "mtls_hosts=windows",
        "-e",
        f"mtls_diagnose_host={API_HOST}",
        "-e",
        "mtls_diagnose_path=api",
        "-e",
        f"mtls_diagnose_client_certificate={client}",
    )
    assert run.rc == 0, run.stdout
    assert "no error finding on win01" in run.stdout
