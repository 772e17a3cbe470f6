"""How the pwsh host behind WinRM turns a Windows PowerShell command line into a pwsh process (issue 21)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from pwshhost.winrs import PREAMBLE, pwsh_argv, with_preamble
from wsman.commands import encoded_script

PWSH = Path("/opt/pwsh/pwsh")


def _encoded(script: str) -> str:
    return base64.b64encode(script.encode("utf-16-le")).decode("ascii")


def test_the_preamble_comes_first_in_a_script_without_param_block():
    assert with_preamble("&chcp.com 65001 > $null\n$input") == f"{PREAMBLE}\n&chcp.com 65001 > $null\n$input"


def test_the_preamble_follows_a_leading_param_block_which_must_stay_first():
    script = "# comment\nparam([string]$InputFile = 'a)b')\n\nif ($InputFile) { }"
    assert (
        with_preamble(script) == f"# comment\nparam([string]$InputFile = 'a)b')\n{PREAMBLE}\n\n\nif ($InputFile) {{ }}"
    )


def test_the_encoded_command_runs_on_pwsh_with_the_preamble_and_other_arguments_unchanged():
    line = f"PowerShell -NoProfile -NonInteractive -ExecutionPolicy Unrestricted -EncodedCommand {_encoded('exit 3')}"
    argv = pwsh_argv(line, PWSH)
    assert argv[:6] == [
        str(PWSH),
        "-NoProfile",
        "-NonInteractive",
        "-ExecutionPolicy",
        "Unrestricted",
        "-EncodedCommand",
    ]
    assert encoded_script(" ".join(argv)) == f"{PREAMBLE}\nexit 3"


def test_a_command_line_that_does_not_start_powershell_is_refused():
    with pytest.raises(ValueError, match="not a PowerShell command line"):
        pwsh_argv("cmd.exe /c dir", PWSH)
