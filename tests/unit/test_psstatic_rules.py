"""Each rule of the static PowerShell checks (tests/support/psstatic) on small scripts: what it refuses and passes.

The scripts are checked by the same pwsh process as the collection's files (tests/unit/test_powershell_static.py).
"""

from __future__ import annotations

import os
import re
import shutil
import stat
from pathlib import Path

import pytest
from support import psstatic
from support.pwsh import FIND_PWSH, PwshMissing, find_pwsh

ALL_CHECKS = ("ps51", "netfx", "lint")


def check(text: str, *checks: str, secrets: tuple[str, ...] = ()) -> psstatic.Result:
    source = psstatic.Source("sample.ps1", text=text, checks=checks or ALL_CHECKS, documented_secrets=secrets)
    result = psstatic.analyze_one(source)
    assert result.parse_errors == [], result.parse_errors
    return result


def script(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def rules(text: str, *checks: str, secrets: tuple[str, ...] = ()) -> list[str]:
    return [finding["rule"] for finding in check(text, *checks, secrets=secrets).findings]


# --- parsing --------------------------------------------------------------------------------------------------


def test_a_syntax_error_is_reported_with_its_line_column_and_parser_error_id():
    result = psstatic.analyze_one(psstatic.Source("broken.ps1", text="$ok = 1\nif ($x {\n"))
    first = result.parse_errors[0]
    assert (first["line"], first["column"]) == (2, 8)
    assert all(e["id"] and e["message"] for e in result.parse_errors)


def test_a_using_statement_after_other_statements_is_a_parse_error():
    result = psstatic.analyze_one(psstatic.Source("late.ps1", text="$a = 1\nusing namespace System.Text\n"))
    assert [e["id"] for e in result.parse_errors] == ["UsingMustBeAtStartOfScript"]


def test_pester_syntax_parses_without_pester_loaded():
    text = "Describe 'x' {\n    BeforeAll { $a = 1 }\n    It 'y' { $a | Should -Be 1 }\n}\n"
    assert psstatic.analyze_one(psstatic.Source("x.Tests.ps1", text=text)).parse_errors == []


# --- Windows PowerShell 5.1: syntax and tokens -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("$a = $b ? 1 : 2", "ps51.ternary"),
        ("$a = $b ?? 3", "ps51.null-coalescing"),
        ("$a ??= 3", "ps51.null-coalescing"),
        ("${a}?.Name", "ps51.null-conditional"),
        ("${a}?[0]", "ps51.null-conditional"),
        ("Get-Item x && Get-Item y", "ps51.pipeline-chain"),
        ("Get-Item x || Get-Item y", "ps51.pipeline-chain"),
        ("Get-Item x &", "ps51.background-operator"),
        ("function Get-X { process { } clean { } }", "ps51.clean-block"),
        ("'abc' -replace 'b', { $_.Value.ToUpper() }", "ps51.replace-scriptblock"),
    ],
)
def test_powershell_7_syntax_is_refused(text: str, rule: str):
    assert rules(text, "ps51") == [rule]


def test_the_same_logic_in_windows_powershell_51_syntax_passes():
    text = "if ($null -ne $b) { $a = 1 } else { $a = 2 }\nGet-Item x\nif ($?) { Get-Item y }\n$c = ${a}.Name\n"
    assert rules(text, "ps51") == []


@pytest.mark.parametrize("escape", ["`e", "`u{1F600}"])
def test_escape_sequences_of_powershell_6_are_refused_in_double_quoted_strings(escape: str):
    assert rules(f'$a = "x {escape} y"', "ps51") == ["ps51.escape-sequence"]


def test_an_escaped_backtick_before_e_and_single_quoted_strings_pass():
    assert rules("$a = \"``e\"\n$b = '`e `u{1}'\n# `e in a comment", "ps51") == []


@pytest.mark.parametrize("literal", ["1y", "1uy", "1s", "1us", "1u", "1ul", "5n", "0b101"])
def test_numeric_literals_windows_powershell_51_cannot_read_are_refused(literal: str):
    assert rules(f"$a = {literal}", "ps51") == ["ps51.numeric-literal"]


@pytest.mark.parametrize("literal", ["1", "1l", "2d", "0x1F", "0xFFl", "1kb", "2.5e3", "1.5d", "3gb"])
def test_numeric_literals_of_windows_powershell_51_pass(literal: str):
    assert rules(f"$a = {literal}", "ps51") == []


@pytest.mark.parametrize("variable", ["$IsWindows", "$IsLinux", "$IsCoreCLR", "$PSStyle"])
def test_automatic_variables_windows_powershell_51_lacks_are_refused(variable: str):
    assert rules(f"if ({variable}) {{ }}", "ps51") == ["ps51.automatic-variable"]


# --- Windows PowerShell 5.1: commands, parameters, encodings ---------------------------------------------------


@pytest.mark.parametrize("command", ["'a', 'b' | Join-String", "Test-Json -Json '{}'", "Get-Error"])
def test_commands_windows_powershell_51_lacks_are_refused(command: str):
    assert rules(command, "ps51") == ["ps51.command"]


@pytest.mark.parametrize(
    "command",
    [
        "$text | ConvertFrom-Json -AsHashtable",
        "$text | ConvertFrom-Json -AsHash",  # an unambiguous prefix binds the same parameter
        "Get-Content -Path x -AsByteStream",
        "Invoke-WebRequest -Uri https://x -SkipCertificateCheck",
        "1..3 | ForEach-Object -Parallel { $_ }",
        "1..3 | % -Parallel { $_ }",  # through the alias
        "$splat = @{ AsHashtable = $true }\n$text | ConvertFrom-Json @splat",
    ],
)
def test_cmdlet_parameters_added_after_51_are_refused(command: str):
    assert "ps51.parameter" in rules(command, "ps51")


def test_cmdlet_parameters_of_51_pass():
    text = script(
        "$o = ConvertFrom-Json -InputObject $t",
        "$b = Get-Content -Path x -Encoding Byte -Raw",
        "1..3 | ForEach-Object -Process { $_ }",
    )
    assert rules(text, "ps51") == []


@pytest.mark.parametrize("encoding", ["utf8NoBOM", "utf8BOM", "ansi", "65001", "windows-1252"])
def test_encoding_names_windows_powershell_51_lacks_are_refused(encoding: str):
    assert rules(f"Get-Content -Path x -Encoding {encoding}", "ps51") == ["ps51.encoding"]


@pytest.mark.parametrize(
    "command",
    [
        "Set-Content -Path x -Value $v",
        "$v | Out-File -FilePath x",
        "Add-Content -Path x -Value $v -Encoding UTF8",
        "$v > x.txt",
        "$v >> x.txt",
    ],
)
def test_writing_a_file_whose_encoding_differs_between_51_and_7_is_refused(command: str):
    assert rules(command, "ps51") == ["ps51.file-encoding"]


def test_reading_a_text_file_without_an_encoding_is_refused():
    assert rules("$text = Get-Content -Path x -Raw", "ps51") == ["ps51.file-encoding"]
    assert rules("$text = Get-Content -Path x -Raw -Encoding UTF8", "ps51") == []


def test_writing_a_file_with_an_encoding_both_agree_on_and_discarding_output_pass():
    text = script(
        "Set-Content -Path x -Value $v -Encoding Unicode",
        "$v | Out-File -FilePath y -Encoding ascii",
        "Get-Item z 2> $null",
    )
    assert rules(text, "ps51") == []


def test_a_function_of_the_checked_files_is_not_taken_for_the_cmdlet_of_that_name():
    assert rules("function Get-Error { }\nGet-Error", "ps51") == []


# --- .NET Framework 4.6.2 ----------------------------------------------------------------------------------------


def test_a_planted_convert_to_hex_string_is_refused():
    # Convert.ToHexString arrived in .NET 5: it works in every test on pwsh 7 and fails on the host.
    result = check("$hex = [Convert]::ToHexString($bytes)", "netfx")
    assert [(f["rule"], f["subject"]) for f in result.findings] == [("netfx.member", "[System.Convert]::ToHexString()")]


def test_convert_to_base64_string_passes():
    assert rules("$b64 = [System.Convert]::ToBase64String($bytes)", "netfx") == []


def test_an_inherited_member_passes():
    # GetCertHashString is declared by X509Certificate, the base class of X509Certificate2.
    text = script(
        "$c = New-Object -TypeName System.Security.Cryptography.X509Certificates.X509Certificate2",
        "$c.GetCertHashString()",
    )
    assert rules(text, "netfx") == []


@pytest.mark.parametrize(
    "text",
    [
        "[System.Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPem($pem)",
        "$c = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($der)\n$c.ExportCertificatePem()",
        "$e = [System.Text.Encoding]::Latin1",
    ],
)
def test_members_added_after_net_framework_462_are_refused(text: str):
    assert rules(text, "netfx") == ["netfx.member"]


@pytest.mark.parametrize(
    "text",
    [
        "$json = [System.Text.Json.JsonSerializer]::Serialize($o)",
        "[uint]$n = 1",  # a PowerShell 7 type accelerator
        "$v = [semver]'1.0.0'",
        "$r = New-Object -TypeName System.Buffers.ArrayBufferWriter[byte]",
        "function Get-X { param ([ValidateNotNullOrWhiteSpace()] [string] $A) }",
    ],
)
def test_types_windows_powershell_51_lacks_are_refused(text: str):
    assert "netfx.type" in rules(text, "netfx")


def test_types_of_51_and_its_accelerators_pass():
    text = (
        "[uint32]$n = 1\n[hashtable]$h = @{}\n[xml]$x = '<a/>'\n[pscustomobject]@{ a = 1 }\n"
        "$l = New-Object -TypeName System.Collections.Generic.List[string]\n"
        "$p = [System.Management.Automation.Language.Parser]::ParseInput('1', [ref]$null, [ref]$null)\n"
        "function Get-X { [CmdletBinding()] [OutputType([string])] param ([Parameter(Mandatory = $true)] $A) }\n"
        "function Get-Y { param ([AllowEmptyString()] [AllowNull()] [ValidateSet('a', 'b')] [string] $B) }\n"
    )
    assert rules(text, "netfx") == []


def test_a_short_type_name_resolves_through_using_namespace_only():
    assert rules("$b = [StringBuilder]::new()", "netfx") == ["netfx.type"]
    assert rules("using namespace System.Text\n$b = [StringBuilder]::new()", "netfx") == []


def test_types_of_the_allow_list_pass_without_member_checks():
    text = (
        "$m = New-Object -TypeName Microsoft.Web.Administration.ServerManager\n$m.AnythingAtAll()\n"
        "$module = [Ansible.Basic.AnsibleModule]::Create($args, @{})\n"
    )
    assert rules(text, "netfx") == []


def test_a_named_attribute_argument_must_be_a_property_of_the_attribute():
    assert rules("function Get-X { param ([Parameter(Mandatory = $true)] $A) }", "netfx") == []
    assert rules("function Get-X { param ([Parameter(Compulsory = $true)] $A) }", "netfx") == ["netfx.member"]


@pytest.mark.parametrize(
    "text",
    [
        "$found = 'abc'.Contains('B', [System.StringComparison]::OrdinalIgnoreCase)",
        "$s = 'abc'.Replace('a', 'b', [System.StringComparison]::Ordinal)",
        "$f = [System.IO.FileStream]::new()",
        "$h = New-Object -TypeName System.Collections.Hashtable -ArgumentList 1, 2, 3, 4, 5",
    ],
)
def test_calls_no_net_framework_462_overload_takes_are_refused(text: str):
    assert rules(text, "netfx") == ["netfx.overload"]


def test_calls_with_a_net_framework_462_overload_pass():
    text = (
        "$found = 'abc'.Contains('b')\n$j = [string]::Join(', ', @('a', 'b'))\n"
        "$f = New-Object -TypeName System.IO.FileStream -ArgumentList @(\n    'x',\n"
        "    [System.IO.FileMode]::Open,\n    [System.IO.FileAccess]::Read,\n    [System.IO.FileShare]::ReadWrite\n)\n"
        "$g = [System.Guid]::new()\n$p = [System.IO.Path]::Combine('a', 'b', 'c', 'd', 'e')\n"  # params string[]
    )
    assert rules(text, "netfx") == []


def test_splitting_on_a_string_separator_is_refused():
    # "a, b".Split(", ") gives 2 items on PowerShell 7 and 3 on Windows PowerShell 5.1.
    assert rules("$parts = 'a, b'.Split(', ')", "netfx") == ["netfx.string-split"]


def test_splitting_on_one_character_or_with_the_split_operator_passes():
    assert rules("$parts = 'a,b'.Split(',')\n$more = 'a, b' -split ', '", "netfx") == []


def test_a_member_missing_on_a_variable_of_a_cast_type_is_refused():
    assert rules("[System.IO.FileInfo]$f = $path\n$f.NoSuchMember", "netfx") == ["netfx.member"]


def test_a_member_of_a_derived_type_behind_a_declared_return_type_passes():
    # GetRSAPrivateKey returns RSA; at run time the object is an RSACng, which has Key.
    text = (
        "$rsa = [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::GetRSAPrivateKey($c)\n"
        "if ($rsa -is [System.Security.Cryptography.RSACng]) { $rsa.Key.Delete() }\n"
    )
    assert rules(text, "netfx") == []


def test_keys_of_a_hashtable_and_members_of_list_items_pass():
    text = "$h = @{ a = 1 }\n$h.anything\n$l = New-Object -TypeName System.Collections.Generic.List[string]\n$l.Length"
    assert rules(text, "netfx") == []


def test_an_enum_value_must_exist():
    assert rules("$l = [System.Security.Cryptography.X509Certificates.StoreLocation]::LocalMachine", "netfx") == []
    assert rules("$l = [System.Security.Cryptography.X509Certificates.StoreLocation]::Everywhere", "netfx") == [
        "netfx.member"
    ]


def test_the_type_of_a_function_result_comes_from_its_output_type():
    text = (
        "function Open-Thing { [OutputType([System.IO.FileInfo])] param () }\n"
        "function Get-Thing {\n    $f = Open-Thing\n    $f.Delete()\n    $f.Name\n}\n"
    )
    assert rules(text, "netfx", "lint") == []


# --- lint: uncaptured method output ----------------------------------------------------------------------------


def test_a_non_void_call_left_uncaptured_in_a_function_that_returns_a_value_is_refused():
    text = "function Get-X {\n    $l = New-Object -TypeName System.Collections.ArrayList\n    $l.Add(1)\n    , $l\n}\n"
    assert check(text, "lint").findings[0]["subject"] == "Get-X: $l.Add()"


@pytest.mark.parametrize("capture", ["$null = $l.Add(1)", "[void]$l.Add(1)", "$l.Add(1) | Out-Null"])
def test_a_captured_call_passes(capture: str):
    text = script(
        "function Get-X {", "    $l = New-Object -TypeName System.Collections.ArrayList", capture, "    , $l", "}"
    )
    assert rules(text, "lint") == []


def test_a_void_call_passes():
    text = script(
        "function Get-X {",
        "    $l = New-Object -TypeName System.Collections.Generic.List[object]",
        "    $l.Add(1)",
        "    , $l",
        "}",
    )
    assert rules(text, "lint") == []


def test_a_call_on_an_unknown_object_passes_only_when_every_method_of_that_name_is_void():
    assert rules(script("function Get-X {", "$s = Get-Thing", "$s.Close()", "$true", "}"), "lint") == []
    assert rules(script("function Get-X {", "$s = Get-Thing", "$s.Remove(1)", "$true", "}"), "lint") == [
        "lint.uncaptured-output"
    ]


def test_a_foreach_variable_has_the_type_the_collection_enumerates():
    text = script(
        "function Get-X {",
        "$certificates = New-Object -TypeName System.Security.Cryptography.X509Certificates.X509Certificate2Collection",
        "foreach ($certificate in $certificates) { $certificate.Reset() }",
        "$true",
        "}",
    )
    assert rules(text, "lint") == []
    assert rules("[string[]]$names = @('a')\nforeach ($name in $names) { $name.Split('ab') }", "netfx") == [
        "netfx.string-split"
    ]


def test_the_call_a_function_ends_with_is_its_result():
    text = script(
        "function Get-X {", "$b = [System.Text.StringBuilder]::new()", "$null = $b.Append('a')", "$b.ToString()", "}"
    )
    assert rules(text, "lint") == []


def test_void_methods_of_ansible_basic_pass():
    text = script(
        "function Get-X {", "$m = [Ansible.Basic.AnsibleModule]::Create($args, @{})", "$m.Warn('w')", "$true", "}"
    )
    assert rules(text, "lint") == []


# --- lint: no_log ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        "password = @{ type = 'str' }",
        "pfx_password = @{ type = 'str' }",
        "clientSecret = @{ type = 'str' }",
        "blob = @{ type = 'str'; no_log = $true }",
        "certificate = @{ type = 'dict'; options = @{ private_key = @{ type = 'str' } } }",
    ],
)
def test_a_spec_with_a_secret_option_and_no_root_no_log_is_refused(options: str):
    assert rules(f"$spec = @{{\n    options = @{{\n        {options}\n    }}\n}}\n", "lint") == ["lint.spec-no-log"]


def test_a_spec_with_a_secret_option_and_a_root_no_log_passes():
    assert rules("$spec = @{\n    options = @{ password = @{ type = 'str' } }\n    no_log = $true\n}\n", "lint") == []


def test_an_option_documented_as_secret_counts_as_secret():
    text = "$spec = @{ options = @{ blob = @{ type = 'str' } } }"
    assert rules(text, "lint") == []
    assert rules(text, "lint", secrets=("blob",)) == ["lint.spec-no-log"]


def test_an_inline_spec_passed_to_create_is_checked():
    assert rules("$m = [Ansible.Basic.AnsibleModule]::Create($args, @{ options = @{ token = @{} } })", "lint") == [
        "lint.spec-no-log"
    ]


# --- lint: -ErrorAction Stop inside try/catch ------------------------------------------------------------------


def test_a_cmdlet_inside_try_catch_without_a_stop_preference_is_refused():
    text = "try {\n    Get-Item -Path x\n}\ncatch {\n    throw\n}\n"
    assert rules(text, "lint") == ["lint.erroraction-in-try"]


@pytest.mark.parametrize(
    "text",
    [
        "try { Get-Item -Path x -ErrorAction Stop } catch { throw }",
        "try { Get-Item -Path x -EA Stop } catch { throw }",
        "try { Get-Item -Path x -ErrorAction:SilentlyContinue } catch { throw }",
        "$ErrorActionPreference = 'Stop'\ntry { Get-Item -Path x } catch { throw }",
        "$ErrorActionPreference = 'Stop'\nfunction Get-X { try { Get-Item -Path x } catch { throw } }",
        "function Get-Y { }\ntry { Get-Y } catch { throw }",
        "try { & netsh.exe http show sslcert } catch { throw }",
        "try { Get-Item -Path x } finally { }",
    ],
)
def test_cmdlets_whose_errors_reach_the_catch_pass(text: str):
    assert rules(text, "lint") == []


def test_a_continue_preference_set_in_the_function_overrides_the_file_one():
    text = (
        "$ErrorActionPreference = 'Stop'\nfunction Get-X {\n    $ErrorActionPreference = 'Continue'\n"
        "    try { Get-Item -Path x } catch { throw }\n}\n"
    )
    assert rules(text, "lint") == ["lint.erroraction-in-try"]


# --- lint: Write-Host, verbs, aliases, empty catch, classes ----------------------------------------------------


def test_write_host_is_refused():
    assert rules("Write-Host 'hello'", "lint") == ["lint.write-host"]


@pytest.mark.parametrize("name", ["Fetch-Thing", "Build-Thing", "get-Thing", "GetThing"])
def test_function_names_without_an_approved_51_verb_are_refused(name: str):
    assert rules(f"function {name} {{ }}", "lint") == ["lint.approved-verb"]


def test_function_names_with_an_approved_verb_pass():
    assert rules("function Get-Thing { }\nfunction ConvertTo-Thing { }\nfunction Assert-Thing { }", "lint") == []


@pytest.mark.parametrize("command", ["gci", "1 | % { $_ }", "1 | ? { $_ }", "$a | sort", "cat x"])
def test_aliases_are_refused(command: str):
    assert rules(command, "lint") == ["lint.alias"]


def test_a_null_on_the_right_of_an_equality_test_is_refused():
    assert rules("if ($list -eq $null) { }\nif ($list -ne $null) { }", "lint") == ["lint.null-comparison"] * 2
    assert rules("if ($null -eq $list) { }\nif ($null -ne $list) { }", "lint") == []


def test_an_empty_catch_is_refused():
    assert rules("try { $a = 1 } catch { }", "lint") == ["lint.empty-catch"]


def test_classes_and_enums_are_refused():
    assert rules("class Thing { }\nenum Color { Red }", "lint") == ["lint.class-definition", "lint.class-definition"]


# --- the list of rules --------------------------------------------------------------------------------------------


def test_the_rule_list_names_exactly_the_rules_the_checker_reports():
    # The rule ids are string literals of the checker's C# sources; psstatic.RULES must list each one.
    sources = (Path(psstatic.CHECKER_DIR) / "src").glob("*.cs")
    in_code = {m for path in sources for m in re.findall(r'"((?:ps51|netfx|lint)\.[a-z0-9-]+)"', path.read_text())}
    assert in_code == {rule for rules in psstatic.RULES.values() for rule in rules}


# --- finding pwsh (tools/find-pwsh) --------------------------------------------------------------------------------


def checkout_with_find_pwsh(root: Path) -> Path:
    tools = root / "tools"
    tools.mkdir(parents=True)
    script = tools / "find-pwsh"
    shutil.copy2(FIND_PWSH, script)
    return script


def executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def path_with(folder: Path, *programs: str) -> dict[str, str]:
    """An environment whose PATH is ``folder``, holding links to the named system programs."""
    folder.mkdir(parents=True, exist_ok=True)
    for program in programs:
        (folder / program).symlink_to(shutil.which(program) or f"/usr/bin/{program}")
    return {**os.environ, "PATH": os.fspath(folder)}


def test_the_bundled_pwsh_is_found_in_a_folder_above_the_checkout(tmp_path: Path):
    bundled = executable(tmp_path / "shared" / "pwsh" / "pwsh")
    script = checkout_with_find_pwsh(tmp_path / "wt" / "branch")
    assert find_pwsh(script, env=path_with(tmp_path / "bin", "dirname")) == bundled


def test_pwsh_on_path_is_used_without_a_bundle(tmp_path: Path):
    script = checkout_with_find_pwsh(tmp_path / "repo")
    env = path_with(tmp_path / "bin", "dirname")
    on_path = executable(tmp_path / "bin" / "pwsh")
    assert find_pwsh(script, env=env) == on_path


def test_without_any_pwsh_the_error_says_what_is_missing(tmp_path: Path):
    script = checkout_with_find_pwsh(tmp_path / "repo")
    with pytest.raises(PwshMissing, match=r"no shared/pwsh/pwsh in .* and no pwsh on PATH"):
        find_pwsh(script, env=path_with(tmp_path / "bin", "dirname"))
