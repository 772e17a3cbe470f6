# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The two Schannel registry values the collection owns, under
# HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL (WINDOWS_FACTS SCHANNEL-1), read and written
# through the registry boundary (WinRegistry.psm1). Sibling values are never written (WINDOWS_FACTS SCHANNEL-2).
#
# Pending reboot. Schannel lives in LSASS, which reads these values when it starts: a change takes effect after the
# next restart (WINDOWS_FACTS SCHANNEL-3). When schannel_set/schannel_unset change a value they first create the
# volatile key HKLM\SOFTWARE\mtls.iis\SchannelRebootPending under the ordinary key HKLM\SOFTWARE\mtls.iis. A
# volatile key lives in memory only and is gone after the next restart (WINDOWS_FACTS REG-6), so a reboot is pending
# exactly while that key exists (WINDOWS_FACTS SCHANNEL-4). The SCHANNEL key itself is never written for this.
# Its writers are in SchannelWrite.psm1: the gather run (host_state_gather) sends the readers only, the apply
# run (host_state_apply) both (docs/ENGINE.md, "Two modules").

#AnsibleRequires -PowerShell ..module_utils.WinRegistry
#AnsibleRequires -PowerShell ..module_utils.RegistryValue

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

$script:SchannelKeyPath = 'SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL'
$script:SchannelValueNames = @('ClientAuthTrustMode', 'SendTrustedIssuerList')

$script:MarkerKeyPath = 'SOFTWARE\mtls.iis\SchannelRebootPending'

Function ConvertTo-MtlsSchannelSnapshotValue {
    <#
    .SYNOPSIS
    A value as the snapshot reports it (docs/ENGINE.md): $null when absent, the number of a REG_DWORD, and text for
    any other type (hex for binary data, lines for REG_MULTI_SZ), which the controller treats as a mismatch.
    #>
    [CmdletBinding()]
    param (
        [AllowNull()]
        [object]
        $Entry
    )

    if ($null -eq $Entry) {
        return $null
    }
    $data = $Entry.data
    if ($Entry.kind -eq 'REG_DWORD') {
        return [long]$data
    }
    if ($data -is [byte[]]) {
        return [System.BitConverter]::ToString($data).Replace('-', '')
    }
    if ($data -is [System.Array]) {
        return (@($data) -join "`n")
    }
    [string]$data
}

Function Test-MtlsSchannelRebootPending {
    <#
    .SYNOPSIS
    Tells whether schannel_set/schannel_unset changed a value since the host last started: the volatile marker key
    exists (WINDOWS_FACTS SCHANNEL-4).
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param ()

    $null -ne (Get-MtlsWinRegistryKey -Path $script:MarkerKeyPath)
}

Function Get-MtlsSchannelSnapshot {
    <#
    .SYNOPSIS
    Reads ClientAuthTrustMode and SendTrustedIssuerList, and pending_reboot, without creating anything.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param ()

    $key = Get-MtlsWinRegistryKey -Path $script:SchannelKeyPath
    $snapshot = @{ pending_reboot = Test-MtlsSchannelRebootPending }
    foreach ($name in $script:SchannelValueNames) {
        $snapshot[$name] = ConvertTo-MtlsSchannelSnapshotValue -Entry (Find-MtlsRegistryValue -Key $key -Name $name)
    }
    $snapshot
}

Function Get-MtlsSchannelConstant {
    <#
    .SYNOPSIS
    A constant of this util by its variable name, for its writers in SchannelWrite.psm1 (a module's script
    variables are its own): each Windows name is defined once.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $Name
    )

    , (Get-Variable -Name $Name -Scope Script -ValueOnly)
}

Export-ModuleMember -Function Get-MtlsSchannelSnapshot
Export-ModuleMember -Function Get-MtlsSchannelConstant
