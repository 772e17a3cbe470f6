# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Windows boundary: the registry (docs/POWERSHELL.md). Every registry access of the collection goes through these
# functions and nothing else; they hold no decision of the collection's, and only plain data crosses them (strings,
# integers, string arrays, byte arrays, hashtables). Pester tests replace them with stubs that fail unless mocked;
# the pwsh test host of issue 20 replaces this file with a fake that asks a Python model of Windows.
#
# Paths are relative to HKEY_LOCAL_MACHINE ('SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL'), always
# in the 64-bit registry view, so that a 32-bit host process reads and writes what a 64-bit one does
# (WINDOWS_FACTS REG-1). Key paths and value names are case-insensitive (WINDOWS_FACTS REG-2). Errors of the
# registry (access denied, ...) are not caught here.

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

# RegistryValueKind -> the Windows registry type name (WINDOWS_FACTS REG-3). Unknown covers the types .NET does not
# read (REG_RESOURCE_LIST, ...).
$script:KindNames = @{
    String = 'REG_SZ'
    ExpandString = 'REG_EXPAND_SZ'
    Binary = 'REG_BINARY'
    DWord = 'REG_DWORD'
    MultiString = 'REG_MULTI_SZ'
    QWord = 'REG_QWORD'
    None = 'REG_NONE'
    Unknown = 'REG_UNKNOWN'
}

Function Open-MtlsWinRegistryBaseKey {
    <#
    .SYNOPSIS
    HKLM in the 64-bit view (WINDOWS_FACTS REG-1); the caller closes it.
    #>
    [CmdletBinding()]
    [OutputType([Microsoft.Win32.RegistryKey])]
    param ()

    [Microsoft.Win32.RegistryKey]::OpenBaseKey([Microsoft.Win32.RegistryHive]::LocalMachine, [Microsoft.Win32.RegistryView]::Registry64)
}

Function Get-MtlsWinRegistryKey {
    <#
    .SYNOPSIS
    Reads one key: $null when it does not exist, else @{ values = @{ name = @{ kind; data } }; subkeys = @(names) }.
    kind is the Windows type name (REG_DWORD, REG_SZ, ...); data of a REG_DWORD is its unsigned value as [long], of
    REG_QWORD an [uint64], of REG_SZ and REG_EXPAND_SZ the stored text (never expanded), of REG_MULTI_SZ a [string[]],
    of REG_BINARY, REG_NONE and REG_UNKNOWN a [byte[]] or $null.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $Path
    )

    $base = Open-MtlsWinRegistryBaseKey
    try {
        $key = $base.OpenSubKey($Path, $false)
        if ($null -eq $key) {
            return $null
        }
        try {
            $values = @{}
            foreach ($name in $key.GetValueNames()) {
                $kind = $script:KindNames[[string]$key.GetValueKind($name)]
                # DoNotExpandEnvironmentNames: REG_EXPAND_SZ as stored (WINDOWS_FACTS REG-3).
                $data = $key.GetValue($name, $null, [Microsoft.Win32.RegistryValueOptions]::DoNotExpandEnvironmentNames)
                if ($kind -eq 'REG_DWORD') {
                    # GetValue returns a REG_DWORD as a signed Int32 (WINDOWS_FACTS REG-3): the unsigned number.
                    $data = [long][System.BitConverter]::ToUInt32([System.BitConverter]::GetBytes([int]$data), 0)
                }
                elseif ($kind -eq 'REG_QWORD') {
                    $data = [System.BitConverter]::ToUInt64([System.BitConverter]::GetBytes([long]$data), 0)
                }
                $values[$name] = @{ kind = $kind; data = $data }
            }
            @{ values = $values; subkeys = @($key.GetSubKeyNames()) }
        }
        finally {
            $key.Close()
        }
    }
    finally {
        $base.Close()
    }
}

Function Set-MtlsWinRegistryValue {
    <#
    .SYNOPSIS
    Writes one value with its type, replacing the type and data of an existing value (WINDOWS_FACTS REG-4). The key
    and its missing parents are created as ordinary (non-volatile) keys. Data: REG_DWORD an integer 0..4294967295,
    REG_QWORD 0..18446744073709551615, REG_SZ/REG_EXPAND_SZ a string, REG_MULTI_SZ a string array, REG_BINARY bytes.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $Path,

        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Name,

        [Parameter(Mandatory = $true)]
        [ValidateSet('REG_SZ', 'REG_EXPAND_SZ', 'REG_BINARY', 'REG_DWORD', 'REG_MULTI_SZ', 'REG_QWORD')]
        [string]
        $Kind,

        [Parameter(Mandatory = $true)]
        [AllowNull()]
        [AllowEmptyString()]
        [AllowEmptyCollection()]
        [object]
        $Data
    )

    $valueKind = [Microsoft.Win32.RegistryValueKind]::String
    $value = $Data
    if ($Kind -eq 'REG_EXPAND_SZ') {
        $valueKind = [Microsoft.Win32.RegistryValueKind]::ExpandString
    }
    elseif ($Kind -eq 'REG_BINARY') {
        $valueKind = [Microsoft.Win32.RegistryValueKind]::Binary
        $value = [byte[]]$Data
    }
    elseif ($Kind -eq 'REG_MULTI_SZ') {
        $valueKind = [Microsoft.Win32.RegistryValueKind]::MultiString
        $value = [string[]]$Data
    }
    elseif ($Kind -eq 'REG_DWORD') {
        $valueKind = [Microsoft.Win32.RegistryValueKind]::DWord
        # SetValue takes the Int32 with the same bits (WINDOWS_FACTS REG-3).
        $value = [System.BitConverter]::ToInt32([System.BitConverter]::GetBytes([uint32]$Data), 0)
    }
    elseif ($Kind -eq 'REG_QWORD') {
        $valueKind = [Microsoft.Win32.RegistryValueKind]::QWord
        $value = [System.BitConverter]::ToInt64([System.BitConverter]::GetBytes([uint64]$Data), 0)
    }
    $base = Open-MtlsWinRegistryBaseKey
    try {
        # CreateSubKey opens the key for writing and creates it (and missing parents) when missing.
        $key = $base.CreateSubKey($Path)
        try {
            $key.SetValue($Name, $value, $valueKind)
        }
        finally {
            $key.Close()
        }
    }
    finally {
        $base.Close()
    }
}

Function Remove-MtlsWinRegistryValue {
    <#
    .SYNOPSIS
    Deletes one value; a missing value or key is left as it is (WINDOWS_FACTS REG-5).
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $Path,

        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Name
    )

    $base = Open-MtlsWinRegistryBaseKey
    try {
        $key = $base.OpenSubKey($Path, $true)
        if ($null -eq $key) {
            return
        }
        try {
            $key.DeleteValue($Name, $false)
        }
        finally {
            $key.Close()
        }
    }
    finally {
        $base.Close()
    }
}

Function New-MtlsWinRegistryKey {
    <#
    .SYNOPSIS
    Creates a key when it is missing, with its missing parents; with -Volatile every key this call creates is
    volatile: kept in memory only and gone after the next restart (WINDOWS_FACTS REG-6). An existing key is left as
    it is, volatile or not.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $Path,

        [switch]
        $Volatile
    )

    $options = [Microsoft.Win32.RegistryOptions]::None
    if ($Volatile) {
        $options = [Microsoft.Win32.RegistryOptions]::Volatile
    }
    $base = Open-MtlsWinRegistryBaseKey
    try {
        $key = $base.CreateSubKey($Path, [Microsoft.Win32.RegistryKeyPermissionCheck]::ReadWriteSubTree, $options)
        $key.Close()
    }
    finally {
        $base.Close()
    }
}

Export-ModuleMember -Function Get-MtlsWinRegistryKey
Export-ModuleMember -Function Set-MtlsWinRegistryValue
Export-ModuleMember -Function Remove-MtlsWinRegistryValue
Export-ModuleMember -Function New-MtlsWinRegistryKey
