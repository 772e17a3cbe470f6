# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The part of WindowsFeature.psm1 only the apply run uses: its writers and their helpers; that file's header says what
# they act on and which Windows facts they rely on. The gather run (host_state_gather) does not send this file
# (docs/ENGINE.md, "Two modules").

#AnsibleRequires -PowerShell ..module_utils.WindowsFeature
#AnsibleRequires -PowerShell ..module_utils.WinFeature

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

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
    if ([bool]$feature.installed) {
        return @{ changed = $false; reboot_required = $false }
    }
    # Exactly the named role service; Windows adds the features it depends on (WINDOWS_FACTS FEATURE-3).
    $outcome = Install-MtlsWinFeature -Name ([string]$feature.name)
    if (-not [bool]$outcome.success) {
        throw "Install-WindowsFeature $Name did not succeed (exit code $($outcome.exit_code)); see the Server Manager event log on the host, and check that the installation source is reachable"
    }
    # RestartNeeded is No, Yes or Maybe (WINDOWS_FACTS FEATURE-3): Maybe counts as needed.
    @{ changed = $true; reboot_required = ([string]$outcome.restart_needed -ne 'No') }
}

Export-ModuleMember -Function Install-MtlsWindowsFeature
