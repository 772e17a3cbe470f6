"""What the collection tarball holds, and the files every published collection carries."""

from __future__ import annotations

import ast
import fnmatch
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
import yaml
from pwshhost.build import BOUNDARY_UTILS, FAKE_MARKER
from support.collection import REPO_ROOT, ansible_tool

#: Everything a user of the collection needs; nothing for its developers (tests, tools, docs, Makefile).
ALLOWED = (
    "MANIFEST.json",
    "FILES.json",
    "README.md",
    "COPYING",
    "CHANGELOG.rst",
    "requirements.txt",
    "bindep.txt",
    "changelogs/changelog.yaml",
    "changelogs/config.yaml",
    "meta/runtime.yml",
    "meta/execution-environment.yml",
    "meta/ee-requirements.txt",
    "plugins/action/*.py",
    "plugins/filter/*.py",
    "plugins/lookup/*.py",
    "plugins/modules/*.py",
    "plugins/modules/*.ps1",
    "plugins/module_utils/*.psm1",
    "plugins/module_utils/*.py",
    "plugins/plugin_utils/*.py",
    "roles/client_cert_auth/README.md",
    "roles/client_cert_auth/*/main.yml",
    "roles/client_cert_auth/meta/argument_specs.yml",
    "roles/client_cert_auth/tasks/*.yml",
    "playbooks/*.yml",
    "playbooks/inventory/*.yml",
    "playbooks/templates/*.j2",
)
#: Files that must never ship, planted in the copy the test builds (a WinRM password, caches, editor state).
PLANTED = (
    "tests/integration/inventory.winrm",
    ".ansible/collections/x.yml",
    ".vscode/settings.json",
    "changelogs/.plugin-cache.yaml",
    "plugins/plugin_utils/__pycache__/certs.cpython-313.pyc",
)
LICENCE = "GNU General Public License v3.0+"


def _git_files() -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
    ).stdout
    return sorted(n for n in out.decode().split("\0") if n and (REPO_ROOT / n).is_file())


@pytest.fixture(scope="module")
def tarball(tmp_path_factory) -> Path:
    """Build the collection from a copy of the checkout with unwanted files planted."""
    tmp = tmp_path_factory.mktemp("build")
    source = tmp / "iis"
    for name in _git_files():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / name, source / name)
    for name in PLANTED:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text("ansible_password: not-a-real-secret\n")
    subprocess.run(
        [ansible_tool("ansible-galaxy"), "collection", "build", "--output-path", str(tmp / "dist"), str(source)],
        check=True,
        capture_output=True,
    )
    (built,) = (tmp / "dist").glob("mtls-iis-*.tar.gz")
    return built


@pytest.fixture(scope="module")
def tarball_files(tarball) -> list[str]:
    with tarfile.open(tarball) as archive:
        return sorted(m.name for m in archive.getmembers() if m.isfile())


def test_the_tarball_holds_only_allow_listed_files(tarball_files):
    unexpected = [name for name in tarball_files if not any(fnmatch.fnmatch(name, p) for p in ALLOWED)]
    assert unexpected == []


def test_the_tarball_holds_the_plugins_role_playbooks_and_licence(tarball_files):
    for required in (
        "COPYING",
        "CHANGELOG.rst",
        "roles/client_cert_auth/README.md",
        "plugins/modules/host_state_gather.ps1",
    ):
        assert required in tarball_files
    assert "playbooks/converge.yml" in tarball_files


@pytest.mark.parametrize("planted", PLANTED)
def test_planted_local_files_never_ship(tarball_files, planted):
    assert planted not in tarball_files


def test_neither_the_simulator_nor_the_pwsh_host_fakes_ship(tarball_files):
    # Issue 20: the simulated host, the Windows model and the fake boundary utils are test infrastructure.
    test_only = ("tests/", "plugins/module_utils/WinModelClient.psm1")
    assert [name for name in tarball_files if name.startswith(test_only)] == []


def test_the_shipped_boundary_utils_are_the_real_ones(tarball):
    names = [f"plugins/module_utils/{name}.psm1" for name in BOUNDARY_UTILS]
    with tarfile.open(tarball) as archive:
        shipped = {name: archive.extractfile(name).read() for name in names}
    assert shipped == {name: (REPO_ROOT / name).read_bytes() for name in names}
    assert not any(FAKE_MARKER.encode() in text for text in shipped.values())


def test_git_ignores_the_winrm_inventory():
    proc = subprocess.run(
        ["git", "check-ignore", "--quiet", "tests/integration/inventory.winrm"], cwd=REPO_ROOT, check=False
    )
    assert proc.returncode == 0


def test_every_plugin_file_carries_the_licence_header():
    files = [p for p in (REPO_ROOT / "plugins").rglob("*") if p.suffix in (".py", ".ps1", ".psm1")]
    missing = [str(p.relative_to(REPO_ROOT)) for p in files if LICENCE not in "".join(p.read_text().splitlines()[:20])]
    assert files and missing == []


def test_galaxy_metadata_names_no_placeholder_address():
    galaxy = yaml.safe_load((REPO_ROOT / "galaxy.yml").read_text())
    addresses = [galaxy.get(key) for key in ("repository", "documentation", "homepage", "issues") if galaxy.get(key)]
    assert not [a for a in addresses if re.search(r"example\.(invalid|com|org)|localhost", a)]


def test_the_execution_environment_files_ship_and_exist():
    ee = yaml.safe_load((REPO_ROOT / "meta" / "execution-environment.yml").read_text())
    for name in ee["dependencies"].values():
        assert (REPO_ROOT / name).is_file(), name


def _module_level_imports(tree: ast.Module) -> list[str]:
    """Modules imported unguarded by statements that run at import time (not inside a function, not in a
    ``try`` that handles ImportError)."""
    guarded = {
        id(child)
        for node in ast.walk(tree)
        if isinstance(node, ast.Try)
        and any(getattr(h.type, "id", "") in ("ImportError", "ModuleNotFoundError") for h in node.handlers)
        for child in node.body
    }
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for child in ast.iter_child_nodes(node):
            if id(child) in guarded:  # try: import ... except ImportError (module_utils guard their own)
                continue
            if isinstance(child, ast.Import):
                names += [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom) and child.module:
                names.append(child.module)
    return names


def test_only_cryptography_lib_imports_cryptography_when_a_plugin_loads():
    """Ansible loads plugins where cryptography may be missing (ansible-test's import test): the guarded
    import in plugin_utils/cryptography_lib.py is the only one that runs at load time."""
    offenders = [
        str(path.relative_to(REPO_ROOT))
        for path in (REPO_ROOT / "plugins").rglob("*.py")
        if path.name != "cryptography_lib.py"
        and any(name.split(".")[0] == "cryptography" for name in _module_level_imports(ast.parse(path.read_text())))
    ]
    assert offenders == []
