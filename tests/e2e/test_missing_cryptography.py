"""A controller without ``cryptography``: the collection still loads, a task fails saying what to install."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from support.collection import sim_env

BLOCKER = "raise ImportError(\"No module named 'cryptography' (hidden by the test)\")\n"


@pytest.fixture
def env_without_cryptography(tmp_path: Path) -> dict[str, str]:
    """The test environment with a ``cryptography`` package first on the path that fails to import."""
    package = tmp_path / "blocker" / "cryptography"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(BLOCKER)
    return sim_env(PYTHONPATH=str(package.parent), ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"))


def _tool(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def test_a_task_without_cryptography_fails_with_the_install_command(tmp_path, env_without_cryptography):
    play = [
        {
            "hosts": "localhost",
            "connection": "local",
            "gather_facts": False,
            "tasks": [{"name": "under test", "mtls.iis.schannel": {"client_auth_trust_mode": "machine"}}],
        }
    ]
    playbook = tmp_path / "play.yml"
    playbook.write_text(yaml.safe_dump(play))
    proc = subprocess.run(
        [_tool("ansible-playbook"), "-i", "localhost,", str(playbook)],
        env=env_without_cryptography,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    output = proc.stdout + proc.stderr
    assert "-m pip install cryptography" in output
    assert "hidden by the test" in output  # the import error itself is shown


def test_plugins_load_and_document_without_cryptography(env_without_cryptography):
    proc = subprocess.run(
        [_tool("ansible-doc"), "--json", "mtls.iis.trusted_certs", "mtls.iis.client_cert"],
        env=env_without_cryptography,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
