"""Where the PowerShell for the tests is: ``shared/pwsh/pwsh`` above the repository, else ``pwsh`` on PATH.

The bundled pwsh (PowerShell 7.6 with Pester and the .NET Framework 4.6.2 reference assemblies) sits beside the
repository in ``shared/pwsh/``; a worktree or a CI clone may be nested deeper, so every parent is tried. Nothing
is skipped when neither exists: the caller fails with :class:`PwshMissing`'s message.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
BUNDLED = Path("shared") / "pwsh" / "pwsh"


class PwshMissing(RuntimeError):
    """No PowerShell to run the PowerShell tests with."""


def find_pwsh(start: Path = REPO_ROOT) -> Path:
    """``$MTLS_PWSH`` if set, else the first ``shared/pwsh/pwsh`` in ``start`` or a parent, else ``pwsh`` on PATH."""
    override = os.environ.get("MTLS_PWSH")
    if override:
        path = Path(override)
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise PwshMissing(f"MTLS_PWSH={override} is not an executable file")
        return path
    for folder in (start, *start.parents):
        candidate = folder / BUNDLED
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    on_path = shutil.which("pwsh")
    if on_path:
        return Path(on_path)
    raise PwshMissing(
        f"no PowerShell found: neither {BUNDLED} in {start} or a parent of it, nor pwsh on PATH. The PowerShell "
        "checks need PowerShell 7 (the project's bundle: shared/pwsh/pwsh beside the repository; or install pwsh "
        "and set MTLS_PSSTATIC_REFS to a folder with the net462/ and PowerShellStandard/ reference assemblies)."
    )
