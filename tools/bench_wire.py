"""Per host on the whole real path except Windows: our converges beside Ansible's floor, pwsh behind WinRM.

    .venv/bin/python tools/bench_wire.py [repeats]
    .venv-oldest/bin/python tools/bench_wire.py [repeats]

One host reached by ``ansible.builtin.winrm`` and pywinrm over Basic/HTTP (``tests/wsman``), each WinRS command a
pwsh process running Ansible's exec wrapper and the module (``tests/pwshhost/winrs.py``), the Windows boundary
answered by the Windows model (issue 21). Runs, each ``repeats`` times (median kept):

- ``changing converge``: ``mtls.iis.trusted_certs`` putting a root and an issuing CA into Root, CA and
  ClientAuthIssuer on a fresh host (a gather and an apply);
- ``no-change converge``: the same task again (one gather);
- ``floor``: ``tests/wire/library/mtls_wire_noop.ps1``, a module that only creates ``Ansible.Basic``'s module object
  and exits: what Ansible itself costs per module run on this path;
- ``floor without Ansible.Basic``: ``mtls_wire_noop_plain.ps1``, the exec wrapper alone (no C# to compile);
- ``Ansible start``: the same playbook with one ``debug`` task (no connection): ansible-playbook's own start;
- ``pwsh start``: ``pwsh -NoProfile -NonInteractive -Command exit`` with the interpreter the host runs.

Counted per run: module runs (the host's run log), HTTP requests and bytes each way (the endpoint's wire log,
headers and envelopes included), wall time of ansible-playbook. Where the wall time goes, per run: Ansible's start,
pwsh starts, the exec wrapper (plain floor's process time minus a pwsh start), the compile of Ansible.Basic (floor
minus plain floor), our code (our module runs' process time minus the floor's), and the rest: WinRM and the
controller's own work for the task (pywinrm, HTTP, the action plugin). Writes the section "On the pwsh host behind
WinRM" of docs/PERFORMANCE.md, one block per ansible-core release (the other releases' blocks are kept).
These are pwsh 7 on .NET on Linux figures, not Windows PowerShell's.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "tools"))

from bench_report import WIRE_SECTION, replace_section, section_of
from simhost import recorder
from support import pki
from support.playbook import SimFleet
from support.pwsh import find_pwsh
from support.wire import WinRM

PERFORMANCE = REPO / "docs" / "PERFORMANCE.md"
SECTION = WIRE_SECTION
LIBRARY = REPO / "tests" / "wire" / "library"
HOST = "bench01"
PLAIN = "floor without Ansible.Basic"


@dataclass
class Run:
    """One ansible-playbook run against the host."""

    wall: float
    module_runs: int
    requests: int
    bytes_sent: int
    bytes_received: int
    host_seconds: float  # the pwsh processes' lifetimes, summed
    stdin_seconds: float  # from each Command to its last Send (the payload on the wire, while pwsh starts), summed

    @staticmethod
    def median(runs: list[Run]) -> Run:
        def mid(name: str) -> Any:
            return statistics.median(getattr(run, name) for run in runs)

        return Run(*(mid(name) for name in Run.__dataclass_fields__))


@dataclass
class Measured:
    version: str
    repeats: int
    load: tuple[float, float]  # 1-min load average at the start and the end
    runs: dict[str, Run] = field(default_factory=dict)
    ansible_start: float = 0.0
    pwsh_start: float = 0.0


def _tasks() -> dict[str, list[dict[str, Any]]]:
    root = pki.make_root("Bench Root CA")
    issuing = pki.make_intermediate("Bench Issuing CA", root)
    trust = {
        "certificates": [{"content": root.pem}, {"content": issuing.pem}],
        "client_auth_issuers": [{"content": issuing.pem}],
    }
    converge = [{"name": "converge", "mtls.iis.trusted_certs": trust}]
    return {
        "changing converge": converge,
        "no-change converge": converge,
        "floor": [{"name": "floor", "mtls_wire_noop": {}}],
        PLAIN: [{"name": "plain", "mtls_wire_noop_plain": {}}],
        "Ansible start": [{"name": "start", "ansible.builtin.debug": {"msg": "no connection"}}],
    }


def _measure(fleet: SimFleet, tasks: list[dict[str, Any]]) -> Run:
    fleet.clear_runs()
    started = time.monotonic()
    run = fleet.run_tasks(tasks)
    wall = time.monotonic() - started
    if run.rc != 0:
        raise SystemExit(f"bench_wire: the run failed:\n{run.stdout}\n{run.stderr}")
    module_runs = [entry for entry in recorder.read_runs(fleet.state_dir, HOST) if entry["module"] != "raw"]
    wire = fleet.wire(HOST)
    return Run(
        wall,
        len(module_runs),
        len(wire),
        sum(entry["bytes_in"] for entry in wire),
        sum(entry["bytes_out"] for entry in wire),
        sum(entry.get("host_seconds") or 0.0 for entry in module_runs),
        sum(entry.get("stdin_seconds") or 0.0 for entry in module_runs),
    )


def _pwsh_start(repeats: int) -> float:
    """Median seconds of a bare pwsh start, started as the host starts each command's process."""
    env = {**os.environ, "TERM": "dumb"}
    times = []
    for _unused in range(repeats):
        started = time.monotonic()
        subprocess.run([str(find_pwsh()), "-NoProfile", "-NonInteractive", "-Command", "exit"], env=env, check=True)
        times.append(time.monotonic() - started)
    return statistics.median(times)


def measure(repeats: int) -> Measured:
    import ansible.release
    from winmodel.server import WinModelServer

    os.environ["ANSIBLE_LIBRARY"] = str(LIBRARY)
    measured = Measured(ansible.release.__version__, repeats, (os.getloadavg()[0], 0.0))
    measured.pwsh_start = _pwsh_start(repeats)
    samples: dict[str, list[Run]] = {}
    with tempfile.TemporaryDirectory(dir=REPO / ".build") as tmp, WinModelServer() as server:
        for repeat in range(repeats):
            fleet = SimFleet(Path(tmp) / str(repeat), (HOST,), connection=WinRM(), model_socket=server.socket_path)
            for label, tasks in _tasks().items():  # in order: the converge changes, then finds it done
                samples.setdefault(label, []).append(_measure(fleet, tasks))
    measured.runs = {label: Run.median(runs) for label, runs in samples.items()}
    measured.ansible_start = measured.runs.pop("Ansible start").wall
    measured.load = (measured.load[0], os.getloadavg()[0])
    return measured


def _split(measured: Measured, label: str, run: Run) -> dict[str, float]:
    """Where ``run``'s wall time went (seconds)."""
    floor = measured.runs["floor"].host_seconds
    plain = measured.runs[PLAIN].host_seconds
    n = run.module_runs
    return {
        "Ansible start": measured.ansible_start,
        "controller and WinRM outside the processes": max(run.wall - measured.ansible_start - run.host_seconds, 0.0),
        "WinRM: stdin while pwsh starts": run.stdin_seconds,
        "pwsh start": n * measured.pwsh_start,
        "exec wrapper": n * max(plain - measured.pwsh_start, 0.0),
        "C# compile": 0.0 if label == PLAIN else n * max(floor - plain, 0.0),
        "our code": 0.0 if label in ("floor", PLAIN) else max(run.host_seconds - n * floor, 0.0),
    }


def block(measured: Measured) -> str:
    lines = [
        f"### ansible-core {measured.version}",
        "",
        f"Measured {date.today().isoformat()}, Python {platform.python_version()}, median of {measured.repeats} "
        f"runs, load average {measured.load[0]:.1f} at the start and {measured.load[1]:.1f} at the end (2 cores, "
        f"shared); pwsh start {measured.pwsh_start:.2f} s, ansible-playbook start {measured.ansible_start:.2f} s.",
        "",
        "| run | module runs | HTTP requests | KB sent | KB received | wall (s) | pwsh processes (s) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, run in measured.runs.items():
        lines.append(
            f"| {label} | {run.module_runs:g} | {run.requests:g} | {run.bytes_sent / 1024:.0f} | "
            f"{run.bytes_received / 1024:.0f} | {run.wall:.1f} | {run.host_seconds:.1f} |"
        )
    parts = list(_split(measured, "floor", measured.runs["floor"]))
    lines += ["", "Where the wall time goes (s):", "", f"| run | {' | '.join(parts)} |", "|---|" + "---:|" * len(parts)]
    for label, run in measured.runs.items():
        split = _split(measured, label, run)
        lines.append(f"| {label} | {' | '.join(f'{split[part]:.1f}' for part in parts)} |")
    return "\n".join(lines) + "\n"


INTRO = f"""{SECTION}

The whole real path except Windows (issue 21): `ansible.builtin.winrm` and pywinrm over Basic/HTTP to the loopback
endpoint (`tests/wsman`), each WinRS command a **pwsh 7 process on .NET on Linux** running Ansible's exec wrapper and
the module, the Windows boundary answered by the Windows model (`tests/pwshhost/winrs.py`). These are not Windows
PowerShell 5.1 figures: pwsh's start and Roslyn's compile of `Ansible.Basic` on Linux stand in for powershell.exe's
start and csc's compile on Windows. One host; a changing converge (`mtls.iis.trusted_certs`: a root and an issuing
CA into Root, CA and ClientAuthIssuer, a gather and an apply), the same converge finding nothing to do, and Ansible's
floor: `tests/wire/library/mtls_wire_noop.ps1`, a module that only creates `Ansible.Basic`'s module object and
exits (and `mtls_wire_noop_plain.ps1`, the exec wrapper alone). Bytes are everything on the wire (HTTP headers, SOAP
envelopes, base64 of stdin and stdout). Where the time goes: pwsh start (`pwsh -NoProfile -Command exit`, per module
run), the exec wrapper (the plain floor's process time minus a pwsh start), the C# compile of `Ansible.Basic` (the
floor minus the plain floor), our code (our module runs' process time minus the floor's: loading our utils, the
gather and apply, the Windows model's answers), Ansible's start (a playbook with one `debug` task), the controller
and WinRM outside the processes' lifetimes (the action plugin's planning, building the payload, the shell's Create
and Delete, the last Receive; the wall time left over, 0 when the overlaps below exceed it) and, as a part of the
processes' time, the WinRM transfer of the payload (from each Command to its last Send, while pwsh starts: WinRS
starts the process at the Command). On a loaded machine every figure is inflated and a difference of a few seconds
between rows can be the load, not a cost (a median of 3 runs on a shared machine); compare rows of one block, not
blocks with each other, and measure on a quiet machine before relying on the split.

Measured by `tools/bench_wire.py` (`.venv/bin/python tools/bench_wire.py 3`; `.venv-oldest/bin/python` for 2.16).

"""


def record(measured: Measured) -> None:
    text = PERFORMANCE.read_text()
    old = section_of(text, SECTION)
    blocks = {
        chunk.split("\n", 1)[0].removeprefix("### ansible-core "): "### ansible-core " + chunk
        for chunk in old.split("\n### ansible-core ")[1:]
    }
    blocks[measured.version] = block(measured)
    ordered = sorted(blocks, key=lambda version: [int(part) for part in version.split(".")[:3]])
    section = INTRO + "\n".join(blocks[version].rstrip("\n") + "\n" for version in ordered) + "\n"
    PERFORMANCE.write_text(replace_section(text, SECTION, section))


def main(repeats: int = 3) -> None:
    measured = measure(repeats)
    print(block(measured))
    record(measured)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
