# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Windows boundary: Windows features (roles and role services) through Get-WindowsFeature and Install-WindowsFeature
# of the ServerManager PowerShell module (docs/POWERSHELL.md). Only plain data crosses it; Pester tests replace it
# with a stub that fails unless mocked, and the pwsh test host of issue 20 with a fake.

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

Function Import-MtlsWinServerManager {
    <#
    .SYNOPSIS
    Loads the ServerManager module when it is not loaded; tells whether this host has it (Windows Server only,
    WINDOWS_FACTS FEATURE-1).
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param ()

    if ($null -ne (Get-Command -Name 'Install-WindowsFeature' -ErrorAction SilentlyContinue)) {
        return $true
    }
    if ($null -eq (Get-Module -ListAvailable -Name 'ServerManager')) {
        return $false
    }
    Import-Module -Name 'ServerManager' -ErrorAction Stop
    $true
}

Function Get-MtlsWinFeature {
    <#
    .SYNOPSIS
    Get-WindowsFeature for the given names, as plain data: @{ available = $false } when this host has no
    ServerManager module, else @{ available = $true; features = @(@{ name; installed; install_state }) } with one
    entry per feature Windows knows (a name it does not know gives none, WINDOWS_FACTS FEATURE-2). name is Windows'
    spelling; install_state the InstallState name (Installed, Available, Removed, InstallPending, UninstallPending).
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [string[]]
        $Name
    )

    if (-not (Import-MtlsWinServerManager)) {
        return @{ available = $false; features = @() }
    }
    $features = @(
        foreach ($feature in @(Get-WindowsFeature -Name $Name)) {
            @{
                name = [string]$feature.Name
                installed = [bool]$feature.Installed
                install_state = [string]$feature.InstallState
            }
        }
    )
    @{ available = $true; features = $features }
}

Function Install-MtlsWinFeature {
    <#
    .SYNOPSIS
    Install-WindowsFeature of exactly one feature (no sub-features, no management tools; the features it depends on
    are added by Windows, WINDOWS_FACTS FEATURE-3), as plain data: @{ success = bool; exit_code = ExitCode name;
    restart_needed = RestartNeeded name (No, Yes, Maybe) }. The cmdlet's restart warning is not output.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $Name
    )

    if (-not (Import-MtlsWinServerManager)) {
        throw "this host has no ServerManager PowerShell module, so Install-WindowsFeature does not exist here"
    }
    $outcome = Install-WindowsFeature -Name $Name -WarningAction SilentlyContinue
    @{
        success = [bool]$outcome.Success
        exit_code = [string]$outcome.ExitCode
        restart_needed = [string]$outcome.RestartNeeded
    }
}

Export-ModuleMember -Function Get-MtlsWinFeature
Export-ModuleMember -Function Install-MtlsWinFeature
