"""Hypothesis strategies: random starting hosts and random valid client_cert desired states.

The material is fixed (one PKI made once per process) so that a seed reproduces a case exactly; what varies is
which certificates sit where, which bindings, HTTP.sys options, location sslFlags, Schannel values and features a
host starts with, and what a task asks for. Two sites: "Default Web Site" and "Shop"; Shop's bindings are SNI
only, so the two sites never share an ipport record (which would make two tasks fight over one certificate).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cache
from typing import Any

from hypothesis import strategies as st
from simhost import seed
from winmodel.state import State, new_state

from support import pki

SITES = ("Default Web Site", "Shop")
HOSTS = {"Default Web Site": ("api.contoso.com", ""), "Shop": ("shop.contoso.com",)}
PATHS = ("", "app", "app/dir")
ACCESS_TEXTS = ("None", "Ssl", "Ssl, SslNegotiateCert", "Ssl, SslNegotiateCert, SslRequireCert", "Ssl, Ssl128")
TLS = ("disable_tls13", "disable_legacy_tls", "disable_http2", "disable_quic", "disable_ocsp_stapling")
PASSWORD = "Gen-Pa55word!"


@dataclass(frozen=True)
class Material:
    root_a: pki.Issued
    issuing_a: pki.Issued
    root_b: pki.Issued
    issuing_b: pki.Issued
    servers: tuple[pki.Issued, pki.Issued]
    clients: tuple[pki.Issued, pki.Issued]

    @property
    def cas(self) -> tuple[pki.Issued, ...]:
        return (self.root_a, self.issuing_a, self.root_b, self.issuing_b)


@cache
def material() -> Material:
    root_a = pki.make_root("Gen Root A")
    issuing_a = pki.make_intermediate("Gen Issuing A", root_a)
    root_b = pki.make_root("Gen Root B")
    issuing_b = pki.make_intermediate("Gen Issuing B", root_b)
    servers = tuple(
        pki.make_leaf(f"server{n}.contoso.com", root_a, eku=("serverAuth",), san=(f"server{n}.contoso.com",))
        for n in (1, 2)
    )
    clients = tuple(pki.make_leaf(f"client{n}", issuing_a) for n in (1, 2))
    return Material(root_a, issuing_a, root_b, issuing_b, servers, clients)  # type: ignore[arg-type]


# --- starting hosts -------------------------------------------------------------------------------------------


@st.composite
def start_hosts(draw: st.DrawFn) -> State:
    m = material()
    state = new_state()
    seed.add_site(state, "Shop", id=2)
    for server in m.servers:
        seed.add_cert(state, "My", server.der, has_private_key=True)
    for cert in draw(st.sets(st.sampled_from((m.root_a, m.root_b, m.issuing_a)))):  # issuing_a in Root: misplaced
        seed.add_cert(state, "Root", cert.der)
    for cert in draw(st.sets(st.sampled_from((m.issuing_a, m.issuing_b)))):
        seed.add_cert(state, "CA", cert.der)
    if draw(st.booleans()):
        seed.add_cert(state, "ClientAuthIssuer", m.issuing_b.der)
    for site in SITES:
        if draw(st.booleans()):
            host = draw(st.sampled_from(HOSTS[site]))
            sni = bool(host) and (site == "Shop" or draw(st.booleans()))
            tls = sum(draw(st.sampled_from((0, bit))) for bit in (4, 32))
            server = draw(st.sampled_from(m.servers))
            info = f"*:443:{host}"
            seed.add_binding(state, site, info, ssl_flags=int(sni) | tls, certificate_hash=server.thumbprint)
            kind, key = ("hostnameport", f"{host}:443") if sni else ("ipport", "0.0.0.0:443")
            options: dict[str, Any] = {
                "default_flags": seed.httpsys_record(state, kind, key)["default_flags"]
                | draw(st.sampled_from((0, 0x1, 0x2, 0x3))),
                "ctl_store_name": draw(st.sampled_from((None, "ClientAuthIssuer"))),
                "cert_check_mode": draw(st.sampled_from((0, 1, 2))),
            }
            seed.set_httpsys_options(state, kind, key, **options)
        for path in PATHS:
            if draw(st.integers(0, 2)) == 0:
                seed.set_location_flags(
                    state, "/".join(filter(None, (site, path))), draw(st.sampled_from(ACCESS_TEXTS))
                )
    mode = draw(st.sampled_from((None, 0, 1, 2)))
    if mode is not None:
        seed.set_registry_value(state, "ClientAuthTrustMode", mode)
    if draw(st.booleans()):
        seed.install_feature(state, "Web-Cert-Auth")
    return state


# --- desired states -------------------------------------------------------------------------------------------


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


@st.composite
def bindings(draw: st.DrawFn, site: str) -> dict[str, Any]:
    m = material()
    host = draw(st.sampled_from(HOSTS[site]))
    binding: dict[str, Any] = {"host": host}
    if host and site != "Shop":
        binding["sni"] = draw(_maybe(st.booleans()))
    if draw(st.integers(0, 9)) == 0:
        binding["state"] = "absent"
        return binding
    if draw(st.integers(0, 3)):  # mostly a certificate; without one only an existing binding can be managed
        binding["certificate"] = {"thumbprint": draw(st.sampled_from(m.servers)).thumbprint}
    for name in TLS:
        binding[name] = draw(_maybe(st.booleans()))
    binding["negotiate_client_certificate"] = draw(_maybe(st.booleans()))
    binding["client_auth_issuer_store"] = draw(_maybe(st.sampled_from(("ClientAuthIssuer", ""))))
    binding["ds_mapper"] = draw(_maybe(st.booleans()))
    binding["revocation_check"] = draw(_maybe(st.sampled_from(("online", "cached_only", "disabled"))))
    binding["revocation_freshness_seconds"] = draw(_maybe(st.sampled_from((0, 20, 3600))))
    return {key: value for key, value in binding.items() if value is not None}


@st.composite
def ssl_paths(draw: st.DrawFn) -> list[dict[str, Any]]:
    entries = []
    for path in draw(st.lists(st.sampled_from(PATHS), unique=True, max_size=3)):
        if draw(st.integers(0, 7)) == 0:
            entries.append({"path": path, "state": "absent"})
            continue
        certificates = draw(_maybe(st.sampled_from(("ignore", "accept", "require"))))
        require_ssl = draw(_maybe(st.booleans()))
        if certificates == "require" and require_ssl is False:
            require_ssl = None  # refused by the module (require needs SSL)
        entry = {
            "path": path,
            "require_ssl": require_ssl,
            "require_128bit": draw(_maybe(st.booleans())),
            "client_certificates": certificates,
        }
        entries.append({key: value for key, value in entry.items() if value is not None})
    return entries


@st.composite
def mappings(draw: st.DrawFn) -> dict[str, Any]:
    m = material()
    clients = draw(st.lists(st.sampled_from(m.clients), unique_by=lambda c: c.thumbprint, max_size=2))
    return {
        "enabled": draw(st.booleans()),
        "one_to_one": [
            {"content": c.pem, "user": f"CONTOSO\\{c.cert.subject.rfc4514_string()[3:]}", "password": PASSWORD}
            for c in clients
        ],
    }


@st.composite
def desired_states(draw: st.DrawFn) -> dict[str, Any]:
    m = material()
    args: dict[str, Any] = {}
    if draw(st.booleans()):
        args["trust"] = {
            "certificates": [{"content": c.pem} for c in draw(st.lists(st.sampled_from(m.cas), unique=True))],
            "client_auth_issuers": [
                {"content": c.pem} for c in draw(st.lists(st.sampled_from((m.issuing_a, m.issuing_b)), unique=True))
            ],
            "non_self_signed_roots": draw(st.sampled_from(("report", "move"))),
        }
    if draw(st.booleans()):
        args["schannel"] = {
            "client_auth_trust_mode": draw(st.sampled_from(("machine", "exclusive_root", "exclusive_ca", "default")))
        }
    sites = []
    for site in draw(st.lists(st.sampled_from(SITES), unique=True)):
        entry: dict[str, Any] = {"name": site}
        if draw(st.booleans()):
            entry["bindings"] = [draw(bindings(site))]
        entry["ssl"] = draw(ssl_paths())
        if draw(st.integers(0, 2)) == 0:
            entry["mapping"] = draw(mappings())
        if draw(st.integers(0, 3)) == 0:
            entry["tracing"] = {"enabled": draw(st.booleans()), "max_log_files": draw(st.sampled_from((20, 50)))}
        sites.append(entry)
    args["sites"] = sites
    return args


def fresh(state: State) -> State:
    return copy.deepcopy(state)
