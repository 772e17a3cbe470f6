"""PowerShell mutants for ``make mutation`` (issue 19): hand-chosen bugs in the utils and the dispatcher, each
planted alone in a copy of the repository, must make its Pester test file fail.

cosmic-ray mutates Python only, and no PowerShell mutation tool can be installed here (no NuGet), so the mutants
are listed by hand: each is a realistic bug of the kind a review would miss (a wrong HTTP.sys bit, an inverted
check-mode test, a reboot need dropped, a case-sensitive compare), written as one exact text replacement that must
occur once in its file. A mutant survives when its Pester file still passes; the run exits 1 then.

    python tools/ps_mutation.py [--jobs N] [--match TEXT] [--ansible PATH]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
UTILS = "plugins/module_utils"
MODULE = "plugins/modules/host_state_apply.ps1"


@dataclass(frozen=True)
class Mutant:
    file: str
    original: str
    mutated: str
    tests: str  # the Pester file (under tests/powershell) expected to kill it
    why: str


MUTANTS: tuple[Mutant, ...] = (
    Mutant(
        f"{UTILS}/HttpSysRecordWrite.psm1",
        "negotiate_client_certificate = 0x2",
        "negotiate_client_certificate = 0x4",
        "HttpSysRecord.Tests.ps1",
        "negotiation read from the wrong DefaultFlags bit",
    ),
    Mutant(
        f"{UTILS}/HttpSysRecordWrite.psm1",
        "disable_session_id = @(0x4000,",
        "disable_session_id = @(0x2000,",
        "HttpSysRecord.Tests.ps1",
        "a kept (unmanaged) setting read from the wrong bit",
    ),
    Mutant(
        f"{UTILS}/HttpSysRecordWrite.psm1",
        "if (($mode -band $script:CheckModeNoCheck) -ne 0) {",
        "if (($mode -band $script:CheckModeNoCheck) -eq 0) {",
        "HttpSysRecord.Tests.ps1",
        "revocation mode 'none' inverted",
    ),
    Mutant(
        f"{UTILS}/HttpSys.psm1",
        "'verifyclientcertrevocation=disable'",
        "'verifyclientcertrevocation=enable'",
        "HttpSys.Tests.ps1",
        "netsh told to check revocation when asked not to",
    ),
    Mutant(
        f"{UTILS}/SchannelWrite.psm1",
        "    Set-MtlsSchannelRebootMarker\n    # A value of another type",
        "    # A value of another type",
        "Schannel.Tests.ps1",
        "a Schannel value changed without the reboot marker (a reboot need not reported)",
    ),
    Mutant(
        f"{UTILS}/CertStoreWrite.psm1",
        "if ($normalised -notmatch '^[0-9A-F]{40}$') {",
        "if ($normalised -notmatch '^[0-9A-F]{39,40}$') {",
        "CertStore.Tests.ps1",
        "a truncated thumbprint accepted",
    ),
    Mutant(
        f"{UTILS}/IisConfig.psm1",
        "$total = $total -bor $Bits[$name]",
        "$total = $total -band $Bits[$name]",
        "IisBinding.Tests.ps1",
        "sslFlags names combined with the wrong operator",
    ),
    Mutant(
        f"{UTILS}/IisTracing.psm1",
        "4 = 'Information'; 5 = 'Verbose'",
        "4 = 'Verbose'; 5 = 'Information'",
        "IisTracing.Tests.ps1",
        "trace verbosity names swapped",
    ),
    Mutant(
        f"{UTILS}/IisMapping.psm1",
        "if ($same -and $null -eq $Password -and $found.Count -eq 1) {",
        "if ($same -and $found.Count -eq 1) {",
        "IisMapping.Tests.ps1",
        "a one-to-one mapping's new password not written when the rest is unchanged",
    ),
    Mutant(
        f"{UTILS}/WindowsFeatureWrite.psm1",
        "reboot_required = ([string]$outcome.restart_needed -ne 'No')",
        "reboot_required = ([string]$outcome.restart_needed -eq 'Yes')",
        "WindowsFeature.Tests.ps1",
        "RestartNeeded 'Maybe' not reported as a reboot",
    ),
    Mutant(
        f"{UTILS}/WindowsFeatureWrite.psm1",
        "return @{ changed = $false; reboot_required = $false }",
        "return @{ changed = $true; reboot_required = $false }",
        "WindowsFeature.Tests.ps1",
        "an installed feature reported as changed",
    ),
    Mutant(
        MODULE,
        "if ($module.CheckMode) {",
        "if (-not $module.CheckMode) {",
        "HostStateModule.Tests.ps1",
        "the apply's check-mode refusal inverted",
    ),
)


def find_pwsh() -> str:
    return subprocess.run(
        [str(REPO / "tools" / "find-pwsh")], check=True, capture_output=True, text=True
    ).stdout.strip()


def copy_suite(root: Path) -> None:
    """plugins/ and tests/powershell/ under ``root``, as Invoke-MtlsPester.ps1 finds them from its own folder."""
    shutil.copytree(REPO / "plugins", root / "plugins")
    shutil.copytree(REPO / "tests" / "powershell", root / "tests" / "powershell")


def pester_passes(root: Path, tests: str, pwsh: str, ansible: str) -> bool:
    """Run one Pester file of the copy under ``root`` (no coverage gates on a partial run)."""
    runner = root / "tests/powershell/Invoke-MtlsPester.ps1"
    command = [pwsh, "-NoProfile", "-NonInteractive", "-File", str(runner), "-AnsiblePath", ansible]
    command += ["-Path", str(root / "tests/powershell" / tests), "-Label", "mutant"]
    return subprocess.run(command, check=False, capture_output=True, text=True).returncode == 0


def run_mutant(mutant: Mutant, pwsh: str, ansible: str, workdir: Path) -> tuple[Mutant, bool, float]:
    """Plant the mutant in its own copy of the suite; True (killed) when its Pester file fails."""
    root = workdir / str(MUTANTS.index(mutant))
    copy_suite(root)
    target = root / mutant.file
    target.write_text(target.read_text(encoding="utf-8").replace(mutant.original, mutant.mutated), encoding="utf-8")
    started = time.monotonic()
    return mutant, not pester_passes(root, mutant.tests, pwsh, ansible), time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--match", default="", help="run only the mutants whose file or description contains this")
    parser.add_argument("--ansible", help="the ansible package folder whose Ansible.Basic the tests load")
    args = parser.parse_args()
    ansible = (
        args.ansible
        or subprocess.run(
            [str(REPO / ".venv/bin/python"), "-c", "import ansible, os; print(os.path.dirname(ansible.__file__))"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    chosen = [m for m in MUTANTS if args.match in m.file or args.match in m.why]
    for mutant in chosen:
        count = (REPO / mutant.file).read_text(encoding="utf-8").count(mutant.original)
        if count != 1:
            raise SystemExit(f"{mutant.file}: {mutant.original!r} occurs {count} times, not once")
    pwsh = find_pwsh()
    with tempfile.TemporaryDirectory(prefix="mtls-ps-mutants-") as tmp, ThreadPoolExecutor(args.jobs) as pool:
        # A mutant counts as killed only when its file passes unmutated: a suite that fails anyway kills everything.
        baseline = Path(tmp) / "baseline"
        copy_suite(baseline)
        files = sorted({m.tests for m in chosen})
        passed = list(pool.map(lambda f: pester_passes(baseline, f, pwsh, ansible), files))
        failing = [f for f, ok in zip(files, passed, strict=True) if not ok]
        if failing:
            raise SystemExit(f"these Pester files fail without any mutant, fix them first: {', '.join(failing)}")
        outcomes = list(pool.map(lambda m: run_mutant(m, pwsh, ansible, Path(tmp)), chosen))
    survivors = [m for m, killed, _seconds in outcomes if not killed]
    for mutant, killed, seconds in outcomes:
        print(f"{'killed  ' if killed else 'SURVIVED'} {seconds:5.0f}s {mutant.file}: {mutant.why} ({mutant.tests})")
    print(f"PowerShell mutants: {len(chosen) - len(survivors)} of {len(chosen)} killed")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
