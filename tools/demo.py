"""make demo: the role mtls.iis.client_cert_auth against three simulated Windows hosts.

The hosts start differently: web01 already in sync, web02 with a non-self-signed CA in Trusted Root
(the classic 403.16 cause) and a binding that lost its handshake negotiation and still serves a certificate that
expires in 12 days, web03 fresh. The audit reports show each host's findings and the certificates with their
expiry. The demo
runs the audit (check mode, report in HTML and JSON), the converge with diff (the apply), a second
converge that must report changed=0, and a final audit. It prints the module runs of each pass.

``--engine pwsh`` (``make demo ENGINE=pwsh``) runs the same demo on the pwsh host of issue 20 instead of the simulated
op engine: the real engine modules (``host_state_gather.ps1``, ``host_state_apply.ps1``) through Ansible's exec
wrapper on pwsh, the Windows boundary faked onto the Windows model (docs/TESTING.md "The pwsh host"). A boundary
function the model does not answer yet fails the run naming it.
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from simhost import recorder, seed
from support import pki
from support.collection import sim_env
from support.playbook import pwsh_collections
from winmodel.server import WinModelServer
from winmodel.state import load_state, save_state

WORK = REPO / ".build" / "demo"
HOSTS = ("web01.demo", "web02.demo", "web03.demo")
SITE = "Default Web Site"
API = "api.demo.example"
PFX_PASSWORD = "demo-only-Pfx-pa55"


def engine_vars(socket: str | None) -> str:
    """The inventory lines that put the hosts on the pwsh host (none: the simulated op engine)."""
    if socket is None:
        return ""
    return f"    ansible_mtls_sim_engine: pwsh\n    ansible_mtls_sim_model_socket: {socket}\n"


def write_inventory(files: Path, socket: str | None) -> None:
    (WORK / "inventory.yml").write_text(
        f"""iis_servers:
  hosts:
{"".join(f"    {h}:{chr(10)}" for h in HOSTS)}  vars:
    ansible_connection: mtls_sim
    ansible_mtls_sim_state_dir: {WORK / "hosts"}
{engine_vars(socket)}    client_cert_auth_trust:
      certificates:
        - path: {files / "contoso-root.pem"}
        - path: {files / "contoso-issuing-ca.pem"}
      client_auth_issuers:
        - path: {files / "contoso-issuing-ca.pem"}
      non_self_signed_roots: move
    client_cert_auth_schannel:
      client_auth_trust_mode: exclusive_ca
    client_cert_auth_sites:
      - name: {SITE}
        bindings:
          - host: {API}
            certificate:
              pfx: {files / "api.pfx"}
              password: {PFX_PASSWORD}
            negotiate_client_certificate: true
            client_auth_issuer_store: ClientAuthIssuer
        ssl:
          - path: api
            client_certificates: require
        mapping:
          enabled: true
          many_to_one:
            - name: contoso-clients
              user: DEMO\\svc-api
              rules:
                - field: issuer
                  subfield: CN
                  match: Contoso Client Issuing CA
"""
    )


def prepare(socket: str | None) -> dict[str, str]:
    files = WORK / "files"
    (WORK / "hosts").mkdir(parents=True, exist_ok=True)
    files.mkdir(parents=True, exist_ok=True)
    for old in (WORK / "hosts").iterdir():
        old.unlink()
    root = pki.make_root("Contoso Client Root")
    issuing = pki.make_intermediate("Contoso Client Issuing CA", root)
    server = pki.make_leaf(API, root, eku=("serverAuth",), san=(API,))
    (files / "contoso-root.pem").write_text(root.pem)
    (files / "contoso-issuing-ca.pem").write_text(issuing.pem)
    (files / "api.pfx").write_bytes(server.pfx(PFX_PASSWORD))
    write_inventory(files, socket)

    # web02: an intermediate in Trusted Root, and the binding exists but lost its HTTP.sys options and still serves
    # last year's certificate, which expires in 12 days (the audit's expiry table shows it)
    partner = pki.make_intermediate("Fabrikam Partner Issuing CA", pki.make_root("Fabrikam Partner Root"))
    old_server = pki.make_leaf(
        API, root, eku=("serverAuth",), san=(API,), not_before=pki.days(-353), not_after=pki.days(12)
    )
    state = load_state(WORK / "hosts" / f"{HOSTS[1]}.json")
    seed.add_cert(state, "Root", partner.der)
    seed.add_cert(state, "My", old_server.der, has_private_key=True)
    seed.add_binding(state, SITE, f"*:443:{API}", ssl_flags=1, certificate_hash=old_server.thumbprint)
    save_state(WORK / "hosts" / f"{HOSTS[1]}.json", state)
    pwsh_build = {"ANSIBLE_COLLECTIONS_PATH": str(pwsh_collections())} if socket else {}
    return sim_env(
        **pwsh_build,
        ANSIBLE_NOCOLOR="0" if sys.stdout.isatty() else "1",
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
        MTLS_IIS_CACHE_DIR=str(WORK / "cache"),
    )


def playbook(name: str, env: dict[str, str], *extra: str, quiet: bool = False, report: str = "audit") -> str:
    for host in HOSTS:
        recorder.clear_runs(WORK / "hosts", host)
    cmd = [
        str(Path(sys.executable).with_name("ansible-playbook")),
        "-i",
        str(WORK / "inventory.yml"),
        str(REPO / "playbooks" / f"{name}.yml"),
        "-e",
        f"mtls_audit_report_dir={WORK / report}",
        *extra,
    ]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if not quiet:
        print(proc.stdout, end="", flush=True)
    if proc.returncode != 0:
        print(proc.stdout if quiet else "", proc.stderr, file=sys.stderr)
        raise SystemExit(f"{name}: ansible-playbook failed (rc={proc.returncode})")
    runs = {h: [r["mode"] for r in recorder.read_runs(WORK / "hosts", h) if r["mode"]] for h in HOSTS}
    if not quiet:
        total = sum(len(v) for v in runs.values())
        detail = "; ".join(f"{h}: {len(v)} ({', '.join(v) or '-'})" for h, v in runs.items())
        print(f"--> module runs: {total} in all — {detail}\n", flush=True)
    return proc.stdout


@contextlib.contextmanager
def model_server(engine: str) -> Iterator[str | None]:
    """The Windows model server of the pwsh host, for the demo's duration (nothing for the simulated engine)."""
    if engine != "pwsh":
        yield None
        return
    with WinModelServer() as server:
        yield server.socket_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("sim", "pwsh"), default="sim", help="what answers the engine's modules")
    engine = parser.parse_args().engine
    with model_server(engine) as socket:
        demo(prepare(socket))
        if engine == "pwsh":
            print("The whole demo ran on the pwsh host: the real engine modules, the Windows boundary faked.")


def demo(env: dict[str, str]) -> None:
    print("Preparing: web01 is converged beforehand, web02 has drifted, web03 is fresh.\n", flush=True)
    playbook("converge", env, "--limit", HOSTS[0], quiet=True)

    print("=== 1. audit: check mode across the fleet, nothing changes; report written ===", flush=True)
    playbook("audit", env, report="audit-before")
    print("=== 2. converge: apply, with diff ===", flush=True)
    playbook("converge", env, "--diff")
    print("=== 3. converge again: must report changed=0 on every host ===", flush=True)
    recap = playbook("converge", env)
    if any(
        f"{h}" in line and "changed=0" not in line for line in recap.splitlines() if " : ok=" in line for h in HOSTS
    ):
        raise SystemExit("the second converge was not idempotent")
    print("=== 4. audit again: every host in sync ===", flush=True)
    playbook("audit", env, report="audit-after")
    print("Demo complete. Open the audit reports in a browser:")
    print(f"  before the converge: file://{WORK / 'audit-before' / 'report.html'}")
    print(f"  after the converge:  file://{WORK / 'audit-after' / 'report.html'}")


if __name__ == "__main__":
    main()
