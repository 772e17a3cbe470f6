"""Changelog fragments and the release history stay in the format antsibull-changelog (and Galaxy) read."""

from __future__ import annotations

import subprocess

import yaml
from support.collection import REPO_ROOT, ansible_tool


def _antsibull_changelog(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [ansible_tool("antsibull-changelog"), *args], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )


def test_every_changelog_fragment_passes_antsibull_changelog_lint():
    proc = _antsibull_changelog("lint")
    assert (proc.returncode, proc.stdout + proc.stderr) == (0, "")


def test_the_release_history_passes_antsibull_changelog_lint():
    proc = _antsibull_changelog("lint-changelog-yaml", "changelogs/changelog.yaml")
    assert (proc.returncode, proc.stdout + proc.stderr) == (0, "")


def test_the_changelog_names_every_release_of_the_history():
    text = (REPO_ROOT / "CHANGELOG.rst").read_text()
    releases = yaml.safe_load((REPO_ROOT / "changelogs" / "changelog.yaml").read_text())["releases"]
    assert releases and all(f"v{version}\n" in text for version in releases)
