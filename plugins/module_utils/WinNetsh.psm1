# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Windows boundary: netsh.exe (docs/POWERSHELL.md). Only plain data crosses it; Pester tests replace it with a stub
# that fails unless mocked, and the pwsh test host of issue 20 with a fake. Arguments are passed as an array, one
# argument each, never through a command line built as text; no netsh command this collection runs takes a secret,
# and none may ever be passed here (the arguments of a process are readable by every local user, WINDOWS_FACTS
# HTTPSYS-3).

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

Function Invoke-MtlsWinNetsh {
    <#
    .SYNOPSIS
    Runs %SystemRoot%\System32\netsh.exe with the arguments and returns @{ exit_code = int; output = string }: stdout
    and stderr lines in order, joined with "`n". The output is localized (WINDOWS_FACTS HTTPSYS-1): read it only as a
    diagnostic; judge by the exit code (WINDOWS_FACTS HTTPSYS-2).
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [string[]]
        $Arguments
    )

    # A 32-bit process is redirected to the SysWOW64 netsh.exe, which configures the same HTTP.sys.
    $netsh = Join-Path -Path $env:SystemRoot -ChildPath 'System32\netsh.exe'
    if (-not (Test-Path -LiteralPath $netsh -PathType Leaf)) {
        throw "netsh.exe was not found at '$netsh'"
    }
    # Windows PowerShell 5.1 turns native stderr lines redirected with 2>&1 into error records, which 'Stop' would
    # make terminating; this scope continues and returns them as text.
    $ErrorActionPreference = 'Continue'
    $lines = @(& $netsh @Arguments 2>&1)
    $exitCode = $LASTEXITCODE
    $ErrorActionPreference = 'Stop'
    @{
        exit_code = [int]$exitCode
        output = (@($lines | ForEach-Object { [string]$_ }) -join "`n")
    }
}

Export-ModuleMember -Function Invoke-MtlsWinNetsh
