# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# HTTP.sys SSL records as the host_state engine sees them: read from the registry, where HTTP.sys persists them, through
# the registry boundary (WinRegistry.psm1), never from localized netsh output (WINDOWS_FACTS HTTPSYS-1, HTTPSYS-6):
#   HKLM\SYSTEM\CurrentControlSet\Services\HTTP\Parameters\SslBindingInfo\<ip:port>       -> kind ipport
#   HKLM\SYSTEM\CurrentControlSet\Services\HTTP\Parameters\SslSniBindingInfo\<host:port>  -> kind hostnameport
#   HKLM\SYSTEM\CurrentControlSet\Services\HTTP\Parameters\SslCcsBindingInfo\<...:port>   -> kind ccs, key <port>
# and the same records in the terms of the httpsys_set op, so that HttpSys.psm1 compares both sides alike. The value
# names are those of WINDOWS_FACTS HTTPSYS-7; HTTPSYS-8 and HTTPSYS-9 give the DefaultFlags and check-mode bits.

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

# DefaultFlags bits (HTTP_SERVICE_CONFIG_SSL_FLAG_*, WINDOWS_FACTS HTTPSYS-8) that httpsys_set manages, by op argument.
$script:ManagedFlagBits = [ordered]@{
    ds_mapper = 0x1
    negotiate_client_certificate = 0x2
    disable_http2 = 0x10
    disable_quic = 0x20
    disable_tls13 = 0x40
    disable_ocsp_stapling = 0x80
    disable_legacy_tls = 0x400
}

# DefaultFlags bits httpsys_set does not manage but keeps (issue 10 item 5), by setting name, with the netsh parameter
# that sets each (WINDOWS_FACTS HTTPSYS-8, HTTPSYS-11).
$script:KeptFlagBits = [ordered]@{
    reject = @(0x8, 'reject')
    enable_token_binding = @(0x100, 'enabletokenbinding')
    log_extended_events = @(0x200, 'logextendedevents')
    enable_session_ticket = @(0x800, 'enablesessionticket')
    disable_tls12 = @(0x1000, 'disabletls12')
    disable_session_id = @(0x4000, 'disablesessionid')
}

# DefaultSslCertCheckMode bits (WINDOWS_FACTS HTTPSYS-9): 1 no revocation check, 2 cached client certificate only,
# 0x10000 no usage check.
$script:CheckModeNoCheck = 0x1
$script:CheckModeCachedOnly = 0x2
$script:CheckModeNoUsageCheck = 0x10000

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

Function Find-MtlsHttpSysBinding {
    <#
    .SYNOPSIS
    The record of this kind and key as gathered now, or $null. Keys compare case-insensitively (host names).
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $Key,

        [Parameter(Mandatory = $true)]
        [string]
        $Kind
    )

    foreach ($record in @(Get-MtlsHttpSysBinding)) {
        if ($record.kind -ceq $Kind -and $record.key -eq $Key) {
            return $record
        }
    }
    $null
}

Function ConvertTo-MtlsGuidText {
    <#
    .SYNOPSIS
    A GUID as braced lower-case text ({xxxxxxxx-...}); text that is not a GUID is returned trimmed, for comparison.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param (
        [AllowNull()]
        [object]
        $Value
    )

    $guid = [System.Guid]::Empty
    if ([System.Guid]::TryParse([string]$Value, [ref]$guid)) {
        return $guid.ToString('B')
    }
    ([string]$Value).Trim()
}

Function ConvertFrom-MtlsHttpSysRecord {
    <#
    .SYNOPSIS
    A gathered record as settings: the httpsys_set arguments (certificate_hash ... disable_legacy_tls) and the settings
    the op keeps (reject ... usage_check_disabled, url_retrieval_timeout, ctl_identifier), so that both sides of a
    comparison go through the same normalisation.
    #>
    [CmdletBinding()]
    [OutputType([System.Collections.Specialized.OrderedDictionary])]
    param (
        [Parameter(Mandatory = $true)]
        [hashtable]
        $Record
    )

    $flags = [long]$Record.default_flags
    $mode = [long]$Record.cert_check_mode
    $revocation = 'online'
    if (($mode -band $script:CheckModeNoCheck) -ne 0) {
        $revocation = 'off'
    }
    elseif (($mode -band $script:CheckModeCachedOnly) -ne 0) {
        $revocation = 'cached_only'
    }
    $settings = [ordered]@{
        certificate_hash = ([string]$Record.cert_hash).ToUpperInvariant()
        certificate_store = [string]$Record.cert_store
        app_id = ConvertTo-MtlsGuidText -Value $Record.app_id
        ctl_store_name = [string]$Record.ctl_store_name
        revocation = $revocation
        # Taken as set whenever it is not 0, whether or not check mode bit 4 says so (HTTPSYS-9).
        revocation_freshness_seconds = [long]$Record.revocation_freshness_time
    }
    foreach ($name in $script:ManagedFlagBits.Keys) {
        $settings[$name] = ($flags -band $script:ManagedFlagBits[$name]) -ne 0
    }
    foreach ($name in $script:KeptFlagBits.Keys) {
        $settings[$name] = ($flags -band $script:KeptFlagBits[$name][0]) -ne 0
    }
    $settings.usage_check_disabled = ($mode -band $script:CheckModeNoUsageCheck) -ne 0
    $settings.url_retrieval_timeout = [long]$Record.revocation_url_retrieval_timeout
    $settings.ctl_identifier = [string]$Record.ctl_identifier
    $settings
}

Function Get-MtlsHttpSysKeptSetting {
    <#
    .SYNOPSIS
    The settings httpsys_set keeps as they are (issue 10 item 5), taken from the settings of the current record; all
    off/empty for a record that does not exist yet.
    #>
    [CmdletBinding()]
    [OutputType([System.Collections.Specialized.OrderedDictionary])]
    param (
        [AllowNull()]
        [System.Collections.IDictionary]
        $Current
    )

    $kept = [ordered]@{}
    foreach ($name in @($script:KeptFlagBits.Keys) + @('usage_check_disabled')) {
        $kept[$name] = $null -ne $Current -and [bool]$Current[$name]
    }
    $kept.url_retrieval_timeout = 0L
    $kept.ctl_identifier = ''
    if ($null -ne $Current) {
        $kept.url_retrieval_timeout = [long]$Current.url_retrieval_timeout
        $kept.ctl_identifier = [string]$Current.ctl_identifier
    }
    $kept
}

Function Get-MtlsHttpSysKeptParameter {
    <#
    .SYNOPSIS
    The netsh parameter name of each kept DefaultFlags setting (name -> parameter).
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param ()

    $parameters = [ordered]@{}
    foreach ($name in $script:KeptFlagBits.Keys) {
        $parameters[$name] = $script:KeptFlagBits[$name][1]
    }
    $parameters
}

Function Compare-MtlsHttpSysSetting {
    <#
    .SYNOPSIS
    The names of the settings that differ between the current and the wanted record (both as from
    ConvertFrom-MtlsHttpSysRecord, or the op's); empty when equal.
    #>
    [CmdletBinding()]
    [OutputType([string[]])]
    param (
        [Parameter(Mandatory = $true)]
        [System.Collections.IDictionary]
        $Current,

        [Parameter(Mandatory = $true)]
        [System.Collections.IDictionary]
        $Wanted
    )

    # Compared as text, case-insensitively (-ne): hex, store names (case-insensitive on Windows), GUIDs, booleans and
    # numbers all compare correctly that way; $null and '' both mean "none".
    $differences = @(
        foreach ($name in $Wanted.Keys) {
            if ([string]$Current[$name] -ne [string]$Wanted[$name]) {
                $name
            }
        }
    )
    , $differences
}

Export-ModuleMember -Function Get-MtlsHttpSysBinding
Export-ModuleMember -Function Find-MtlsHttpSysBinding
Export-ModuleMember -Function ConvertFrom-MtlsHttpSysRecord
Export-ModuleMember -Function Get-MtlsHttpSysKeptSetting
Export-ModuleMember -Function Get-MtlsHttpSysKeptParameter
Export-ModuleMember -Function Compare-MtlsHttpSysSetting
Export-ModuleMember -Function ConvertTo-MtlsGuidText
