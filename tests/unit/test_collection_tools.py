"""The helpers that run ansible-test and the publishing checks: where they find PowerShell, what they count."""

from __future__ import annotations

import importlib
import sys

import pytest
from support.collection import REPO_ROOT


def _tool(name: str):
    sys.path.insert(0, str(REPO_ROOT / "tools"))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.pop(0)


def _executable(path):
    path.parent.mkdir(parents=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


def test_pwsh_is_found_in_shared_beside_a_folder_above_the_checkout(tmp_path):
    pwsh = _executable(tmp_path / "shared" / "pwsh" / "pwsh")
    checkout = tmp_path / "wt" / "pack"
    checkout.mkdir(parents=True)
    assert _tool("run_ansible_test").find_pwsh(checkout, path="") == pwsh


def test_pwsh_on_path_is_used_when_no_shared_bundle_exists(tmp_path):
    on_path = _executable(tmp_path / "bin" / "pwsh")
    checkout = tmp_path / "clone"
    checkout.mkdir()
    assert _tool("run_ansible_test").find_pwsh(checkout, path=str(on_path.parent)) == on_path


def test_missing_pwsh_fails_naming_both_places_it_looked(tmp_path):
    with pytest.raises(SystemExit, match=r"no shared/pwsh/pwsh in .* and no pwsh on PATH"):
        _tool("run_ansible_test").find_pwsh(tmp_path, path="")


def test_sanity_skips_only_pslint_by_name():
    command = _tool("run_ansible_test").command("sanity", "3.13", [])
    assert [command[i + 1] for i, arg in enumerate(command) if arg == "--skip-test"] == ["pslint"]


def test_importer_errors_and_warnings_are_counted_and_info_lines_are_not():
    output = "Importing with galaxy-importer 0.4.44\nLoading module diagnose\nWARNING: no changelog\nERROR: bad\n"
    assert _tool("publish_checks").importer_problems(output) == ["WARNING: no changelog", "ERROR: bad"]


def test_the_check_only_repository_is_added_only_when_galaxy_yml_has_none(tmp_path):
    checks = _tool("publish_checks")
    galaxy = tmp_path / "galaxy.yml"
    galaxy.write_text("namespace: mtls\nname: iis\n")
    assert checks.with_check_only_repository(galaxy) is True
    assert checks.CHECK_ONLY_REPOSITORY in galaxy.read_text()
    assert checks.with_check_only_repository(galaxy) is False
