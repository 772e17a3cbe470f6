"""Measure what the role's argument check costs per host, with and without nested option descriptions.

    .venv/bin/python tools/bench_argspec.py [hosts] [repeats]
    .venv-oldest/bin/python tools/bench_argspec.py [hosts] [repeats]

Ansible validates a role's variables against ``meta/argument_specs.yml`` in a task it adds to every host
(``validate_argument_spec``), after templating the spec for that host. This runs the role on ``hosts`` local
hosts with the README's variables and every tagged task skipped (the check is tagged ``always``), three ways:
the role as shipped, the same role with nested descriptions removed (what gen_docs.py wrote before), and the
role without argument specs. The best of ``repeats`` runs of each is reported as milliseconds per host and
recorded, one row per ansible-core release, in docs/PERFORMANCE.md ("The role's argument check").
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
PERFORMANCE = REPO_ROOT / "docs" / "PERFORMANCE.md"
ROLE = REPO_ROOT / "roles" / "client_cert_auth"
ROLE_VARS = {
    "client_cert_auth_trust": {
        "certificates": [{"path": "files/contoso-root.pem"}, {"path": "files/contoso-issuing-ca.pem"}],
        "client_auth_issuers": [{"path": "files/contoso-issuing-ca.pem"}],
        "non_self_signed_roots": "move",
    },
    "client_cert_auth_schannel": {"client_auth_trust_mode": "exclusive_ca"},
    "client_cert_auth_sites": [
        {
            "name": "Default Web Site",
            "bindings": [
                {
                    "host": "api.contoso.com",
                    "certificate": {"pfx": "files/api.pfx", "password": "not-a-secret"},
                    "negotiate_client_certificate": True,
                    "client_auth_issuer_store": "ClientAuthIssuer",
                }
            ],
            "ssl": [{"path": "api", "client_certificates": "require"}],
        }
    ],
}


def without_nested_descriptions(options: dict[str, Any], depth: int = 0) -> dict[str, Any]:
    out = {}
    for name, body in options.items():
        body = {k: v for k, v in body.items() if depth == 0 or k != "description"}
        if "options" in body:
            body["options"] = without_nested_descriptions(body["options"], depth + 1)
        out[name] = body
    return out


def _role_variant(roles_dir: Path, name: str, specs: dict[str, Any] | None) -> None:
    dest = roles_dir / name
    shutil.copytree(ROLE, dest)
    spec_file = dest / "meta" / "argument_specs.yml"
    if specs is None:
        spec_file.unlink()
    else:
        spec_file.write_text(yaml.safe_dump(specs, sort_keys=False))


def _setup(workdir: Path, hosts: int) -> list[str]:
    roles_dir = workdir / "roles"
    roles_dir.mkdir()
    specs = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())
    stripped = {
        "argument_specs": {
            "main": {
                **specs["argument_specs"]["main"],
                "options": without_nested_descriptions(specs["argument_specs"]["main"]["options"]),
            }
        }
    }
    variants = {"with_descriptions": specs, "top_level_descriptions_only": stripped, "no_argument_specs": None}
    for name, variant in variants.items():
        _role_variant(roles_dir, name, variant)
        play = [{"hosts": "all", "gather_facts": False, "roles": [{"role": name}]}]
        (workdir / f"{name}.yml").write_text(yaml.safe_dump(play))
    inventory = {"all": {"hosts": {f"host{i:04d}": None for i in range(hosts)}, "vars": ROLE_VARS}}
    inventory["all"]["vars"]["ansible_connection"] = "local"
    (workdir / "inventory.yml").write_text(yaml.safe_dump(inventory))
    return list(variants)


def _run(workdir: Path, variant: str) -> float:
    playbook = str(Path(sys.executable).with_name("ansible-playbook"))
    env = {
        **os.environ,
        "ANSIBLE_ROLES_PATH": str(workdir / "roles"),
        "ANSIBLE_COLLECTIONS_PATH": str(REPO_ROOT / ".build" / "collections"),
        "ANSIBLE_FORKS": "5",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCAL_TEMP": str(workdir / "tmp"),
    }
    cmd = [playbook, "-i", str(workdir / "inventory.yml"), str(workdir / f"{variant}.yml"), "--tags", "no_such_tag"]
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if proc.returncode:
        raise SystemExit(f"{variant} failed:\n{proc.stdout}\n{proc.stderr}")
    return elapsed


def section(rows: dict[str, str]) -> str:
    """The PERFORMANCE.md section with one table row per ansible-core release (``rows``: release -> row)."""
    return "\n".join(
        [
            "## The role's argument check",
            "",
            "Ansible checks a role's variables against `meta/argument_specs.yml` in a task it adds for every host, "
            "after templating the whole spec for that host; the spec's size is its cost. The role's spec documents "
            "every nested option (without them `ansible-doc -t role` cannot render the role). Measured by "
            "`tools/bench_argspec.py`: the role on 100 local hosts with the README's variables, every tagged task "
            "skipped, best of 3 runs, minus the same run with no argument specs. The 2-core machine was shared "
            "with other work while measuring, so these are upper bounds.",
            "",
            "| ansible-core | Python | spec as shipped (ms / host) | top-level descriptions only (ms / host) | "
            "nested descriptions cost (ms / host) | measured |",
            "|---|---|---:|---:|---:|---|",
            *(rows[release] for release in sorted(rows, key=lambda r: [int(x) for x in r.split(".")])),
            "",
            "",
        ]
    )


def _rows(text: str) -> dict[str, str]:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_report import ARGSPEC_SECTION, section_of

    lines = section_of(text, ARGSPEC_SECTION).splitlines()
    return {line.split("|")[1].strip().rsplit(".", 1)[0]: line for line in lines if line.startswith("| 2.")}


def record(version: str, python: str, per_host: dict[str, float]) -> None:
    from bench_report import ARGSPEC_SECTION, replace_section

    text = PERFORMANCE.read_text()
    rows = _rows(text)
    rows[version.rsplit(".", 1)[0]] = (
        f"| {version} | {python} | {per_host['with_descriptions']:.1f} | "
        f"{per_host['top_level_descriptions_only']:.1f} | "
        f"{per_host['with_descriptions'] - per_host['top_level_descriptions_only']:.1f} | {date.today().isoformat()} |"
    )
    PERFORMANCE.write_text(replace_section(text, ARGSPEC_SECTION, section(rows)))


def main(hosts: int = 100, repeats: int = 3) -> None:
    import ansible.release

    sys.path.insert(0, str(REPO_ROOT / "tests"))
    from support.collection import ensure_collection_link

    ensure_collection_link()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        variants = _setup(workdir, hosts)
        best = {v: min(_run(workdir, v) for _repeat in range(repeats)) for v in variants}
    base = best["no_argument_specs"]
    python = sys.version.split()[0]
    print(f"ansible-core {ansible.release.__version__}, Python {python}, {hosts} hosts, best of {repeats}")
    per_host = {variant: (best[variant] - base) / hosts * 1000 for variant in variants}
    for variant in variants:
        print(f"  {variant:28} {best[variant]:6.2f} s   argument check {per_host[variant]:5.1f} ms per host")
    record(ansible.release.__version__, python, per_host)


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
