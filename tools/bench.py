"""make bench: our converge against today's way, on the same recording test connection, in one run.

For 1, 50 and 500 simulated hosts (forks 50) it runs our role (check mode on fresh hosts, first
converge, no-change rerun) and the anchor playbook tools/bench/anchor.yml (first converge, rerun)
and measures per host the module runs and bytes sent, and the controller's wall time and CPU. Then
it times the pure planner on synthetic hosts. It writes docs/PERFORMANCE.md and docs/performance.png.
MTLS_BENCH_HOSTS="1,50" limits the host counts (the README's numbers come from the full run).
"""

from __future__ import annotations

import os
import platform
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from bench_planner import planner_scaling
from simhost import recorder, seed
from simhost.state import load_state, save_state
from support import pki
from support.collection import sim_env

WORK = REPO / ".build" / "bench"
DOCS = REPO / "docs"
FORKS = 50
PFX_PASSWORD = "bench-only-Pfx-pa55"
API = "api.demo.example"


@dataclass
class Measure:
    label: str
    hosts: int
    wall: float
    cpu: float
    runs: float  # module runs per host
    put_files: float  # file transfers per host
    bytes_sent: float  # per host
    rc: int
    host_cpu: float = 0.0  # CPU the simulated hosts' own work (decoding payloads, running ops) cost this process

    @property
    def controller_cpu(self) -> float:
        """What the controller itself spends: measured CPU minus the simulated hosts' work."""
        return self.cpu - self.host_cpu

    @property
    def wall_per_host_ms(self) -> float:
        return 1000 * self.wall / self.hosts

    @property
    def cpu_per_host_ms(self) -> float:
        return 1000 * self.controller_cpu / self.hosts


def make_files() -> tuple[Path, str]:
    files = WORK / "files"
    files.mkdir(parents=True, exist_ok=True)
    root = pki.make_root("Contoso Client Root")
    issuing = pki.make_intermediate("Contoso Client Issuing CA", root)
    server = pki.make_leaf(API, root, eku=("serverAuth",), san=(API,))
    (files / "contoso-root.pem").write_text(root.pem)
    (files / "contoso-issuing-ca.pem").write_text(issuing.pem)
    (files / "api.pfx").write_bytes(server.pfx(PFX_PASSWORD))
    return files, server.thumbprint


def inventory(kind: str, hosts: int, files: Path, thumbprint: str) -> Path:
    state_dir = WORK / str(hosts) / kind
    state_dir.mkdir(parents=True, exist_ok=True)
    names = [f"{kind}{n:04d}" for n in range(hosts)]
    lines = [
        "bench:",
        "  hosts:",
        *[f"    {n}:" for n in names],
        "  vars:",
        "    ansible_connection: mtls_sim",
        f"    ansible_mtls_sim_state_dir: {state_dir}",
        f"    bench_files: {files}",
        f"    bench_pfx_password: {PFX_PASSWORD}",
        f"    bench_server_thumbprint: {thumbprint}",
    ]
    lines += [f"    {line}" for line in ROLE_VARS.format(files=files, api=API, password=PFX_PASSWORD).splitlines()]
    path = WORK / str(hosts) / f"{kind}.yml"
    path.write_text("\n".join(lines) + "\n")
    return path


ROLE_VARS = """client_cert_auth_trust:
  certificates:
    - path: {files}/contoso-root.pem
    - path: {files}/contoso-issuing-ca.pem
  client_auth_issuers:
    - path: {files}/contoso-issuing-ca.pem
  non_self_signed_roots: move
client_cert_auth_schannel:
  client_auth_trust_mode: exclusive_ca
client_cert_auth_sites:
  - name: Default Web Site
    bindings:
      - host: {api}
        certificate:
          pfx: {files}/api.pfx
          password: {password}
        negotiate_client_certificate: true
        client_auth_issuer_store: ClientAuthIssuer
    ssl:
      - path: api
        client_certificates: require
    mapping:
      enabled: true
      many_to_one:
        - name: contoso-clients
          user: DEMO\\\\svc-api
          rules:
            - field: issuer
              subfield: CN
              match: Contoso Client Issuing CA"""


def run(label: str, kind: str, hosts: int, inv: Path, playbook: Path, *extra: str) -> Measure:
    state_dir = WORK / str(hosts) / kind
    names = [f"{kind}{n:04d}" for n in range(hosts)]
    for name in names:
        recorder.clear_runs(state_dir, name)
    env = sim_env(ANSIBLE_FORKS=str(FORKS), MTLS_SIM_FOREIGN_MODULES="succeed", MTLS_IIS_CACHE_DIR=str(WORK / "cache"))
    cmd = [str(Path(sys.executable).with_name("ansible-playbook")), "-i", str(inv), str(playbook), *extra]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with (WORK / str(hosts) / f"{label}.log").open("w") as log:
        proc = subprocess.run(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    entries = [e for name in names for e in recorder.read_runs(state_dir, name)]
    modules = [e for e in entries if e["module"] not in ("raw", "put_file", "fetch_file")]
    puts = [e for e in entries if e["module"] == "put_file"]
    sent = sum(e.get("bytes_in", 0) for e in entries)
    host_cpu = sum(e.get("host_cpu", 0.0) for e in entries)
    measure = Measure(
        label, hosts, wall, cpu, len(modules) / hosts, len(puts) / hosts, sent / hosts, proc.returncode, host_cpu
    )
    print(
        f"  {label:<28} hosts={hosts:<4} rc={proc.returncode} wall={wall:7.1f}s cpu={cpu:7.1f}s "
        f"runs/host={measure.runs:5.1f} KB/host={measure.bytes_sent / 1024:7.1f}",
        flush=True,
    )
    return measure


def seed_drift(inv_kind: str, hosts: int) -> None:
    """Every host starts with an intermediate in Trusted Root, the common real-world drift."""
    partner = pki.make_intermediate("Fabrikam Partner Issuing CA", pki.make_root("Fabrikam Partner Root"))
    for n in range(hosts):
        path = WORK / str(hosts) / inv_kind / f"{inv_kind}{n:04d}.json"
        state = load_state(path)
        seed.add_cert(state, "Root", partner.der)
        save_state(path, state)


def bench_hosts(hosts: int, files: Path, thumbprint: str) -> list[Measure]:
    print(f"{hosts} host(s):", flush=True)
    ours_inv = inventory("ours", hosts, files, thumbprint)
    anchor_inv = inventory("anchor", hosts, files, thumbprint)
    seed_drift("ours", hosts)
    seed_drift("anchor", hosts)
    converge = REPO / "playbooks" / "converge.yml"
    anchor = REPO / "tools" / "bench" / "anchor.yml"
    return [
        run("ours --check (fresh hosts)", "ours", hosts, ours_inv, converge, "-e", "mtls_hosts=bench", "--check"),
        run("ours first converge", "ours", hosts, ours_inv, converge, "-e", "mtls_hosts=bench"),
        run("ours rerun (no change)", "ours", hosts, ours_inv, converge, "-e", "mtls_hosts=bench"),
        run("anchor first converge", "anchor", hosts, anchor_inv, anchor),
        run("anchor rerun", "anchor", hosts, anchor_inv, anchor),
    ]


def main() -> None:
    counts = [int(n) for n in os.environ.get("MTLS_BENCH_HOSTS", "1,50,500").split(",")]
    if WORK.exists():
        subprocess.run(["rm", "-rf", str(WORK)], check=True)
    # An installed collection is byte-compiled on first use; PYTHONDONTWRITEBYTECODE (set on some machines)
    # would make every worker compile it again, which Ansible's own code (compiled by pip) never pays.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "plugins"), str(REPO / "tests")], check=True)
    files, thumbprint = make_files()
    started = time.perf_counter()
    measures = [m for n in counts for m in bench_hosts(n, files, thumbprint)]
    print("planner scaling:", flush=True)
    scaling = planner_scaling()
    from bench_report import write_chart, write_report

    write_chart(measures, DOCS / "performance.png")
    write_report(
        measures,
        scaling,
        DOCS / "PERFORMANCE.md",
        {
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
            "machine": f"{os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}",
            "ansible": subprocess.run(
                [str(Path(sys.executable).with_name("ansible")), "--version"],
                capture_output=True,
                text=True,
                check=False,
            ).stdout.splitlines()[0],
            "duration": f"{(time.perf_counter() - started) / 60:.1f} min",
        },
    )
    print((DOCS / "PERFORMANCE.md").read_text().split("## What cannot be measured here")[0])
    if any(m.rc != 0 for m in measures):
        raise SystemExit("a benchmark run failed: see .build/bench/<hosts>/<label>.log")


if __name__ == "__main__":
    main()
