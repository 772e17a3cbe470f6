# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Windows itself for the host_state engine: which Windows this host runs (its build and computer name, the host part
# of every snapshot) and which features (roles and role services such as Web-Cert-Auth, Web-Client-Auth,
# Web-Http-Tracing) are installed; feature_install. Windows is reached only through the boundary utils WinFeature
# (Get-WindowsFeature / Install-WindowsFeature), WinRegistry (the OS build) and WinHost (the computer name).
#
# Get-WindowsFeature and Install-WindowsFeature exist on Windows Server only (WINDOWS_FACTS FEATURE-1). Client
# editions (Windows 10/11) manage their IIS parts as optional features under other names, which this file does not
# handle: it fails with a message saying so.
# Its writers are in WindowsFeatureWrite.psm1: the gather run (host_state_gather) sends the readers only, the apply
# run (host_state_apply) both (docs/ENGINE.md, "Two modules").

#AnsibleRequires -PowerShell ..module_utils.WinFeature
#AnsibleRequires -PowerShell ..module_utils.WinRegistry
#AnsibleRequires -PowerShell ..module_utils.RegistryValue
#AnsibleRequires -PowerShell ..module_utils.WinHost

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

$script:CurrentVersionPath = 'SOFTWARE\Microsoft\Windows NT\CurrentVersion'

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
    Reads the given features with one Get-WindowsFeature call: requested name -> @{ name; installed; install_state }.
    A host without the ServerManager module, or a name Windows does not know, is an error that says so.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [string[]]
        $Names
    )

    $answer = Get-MtlsWinFeature -Name $Names
    if (-not $answer.available) {
        throw "this host has no ServerManager PowerShell module, so Get-WindowsFeature and Install-WindowsFeature do not exist here (they come with Windows Server; client editions such as Windows 10/11 manage IIS parts as optional features with Enable-WindowsOptionalFeature) - install the feature yourself or leave the features to the Windows Server hosts"
    }
    $found = @{}
    foreach ($name in $Names) {
        # Feature names compare case-insensitively (Get-WindowsFeature accepts any case, WINDOWS_FACTS FEATURE-2).
        $feature = @($answer.features | Where-Object { [string]::Equals([string]$_.name, $name, [System.StringComparison]::OrdinalIgnoreCase) })
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
        # Installed is the feature's own boolean. Whether a feature waiting for a restart (InstallPending) reports
        # true is not verified (WINDOWS_FACTS FEATURE-4); if it reports false, feature_install runs again and
        # Install-WindowsFeature reports the pending restart again.
        $snapshot[$name] = [bool]$features[$name].installed
    }
    $snapshot
}

Function Get-MtlsWindowsVersion {
    <#
    .SYNOPSIS
    The Windows version as major.minor.build (10.0.20348), read from HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion:
    CurrentMajorVersionNumber, CurrentMinorVersionNumber and CurrentBuildNumber (WINDOWS_FACTS HOST-1). Unlike
    [Environment]::OSVersion it does not depend on the host process's manifest (WINDOWS_FACTS HOST-2).
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param ()

    $key = Get-MtlsWinRegistryKey -Path $script:CurrentVersionPath
    if ($null -eq $key) {
        throw "the registry key HKLM\$script:CurrentVersionPath does not exist, so the Windows version is unknown"
    }
    $major = Find-MtlsRegistryValue -Key $key -Name 'CurrentMajorVersionNumber' -Kind 'REG_DWORD'
    $minor = Find-MtlsRegistryValue -Key $key -Name 'CurrentMinorVersionNumber' -Kind 'REG_DWORD'
    $buildValue = Find-MtlsRegistryValue -Key $key -Name 'CurrentBuildNumber' -Kind 'REG_SZ'
    $build = $null
    if ($null -ne $buildValue) {
        $build = $buildValue.data
    }
    if ($null -eq $major -or $null -eq $minor -or $build -notmatch '^[0-9]+$') {
        throw "HKLM\$script:CurrentVersionPath has no CurrentMajorVersionNumber/CurrentMinorVersionNumber (REG_DWORD) and numeric CurrentBuildNumber (REG_SZ) (build '$build'); this collection supports Windows Server 2016 and later"
    }
    '{0}.{1}.{2}' -f $major.data, $minor.data, $build
}

Function Get-MtlsHostIdentity {
    <#
    .SYNOPSIS
    The host part of every snapshot: os_version (major.minor.build) and computer_name.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param ()

    @{
        os_version = Get-MtlsWindowsVersion
        computer_name = Get-MtlsWinComputerName
    }
}

Export-ModuleMember -Function Get-MtlsWindowsFeatureSnapshot
Export-ModuleMember -Function Get-MtlsHostIdentity
Export-ModuleMember -Function Get-MtlsWindowsVersion
Export-ModuleMember -Function Assert-MtlsWindowsFeatureName
Export-ModuleMember -Function Get-MtlsWindowsFeatureState
