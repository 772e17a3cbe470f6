# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Reading a value of a registry key that the boundary returned (WinRegistry.psm1 Get-MtlsWinRegistryKey), for the
# engine utils that read the registry (Schannel, WindowsFeature, HttpSysRecord). Plain data only: nothing here calls
# Windows.

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

Function Find-MtlsRegistryValue {
    <#
    .SYNOPSIS
    The @{ kind; data } of a value of a key read through Get-MtlsWinRegistryKey, found by name case-insensitively as the
    registry does (WINDOWS_FACTS REG-2); $null when the key or the value is absent. -Kind: $null unless the value has
    that type (REG_DWORD, REG_SZ, ...).
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [AllowNull()]
        [object]
        $Key,

        [Parameter(Mandatory = $true)]
        [string]
        $Name,

        [string]
        $Kind = ''
    )

    if ($null -eq $Key) {
        return $null
    }
    foreach ($stored in @($Key.values.Keys)) {
        if ([string]::Equals([string]$stored, $Name, [System.StringComparison]::OrdinalIgnoreCase)) {
            $entry = $Key.values[$stored]
            if ($Kind -ne '' -and $entry.kind -cne $Kind) {
                return $null
            }
            return $entry
        }
    }
    $null
}

Export-ModuleMember -Function Find-MtlsRegistryValue
