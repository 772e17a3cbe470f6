# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The part of Schannel.psm1 only the apply run uses: its writers and their helpers; that file's header says what
# they act on and which Windows facts they rely on. The gather run (host_state_gather) does not send this file
# (docs/ENGINE.md, "Two modules").

#AnsibleRequires -PowerShell ..module_utils.Schannel
#AnsibleRequires -PowerShell ..module_utils.RegistryValue
#AnsibleRequires -PowerShell ..module_utils.WinRegistry

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

# The marker's parent is created as an ordinary key first: creating the volatile key with a missing parent would make
# the parent volatile too (WINDOWS_FACTS REG-6).
$script:MarkerParentPath = 'SOFTWARE\mtls.iis'

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
    if ((Get-MtlsSchannelConstant -Name 'SchannelValueNames') -cnotcontains $Name) {
        throw "'$Name' is not a Schannel value this collection manages; only $((Get-MtlsSchannelConstant -Name 'SchannelValueNames') -join ' and ') are"
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

Function Set-MtlsSchannelRebootMarker {
    <#
    .SYNOPSIS
    Records that a Schannel value changes before the next restart: the ordinary key HKLM\SOFTWARE\mtls.iis, then the
    volatile key SchannelRebootPending under it (WINDOWS_FACTS REG-6). Touches nothing else.
    #>
    [CmdletBinding()]
    param ()

    New-MtlsWinRegistryKey -Path $script:MarkerParentPath
    New-MtlsWinRegistryKey -Path (Get-MtlsSchannelConstant -Name 'MarkerKeyPath') -Volatile
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
    $current = Find-MtlsRegistryValue -Key (Get-MtlsWinRegistryKey -Path (Get-MtlsSchannelConstant -Name 'SchannelKeyPath')) -Name $Name
    if ($null -ne $current -and $current.kind -eq 'REG_DWORD' -and [long]$current.data -eq $dword) {
        return @{ changed = $false }
    }
    # The marker first: a failure between the two writes can only report a reboot that is not needed, never hide one
    # that is.
    Set-MtlsSchannelRebootMarker
    # A value of another type becomes a REG_DWORD: the write replaces type and data (WINDOWS_FACTS REG-4).
    Set-MtlsWinRegistryValue -Path (Get-MtlsSchannelConstant -Name 'SchannelKeyPath') -Name $Name -Kind 'REG_DWORD' -Data $dword
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
    $current = Find-MtlsRegistryValue -Key (Get-MtlsWinRegistryKey -Path (Get-MtlsSchannelConstant -Name 'SchannelKeyPath')) -Name $Name
    if ($null -eq $current) {
        return @{ changed = $false }
    }
    Set-MtlsSchannelRebootMarker
    Remove-MtlsWinRegistryValue -Path (Get-MtlsSchannelConstant -Name 'SchannelKeyPath') -Name $Name
    @{ changed = $true }
}

Export-ModuleMember -Function Set-MtlsSchannelValue
Export-ModuleMember -Function Remove-MtlsSchannelValue
