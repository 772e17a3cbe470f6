# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The two Schannel registry values the collection owns, under
# HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL. Sibling values are never read or written.
# HKLM\SYSTEM is not subject to WOW64 registry redirection, so the process bitness does not matter.

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

$script:SchannelKeyPath = 'SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL'
$script:SchannelValueNames = @('ClientAuthTrustMode', 'SendTrustedIssuerList')

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
    Validates an integer in the REG_DWORD range and returns the Int32 with the same bits (what RegistryKey.SetValue takes).
    #>
    [CmdletBinding()]
    [OutputType([int])]
    param (
        [Parameter(Mandatory = $true)]
        [AllowNull()]
        [object]
        $Value
    )

    $number = 0L
    $style = [System.Globalization.NumberStyles]::Integer
    $culture = [System.Globalization.CultureInfo]::InvariantCulture
    # JSON integers arrive as Int32 or Int64; a bool or a string is a damaged op, not something to coerce.
    $isNumber = $null -ne $Value -and $Value -isnot [bool] -and $Value -isnot [string]
    if (-not $isNumber -or -not [long]::TryParse([string]$Value, $style, $culture, [ref]$number)) {
        throw "value '$Value' is not an integer"
    }
    if ($number -lt 0 -or $number -gt 4294967295) {
        throw "value $number is outside the REG_DWORD range 0..4294967295"
    }
    [System.BitConverter]::ToInt32([System.BitConverter]::GetBytes([uint32]$number), 0)
}

Function Read-MtlsSchannelValue {
    <#
    .SYNOPSIS
    Reads one value of an open key: $null when absent, an integer for REG_DWORD, a string for any other kind.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [Microsoft.Win32.RegistryKey]
        $Key,

        [Parameter(Mandatory = $true)]
        [string]
        $Name
    )

    if ($Key.GetValueNames() -notcontains $Name) {
        return $null
    }
    $kind = $Key.GetValueKind($Name)
    $data = $Key.GetValue($Name, $null, [Microsoft.Win32.RegistryValueOptions]::DoNotExpandEnvironmentNames)
    if ($kind -eq [Microsoft.Win32.RegistryValueKind]::DWord) {
        # GetValue returns REG_DWORD as a signed Int32; report the unsigned number Windows stores.
        return [long][System.BitConverter]::ToUInt32([System.BitConverter]::GetBytes([int]$data), 0)
    }
    if ($data -is [byte[]]) {
        return [System.BitConverter]::ToString($data).Replace('-', '')
    }
    if ($data -is [string[]]) {
        return ($data -join "`n")
    }
    [string]$data
}

Function Get-MtlsSchannelSnapshot {
    <#
    .SYNOPSIS
    Reads ClientAuthTrustMode and SendTrustedIssuerList without creating anything.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param ()

    $snapshot = @{}
    foreach ($name in $script:SchannelValueNames) {
        $snapshot[$name] = $null
    }
    $key = [Microsoft.Win32.Registry]::LocalMachine.OpenSubKey($script:SchannelKeyPath, $false)
    if ($null -eq $key) {
        return $snapshot
    }
    try {
        foreach ($name in $script:SchannelValueNames) {
            $snapshot[$name] = Read-MtlsSchannelValue -Key $key -Name $name
        }
    }
    finally {
        $key.Close()
    }
    $snapshot
}

Function Set-MtlsSchannelValue {
    <#
    .SYNOPSIS
    Op schannel_set: writes one owned value as REG_DWORD; changed only when the stored value differs.
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
    # Opens the key for writing, creating it only if it is missing (it exists on every supported Windows).
    $key = [Microsoft.Win32.Registry]::LocalMachine.CreateSubKey($script:SchannelKeyPath)
    try {
        if ($key.GetValueNames() -contains $Name) {
            $kind = $key.GetValueKind($Name)
            if ($kind -eq [Microsoft.Win32.RegistryValueKind]::DWord -and [int]$key.GetValue($Name) -eq $dword) {
                return @{ changed = $false }
            }
        }
        # RegSetValueEx replaces both the type and the data, so a value of another kind becomes a REG_DWORD.
        $key.SetValue($Name, $dword, [Microsoft.Win32.RegistryValueKind]::DWord)
    }
    finally {
        $key.Close()
    }
    @{ changed = $true }
}

Function Remove-MtlsSchannelValue {
    <#
    .SYNOPSIS
    Op schannel_unset: deletes one owned value if present (absent means the Windows default).
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
    $key = [Microsoft.Win32.Registry]::LocalMachine.OpenSubKey($script:SchannelKeyPath, $true)
    if ($null -eq $key) {
        return @{ changed = $false }
    }
    try {
        if ($key.GetValueNames() -notcontains $Name) {
            return @{ changed = $false }
        }
        $key.DeleteValue($Name)
    }
    finally {
        $key.Close()
    }
    @{ changed = $true }
}

Export-ModuleMember -Function Get-MtlsSchannelSnapshot
Export-ModuleMember -Function Set-MtlsSchannelValue
Export-ModuleMember -Function Remove-MtlsSchannelValue
