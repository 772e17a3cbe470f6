"""make bench: our converge against today's way, on the same simulated hosts, in one run.

For 1, 50 and 500 simulated hosts (forks 50) it runs our role (check mode on fresh hosts, first
converge, no-change rerun), the anchor playbook tools/bench/anchor.yml (first converge, rerun) and the
floor (one no-op PowerShell module, ansible.windows.win_ping) through the recording test connection,
and measures per host the module runs and bytes sent, and the controller's wall time and CPU. Then the
same runs go over real WinRM (ansible.builtin.winrm and pywinrm against the loopback endpoint in
tests/wsman, Basic over HTTP) at 1 and 50 hosts (MTLS_BENCH_WINRM_HOSTS), measuring HTTP requests and
bytes on the wire per host. Then it times the pure planner on synthetic hosts. It writes docs/PERFORMANCE.md
and docs/performance.png.
The payload section is tools/bench_payload.py's (run once per ansible-core release); make bench keeps it.
MTLS_BENCH_HOSTS="1,50" limits the host counts (the README's numbers come from the full run).
"""

from __future__ import annotations

import json
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
from simhost.runner import FOREIGN_MODULES_ENV
from support import pki, wire
from support.collection import sim_env
from winmodel.state import load_state, save_state

#: how the WinRM runs reach the hosts: Basic over HTTP, the cheapest transport (no TLS, no NTLM sealing)
WINRM = wire.WinRM("basic-http")

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
    path: str = "mtls_sim"  # mtls_sim (the recording connection) or winrm (the loopback endpoint)
    requests: float = 0.0  # HTTP requests per host (winrm)
    bytes_received: float = 0.0  # bytes the controller received per host (winrm: HTTP responses)

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


def inventory(kind: str, hosts: int, files: Path, thumbprint: str, path: str = "mtls_sim") -> Path:
    """The bench group: ``hosts`` simulated hosts reached through ``path`` (the recording connection or WinRM)."""
    state_dir = _state_dir(kind, hosts, path)
    state_dir.mkdir(parents=True, exist_ok=True)
    names = [f"{kind}{n:04d}" for n in range(hosts)]
    if path == "winrm":
        served = wire.serve(tuple(names), state_dir, WINRM)
        host_lines = [f"    {n}: {json.dumps(served[n])}" for n in names]
        connection = [f"    {key}: {json.dumps(value)}" for key, value in wire.group_vars(WINRM).items()]
    else:
        host_lines = [f"    {n}:" for n in names]
        connection = ["    ansible_connection: mtls_sim", f"    ansible_mtls_sim_state_dir: {state_dir}"]
    lines = [
        "bench:",
        "  hosts:",
        *host_lines,
        "  vars:",
        *connection,
        f"    bench_files: {files}",
        f"    bench_pfx_password: {PFX_PASSWORD}",
        f"    bench_server_thumbprint: {thumbprint}",
    ]
    lines += [f"    {line}" for line in ROLE_VARS.format(files=files, api=API, password=PFX_PASSWORD).splitlines()]
    inventory_file = state_dir.parent / f"{kind}.yml"
    inventory_file.write_text("\n".join(lines) + "\n")
    return inventory_file


def _state_dir(kind: str, hosts: int, path: str) -> Path:
    return WORK / (str(hosts) if path == "mtls_sim" else f"winrm-{hosts}") / kind


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


def run(label: str, kind: str, hosts: int, inv: Path, playbook: Path, *extra: str, path: str = "mtls_sim") -> Measure:
    state_dir = _state_dir(kind, hosts, path)
    names = [f"{kind}{n:04d}" for n in range(hosts)]
    for name in names:
        recorder.clear_runs(state_dir, name)
        wire.wire_log_path(state_dir, name).unlink(missing_ok=True)
    env = sim_env(ANSIBLE_FORKS=str(FORKS), MTLS_SIM_FOREIGN_MODULES="succeed", MTLS_IIS_CACHE_DIR=str(WORK / "cache"))
    cmd = [str(Path(sys.executable).with_name("ansible-playbook")), "-i", str(inv), str(playbook), *extra]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with (state_dir.parent / f"{label}.log").open("w") as log:
        proc = subprocess.run(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    entries = [e for name in names for e in recorder.read_runs(state_dir, name)]
    modules = [e for e in entries if e["module"] not in ("raw", "put_file", "fetch_file")]
    puts = [e for e in entries if e["module"] == "put_file"]
    sent = sum(e.get("bytes_in", 0) for e in entries)
    # over WinRM the simulated hosts run in this process, not in the controller's: nothing to subtract
    host_cpu = sum(e.get("host_cpu", 0.0) for e in entries) if path == "mtls_sim" else 0.0
    exchanges = [e for name in names for e in wire.wire(state_dir, name)]
    if path == "winrm":
        sent = sum(e["bytes_in"] for e in exchanges)
    measure = Measure(
        label,
        hosts,
        wall,
        cpu,
        len(modules) / hosts,
        len(puts) / hosts,
        sent / hosts,
        proc.returncode,
        host_cpu,
        path,
        len(exchanges) / hosts,
        sum(e["bytes_out"] for e in exchanges) / hosts,
    )
    print(
        f"  {path:<8} {label:<28} hosts={hosts:<4} rc={proc.returncode} wall={wall:7.1f}s cpu={cpu:7.1f}s "
        f"runs/host={measure.runs:5.1f} KB/host={measure.bytes_sent / 1024:7.1f} requests/host={measure.requests:5.1f}",
        flush=True,
    )
    return measure


def seed_drift(inv_kind: str, hosts: int, path: str = "mtls_sim") -> None:
    """Every host starts with an intermediate in Trusted Root, the common real-world drift."""
    partner = pki.make_intermediate("Fabrikam Partner Issuing CA", pki.make_root("Fabrikam Partner Root"))
    for n in range(hosts):
        host_file = _state_dir(inv_kind, hosts, path) / f"{inv_kind}{n:04d}.json"
        state = load_state(host_file)
        seed.add_cert(state, "Root", partner.der)
        save_state(host_file, state)


CONVERGE = REPO / "playbooks" / "converge.yml"
ANCHOR = REPO / "tools" / "bench" / "anchor.yml"
FLOOR = REPO / "tools" / "bench" / "floor.yml"


def bench_hosts(hosts: int, files: Path, thumbprint: str, path: str = "mtls_sim") -> list[Measure]:
    print(f"{hosts} host(s) over {path}:", flush=True)
    ours_inv = inventory("ours", hosts, files, thumbprint, path)
    anchor_inv = inventory("anchor", hosts, files, thumbprint, path)
    floor_inv = inventory("floor", hosts, files, thumbprint, path)
    seed_drift("ours", hosts, path)
    seed_drift("anchor", hosts, path)
    measures = []
    if path == "mtls_sim":
        check = ("-e", "mtls_hosts=bench", "--check")
        measures.append(run("ours --check (fresh hosts)", "ours", hosts, ours_inv, CONVERGE, *check, path=path))
    return [
        *measures,
        run("ours first converge", "ours", hosts, ours_inv, CONVERGE, "-e", "mtls_hosts=bench", path=path),
        run("ours rerun (no change)", "ours", hosts, ours_inv, CONVERGE, "-e", "mtls_hosts=bench", path=path),
        run("anchor first converge", "anchor", hosts, anchor_inv, ANCHOR, path=path),
        run("anchor rerun", "anchor", hosts, anchor_inv, ANCHOR, path=path),
        run("floor: one no-op module", "floor", hosts, floor_inv, FLOOR, path=path),
    ]


def main() -> None:
    counts = [int(n) for n in os.environ.get("MTLS_BENCH_HOSTS", "1,50,500").split(",")]
    winrm_counts = [int(n) for n in os.environ.get("MTLS_BENCH_WINRM_HOSTS", "1,50").split(",") if n]
    # Over WinRM the simulated hosts answer inside this process (the endpoint's thread): the anchor's and the
    # floor's foreign modules get the same plain answers as on the recording connection.
    os.environ[FOREIGN_MODULES_ENV] = "succeed"
    if WORK.exists():
        subprocess.run(["rm", "-rf", str(WORK)], check=True)
    # An installed collection is byte-compiled on first use; PYTHONDONTWRITEBYTECODE (set on some machines)
    # would make every worker compile it again, which Ansible's own code (compiled by pip) never pays.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "plugins"), str(REPO / "tests")], check=True)
    files, thumbprint = make_files()
    started = time.perf_counter()
    load_before = os.getloadavg()[0]  # the machine is shared: wall times mean little when it is busy
    measures = [m for n in counts for m in bench_hosts(n, files, thumbprint)]
    measures += [m for n in winrm_counts for m in bench_hosts(n, files, thumbprint, "winrm")]
    print("planner scaling:", flush=True)
    scaling = planner_scaling()
    from bench_report import write_chart, write_report

    write_chart([m for m in measures if m.path == "mtls_sim"], DOCS / "performance.png")
    write_report(
        measures,
        scaling,
        DOCS / "PERFORMANCE.md",
        {
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
            "machine": f"{os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}, "
            f"load average {load_before:.1f} at the start and {os.getloadavg()[0]:.1f} at the end",
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
