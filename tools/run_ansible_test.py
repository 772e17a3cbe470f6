"""Run ``ansible-test sanity`` or ``ansible-test units`` on this collection, offline, with the ansible-core of
the Python that runs this script.

    .venv/bin/python tools/run_ansible_test.py sanity [ansible-test options]
    .venv/bin/python tools/run_ansible_test.py units [ansible-test options]

What ansible-test needs and how it gets it here:

- The collection at ``.../ansible_collections/mtls/iis``: a copy of the checkout's files (tracked and
  untracked-but-not-ignored, as git lists them) under ``.build/ansible-test/<kind>-python<X.Y>/``, made a git repository
  of its own so ansible-test lists exactly those files. A symlink would not do: ansible-test reads the real
  working directory.
- Its own ``HOME`` (``.build/ansible-test/home``), so the virtualenvs it builds for each test are reused between
  runs and nothing lands in the user's home.
- pip's bootstrap script, which ansible-test downloads from a host we cannot reach: its cache is pre-seeded with
  a stand-in that installs pip with ``ensurepip`` and then installs exactly the pins ansible-test asks for from
  the package index.
- PowerShell for ``validate-modules`` on the engine modules (``host_state_*.ps1``): ``shared/pwsh/pwsh`` found by
  walking up from the repository (worktrees and CI clones sit at different depths), else ``pwsh`` on ``PATH``;
  missing both fails.
  ``pslint`` is skipped by name: it needs PSScriptAnalyzer, which no registry we reach has.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace

REPO_ROOT = Path(__file__).resolve().parents[1]
BUILD_DIR = REPO_ROOT / ".build" / "ansible-test"
TEST_HOME = BUILD_DIR / "home"
PWSH_IN_SHARED = Path("shared") / "pwsh" / "pwsh"
#: Sanity tests that cannot run here, each with the reason (they are skipped by name, never silently).
SKIPPED_SANITY_TESTS = {
    "pslint": "needs PSScriptAnalyzer, which no package registry reachable from our machines provides",
}

GET_PIP_STANDIN = '''"""Offline stand-in for pip's get-pip.py, written by mtls.iis tools/run_ansible_test.py.

ansible-test runs get-pip.py in a virtualenv created without pip, with the pins it wants as arguments
(pip==X [setuptools==Y wheel==Z] [--no-setuptools] [--no-wheel]). This installs the pip bundled with
Python (ensurepip), then exactly those pins from the package index.
"""
import subprocess
import sys

pins = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
# In a child process: ensurepip sets PIP_CONFIG_FILE=/dev/null in its own environment, which would hide
# the machine's pip configuration (its CA bundle, its index) from the install below.
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"])
subprocess.check_call([sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "--quiet", *pins])
'''


def find_pwsh(start: Path = REPO_ROOT, path: str | None = None) -> Path:
    """``shared/pwsh/pwsh`` in the closest ancestor that has one, else ``pwsh`` on ``PATH``."""
    for directory in (start, *start.parents):
        candidate = directory / PWSH_IN_SHARED
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    on_path = shutil.which("pwsh", path=path)
    if on_path:
        return Path(on_path)
    raise SystemExit(
        f"PowerShell not found: no {PWSH_IN_SHARED} in {start} or any folder above it, and no pwsh on PATH. "
        "ansible-test's validate-modules needs it for plugins/modules/host_state_*.ps1: put the shared pwsh "
        "bundle beside the checkout or pwsh on PATH."
    )


def collection_files(repo: Path = REPO_ROOT) -> list[str]:
    """The checkout's files as git sees them: tracked, plus untracked ones that are not ignored."""
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=repo,
        check=True,
        capture_output=True,
    ).stdout
    return sorted(name for name in out.decode().split("\0") if name and (repo / name).is_file())


def copy_collection(dest: Path, repo: Path = REPO_ROOT) -> Path:
    """A fresh copy of the collection at ``dest/ansible_collections/mtls/iis``; return that directory."""
    root = dest / "ansible_collections" / "mtls" / "iis"
    shutil.rmtree(root, ignore_errors=True)
    for name in collection_files(repo):
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo / name, target)
    # its own repository, or ansible-test would ask the checkout's git (which ignores .build/) for the files
    subprocess.run(["git", "init", "--quiet", str(root)], check=True)
    return root


def seed_get_pip(home: Path, python_version: str) -> Path:
    """Write the get-pip stand-in where ansible-test looks for its cached bootstrap script."""
    from ansible_test._internal.python_requirements import get_venv_packages

    pip_version = get_venv_packages(SimpleNamespace(version=python_version))["pip"]
    cache = home / ".ansible" / "test" / "cache" / f"get_pip_{pip_version.replace('.', '_')}.py"
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(GET_PIP_STANDIN)
    return cache


def ansible_test_environment(pwsh: Path, home: Path) -> dict[str, str]:
    """ansible-test's environment: its own HOME, this Python's bin directory and ``pwsh`` first on PATH."""
    bin_dir = BUILD_DIR / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    link = bin_dir / "pwsh"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(pwsh)
    path = os.pathsep.join([str(bin_dir), str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return {**os.environ, "HOME": str(home), "PATH": path}


def command(kind: str, python_version: str, extra: Sequence[str]) -> list[str]:
    ansible_test = str(Path(sys.executable).with_name("ansible-test"))
    base = [ansible_test, kind, "--venv", "--python", python_version, "--color", "no"]
    if kind == "sanity":
        skips = [arg for name in SKIPPED_SANITY_TESTS for arg in ("--skip-test", name)]
        return [*base, *skips, *extra]
    return [*base, *extra]


def main(argv: Sequence[str]) -> int:
    if not argv or argv[0] not in ("sanity", "units"):
        sys.stderr.write(__doc__ or "")
        return 2
    kind, extra = argv[0], argv[1:]
    import ansible.release

    python_version = f"{sys.version_info.major}.{sys.version_info.minor}"
    pwsh = find_pwsh()
    collection = copy_collection(BUILD_DIR / f"{kind}-python{python_version}")  # units and sanity may run at once
    seed_get_pip(TEST_HOME, python_version)
    for name, reason in SKIPPED_SANITY_TESTS.items():
        if kind == "sanity":
            print(f"ansible-test sanity: skipping {name}: {reason}", flush=True)
    print(f"ansible-test {kind} on ansible-core {ansible.release.__version__}, Python {python_version}", flush=True)
    started = time.monotonic()
    proc = subprocess.run(
        command(kind, python_version, extra), cwd=collection, env=ansible_test_environment(pwsh, TEST_HOME), check=False
    )
    print(f"ansible-test {kind}: exit {proc.returncode} after {time.monotonic() - started:.0f} s", flush=True)
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
