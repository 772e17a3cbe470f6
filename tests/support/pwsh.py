"""Where the PowerShell for the tests is, as ``tools/find-pwsh`` says (``make pester`` asks it too).

The nearest ``shared/pwsh/pwsh`` in the repository root or a folder above it (the bundled PowerShell 7 beside every
checkout of this project; a worktree or a CI clone may sit deeper), else ``pwsh`` on PATH. Nothing is skipped when
there is neither: the caller fails with :class:`PwshMissing`'s message, which says what is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
FIND_PWSH = REPO_ROOT / "tools" / "find-pwsh"


class PwshMissing(RuntimeError):
    """No PowerShell to run the PowerShell tests with."""


def find_pwsh(script: Path = FIND_PWSH, env: Mapping[str, str] | None = None) -> Path:
    """The pwsh ``script`` (``tools/find-pwsh``) prints; :class:`PwshMissing` with its message when it finds none."""
    bash = shutil.which("bash") or "/bin/bash"
    found = subprocess.run(
        [bash, os.fspath(script)], capture_output=True, text=True, check=False, env=None if env is None else dict(env)
    )
    if found.returncode != 0 or not found.stdout.strip():
        raise PwshMissing(found.stderr.strip() or f"{script} found no pwsh")
    return Path(found.stdout.strip())
