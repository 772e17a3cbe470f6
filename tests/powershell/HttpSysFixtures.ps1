# The HTTP.sys registry of a test, for HttpSysRecord.Tests.ps1 and HttpSys.Tests.ps1. Dot-source it in BeforeAll after
# Common.ps1. Records are registry keys as Get-MtlsWinRegistryKey returns them (WINDOWS_FACTS REG-3): the value names
# and types of WINDOWS_FACTS HTTPSYS-7 (SslCertHash and AppId REG_BINARY, the store names REG_SZ, the numbers
# REG_DWORD as their unsigned value).

Set-StrictMode -Version 2.0

$script:HttpParameters = 'SYSTEM\CurrentControlSet\Services\HTTP\Parameters'
$script:IisAppId = '{4dc3e181-e14b-4a21-b022-59fc669b0914}'

Function New-HttpSysKey {
    <#
    .SYNOPSIS
    One record's registry key. Omitted settings are absent values, as HTTP.sys leaves them (an empty -Hash: no
    SslCertHash, as in a ccs record).
    #>
    param (
        [string]$Hash = '',
        [string]$Store = '',
        [string]$AppId = $IisAppId,
        [long]$Flags = -1,
        [long]$CheckMode = -1,
        [long]$Freshness = -1,
        [long]$UrlTimeout = -1,
        [string]$CtlStore = '',
        [string]$CtlIdentifier = '',
        [hashtable]$Extra = @{}
    )

    $values = @{}
    if ($Hash -ne '') {
        $bytes = [byte[]]@(for ($i = 0; $i -lt $Hash.Length; $i += 2) { [System.Convert]::ToByte($Hash.Substring($i, 2), 16) })
        $values.SslCertHash = @('REG_BINARY', $bytes)
    }
    if ($Store -ne '') {
        $values.SslCertStoreName = @('REG_SZ', $Store)
    }
    if ($AppId -ne '') {
        $values.AppId = @('REG_BINARY', [byte[]]([System.Guid]::Parse($AppId).ToByteArray()))
    }
    foreach ($number in @(
            @('DefaultFlags', $Flags), @('DefaultSslCertCheckMode', $CheckMode),
            @('DefaultSslRevocationFreshnessTime', $Freshness), @('DefaultSslRevocationUrlRetrievalTimeout', $UrlTimeout))) {
        if ($number[1] -ge 0) {
            $values[$number[0]] = @('REG_DWORD', [long]$number[1])
        }
    }
    if ($CtlStore -ne '') {
        $values.DefaultSslCtlStoreName = @('REG_SZ', $CtlStore)
    }
    if ($CtlIdentifier -ne '') {
        $values.DefaultSslCtlIdentifier = @('REG_SZ', $CtlIdentifier)
    }
    foreach ($name in $Extra.Keys) {
        $values[$name] = $Extra[$name]
    }
    New-RegistryKeyAnswer -Values $values
}

Function New-HttpSysRegistry {
    <#
    .SYNOPSIS
    The registry paths of a set of records: @{ 'SslBindingInfo\0.0.0.0:443' = <key>; ... } -> every table key with its
    subkeys, and every record key, by full path. A table without records does not exist.
    #>
    param (
        [hashtable]$Records = @{}
    )

    $registry = @{}
    $tables = @{}
    foreach ($relative in $Records.Keys) {
        $table, $subKey = $relative.Split(@('\'), 2)
        if (-not $tables.ContainsKey($table)) {
            $tables[$table] = New-Object -TypeName System.Collections.Generic.List[string]
        }
        $tables[$table].Add($subKey)
        $registry["$HttpParameters\$relative"] = $Records[$relative]
    }
    foreach ($table in $tables.Keys) {
        $registry["$HttpParameters\$table"] = New-RegistryKeyAnswer -SubKeys @($tables[$table] | Sort-Object)
    }
    $registry
}
