"""The scenarios of the differential test (issue 20): what is ported onto the boundary on main so far.

Each scenario is one inventory host (its own state file), seeded alike on both engines, with its own tasks. Only
what the pwsh host can answer is here: the host part of every gather, Schannel, Windows features (the Windows
model answers the registry, features, the host name and stores; netsh, IIS and PFX files come with their ports).
Add scopes and ops as they are ported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from simhost import seed
from simhost.state import State

HOST_STATE = "mtls.iis.host_state"


@dataclass(frozen=True)
class Scenario:
    name: str
    tasks: list[dict[str, Any]]
    seed: Callable[[State], None] = field(default=lambda state: None)
    #: the module runs (round trips) the scenario must take on each engine, when it states them: for a converge
    #: through an action plugin, 1 when nothing changes and 2 when something does (DESIGN.md)
    module_runs: int | None = None


def _gather(scope: dict[str, Any]) -> dict[str, Any]:
    return {"name": "gather", HOST_STATE: {"mode": "gather", "scope": scope}, "ignore_errors": True}


def _apply(*ops: dict[str, Any], name: str = "apply", check: bool = False) -> dict[str, Any]:
    task: dict[str, Any] = {"name": name, HOST_STATE: {"mode": "apply", "ops": list(ops)}, "ignore_errors": True}
    if check:
        task["check_mode"] = True
    return task


def _schannel(check: bool = False, **options: Any) -> dict[str, Any]:
    """A task of the schannel module: its action plugin gathers, plans and applies (the converge's round trips)."""
    task: dict[str, Any] = {"name": "schannel", "mtls.iis.schannel": options, "diff": True, "ignore_errors": True}
    if check:
        task["check_mode"] = True
    return task


def _set(value: int, name: str = "ClientAuthTrustMode") -> dict[str, Any]:
    return {"op": "schannel_set", "name": name, "value": value}


def _seed_mode(value: Any, kind: str = "REG_DWORD") -> Callable[[State], None]:
    return lambda state: seed.set_registry_value(state, "ClientAuthTrustMode", value, type=kind)


def _both(*steps: Callable[[State], None]) -> Callable[[State], None]:
    def run(state: State) -> None:
        for step in steps:
            step(state)

    return run


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("gather-host", [_gather({})]),
    Scenario("gather-host-2016", [_gather({})], lambda state: seed.set_os_version(state, "10.0.14393")),
    Scenario("gather-schannel-fresh", [_gather({"schannel": True})]),
    Scenario("gather-schannel-dword", [_gather({"schannel": True})], _seed_mode(2)),
    Scenario("gather-schannel-regsz", [_gather({"schannel": True})], _seed_mode("2", "REG_SZ")),
    Scenario("gather-features", [_gather({"features": ["Web-Cert-Auth", "web-server", "WEB-HTTP-TRACING"]})]),
    Scenario("gather-features-unknown", [_gather({"features": ["Web-No-Such-Feature"]})]),
    Scenario("gather-features-wildcard", [_gather({"features": ["Web-*"]})]),
    Scenario("gather-unknown-scope", [_gather({"schannel": True, "nonsense": True})]),
    Scenario("schannel-set", [_apply(_set(2)), _gather({"schannel": True})]),
    Scenario("schannel-set-unchanged", [_apply(_set(2)), _gather({"schannel": True})], _seed_mode(2)),
    Scenario("schannel-set-over-regsz", [_apply(_set(2)), _gather({"schannel": True})], _seed_mode("2", "REG_SZ")),
    Scenario(
        "schannel-unset",
        [_apply({"op": "schannel_unset", "name": "ClientAuthTrustMode"}), _gather({"schannel": True})],
        _seed_mode(0),
    ),
    Scenario("schannel-unset-absent", [_apply({"op": "schannel_unset", "name": "SendTrustedIssuerList"})]),
    Scenario("schannel-wrong-case-name", [_apply(_set(1, name="clientauthtrustmode"))]),
    Scenario("schannel-out-of-range", [_apply(_set(4294967296))]),
    Scenario(
        "schannel-pending-after-reboot",
        [_apply(_set(2)), _gather({"schannel": True})],
        _both(_seed_mode(1), lambda state: None),
    ),
    Scenario("feature-install", [_apply({"op": "feature_install", "name": "web-cert-auth"})]),
    Scenario(
        "feature-install-without-iis",
        [_apply({"op": "feature_install", "name": "Web-Cert-Auth"}), _gather({"features": ["Web-Server"]})],
        lambda state: seed.set_iis_installed(state, False),
    ),
    Scenario(
        "feature-install-reboot",
        [_apply({"op": "feature_install", "name": "Web-Client-Auth"})],
        lambda state: seed.install_feature(state, "Web-Client-Auth", installed=False, reboot_required=True),
    ),
    Scenario("feature-install-installed", [_apply({"op": "feature_install", "name": "Web-Server"})]),
    Scenario("feature-install-unknown", [_apply({"op": "feature_install", "name": "Web-Nothing"})]),
    Scenario(
        "apply-stops-at-first-failure",
        [_apply(_set(2), {"op": "feature_install", "name": "Web-Nothing"}, _set(1, "SendTrustedIssuerList"))],
    ),
    Scenario("apply-in-check-mode", [_apply(_set(2), check=True)]),
    Scenario("apply-unknown-op", [_apply({"op": "reboot_now"})]),
    Scenario("apply-extra-argument", [_apply({"op": "schannel_unset", "name": "ClientAuthTrustMode", "x": 1})]),
    # Converges through an action plugin: the round trips (1 module run without a change, 2 with one).
    Scenario("module-schannel-converge", [_schannel(client_auth_trust_mode="exclusive_ca")], module_runs=2),
    Scenario(
        "module-schannel-in-sync",
        [_schannel(client_auth_trust_mode="exclusive_ca", send_trusted_issuer_list=False)],
        _both(_seed_mode(2), lambda state: seed.set_registry_value(state, "SendTrustedIssuerList", 0)),
        module_runs=1,
    ),
    Scenario("module-schannel-check-mode", [_schannel(check=True, client_auth_trust_mode="machine")], module_runs=1),
    Scenario("module-schannel-default", [_schannel(client_auth_trust_mode="default")], _seed_mode(1), module_runs=2),
)


def selected(scenarios: tuple[Scenario, ...], only: str) -> tuple[Scenario, ...]:
    """The scenarios ``MTLS_DIFF_ONLY`` names (comma-separated names or name prefixes ending in ``*``); all when empty.

    A name that selects nothing is an error, so a typo cannot pass as an empty run.
    """
    wanted = [item.strip() for item in only.split(",") if item.strip()]
    if not wanted:
        return scenarios
    chosen: list[Scenario] = []
    for item in wanted:
        found = [s for s in scenarios if (s.name.startswith(item[:-1]) if item.endswith("*") else s.name == item)]
        if not found:
            raise ValueError(f"MTLS_DIFF_ONLY: {item!r} names no scenario")
        chosen.extend(s for s in found if s not in chosen)
    return tuple(chosen)
