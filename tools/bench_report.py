"""docs/PERFORMANCE.md and docs/performance.png from the benchmark's measurements."""

from __future__ import annotations

from pathlib import Path
from typing import Any

PAIRS = (("ours first converge", "anchor first converge"), ("ours rerun (no change)", "anchor rerun"))
FLOOR = "floor: one no-op module"


def _by(measures: list[Any]) -> dict[tuple[str, int], Any]:
    return {(m.label, m.hosts): m for m in measures}


def _on(measures: list[Any], path: str) -> list[Any]:
    return [m for m in measures if m.path == path]


def write_chart(measures: list[Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5), dpi=120)
    for label, style in (
        ("anchor first converge", "o-"),
        ("anchor rerun", "o--"),
        ("ours first converge", "s-"),
        ("ours rerun (no change)", "s--"),
        ("ours --check (fresh hosts)", "^:"),
    ):
        points = sorted((m.hosts, m.wall) for m in measures if m.label == label)
        if points:
            ax.plot([p[0] for p in points], [p[1] for p in points], style, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("simulated Windows hosts (forks 50)")
    ax.set_ylabel("controller wall time (s)")
    ax.set_title("mtls.iis vs today's playbook: whole client-certificate state")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)


def _table(measures: list[Any]) -> list[str]:
    rows = [
        "| run | hosts | module runs / host | file transfers / host | KB sent / host | wall (s) | CPU (s) | "
        "simulated hosts' CPU (s) | wall / host (ms) | controller CPU / host (ms) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for m in measures:
        rows.append(
            f"| {m.label} | {m.hosts} | {m.runs:.1f} | {m.put_files:.1f} | {m.bytes_sent / 1024:.0f} | {m.wall:.1f} | "
            f"{m.cpu:.1f} | {m.host_cpu:.1f} | {m.wall_per_host_ms:.0f} | {m.cpu_per_host_ms:.0f} |"
        )
    return rows


def _ratios(measures: list[Any]) -> list[str]:
    by = _by(measures)
    rows = [
        "| hosts | run | module runs ours / anchor | bytes ours / anchor | wall ours / anchor | CPU ours / anchor |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for hosts in sorted({m.hosts for m in measures}):
        for ours, anchor in PAIRS:
            o, a = by.get((ours, hosts)), by.get((anchor, hosts))
            if o and a:
                rows.append(
                    f"| {hosts} | {ours.split(' ', 1)[1]} | {o.runs:.1f} / {a.runs:.1f} = {o.runs / a.runs:.2f} | "
                    f"{o.bytes_sent / a.bytes_sent:.2f} | "
                    f"{o.wall / a.wall:.2f} (anchor {a.wall / o.wall:.1f}x slower) | "
                    f"{o.controller_cpu / a.controller_cpu:.2f} "
                    f"(anchor {a.controller_cpu / o.controller_cpu:.1f}x more) |"
                )
    return rows


def _scaling(scaling: dict[str, list[tuple[int, float, float]]]) -> list[str]:
    rows = ["| series | size | warm (ms) | cold (ms) | warm per unit (µs) |", "|---|---:|---:|---:|---:|"]
    for series, points in scaling.items():
        for size, warm, cold in points:
            rows.append(f"| {series} | {size} | {warm * 1000:.1f} | {cold * 1000:.1f} | {warm * 1e6 / size:.0f} |")
    return rows


def _wire_table(measures: list[Any]) -> list[str]:
    floors = {m.hosts: m for m in measures if m.label == FLOOR}
    rows = [
        "| run | hosts | module runs / host | HTTP requests / host | KB sent / host | KB received / host | wall (s) | "
        "controller CPU / host (ms) | CPU / floor |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for m in measures:
        floor = floors.get(m.hosts)
        ratio = f"{m.controller_cpu / floor.controller_cpu:.1f}x" if floor and floor.controller_cpu else "-"
        rows.append(
            f"| {m.label} | {m.hosts} | {m.runs:.1f} | {m.requests:.1f} | {m.bytes_sent / 1024:.0f} | "
            f"{m.bytes_received / 1024:.0f} | {m.wall:.1f} | {m.cpu_per_host_ms:.0f} | {ratio} |"
        )
    return rows


def _wire_summary(measures: list[Any], local: list[Any]) -> str:
    by, local_by = _by(measures), _by(local)
    biggest = max((m.hosts for m in measures), default=0)
    ours, floor = by.get(("ours rerun (no change)", biggest)), by.get((FLOOR, biggest))
    first, anchor = by.get(("ours first converge", biggest)), by.get(("anchor rerun", biggest))
    if not (ours and floor and first and anchor):
        return ""
    local_ours = local_by.get(("ours rerun (no change)", biggest))
    same_path = (
        f" On the recording connection the same rerun costs {local_ours.cpu_per_host_ms:.0f} ms per host."
        if local_ours
        else ""
    )
    return (
        f"Over WinRM at {biggest} hosts, a no-change rerun of ours is {ours.requests:.0f} HTTP requests and "
        f"{ours.bytes_sent / 1024:.0f} KB sent per host (a changing converge {first.requests:.0f} requests, "
        f"{first.bytes_sent / 1024:.0f} KB; the anchor's rerun {anchor.requests:.0f} requests, "
        f"{anchor.bytes_sent / 1024:.0f} KB). It costs the controller {ours.cpu_per_host_ms:.0f} ms of CPU per host, "
        f"{ours.controller_cpu / floor.controller_cpu:.1f}x the {floor.cpu_per_host_ms:.0f} ms of one no-op PowerShell "
        f"module through the same path (the floor: what Ansible itself costs per module run).{same_path}"
    )


def write_report(measures: list[Any], scaling: dict[str, Any], path: Path, meta: dict[str, str]) -> None:
    wire_measures = _on(measures, "winrm")
    measures = _on(measures, "mtls_sim")
    by = _by(measures)
    biggest = max(m.hosts for m in measures)
    o, a = by.get(("ours rerun (no change)", biggest)), by.get(("anchor rerun", biggest))
    headline = (
        f"At {biggest} hosts, a no-change rerun costs the controller {o.cpu_per_host_ms:.0f} ms of CPU per host with "
        f"mtls.iis and {a.cpu_per_host_ms:.0f} ms with today's playbook "
        f"({a.controller_cpu / o.controller_cpu:.1f}x), in "
        f"{o.runs:.0f} module run per host instead of {a.runs:.0f}."
        if o and a
        else ""
    )
    text = [
        "# Performance: mtls.iis against today's way",
        "",
        f"Measured by `make bench` on {meta['date']} ({meta['machine']}, {meta['ansible']}; the run took "
        f"{meta['duration']}). Both sides converge the same desired state — a root and an intermediate CA, the "
        "ClientAuthIssuer store, Schannel trust mode, one SNI binding with a PFX and handshake negotiation, SSL "
        "settings requiring client certificates, one many-to-one mapping and the Web-Cert-Auth feature — on the same "
        "simulated Windows hosts through the same recording test connection (`tests/plugins/connection/mtls_sim.py`), "
        "in one run, with forks 50. Every host starts with a non-self-signed CA in Trusted Root.",
        "",
        "- **Ours**: `playbooks/converge.yml` (the role `mtls.iis.client_cert_auth`, one `mtls.iis.client_cert` task).",
        "- **Anchor**: `tools/bench/anchor.yml`, the same state written as an experienced administrator would with "
        "today's public modules (`ansible.windows.win_feature`, `win_file`, `win_copy`, `win_certificate_store`, "
        "`win_regedit`, `win_shell` for what no module covers, `microsoft.iis.website` and "
        "`microsoft.iis.authentication`), installed from PyPI's `ansible` package into the benchmark's own "
        "virtualenv. Its modules get a plain successful answer from the simulator: their module runs, file transfers "
        "and bytes are real, what they would do on Windows is not simulated.",
        "",
        headline,
        "",
        "![controller wall time against hosts](performance.png)",
        "",
        "## Per run (recording test connection)",
        "",
        *_table(measures),
        "",
        "Module runs are the module executions the connection received (each one a PowerShell process on Windows); "
        "file transfers are `put_file` calls (`win_copy`); bytes are everything sent to the host (payloads and files). "
        "CPU is that of ansible-playbook and its workers; the simulated hosts run inside the workers, so their own "
        "work (decoding each payload, running our ops) is measured by the connection and subtracted to give the "
        "controller's CPU. The collection's Python is byte-compiled first, as an installed collection is after its "
        "first use.",
        "",
        "## Ours against the anchor, same run",
        "",
        *_ratios(measures),
        "",
        "## Over WinRM: requests and bytes on the wire",
        "",
        "The same runs through `ansible.builtin.winrm` and pywinrm against the loopback WS-Management endpoint "
        "(`tests/wsman`, Basic over HTTP, Windows' default limits: MaxEnvelopeSizekb 500, MaxTimeoutms 60000), "
        "which hands each command to the same simulated hosts. Requests and bytes are counted per host by the "
        "endpoint: every HTTP request and response, headers, SOAP envelopes and the base64 of stdin and stdout "
        "included. The simulated hosts run in the benchmark's own process here, so the CPU column is the "
        "controller's alone. The floor is `ansible.windows.win_ping` (one no-op PowerShell module per host).",
        "",
        _wire_summary(wire_measures, measures),
        "",
        *_wire_table(wire_measures),
        "",
        "## Planner scaling",
        "",
        "`plan()` of the whole host (parse the gathered snapshot, plan every part, judge cross-part warnings) on "
        "synthetic hosts: N sites, each with an SNI binding and SSL settings, and M RSA certificates in Trusted Root. "
        "*Cold* checks the self-signature of every Root certificate (~60 µs each); *warm* finds the verdicts the "
        "controller remembered from an earlier host (`plugins/plugin_utils/verdicts.py`), which is the case for every "
        "host of a fleet after the first. Time grows linearly with sites and with certificates.",
        "",
        *_scaling(scaling),
        "",
        "## What cannot be measured here",
        "",
        "No Windows host is available to this project, so the Windows side of each module run is not in these "
        "figures: starting a PowerShell process and compiling Ansible.Basic's C# (0.3-2 s per module run, no "
        "cache) before the module does any work, the WinRM service's own CPU, and the network's latency. The wire "
        "itself is measured above (requests and bytes through the real `winrm` connection and pywinrm), on "
        "loopback, so each request costs its bytes but no round-trip time: on a real network, multiply the "
        "requests per host by the round-trip time. The per-run cost is paid once per module run and does not "
        "depend on which module runs, which is why module runs per host are the right proxy for the time a "
        "converge spends on each Windows host: with 0.5-2.5 s per module run, the anchor's module runs per host "
        "above cost its hosts that many times more than ours. WinRM's default quotas (30 shells and 1,500 "
        "operations per user) are spent at the same rate. These per-run figures come from Ansible's documentation "
        "of the Windows execution model and published measurements summarised in the project's Windows reference; "
        "they are not measured here.",
        "",
        "## Reproduce",
        "",
        "```bash",
        "make bench                         # 1, 50 and 500 hosts; about 10-20 minutes on 2 cores",
        "MTLS_BENCH_HOSTS=1,50 make bench   # quicker",
        "MTLS_BENCH_WINRM_HOSTS=1,50,500 make bench   # WinRM at 500 hosts too (default 1,50)",
        "```",
        "",
        "Logs of every run: `.build/bench/<hosts>/<run>.log` (recording connection) and "
        "`.build/bench/winrm-<hosts>/<run>.log` (WinRM).",
        "",
    ]
    page = "\n".join(text)
    for kept in (PAYLOAD_SECTION, ARGSPEC_SECTION, WIRE_SECTION):
        page = keep_section(path, kept, page)
    path.write_text(page)


#: written by tools/bench_payload.py (once per ansible-core release), kept when ``make bench`` rewrites the rest
PAYLOAD_SECTION = "## What one module run sends"
#: written by tools/bench_argspec.py, kept when ``make bench`` rewrites the rest of the page
ARGSPEC_SECTION = "## The role's argument check"
#: written by tools/bench_wire.py, kept likewise
WIRE_SECTION = "## On the pwsh host behind WinRM (pwsh 7 on .NET, Linux)"
_BEFORE = "## What cannot be measured here"


def section_of(text: str, title: str) -> str:
    """The section ``title`` of a Markdown page (up to the next ``## ``), or ``""``."""
    start = text.find(f"\n{title}\n")
    if start < 0:
        return ""
    end = text.find("\n## ", start + 1)
    return text[start + 1 : end + 1 if end >= 0 else len(text)]


def replace_section(text: str, title: str, section: str) -> str:
    """The page with section ``title`` replaced by ``section``, or inserted before "What cannot be measured"."""
    old = section_of(text, title)
    if old:
        return text.replace(old, section)
    anchor = text.find(f"\n{_BEFORE}\n")
    return text[: anchor + 1] + section + text[anchor + 1 :] if anchor >= 0 else text + "\n" + section


def keep_section(path: Path, title: str, new_text: str) -> str:
    old = section_of(path.read_text(), title) if path.exists() else ""
    return replace_section(new_text, title, old) if old else new_text
