# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# HTTP.sys SSL bindings, read from the registry where HTTP.sys persists them (never from localized netsh output):
#   HKLM\SYSTEM\CurrentControlSet\Services\HTTP\Parameters\SslBindingInfo\<ip:port>     -> kind ipport
#   HKLM\SYSTEM\CurrentControlSet\Services\HTTP\Parameters\SslSniBindingInfo\<host:port> -> kind hostnameport
# Read-only: the registry is not the live configuration (a write there needs an HTTP restart), writes belong to
# the HTTP API or netsh.
#
# The value names below are community-sourced, not documented by Microsoft: SslCertHash (REG_BINARY), AppId
# (REG_BINARY GUID), SslCertStoreName, DefaultFlags, DefaultSslCertCheckMode, DefaultSslRevocationFreshnessTime
# and DefaultSslCtlStoreName are what HTTP.sys sources, STIG checks and third-party tools show. Where sources
# disagree a field tries the alternatives in order (e.g. the HTTP_SERVICE_CONFIG_SSL_PARAM member name). Verify
# on a real host before relying on them; a missing value falls back to the netsh default.

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

$script:HttpParametersPath = 'SYSTEM\CurrentControlSet\Services\HTTP\Parameters'

Function Get-MtlsRegistryValueData {
    <#
    .SYNOPSIS
    Returns the data and kind of the first of several value names present on an open key, or $null.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [Microsoft.Win32.RegistryKey]
        $Key,

        [Parameter(Mandatory = $true)]
        [string[]]
        $Names
    )

    $present = $Key.GetValueNames()
    foreach ($name in $Names) {
        if ($present -contains $name) {
            return @{
                kind = $Key.GetValueKind($name)
                data = $Key.GetValue($name, $null, [Microsoft.Win32.RegistryValueOptions]::DoNotExpandEnvironmentNames)
            }
        }
    }
    return $null
}

Function Read-MtlsRegistryNumber {
    <#
    .SYNOPSIS
    Reads a REG_DWORD (as unsigned) or REG_QWORD; any other kind or a missing value gives the default.
    #>
    [CmdletBinding()]
    [OutputType([long])]
    param (
        [Parameter(Mandatory = $true)]
        [Microsoft.Win32.RegistryKey]
        $Key,

        [Parameter(Mandatory = $true)]
        [string[]]
        $Names,

        [long]
        $Default = 0
    )

    $value = Get-MtlsRegistryValueData -Key $Key -Names $Names
    if ($null -eq $value) {
        return $Default
    }
    if ($value.kind -eq [Microsoft.Win32.RegistryValueKind]::DWord) {
        return [long][System.BitConverter]::ToUInt32([System.BitConverter]::GetBytes([int]$value.data), 0)
    }
    if ($value.kind -eq [Microsoft.Win32.RegistryValueKind]::QWord) {
        return [long]$value.data
    }
    $Default
}

Function Read-MtlsRegistryText {
    <#
    .SYNOPSIS
    Reads a string value; binary data (SslCertHash) becomes upper-case hex; missing or empty gives the default.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [Microsoft.Win32.RegistryKey]
        $Key,

        [Parameter(Mandatory = $true)]
        [string[]]
        $Names,

        # Untyped on purpose: a [string] parameter would turn $null into ''.
        [AllowNull()]
        [object]
        $Default = $null
    )

    $value = Get-MtlsRegistryValueData -Key $Key -Names $Names
    if ($null -eq $value -or $null -eq $value.data) {
        return $Default
    }
    $text = ''
    if ($value.data -is [byte[]]) {
        $text = [System.BitConverter]::ToString($value.data).Replace('-', '')
    }
    elseif ($value.data -is [string[]]) {
        $text = ($value.data -join ' ')
    }
    else {
        $text = ([string]$value.data).Trim()
    }
    if ($text -eq '') {
        return $Default
    }
    $text
}

Function Read-MtlsRegistryGuid {
    <#
    .SYNOPSIS
    Reads AppId: a 16-byte REG_BINARY GUID (community-sourced) becomes {xxxxxxxx-...}; a string is kept as is.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param (
        [Parameter(Mandatory = $true)]
        [Microsoft.Win32.RegistryKey]
        $Key,

        [Parameter(Mandatory = $true)]
        [string]
        $Name
    )

    $value = Get-MtlsRegistryValueData -Key $Key -Names @($Name)
    if ($null -eq $value -or $null -eq $value.data) {
        return ''
    }
    $data = $value.data
    if ($data -is [byte[]] -and $data.Length -eq 16) {
        # The bytes are the in-memory GUID struct, the layout System.Guid(byte[]) reads.
        return [System.Guid]::new($data).ToString('B')
    }
    if ($data -is [byte[]]) {
        return [System.BitConverter]::ToString($data).Replace('-', '')
    }
    [string]$data
}

Function ConvertTo-MtlsHttpSysBinding {
    <#
    .SYNOPSIS
    Turns one binding key into the snapshot shape of docs/ENGINE.md.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [Microsoft.Win32.RegistryKey]
        $Key,

        [Parameter(Mandatory = $true)]
        [string]
        $KeyName,

        [Parameter(Mandatory = $true)]
        [string]
        $Kind
    )

    $bindingKey = $KeyName
    if ($Kind -eq 'hostnameport') {
        # Microsoft's own Azure DevOps Server setup code reads the SNI host:port from a HostnamePort value
        # rather than from the subkey name (community-sourced); prefer it when present.
        $bindingKey = Read-MtlsRegistryText -Key $Key -Names @('HostnamePort') -Default $KeyName
    }

    @{
        key = $bindingKey
        kind = $Kind
        cert_hash = (Read-MtlsRegistryText -Key $Key -Names @('SslCertHash') -Default '').ToUpperInvariant()
        cert_store = Read-MtlsRegistryText -Key $Key -Names @('SslCertStoreName') -Default 'MY'
        app_id = Read-MtlsRegistryGuid -Key $Key -Name 'AppId'
        ctl_store_name = Read-MtlsRegistryText -Key $Key -Names @('DefaultSslCtlStoreName', 'SslCtlStoreName')
        default_flags = Read-MtlsRegistryNumber -Key $Key -Names @('DefaultFlags')
        cert_check_mode = Read-MtlsRegistryNumber -Key $Key -Names @('DefaultSslCertCheckMode', 'DefaultCertCheckMode')
        revocation_freshness_time = Read-MtlsRegistryNumber -Key $Key -Names @(
            'DefaultSslRevocationFreshnessTime', 'DefaultRevocationFreshnessTime'
        )
    }
}

Function Get-MtlsHttpSysBindingTable {
    <#
    .SYNOPSIS
    Emits every binding under one table key (SslBindingInfo or SslSniBindingInfo); nothing when the key is absent.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $TableName,

        [Parameter(Mandatory = $true)]
        [string]
        $Kind
    )

    $table = [Microsoft.Win32.Registry]::LocalMachine.OpenSubKey("$script:HttpParametersPath\$TableName", $false)
    if ($null -eq $table) {
        return
    }
    try {
        foreach ($keyName in $table.GetSubKeyNames()) {
            $bindingKey = $table.OpenSubKey($keyName, $false)
            if ($null -eq $bindingKey) {
                continue
            }
            try {
                ConvertTo-MtlsHttpSysBinding -Key $bindingKey -KeyName $keyName -Kind $Kind
            }
            finally {
                $bindingKey.Close()
            }
        }
    }
    finally {
        $table.Close()
    }
}

Function Get-MtlsHttpSysBinding {
    <#
    .SYNOPSIS
    Emits every HTTP.sys SSL binding: ipport (SslBindingInfo) then hostnameport (SslSniBindingInfo).
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param ()

    Get-MtlsHttpSysBindingTable -TableName 'SslBindingInfo' -Kind 'ipport'
    Get-MtlsHttpSysBindingTable -TableName 'SslSniBindingInfo' -Kind 'hostnameport'
}

Export-ModuleMember -Function Get-MtlsHttpSysBinding
