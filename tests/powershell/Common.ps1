# Shared set-up of the Pester suite (docs/TESTING.md, "PowerShell"). Every test file dot-sources this file in its
# BeforeAll and calls Initialize-MtlsPesterSession. Runs on PowerShell 7 only (the test machine), never on a host.
#
# What a test session holds:
# - Ansible.Basic compiled from the ansible-core named by $env:MTLS_ANSIBLE_PATH (the ansible package folder of a
#   virtualenv; make pester sets it), once per process, with its Exit and WriteLine delegates replaced so a module
#   run can be captured.
# - The Windows boundary (coverage.json "boundary") replaced by stubs: functions with the real parameters whose body
#   throws "unmocked Windows boundary call: <name>". A test mocks what it needs (Mock -ModuleName <util> <function>);
#   every mock returns what Windows returns and names its docs/WINDOWS_FACTS.md entry.
# - The engine utils (every other plugins/module_utils/*.psm1) imported with Import-Module, so coverage counts them.

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

$script:RepoRoot = (Resolve-Path -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath '../..')).Path
$script:UtilsDir = Join-Path -Path $script:RepoRoot -ChildPath 'plugins/module_utils'
# The engine's two modules (docs/ENGINE.md, "Two modules"): the gather run and the op run.
$script:EngineModulePaths = [ordered]@{
    gather = Join-Path -Path $script:RepoRoot -ChildPath 'plugins/modules/host_state_gather.ps1'
    apply = Join-Path -Path $script:RepoRoot -ChildPath 'plugins/modules/host_state_apply.ps1'
}

# Defines the variables and functions of both engine modules in the scope that dot-sources this block, without running
# them: with an option neither module knows, Ansible.Basic fails and exits, which the replaced Exit delegate turns into
# an exception. Use: BeforeAll { . $HostStateLoader }.
$script:HostStateLoader = {
    foreach ($enginePath in $EngineModulePaths.Values) {
        $global:complex_args = @{ mtls_pester_load_only = $true }
        try {
            . $enginePath
        }
        catch {
            if ("$_" -notlike '*exit: 1*') {
                throw
            }
        }
    }
    Set-StrictMode -Version 2.0
}

Function Get-MtlsTestConfig {
    <#
    .SYNOPSIS
    tests/powershell/coverage.json: the boundary files and the coverage gates.
    #>
    Get-Content -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath 'coverage.json') -Raw | ConvertFrom-Json
}

Function Get-MtlsBoundaryPath {
    <#
    .SYNOPSIS
    The full paths of the boundary utils.
    #>
    foreach ($relative in (Get-MtlsTestConfig).boundary) {
        Join-Path -Path $script:RepoRoot -ChildPath $relative
    }
}

Function Get-MtlsExportedFunction {
    <#
    .SYNOPSIS
    The function definitions a util file exports with Export-ModuleMember -Function, read with the real parser.
    #>
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $Path
    )

    $errors = $null
    $ast = [System.Management.Automation.Language.Parser]::ParseFile($Path, [ref]$null, [ref]$errors)
    if ($errors.Count -gt 0) {
        throw "$Path does not parse: $($errors[0].Message)"
    }
    $exports = @(
        foreach ($command in $ast.FindAll({ $args[0] -is [System.Management.Automation.Language.CommandAst] }, $true)) {
            if ($command.GetCommandName() -ne 'Export-ModuleMember') {
                continue
            }
            for ($i = 1; $i -lt $command.CommandElements.Count; $i++) {
                $element = $command.CommandElements[$i]
                if ($element -is [System.Management.Automation.Language.StringConstantExpressionAst]) {
                    $element.Value
                }
            }
        }
    )
    $ast.FindAll({ $args[0] -is [System.Management.Automation.Language.FunctionDefinitionAst] }, $false) |
        Where-Object { $exports -contains $_.Name }
}

Function New-MtlsBoundaryStubSource {
    <#
    .SYNOPSIS
    The source of a stub module for one boundary util: each exported function with its real attributes and parameters,
    whose body throws "unmocked Windows boundary call: <name>".
    #>
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $Path
    )

    $functions = @(Get-MtlsExportedFunction -Path $Path)
    $lines = foreach ($function in $functions) {
        $parameters = $function.Body.ParamBlock
        "function $($function.Name) {"
        foreach ($attribute in $parameters.Attributes) {
            $attribute.Extent.Text
        }
        $parameters.Extent.Text
        "throw 'unmocked Windows boundary call: $($function.Name)'"
        '}'
    }
    $names = ($functions | ForEach-Object { "'$($_.Name)'" }) -join ', '
    (@($lines) + "Export-ModuleMember -Function @($names)") -join "`n"
}

Function Import-MtlsBoundaryStub {
    <#
    .SYNOPSIS
    Replaces every boundary util by its stub module (same module name), globally.
    #>
    foreach ($path in Get-MtlsBoundaryPath) {
        $name = [System.IO.Path]::GetFileNameWithoutExtension($path)
        Get-Module -Name $name | Remove-Module -Force
        $source = New-MtlsBoundaryStubSource -Path $path
        $null = New-Module -Name $name -ScriptBlock ([ScriptBlock]::Create($source)) | Import-Module -Global -Force
    }
}

Function Get-MtlsEngineUtilPath {
    <#
    .SYNOPSIS
    The full paths of the engine utils: every util that is not a boundary util.
    #>
    $boundary = @(Get-MtlsBoundaryPath)
    Get-ChildItem -LiteralPath $script:UtilsDir -Filter '*.psm1' | ForEach-Object { $_.FullName } |
        Where-Object { $boundary -notcontains $_ } | Sort-Object
}

Function Import-MtlsEngineUtil {
    <#
    .SYNOPSIS
    Imports every engine util globally from its file (so coverage counts it), replacing an earlier import.
    #>
    foreach ($path in Get-MtlsEngineUtilPath) {
        Import-Module -Name $path -Global -Force
    }
}

Function Initialize-MtlsAnsibleBasic {
    <#
    .SYNOPSIS
    Compiles Ansible.Basic.cs of the ansible-core at $env:MTLS_ANSIBLE_PATH with its own Add-CSharpType, once per
    process, and replaces the Exit and WriteLine delegates: output lines go to $global:MtlsModuleOutput and Exit throws
    "exit: <rc>".
    #>
    if (-not ('Ansible.Basic.AnsibleModule' -as [type])) {
        $ansible = $env:MTLS_ANSIBLE_PATH
        if ([string]::IsNullOrEmpty($ansible) -or -not (Test-Path -LiteralPath (Join-Path $ansible 'module_utils/csharp/Ansible.Basic.cs'))) {
            throw "MTLS_ANSIBLE_PATH must name the 'ansible' package folder of an ansible-core installation (make pester sets it); got '$ansible'"
        }
        Import-Module -Name (Join-Path $ansible 'module_utils/powershell/Ansible.ModuleUtils.AddType.psm1') -Global
        Add-CSharpType -References (Get-Content -LiteralPath (Join-Path $ansible 'module_utils/csharp/Ansible.Basic.cs') -Raw)
    }
    $global:MtlsModuleOutput = New-Object -TypeName System.Collections.Generic.List[string]
    [Ansible.Basic.AnsibleModule]::WriteLine = { param($line) $global:MtlsModuleOutput.Add($line) }
    [Ansible.Basic.AnsibleModule]::Exit = { param($rc) throw "exit: $rc" }
}

Function Initialize-MtlsPesterSession {
    <#
    .SYNOPSIS
    Ansible.Basic, the boundary stubs and the engine utils, as the header of this file describes.
    #>
    Initialize-MtlsAnsibleBasic
    Import-MtlsBoundaryStub
    Import-MtlsEngineUtil
}

Function Invoke-HostStateModule {
    <#
    .SYNOPSIS
    Runs an engine module (host_state_gather.ps1 or host_state_apply.ps1) as Ansible's exec wrapper does (arguments in
    $complex_args, the real Ansible.Basic) and returns @{ rc; result; json; module } with result the module's JSON as
    hashtables and arrays. Mocks of the test apply: the module runs in this function's scope, a child of the test's.
    #>
    param (
        [Parameter(Mandatory = $true)]
        [ValidateSet('gather', 'apply')]
        [string]
        $Engine,

        [Parameter(Mandatory = $true)]
        [hashtable]
        $Arguments,

        [switch]
        $CheckMode
    )

    $global:complex_args = $Arguments.Clone()
    if ($CheckMode) {
        $global:complex_args['_ansible_check_mode'] = $true
    }
    $global:MtlsModuleOutput.Clear()
    $rc = $null
    try {
        . $script:EngineModulePaths[$Engine]
    }
    catch {
        if ("$_" -notmatch 'exit: (\d+)') {
            throw
        }
        $rc = [int]$Matches[1]
    }
    if ($null -eq $rc -or $global:MtlsModuleOutput.Count -eq 0) {
        throw "host_state_$Engine.ps1 ended without ExitJson or FailJson"
    }
    $json = $global:MtlsModuleOutput[$global:MtlsModuleOutput.Count - 1]
    @{
        rc = $rc
        # ConvertFrom-Json, not Ansible.Basic's FromJson: 2.16's fails on .NET 10 for nested objects.
        result = ConvertFrom-Json -InputObject $json -AsHashtable
        json = $json
        # The AnsibleModule the run created ($null when Ansible.Basic refused the arguments before creating it).
        module = Get-Variable -Name 'module' -Scope 0 -ValueOnly -ErrorAction SilentlyContinue
    }
}

Function New-RegistryKeyAnswer {
    <#
    .SYNOPSIS
    What Get-MtlsWinRegistryKey returns for an existing key (WINDOWS_FACTS REG-3: types as Windows names them, a
    REG_DWORD as its unsigned number). Values: name -> @(kind, data).
    #>
    param (
        [hashtable]
        $Values = @{},

        [string[]]
        $SubKeys = @()
    )

    $answer = @{}
    foreach ($name in $Values.Keys) {
        $answer[$name] = @{ kind = $Values[$name][0]; data = $Values[$name][1] }
    }
    @{ values = $answer; subkeys = $SubKeys }
}

Function New-WindowsError {
    <#
    .SYNOPSIS
    The error a boundary function lets through when a .NET method fails on Windows: a MethodInvocationException around
    the method's exception, which carries Windows' HRESULT and message (a CryptographicException built from a Win32
    error code is 0x8007xxxx with FormatMessage's text, WINDOWS_FACTS CERT-12). Throw it from a mock.
    #>
    param (
        [Parameter(Mandatory = $true)]
        [long]
        $HResult,

        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Message,

        [string]
        $Method = 'Open',

        [type]
        $Type = [System.Security.Cryptography.CryptographicException]
    )

    $inner = New-Object -TypeName $Type.FullName -ArgumentList $Message
    # Exception.HResult has a protected setter and is a signed Int32; PowerShell reads 0x80070005 as that Int32
    # already (negative), 2147942405 as a larger number: the low 32 bits are the HRESULT either way.
    $code = [System.BitConverter]::ToInt32([System.BitConverter]::GetBytes([long]$HResult), 0)
    [System.Exception].GetProperty('HResult').SetValue($inner, $code)
    [System.Management.Automation.MethodInvocationException]::new("Exception calling `"$Method`" with `"1`" argument(s): `"$Message`"", $inner)
}
