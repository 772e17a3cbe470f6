"""Check the collection the way Galaxy and the Ansible docsite will: build the tarball and import it with
galaxy-importer (0 errors, 0 warnings), lint the plugin and role docs with antsibull-docs, lint the changelog
with antsibull-changelog. Run with the newest virtualenv (``make publish-check``):

    .venv/bin/python tools/publish_checks.py

The checks run on a copy of the checkout's files (tracked and untracked-but-not-ignored) at
``.build/publish/ansible_collections/mtls/iis``. galaxy.yml has no ``repository`` until the project has a public
address (Galaxy shows it to users, so it is never a placeholder); Galaxy requires one, so the copy checked here
gets an obviously unreal ``.invalid`` address and the run says so. ``make dist`` refuses to build a tarball for
publishing without a real one.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_ansible_test import REPO_ROOT, copy_collection

BUILD_DIR = REPO_ROOT / ".build" / "publish"
CHECK_ONLY_REPOSITORY = "https://repository-not-published-yet.invalid/mtls/iis"
#: a line galaxy-importer prints for an error or a warning (its info lines carry neither word as a prefix)
_IMPORTER_PROBLEM = re.compile(r"^(?:\S+ )?(ERROR|WARNING)\b", re.MULTILINE)


def with_check_only_repository(galaxy_yml: Path) -> bool:
    """Give the copy's galaxy.yml the check-only repository when it has none; return whether it had to."""
    meta = yaml.safe_load(galaxy_yml.read_text())
    if meta.get("repository"):
        return False
    galaxy_yml.write_text(galaxy_yml.read_text() + f"repository: {CHECK_ONLY_REPOSITORY}\n")
    return True


def importer_problems(output: str) -> list[str]:
    """The error and warning lines of a galaxy-importer run."""
    return [line for line in output.splitlines() if _IMPORTER_PROBLEM.match(line)]


def _bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def _env() -> dict[str, str]:
    """This virtualenv's tools first on PATH (galaxy-importer calls ansible-doc and ansible-lint by name)."""
    home = BUILD_DIR / "home"
    home.mkdir(parents=True, exist_ok=True)
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return {**os.environ, "PATH": path, "HOME": str(home), "ANSIBLE_NOCOLOR": "1"}


def _run(title: str, cmd: Sequence[str], cwd: Path) -> subprocess.CompletedProcess:
    started = time.monotonic()
    proc = subprocess.run(list(cmd), cwd=cwd, env=_env(), capture_output=True, text=True, check=False)
    sys.stdout.write(proc.stdout + proc.stderr)
    print(f"{title}: exit {proc.returncode} after {time.monotonic() - started:.0f} s", flush=True)
    return proc


def galaxy_importer(collection: Path) -> bool:
    if with_check_only_repository(collection / "galaxy.yml"):
        print(f"NOTE: galaxy.yml has no repository; the import check uses {CHECK_ONLY_REPOSITORY}", flush=True)
    dist = BUILD_DIR / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    build = _run(
        "ansible-galaxy collection build",
        [_bin("ansible-galaxy"), "collection", "build", "--output-path", str(dist), "."],
        collection,
    )
    if build.returncode:
        return False
    (tarball,) = dist.glob("mtls-iis-*.tar.gz")
    proc = _run("galaxy-importer", [sys.executable, "-m", "galaxy_importer.main", tarball.name], dist)
    problems = importer_problems(proc.stdout + proc.stderr)
    print(f"galaxy-importer: {len(problems)} errors and warnings", flush=True)
    return proc.returncode == 0 and not problems


def antsibull_docs(collection: Path) -> bool:
    proc = _run(
        "antsibull-docs lint-collection-docs --plugin-docs",
        [_bin("antsibull-docs"), "lint-collection-docs", "--plugin-docs", "."],
        collection,
    )
    return proc.returncode == 0 and not (proc.stdout + proc.stderr).strip()


def antsibull_changelog(collection: Path) -> bool:
    proc = _run("antsibull-changelog lint", [_bin("antsibull-changelog"), "lint"], collection)
    return proc.returncode == 0 and not (proc.stdout + proc.stderr).strip()


def main() -> int:
    collection = copy_collection(BUILD_DIR)
    results = {
        "antsibull-changelog lint": antsibull_changelog(collection),
        "antsibull-docs lint-collection-docs": antsibull_docs(collection),
        "galaxy-importer": galaxy_importer(collection),
    }
    for name, ok in results.items():
        print(f"{'ok    ' if ok else 'FAILED'} {name}")
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
