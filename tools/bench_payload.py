"""What one module run sends: the payload Ansible builds for a Windows host, split by who wrote each part.

    .venv/bin/python tools/bench_payload.py
    .venv-oldest/bin/python tools/bench_payload.py

Runs the role (``playbooks/converge.yml`` with the benchmark's desired state) on one simulated host through the
recording connection: a first converge (it changes things: a gather run and an apply run) and a rerun (no change: a
gather run). Every payload is dumped and split by author: Ansible (exec wrapper, module wrapper, Ansible.Basic,
AddType), mtls.iis (our module and the module_utils it requires) and the manifest's own JSON. The figures of this
ansible-core release replace its rows in docs/PERFORMANCE.md ("What one module run sends"); ``make bench`` keeps
that section.

Both payload layouts are read: ansible-core >= 2.19 (bootstrap JSON + exec manifest, ``scripts``: name -> base64)
and <= 2.18 (exec wrapper text + legacy manifest JSON: ``module_entry``, ``powershell_modules``,
``csharp_utils``, each base64). Sizes are what travels inside the payload (base64 in JSON) and the source itself.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from simhost.payload import LEGACY_SEPARATOR, NEW_SEPARATOR, decode_payload

PERFORMANCE = REPO / "docs" / "PERFORMANCE.md"
OURS_PREFIX = "ansible_collections.mtls.iis."
#: our modules whose runs are measured, and which run each is (the snapshot run or the op run)
ENGINE_RUNS = {"host_state_gather": "gather", "host_state_apply": "apply"}


@dataclass(frozen=True)
class PayloadPart:
    name: str
    owner: str  # "Ansible" or "mtls.iis" or "manifest"
    payload_bytes: int  # bytes this part takes in the payload (base64 inside JSON)
    source_bytes: int  # size of the script itself


def _owner(name: str) -> str:
    return "mtls.iis" if name.startswith((OURS_PREFIX, "..")) else "Ansible"


def _breakdown_exec_manifest(payload: bytes) -> list[PayloadPart]:
    parts = payload.split(NEW_SEPARATOR, 2)
    bootstrap, manifest = json.loads(parts[0]), json.loads(parts[1])
    wrapper = str(bootstrap["script"])  # the bootstrap carries the exec wrapper as text, not base64
    found = [PayloadPart("bootstrap exec wrapper", "Ansible", len(json.dumps(wrapper)), len(wrapper.encode()))]
    for name, info in manifest["scripts"].items():
        found.append(PayloadPart(name, _owner(name), len(info["script"]), len(base64.b64decode(info["script"]))))
    return found


def _breakdown_legacy_manifest(payload: bytes) -> list[PayloadPart]:
    wrapper, _separator, manifest_bytes = payload.partition(LEGACY_SEPARATOR)
    manifest = json.loads(manifest_bytes)
    module = str(manifest.get("module_args", {}).get("_ansible_module_name", "module"))
    found = [PayloadPart("exec wrapper", "Ansible", len(wrapper), len(wrapper))]
    scripts = {f"module_entry ({module})": manifest["module_entry"]}
    for key in ("powershell_modules", "csharp_utils"):
        scripts.update(manifest.get(key) or {})
    for key, value in manifest.items():  # the wrappers themselves travel as base64 strings too
        if key.endswith("_wrapper") and isinstance(value, str):
            scripts[key] = value
    for name, script in scripts.items():
        owner = "mtls.iis" if name.startswith("module_entry") and "mtls.iis" in name else _owner(name)
        found.append(PayloadPart(name, owner, len(script), len(base64.b64decode(script))))
    return found


def breakdown(payload: bytes) -> list[PayloadPart]:
    """Every script in the payload, plus the manifest's own JSON (paths, actions, module args)."""
    if payload.lstrip().startswith(b"{") and NEW_SEPARATOR in payload:
        found = _breakdown_exec_manifest(payload)
    elif LEGACY_SEPARATOR in payload:
        found = _breakdown_legacy_manifest(payload)
    else:
        raise ValueError("not a PowerShell exec wrapper payload")
    scripts = sum(part.payload_bytes for part in found)
    found.append(PayloadPart("JSON, paths, actions, module args", "manifest", len(payload) - scripts, 0))
    return found


def totals(parts: list[PayloadPart]) -> dict[str, int]:
    """Bytes in the payload per author, and ``payload`` for all of it."""
    by_owner = {"Ansible": 0, "mtls.iis": 0, "manifest": 0}
    for part in parts:
        by_owner[part.owner] += part.payload_bytes
    return {**by_owner, "payload": sum(by_owner.values())}


def engine_run(payload: bytes) -> str | None:
    """``gather`` or ``apply`` for a run of our engine, None for any other module run."""
    decoded = decode_payload(payload)
    name = (decoded.module_name or "").rsplit(".", 1)[-1]
    if name in ENGINE_RUNS:
        return ENGINE_RUNS[name]
    if name == "host_state":  # the single engine module before issue 15 split it
        mode = decoded.module_args.get("mode")
        return str(mode) if isinstance(mode, str) else None
    return None


def measure() -> dict[str, list[PayloadPart]]:
    """One host: a first converge (gather + apply) and a rerun (gather); the parts of each engine run, by kind."""
    from bench import CONVERGE, WORK, _state_dir, inventory, make_files, seed_drift
    from simhost.endpoint import dumped_payloads
    from support.collection import sim_env

    files, thumbprint = make_files()
    inv = inventory("payload", 1, files, thumbprint)
    seed_drift("payload", 1)
    state_dir = _state_dir("payload", 1, "mtls_sim")
    for old in dumped_payloads(state_dir, "payload0000"):
        old.unlink()
    env = sim_env(MTLS_SIM_DUMP_PAYLOADS="1", MTLS_IIS_CACHE_DIR=str(WORK / "cache"))
    cmd = [str(Path(sys.executable).with_name("ansible-playbook")), "-i", str(inv), str(CONVERGE)]
    for _run in ("first converge", "rerun"):
        subprocess.run([*cmd, "-e", "mtls_hosts=bench"], env=env, capture_output=True, check=True)
    runs: dict[str, list[PayloadPart]] = {}
    for dumped in dumped_payloads(state_dir, "payload0000"):
        data = dumped.read_bytes()
        kind = engine_run(data)
        if kind is not None:
            runs.setdefault(kind, breakdown(data))
    return runs


def _kb(size: int) -> str:
    return f"{size / 1024:.1f}"


def row(version: str, kind: str, parts: list[PayloadPart]) -> str:
    sums = totals(parts)
    ours = [part for part in parts if part.owner == "mtls.iis"]
    return (
        f"| {version} | {kind} | {_kb(sums['Ansible'])} | {_kb(sums['manifest'])} | **{_kb(sums['mtls.iis'])}** | "
        f"{_kb(sum(part.source_bytes for part in ours))} | {len(ours)} | {_kb(sums['payload'])} | "
        f"{date.today().isoformat()} |"
    )


TITLE = "## What one module run sends"
HEADER = (
    "| ansible-core | engine run | Ansible (KB) | manifest (KB) | mtls.iis (KB) | mtls.iis source (KB) | "
    "mtls.iis files | payload (KB) | measured |"
)


def section(rows: dict[tuple[str, str], str], intro: str) -> str:
    order = sorted(rows, key=lambda key: ([int(x) for x in key[0].split(".")], key[1] != "gather"))
    return "\n".join(
        [TITLE, "", intro.strip(), "", HEADER, "|---|---|---:|---:|---:|---:|---:|---:|---|"]
        + [rows[key] for key in order]
        + ["", ""]
    )


def _existing(text: str) -> tuple[dict[tuple[str, str], str], str]:
    from bench_report import section_of

    body = section_of(text, TITLE)
    rows = {}
    for line in body.splitlines():
        cells = [cell.strip() for cell in line.split("|")]
        if line.startswith("| 2.") and len(cells) > 2:
            rows[(cells[1].rsplit(".", 1)[0], cells[2])] = line
    intro = body.split("\n" + HEADER)[0].removeprefix(TITLE).strip()  # prose and tables above the measured rows
    return rows, intro


def main() -> None:
    import ansible.release

    version = ansible.release.__version__
    runs = measure()
    print(f"ansible-core {version}, Python {sys.version.split()[0]}")
    for kind, parts in runs.items():
        sums = totals(parts)
        print(f"  {kind}: " + ", ".join(f"{owner} {_kb(size)} KB" for owner, size in sums.items()))
        for part in sorted(parts, key=lambda p: (p.owner, -p.payload_bytes)):
            print(f"    {part.owner:9} {_kb(part.payload_bytes):>7} KB  {part.name}")
    text = PERFORMANCE.read_text()
    rows, intro = _existing(text)
    short = version.rsplit(".", 1)[0]
    for kind, parts in runs.items():
        rows[(short, kind)] = row(version, kind, parts)
    from bench_report import replace_section

    PERFORMANCE.write_text(replace_section(text, TITLE, section(rows, intro)))


if __name__ == "__main__":
    main()
