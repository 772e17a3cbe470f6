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

#AnsibleRequires -PowerShell ..module_utils.WinRegistry
#AnsibleRequires -PowerShell ..module_utils.RegistryValue

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

$script:SchannelKeyPath = 'SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL'
$script:SchannelValueNames = @('ClientAuthTrustMode', 'SendTrustedIssuerList')

# The marker's parent is created as an ordinary key first: creating the volatile key with a missing parent would make
# the parent volatile too (WINDOWS_FACTS REG-6).
$script:MarkerParentPath = 'SOFTWARE\mtls.iis'
$script:MarkerKeyPath = 'SOFTWARE\mtls.iis\SchannelRebootPending'

Function Assert-MtlsSchannelValueName {
    <#
    .SYNOPSIS
    Refuses any value name other than the two the collection owns (defence in depth).
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Name
    )

    # Case-sensitive: a value created under another casing would keep that casing in the registry.
    if ($script:SchannelValueNames -cnotcontains $Name) {
        throw "'$Name' is not a Schannel value this collection manages; only $($script:SchannelValueNames -join ' and ') are"
    }
}

Function ConvertTo-MtlsDword {
    <#
    .SYNOPSIS
    Validates an op's value: an integer in the REG_DWORD range 0..4294967295, returned as [long].
    #>
    [CmdletBinding()]
    [OutputType([long])]
    param (
        [Parameter(Mandatory = $true)]
        [AllowNull()]
        [object]
        $Value
    )

    # JSON integers arrive as Int32 or Int64; a bool, a string or a float is a damaged op, not something to coerce.
    if ($Value -isnot [int] -and $Value -isnot [long]) {
        throw "value '$Value' is not an integer"
    }
    if ($Value -lt 0 -or $Value -gt 4294967295) {
        throw "value $Value is outside the REG_DWORD range 0..4294967295"
    }
    [long]$Value
}

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

Function Set-MtlsSchannelRebootMarker {
    <#
    .SYNOPSIS
    Records that a Schannel value changes before the next restart: the ordinary key HKLM\SOFTWARE\mtls.iis, then the
    volatile key SchannelRebootPending under it (WINDOWS_FACTS REG-6). Touches nothing else.
    #>
    [CmdletBinding()]
    param ()

    New-MtlsWinRegistryKey -Path $script:MarkerParentPath
    New-MtlsWinRegistryKey -Path $script:MarkerKeyPath -Volatile
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

Function Set-MtlsSchannelValue {
    <#
    .SYNOPSIS
    Op schannel_set: writes one owned value as REG_DWORD; changed only when the stored type or value differs, and
    then the reboot marker is written first.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Name,

        [Parameter(Mandatory = $true)]
        [AllowNull()]
        [object]
        $Value
    )

    Assert-MtlsSchannelValueName -Name $Name
    $dword = ConvertTo-MtlsDword -Value $Value
    $current = Find-MtlsRegistryValue -Key (Get-MtlsWinRegistryKey -Path $script:SchannelKeyPath) -Name $Name
    if ($null -ne $current -and $current.kind -eq 'REG_DWORD' -and [long]$current.data -eq $dword) {
        return @{ changed = $false }
    }
    # The marker first: a failure between the two writes can only report a reboot that is not needed, never hide one
    # that is.
    Set-MtlsSchannelRebootMarker
    # A value of another type becomes a REG_DWORD: the write replaces type and data (WINDOWS_FACTS REG-4).
    Set-MtlsWinRegistryValue -Path $script:SchannelKeyPath -Name $Name -Kind 'REG_DWORD' -Data $dword
    @{ changed = $true }
}

Function Remove-MtlsSchannelValue {
    <#
    .SYNOPSIS
    Op schannel_unset: deletes one owned value if present (absent means the Windows default, WINDOWS_FACTS
    SCHANNEL-1); when it deletes one, the reboot marker is written first.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Name
    )

    Assert-MtlsSchannelValueName -Name $Name
    $current = Find-MtlsRegistryValue -Key (Get-MtlsWinRegistryKey -Path $script:SchannelKeyPath) -Name $Name
    if ($null -eq $current) {
        return @{ changed = $false }
    }
    Set-MtlsSchannelRebootMarker
    Remove-MtlsWinRegistryValue -Path $script:SchannelKeyPath -Name $Name
    @{ changed = $true }
}

Export-ModuleMember -Function Get-MtlsSchannelSnapshot
Export-ModuleMember -Function Set-MtlsSchannelValue
Export-ModuleMember -Function Remove-MtlsSchannelValue
