# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Windows features (roles and role services such as Web-Cert-Auth, Web-Client-Auth, Web-Http-Tracing) for the
# host_state engine, through Get-WindowsFeature and Install-WindowsFeature of the ServerManager PowerShell module.
#
# Those cmdlets exist on Windows Server only. Client SKUs (Windows 10/11) have no ServerManager module; their IIS
# parts are optional features (Enable-WindowsOptionalFeature, other names), which this file does not handle: it
# fails with a message saying so.
#
# Written without a Windows host to run it on: every Windows fact that is not documented by Microsoft, or that
# could not be checked, has a comment saying so.

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

Function Import-MtlsServerManagerModule {
    <#
    .SYNOPSIS
    Makes Get-WindowsFeature and Install-WindowsFeature available; a host without them is an error that says why.
    #>
    [CmdletBinding()]
    param ()

    if ($null -ne (Get-Command -Name 'Install-WindowsFeature' -ErrorAction SilentlyContinue)) {
        return
    }
    if ($null -eq (Get-Module -ListAvailable -Name 'ServerManager')) {
        throw "this host has no ServerManager PowerShell module, so Get-WindowsFeature and Install-WindowsFeature do not exist here (they come with Windows Server; client editions such as Windows 10/11 manage IIS parts as optional features with Enable-WindowsOptionalFeature) - install the feature yourself or leave the features to the Windows Server hosts"
    }
    # Module autoloading would also find the cmdlets; importing says clearly which module failed if it cannot load.
    Import-Module -Name 'ServerManager' -ErrorAction Stop
}

Function Assert-MtlsWindowsFeatureName {
    <#
    .SYNOPSIS
    Refuses a feature name that is empty or a wildcard pattern (Get-WindowsFeature would match several features).
    #>
    [CmdletBinding()]
    param (
        [AllowNull()]
        [object]
        $Name,

        [Parameter(Mandatory = $true)]
        [string]
        $What
    )

    if ($Name -isnot [string] -or $Name -notmatch '^[A-Za-z0-9][A-Za-z0-9._-]*$') {
        throw "$What '$Name' is not a Windows feature name such as Web-Cert-Auth (letters, digits, '-', '_', '.'; no wildcards)"
    }
}

Function Get-MtlsWindowsFeatureState {
    <#
    .SYNOPSIS
    Reads the given features with one Get-WindowsFeature call: requested name -> the feature object. A name Windows
    does not know is an error naming it.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [string[]]
        $Names
    )

    Import-MtlsServerManagerModule
    # Get-WindowsFeature -Name takes a string array and returns the features it finds; an unknown name returns
    # nothing rather than an error (believed from use, not documented), hence the check below.
    $features = @(Get-WindowsFeature -Name $Names)
    $found = @{}
    foreach ($name in $Names) {
        # Feature names compare case-insensitively (Get-WindowsFeature accepts any case).
        $feature = @($features | Where-Object { [string]::Equals([string]$_.Name, $name, [System.StringComparison]::OrdinalIgnoreCase) })
        if ($feature.Count -eq 0) {
            throw "Windows has no feature named '$name' on this host (Get-WindowsFeature does not list it); check the name"
        }
        $found[$name] = $feature[0]
    }
    $found
}

Function Get-MtlsWindowsFeatureSnapshot {
    <#
    .SYNOPSIS
    Gather of scope features: requested name -> installed (bool).
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [AllowEmptyCollection()]
        [object[]]
        $Names = @()
    )

    $snapshot = @{}
    if (@($Names).Count -eq 0) {
        return $snapshot
    }
    $wanted = @(
        foreach ($name in @($Names)) {
            Assert-MtlsWindowsFeatureName -Name $name -What 'scope.features entry'
            [string]$name
        }
    )
    $features = Get-MtlsWindowsFeatureState -Names $wanted
    foreach ($name in $wanted) {
        # Feature.Installed is the feature object's boolean. Whether a feature installed but waiting for a reboot
        # (InstallState InstallPending) reports true is not verified; if it reports false, feature_install runs again
        # and Install-WindowsFeature reports the pending restart again.
        $snapshot[$name] = [bool]$features[$name].Installed
    }
    $snapshot
}

Function Install-MtlsWindowsFeature {
    <#
    .SYNOPSIS
    Op feature_install: installs a Windows feature (no-op when installed). Returns changed and reboot_required.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [AllowNull()]
        [object]
        $Name
    )

    Assert-MtlsWindowsFeatureName -Name $Name -What 'name'
    $feature = (Get-MtlsWindowsFeatureState -Names @([string]$Name))[[string]$Name]
    if ([bool]$feature.Installed) {
        return @{ changed = $false; reboot_required = $false }
    }
    # Without -IncludeManagementTools or -IncludeAllSubFeature: exactly the named role service (and the features it
    # depends on, which Install-WindowsFeature adds on its own).
    # Its warnings ("You must restart this server...") say what RestartNeeded says; they are not output.
    $outcome = Install-WindowsFeature -Name ([string]$Name) -WarningAction SilentlyContinue
    if (-not [bool]$outcome.Success) {
        throw "Install-WindowsFeature $Name did not succeed (exit code $([string]$outcome.ExitCode)); see the Server Manager event log on the host, and check that the installation source is reachable"
    }
    # RestartNeeded is an enum No/Yes/Maybe (Microsoft.Windows.ServerManager.Commands.RestartState), not a bool:
    # 'Maybe' counts as needed. The names are from observed output, not from documentation.
    $restart = [string]$outcome.RestartNeeded
    @{ changed = $true; reboot_required = ($restart -ne 'No') }
}

Export-ModuleMember -Function Get-MtlsWindowsFeatureSnapshot
Export-ModuleMember -Function Install-MtlsWindowsFeature
