<#
.SYNOPSIS
Runs the Pester suite of tests/powershell against the Ansible.Basic of one ansible-core, prints Pester's command
coverage per file and in total, and checks the coverage gates of coverage.json. Exits 1 when a test fails, no test
ran, or a gated file is below its minimum. make pester runs it once per virtualenv.

.EXAMPLE
pwsh -NoProfile -File tests/powershell/Invoke-MtlsPester.ps1 -AnsiblePath .venv/lib/python3.13/site-packages/ansible
#>
[CmdletBinding()]
param (
    # The 'ansible' package folder of the ansible-core whose Ansible.Basic the tests use.
    [Parameter(Mandatory = $true)]
    [string]
    $AnsiblePath,

    # Test files or folders to run, comma-separated under pwsh -File (default: the whole suite); coverage gates are
    # checked only for the whole suite.
    [string[]]
    $Path = @(),

    # A label for the coverage report file (.build/pester/coverage-<label>.xml, JaCoCo).
    [string]
    $Label = 'pester'
)

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

$repoRoot = (Resolve-Path -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath '../..')).Path
$config = Get-Content -LiteralPath (Join-Path $PSScriptRoot 'coverage.json') -Raw | ConvertFrom-Json
$env:MTLS_ANSIBLE_PATH = (Resolve-Path -LiteralPath $AnsiblePath).Path
Import-Module -Name Pester -MinimumVersion 5.5

# Coverage of every engine file: the engine's two modules and every util that is not a boundary util.
$boundary = @($config.boundary | ForEach-Object { Join-Path $repoRoot $_ })
$covered = @(
    (Join-Path $repoRoot 'plugins/modules/host_state_gather.ps1'),
    (Join-Path $repoRoot 'plugins/modules/host_state_apply.ps1')
) + @(
    Get-ChildItem -LiteralPath (Join-Path $repoRoot 'plugins/module_utils') -Filter '*.psm1' |
        ForEach-Object { $_.FullName } | Where-Object { $boundary -notcontains $_ } | Sort-Object
)
$Path = @($Path | ForEach-Object { $_ -split ',' } | Where-Object { $_ -ne '' })
$wholeSuite = $Path.Count -eq 0
if ($wholeSuite) {
    $Path = @($PSScriptRoot)
}
$reportDir = Join-Path $repoRoot '.build/pester'
$null = New-Item -ItemType Directory -Path $reportDir -Force

$pester = New-PesterConfiguration
$pester.Run.Path = $Path
$pester.Run.PassThru = $true
$pester.Output.Verbosity = 'Normal'
$pester.CodeCoverage.Enabled = $true
$pester.CodeCoverage.Path = $covered
$pester.CodeCoverage.OutputPath = Join-Path $reportDir "coverage-$Label.xml"
$pester.CodeCoverage.OutputFormat = 'JaCoCo'
$started = Get-Date
$result = Invoke-Pester -Configuration $pester
$seconds = [int]((Get-Date) - $started).TotalSeconds

# Per-file coverage: commands executed / commands analyzed.
$byFile = @{}
foreach ($file in $covered) {
    $byFile[$file] = @{ hit = 0; missed = New-Object -TypeName System.Collections.Generic.List[object] }
}
foreach ($command in $result.CodeCoverage.CommandsExecuted) {
    $byFile[$command.File].hit++
}
foreach ($command in $result.CodeCoverage.CommandsMissed) {
    $byFile[$command.File].missed.Add($command)
}

$failures = New-Object -TypeName System.Collections.Generic.List[string]
$totalHit = 0
$totalAll = 0
Write-Host ''
Write-Host "PowerShell command coverage ($Label, ansible at $env:MTLS_ANSIBLE_PATH):"
Write-Host ('{0,-48} {1,9} {2,9} {3,8} {4,6}' -f 'file', 'commands', 'executed', 'percent', 'gate')
foreach ($file in $covered) {
    $relative = [System.IO.Path]::GetRelativePath($repoRoot, $file).Replace('\', '/')
    $hit = $byFile[$file].hit
    $all = $hit + $byFile[$file].missed.Count
    $totalHit += $hit
    $totalAll += $all
    $percent = 100.0
    if ($all -gt 0) {
        $percent = [math]::Floor(1000.0 * $hit / $all) / 10
    }
    $gate = $config.gates.PSObject.Properties[$relative]
    $gateText = '-'
    if ($null -ne $gate) {
        $gateText = "$($gate.Value)%"
        if ($wholeSuite -and $percent -lt [double]$gate.Value) {
            $failures.Add("$relative has $percent% command coverage, below its gate of $($gate.Value)%")
        }
    }
    Write-Host ('{0,-48} {1,9} {2,9} {3,7}% {4,6}' -f $relative, $all, $hit, $percent, $gateText)
}
$totalPercent = 0
if ($totalAll -gt 0) {
    $totalPercent = [math]::Floor(1000.0 * $totalHit / $totalAll) / 10
}
Write-Host ('{0,-48} {1,9} {2,9} {3,7}%' -f 'total', $totalAll, $totalHit, $totalPercent)

# Every command a gated file does not execute, so a reader can judge each (whole suite only).
foreach ($file in @($covered | Where-Object { $wholeSuite })) {
    $relative = [System.IO.Path]::GetRelativePath($repoRoot, $file).Replace('\', '/')
    if ($null -eq $config.gates.PSObject.Properties[$relative] -or $byFile[$file].missed.Count -eq 0) {
        continue
    }
    Write-Host ''
    Write-Host "Not executed in ${relative}:"
    foreach ($command in ($byFile[$file].missed | Sort-Object -Property Line)) {
        Write-Host ('  line {0,4}: {1}' -f $command.Line, $command.Command)
    }
}

if ($result.TotalCount -eq 0) {
    $failures.Add('no test ran')
}
if ($result.FailedCount -gt 0 -or $result.FailedBlocksCount -gt 0 -or $result.FailedContainersCount -gt 0) {
    $failures.Add("$($result.FailedCount) test(s), $($result.FailedBlocksCount) block(s) and $($result.FailedContainersCount) file(s) failed")
}
Write-Host ''
Write-Host "Pester ($Label): $($result.PassedCount) passed, $($result.FailedCount) failed, $($result.SkippedCount) skipped in $seconds s"
foreach ($failure in $failures) {
    Write-Host "FAILED: $failure"
}
if ($failures.Count -gt 0) {
    exit 1
}
exit 0
