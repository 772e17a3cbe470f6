# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# HTTP.sys SSL records as the host_state engine sees them: read from the registry, where HTTP.sys persists them, through
# the registry boundary (WinRegistry.psm1), never from localized netsh output (WINDOWS_FACTS HTTPSYS-1, HTTPSYS-6):
#   HKLM\SYSTEM\CurrentControlSet\Services\HTTP\Parameters\SslBindingInfo\<ip:port>       -> kind ipport
#   HKLM\SYSTEM\CurrentControlSet\Services\HTTP\Parameters\SslSniBindingInfo\<host:port>  -> kind hostnameport
#   HKLM\SYSTEM\CurrentControlSet\Services\HTTP\Parameters\SslCcsBindingInfo\<...:port>   -> kind ccs, key <port>
# and the same records in the terms of the httpsys_set op, so that HttpSys.psm1 compares both sides alike. The value
# names are those of WINDOWS_FACTS HTTPSYS-7; HTTPSYS-8 and HTTPSYS-9 give the DefaultFlags and check-mode bits.
# Its writers are in HttpSysRecordWrite.psm1: the gather run (host_state_gather) sends the readers only, the apply
# run (host_state_apply) both (docs/ENGINE.md, "Two modules").

#AnsibleRequires -PowerShell ..module_utils.WinRegistry
#AnsibleRequires -PowerShell ..module_utils.RegistryValue

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

$script:ParametersPath = 'SYSTEM\CurrentControlSet\Services\HTTP\Parameters'

# Record kind -> the registry table HTTP.sys keeps those records in (WINDOWS_FACTS HTTPSYS-6, HTTPSYS-10).
$script:Tables = [ordered]@{
    ipport = 'SslBindingInfo'
    hostnameport = 'SslSniBindingInfo'
    ccs = 'SslCcsBindingInfo'
}

Function Get-MtlsRegistryNumber {
    <#
    .SYNOPSIS
    The number of the first of several value names a key has as REG_DWORD or REG_QWORD; 0 when none.
    #>
    [CmdletBinding()]
    [OutputType([long])]
    param (
        [Parameter(Mandatory = $true)]
        [hashtable]
        $Key,

        [Parameter(Mandatory = $true)]
        [string[]]
        $Names
    )

    foreach ($name in $Names) {
        $value = Find-MtlsRegistryValue -Key $Key -Name $name
        # WINDOWS_FACTS REG-3: the boundary gives a REG_DWORD as its unsigned number.
        if ($null -ne $value -and @('REG_DWORD', 'REG_QWORD') -ccontains $value.kind) {
            return [long]$value.data
        }
    }
    0
}

Function Get-MtlsRegistryText {
    <#
    .SYNOPSIS
    The text of the first of several value names a key has: a string as stored, trimmed; binary data (SslCertHash) as
    upper-case hex; lines of a REG_MULTI_SZ joined with spaces. $null when none has a non-empty value.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [hashtable]
        $Key,

        [Parameter(Mandatory = $true)]
        [string[]]
        $Names
    )

    foreach ($name in $Names) {
        $value = Find-MtlsRegistryValue -Key $Key -Name $name
        if ($null -eq $value -or $null -eq $value.data) {
            continue
        }
        $text = ([string]$value.data).Trim()
        if ($value.data -is [byte[]]) {
            $text = [System.BitConverter]::ToString($value.data).Replace('-', '')
        }
        elseif ($value.data -is [System.Array]) {
            $text = (@($value.data) -join ' ').Trim()
        }
        if ($text -ne '') {
            return $text
        }
    }
    $null
}

Function Get-MtlsRegistryGuid {
    <#
    .SYNOPSIS
    AppId: a 16-byte REG_BINARY GUID (WINDOWS_FACTS HTTPSYS-7) as {xxxxxxxx-...}; other data as text; '' when absent.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param (
        [Parameter(Mandatory = $true)]
        [hashtable]
        $Key
    )

    $value = Find-MtlsRegistryValue -Key $Key -Name 'AppId'
    if ($null -ne $value -and $value.data -is [byte[]] -and $value.data.Length -eq 16) {
        # The bytes are the in-memory GUID structure, the layout System.Guid(byte[]) reads.
        return ([System.Guid]::new([byte[]]$value.data)).ToString('B')
    }
    [string](Get-MtlsRegistryText -Key $Key -Names @('AppId'))
}

Function Get-MtlsHttpSysRecordKey {
    <#
    .SYNOPSIS
    A record's key from its registry subkey name: host:port (a HostnamePort value wins, WINDOWS_FACTS HTTPSYS-7) for
    hostnameport, the port alone for ccs (subkey 0.0.0.0:port or port, WINDOWS_FACTS HTTPSYS-10), else the name.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param (
        [Parameter(Mandatory = $true)]
        [hashtable]
        $Key,

        [Parameter(Mandatory = $true)]
        [string]
        $SubKey,

        [Parameter(Mandatory = $true)]
        [string]
        $Kind
    )

    if ($Kind -eq 'hostnameport') {
        $named = Get-MtlsRegistryText -Key $Key -Names @('HostnamePort')
        if ($null -ne $named) {
            return $named
        }
    }
    if ($Kind -eq 'ccs') {
        return $SubKey.Substring($SubKey.LastIndexOf(':') + 1)
    }
    $SubKey
}

Function ConvertTo-MtlsHttpSysRecord {
    <#
    .SYNOPSIS
    One record in the snapshot shape of docs/ENGINE.md from its registry key (as Get-MtlsWinRegistryKey returns it).
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [hashtable]
        $Key,

        [Parameter(Mandatory = $true)]
        [string]
        $SubKey,

        [Parameter(Mandatory = $true)]
        [string]
        $Kind
    )

    # A ccs record names no certificate (the Central Certificate Store finds one per host name, HTTPSYS-10); the others
    # default to the store MY (HTTP_SERVICE_CONFIG_SSL_PARAM).
    $defaultStore = 'MY'
    if ($Kind -eq 'ccs') {
        $defaultStore = ''
    }
    $store = Get-MtlsRegistryText -Key $Key -Names @('SslCertStoreName')
    if ($null -eq $store) {
        $store = $defaultStore
    }
    @{
        key = Get-MtlsHttpSysRecordKey -Key $Key -SubKey $SubKey -Kind $Kind
        kind = $Kind
        cert_hash = ([string](Get-MtlsRegistryText -Key $Key -Names @('SslCertHash'))).ToUpperInvariant()
        cert_store = $store
        app_id = Get-MtlsRegistryGuid -Key $Key
        ctl_store_name = Get-MtlsRegistryText -Key $Key -Names @('DefaultSslCtlStoreName', 'SslCtlStoreName')
        ctl_identifier = Get-MtlsRegistryText -Key $Key -Names @('DefaultSslCtlIdentifier', 'SslCtlIdentifier')
        default_flags = Get-MtlsRegistryNumber -Key $Key -Names @('DefaultFlags')
        cert_check_mode = Get-MtlsRegistryNumber -Key $Key -Names @('DefaultSslCertCheckMode', 'DefaultCertCheckMode')
        revocation_freshness_time = Get-MtlsRegistryNumber -Key $Key -Names @('DefaultSslRevocationFreshnessTime', 'DefaultRevocationFreshnessTime')
        revocation_url_retrieval_timeout = Get-MtlsRegistryNumber -Key $Key -Names @('DefaultSslRevocationUrlRetrievalTimeout', 'DefaultRevocationUrlRetrievalTimeout')
    }
}

Function Get-MtlsHttpSysBinding {
    <#
    .SYNOPSIS
    Gather of scope httpsys: every HTTP.sys SSL record, ipport then hostnameport then ccs, each table in the order the
    registry lists its subkeys; one registry read per table and one per record.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param ()

    foreach ($kind in $script:Tables.Keys) {
        $tablePath = "$script:ParametersPath\$($script:Tables[$kind])"
        $table = Get-MtlsWinRegistryKey -Path $tablePath
        if ($null -eq $table) {
            continue
        }
        foreach ($subKey in @($table.subkeys)) {
            $key = Get-MtlsWinRegistryKey -Path "$tablePath\$subKey"
            # Deleted between the two reads (another writer): it is not there.
            if ($null -ne $key) {
                ConvertTo-MtlsHttpSysRecord -Key $key -SubKey ([string]$subKey) -Kind $kind
            }
        }
    }
}

Export-ModuleMember -Function Get-MtlsHttpSysBinding
