<#
.SYNOPSIS
Static checks of PowerShell with the real parser: what Windows PowerShell 5.1 cannot run, .NET API missing from
.NET Framework 4.6.2, and the pslint-like rules (docs/TESTING.md, "PowerShell, statically").

.DESCRIPTION
The analysis (src/*.cs) runs inside this pwsh on System.Management.Automation's own parser and reads the
reference assemblies of the pwsh bundle ($env:MTLS_PWSH_BUNDLE/refs). It is compiled once per source version into
${MTLS_PSSTATIC_CACHE:-${XDG_CACHE_HOME:-~/.cache}/mtls-psstatic}. The rule tables are data/*.psd1.

-Serve reads one JSON request per line on stdin and answers each with one line '@@psstatic <json>' on stdout,
echoing the request's "id" (tests/support/psstatic.py drives it); otherwise the files given are checked and the
answer printed.

.EXAMPLE
../shared/pwsh/pwsh -NoProfile -File tests/support/psstatic/PsStatic.ps1 -Text plugins/modules/host_state_apply.ps1

.EXAMPLE
../shared/pwsh/pwsh -NoProfile -File tests/support/psstatic/PsStatic.ps1 -Check ps51 plugins/module_utils/CertStore.psm1
#>
[CmdletBinding()]
param (
    [Parameter(Position = 0, ValueFromRemainingArguments = $true)]
    [string[]]
    $Path = @(),

    [ValidateSet('ps51', 'netfx', 'lint')]
    [string[]]
    $Check = @('ps51', 'netfx', 'lint'),

    [switch]
    $Text,

    [switch]
    $Serve
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

Function Get-PsStaticCacheFolder {
    if ($env:MTLS_PSSTATIC_CACHE) {
        return $env:MTLS_PSSTATIC_CACHE
    }
    $base = if ($env:XDG_CACHE_HOME) { $env:XDG_CACHE_HOME } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.cache' }
    Join-Path $base 'mtls-psstatic'
}

Function Import-PsStaticAnalyzer {
    <# Loads the compiled analyzer, compiling src/*.cs first when this source version has no cached assembly. #>
    if ('MtlsPsStatic.Analyzer' -as [type]) {
        return
    }
    $sources = @(Get-ChildItem -LiteralPath (Join-Path $PSScriptRoot 'src') -Filter '*.cs' | Sort-Object -Property Name)
    $sha = [System.Security.Cryptography.SHA256]::Create()
    $identity = [System.Text.StringBuilder]::new($PSVersionTable.PSVersion.ToString())
    foreach ($source in $sources) {
        $null = $identity.Append("`n").Append($source.Name).Append("`n").Append([System.IO.File]::ReadAllText($source.FullName))
    }
    $hash = [System.BitConverter]::ToString($sha.ComputeHash([System.Text.Encoding]::UTF8.GetBytes($identity.ToString()))).Replace('-', '')
    $folder = Get-PsStaticCacheFolder
    $assembly = Join-Path $folder "MtlsPsStatic-$($hash.Substring(0, 16)).dll"
    if (-not (Test-Path -LiteralPath $assembly)) {
        $null = New-Item -ItemType Directory -Path $folder -Force
        # Compiled to a private name, then renamed: concurrent first runs never load a half-written file.
        $partial = Join-Path $folder "partial-$([guid]::NewGuid().ToString('N')).dll"
        try {
            Add-Type -Path $sources.FullName -OutputAssembly $partial -OutputType Library
            Move-Item -LiteralPath $partial -Destination $assembly -Force
        }
        finally {
            Remove-Item -LiteralPath $partial -Force -ErrorAction SilentlyContinue
        }
    }
    $null = [System.Reflection.Assembly]::LoadFrom($assembly)
}

Function Get-PsStaticRuleData {
    <# The rule tables of data/*.psd1 plus what this pwsh knows: its aliases and the parameters of the cmdlets the tables name. #>
    $data = @{}
    foreach ($section in 'Ps51', 'NetFx', 'Lint') {
        $data[$section] = Import-PowerShellDataFile -LiteralPath (Join-Path $PSScriptRoot "data/$section.psd1")
    }
    $aliases = @{}
    foreach ($alias in Get-Alias) {
        $aliases[$alias.Name] = $alias.Definition
    }
    $parameters = @{}
    $cmdlets = @($data.Ps51.Parameters.Keys) + @($data.Ps51.FileWritingCmdlets) + @($data.Ps51.FileReadingCmdlets)
    foreach ($name in $cmdlets | Sort-Object -Unique) {
        $command = Get-Command -Name $name -CommandType Cmdlet, Function -ErrorAction SilentlyContinue
        if ($null -eq $command) {
            continue
        }
        $parameters[$name] = @(
            foreach ($parameter in $command.Parameters.Values) {
                (@($parameter.Name) + @($parameter.Aliases)) -join '|'
            }
        )
    }
    $data.Runtime = @{ Aliases = $aliases; CmdletParameters = $parameters }
    $data
}

Function Get-PsStaticReferenceFolder {
    $root = if ($env:MTLS_PSSTATIC_REFS) { $env:MTLS_PSSTATIC_REFS } elseif ($env:MTLS_PWSH_BUNDLE) { Join-Path $env:MTLS_PWSH_BUNDLE 'refs' } else { $null }
    if (-not $root -or -not (Test-Path -LiteralPath (Join-Path $root 'net462'))) {
        throw 'no reference assemblies: run this with the bundled pwsh (../shared/pwsh/pwsh sets MTLS_PWSH_BUNDLE) or set MTLS_PSSTATIC_REFS to a folder holding net462/ and PowerShellStandard/'
    }
    @((Join-Path $root 'net462'), (Join-Path $root 'PowerShellStandard'))
}

Import-PsStaticAnalyzer
$analyzer = [MtlsPsStatic.Analyzer]::new((Get-PsStaticRuleData), [string[]](Get-PsStaticReferenceFolder))

if ($Serve) {
    [Console]::Out.WriteLine('@@psstatic {"ready": true}')
    [Console]::Out.Flush()
    while ($null -ne ($line = [Console]::In.ReadLine())) {
        if (-not $line.Trim()) {
            continue
        }
        try {
            $answer = $analyzer.Analyze($line)
        }
        catch {
            $failure = @{ error = $_.Exception.ToString() }
            try {
                $failure.id = (ConvertFrom-Json -InputObject $line).id
            }
            catch {
                $failure.id = $null  # not even JSON: the answer cannot name the request
            }
            $answer = ConvertTo-Json -Compress -InputObject $failure
        }
        [Console]::Out.WriteLine("@@psstatic $answer")
        [Console]::Out.Flush()
    }
    return
}

$request = @{
    files = @(
        foreach ($file in Resolve-Path -Path $Path -Relative) {
            @{ name = $file; path = (Resolve-Path -LiteralPath $file).ProviderPath; checks = $Check }
        }
    )
}
$answer = $analyzer.Analyze((ConvertTo-Json -InputObject $request -Depth 5 -Compress))
if (-not $Text) {
    $answer
    return
}
$failed = $false
foreach ($file in (ConvertFrom-Json -InputObject $answer).files) {
    foreach ($parseError in $file.parse_errors) {
        $failed = $true
        "$($file.name):$($parseError.line):$($parseError.column): parse $($parseError.id) $($parseError.message)"
    }
    foreach ($finding in $file.findings) {
        $failed = $true
        "$($file.name):$($finding.line):$($finding.column): $($finding.rule) $($finding.message)"
    }
}
if ($failed) {
    exit 1
}
