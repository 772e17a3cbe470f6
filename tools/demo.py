"""make demo: the converge playbook against a simulated Windows host.

Seeds a host with a realistic problem (a non-self-signed CA sitting in Trusted Root: the classic
403.16 cause), then runs the converge playbook three times: check mode with diff (the plan; nothing
changes), apply, and a second apply that must report changed=0. Prints the module runs per pass.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from simhost import recorder, seed
from simhost.state import load_state, save_state
from support import pki
from support.collection import CONNECTION_PLUGINS_DIR, ensure_collection_link

HOST = "web01.demo"
WORK = REPO / ".build" / "demo"


def prepare() -> dict[str, str]:
    files = WORK / "files"
    files.mkdir(parents=True, exist_ok=True)
    for old in WORK.glob(f"{HOST}*"):
        old.unlink()
    root = pki.make_root("Contoso Client Root")
    issuing = pki.make_intermediate("Contoso Client Issuing CA", root)
    partner_root = pki.make_root("Fabrikam Partner Root")
    partner_issuing = pki.make_intermediate("Fabrikam Partner Issuing CA", partner_root)
    (files / "contoso-root.pem").write_text(root.pem)
    (files / "contoso-issuing-ca.pem").write_text(issuing.pem)

    state = load_state(WORK / f"{HOST}.json")
    seed.add_cert(state, "Root", partner_root.der)
    seed.add_cert(state, "Root", partner_issuing.der)  # misplaced: an intermediate in Trusted Root
    save_state(WORK / f"{HOST}.json", state)

    (WORK / "inventory.yml").write_text(
        "iis_servers:\n"
        "  hosts:\n"
        f"    {HOST}:\n"
        "  vars:\n"
        "    ansible_connection: mtls_sim\n"
        f"    ansible_mtls_sim_state_dir: {WORK}\n"
    )
    (WORK / "vars.yml").write_text(
        "mtls_trust:\n"
        "  certificates:\n"
        f"    - path: {files / 'contoso-root.pem'}\n"
        f"    - path: {files / 'contoso-issuing-ca.pem'}\n"
        "  client_auth_issuers:\n"
        f"    - path: {files / 'contoso-issuing-ca.pem'}\n"
        "  non_self_signed_roots: move\n"
        "mtls_schannel:\n"
        "  client_auth_trust_mode: exclusive_ca\n"
        "  send_trusted_issuer_list: false\n"
    )
    return {
        "ANSIBLE_COLLECTIONS_PATH": str(ensure_collection_link()),
        "ANSIBLE_CONNECTION_PLUGINS": str(CONNECTION_PLUGINS_DIR),
        "ANSIBLE_FORCE_COLOR": os.environ.get("ANSIBLE_FORCE_COLOR", "1" if sys.stdout.isatty() else "0"),
        "ANSIBLE_NOCOLOR": "0" if sys.stdout.isatty() else "1",
        "ANSIBLE_HOST_KEY_CHECKING": "false",
        "ANSIBLE_RETRY_FILES_ENABLED": "false",
    }


def run_pass(title: str, env: dict[str, str], *extra: str) -> str:
    print(f"\n=== {title} " + "=" * max(0, 70 - len(title)), flush=True)
    recorder.clear_runs(WORK, HOST)
    cmd = [
        str(Path(sys.executable).with_name("ansible-playbook")),
        "-i",
        str(WORK / "inventory.yml"),
        str(REPO / "playbooks" / "converge.yml"),
        "-e",
        f"@{WORK / 'vars.yml'}",
        *extra,
    ]
    proc = subprocess.run(cmd, env={**os.environ, **env}, capture_output=True, text=True, check=False)
    print(proc.stdout, end="", flush=True)
    if proc.returncode != 0:
        print(proc.stderr, file=sys.stderr)
        raise SystemExit(f"{title}: ansible-playbook failed (rc={proc.returncode})")
    runs = [r for r in recorder.read_runs(WORK, HOST) if r["module"] == "host_state"]
    print(f"--> module runs on {HOST}: {len(runs)} ({', '.join(r['mode'] for r in runs)})")
    return proc.stdout


def main() -> None:
    env = prepare()
    run_pass("1. plan: check mode with diff (nothing changes)", env, "--check", "--diff")
    run_pass("2. apply", env, "--diff")
    recap = run_pass("3. second run (must report changed=0)", env)
    if "changed=0" not in recap or "failed=0" not in recap:
        raise SystemExit("the second run was not idempotent")
    state = load_state(WORK / f"{HOST}.json")
    print("\nSimulated host after the converge:")
    for store in ("Root", "CA", "ClientAuthIssuer"):
        print(f"  LocalMachine\\{store}: {len(seed.thumbprints(state, store))} certificate(s)")
    print(f"  ClientAuthTrustMode = {seed.schannel_value(state, 'ClientAuthTrustMode')}")
    print("\nDemo complete: plan, apply, and an idempotent second run (changed=0).")


if __name__ == "__main__":
    main()
