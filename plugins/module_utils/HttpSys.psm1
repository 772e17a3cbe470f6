# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# HTTP.sys SSL bindings, read from the registry where HTTP.sys persists them (never from localized netsh output):
#   HKLM\SYSTEM\CurrentControlSet\Services\HTTP\Parameters\SslBindingInfo\<ip:port>     -> kind ipport
#   HKLM\SYSTEM\CurrentControlSet\Services\HTTP\Parameters\SslSniBindingInfo\<host:port> -> kind hostnameport
# Reads stay on the registry: it is not the live configuration (a write there needs an HTTP restart). Writes go
# through `netsh http add|update|delete sslcert`, built as an argument array and judged by exit code only: netsh
# output is localized, so it is never parsed, only passed on as a diagnostic.
#
# The value names below are community-sourced, not documented by Microsoft: SslCertHash (REG_BINARY), AppId
# (REG_BINARY GUID), SslCertStoreName, DefaultFlags, DefaultSslCertCheckMode, DefaultSslRevocationFreshnessTime
# and DefaultSslCtlStoreName are what HTTP.sys sources, STIG checks and third-party tools show. Where sources
# disagree a field tries the alternatives in order (e.g. the HTTP_SERVICE_CONFIG_SSL_PARAM member name). Verify
# on a real host before relying on them; a missing value falls back to the netsh default.

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

$script:HttpParametersPath = 'SYSTEM\CurrentControlSet\Services\HTTP\Parameters'

# Copies of HTTP.sys records kept across a binding change (op httpsys_save, docs/ENGINE.md "Saved HTTP.sys
# options"): IIS rewrites a changed binding's record without its client certificate options (WINDOWS_FACTS
# HTTPSYS-4), so the controller saves them first and httpsys_set forgets the copy once it restored them.
# One REG_SZ per record, named '<kind> <key>', holding the record's settings as JSON; the engine's own key.
$script:SavedRecordsPath = 'SOFTWARE\mtls.iis\HttpSysSaved'

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

# HTTP API DefaultFlags bits (HTTP_SERVICE_CONFIG_SSL_FLAG_*) that httpsys_set manages, by op argument. Other bits
# (REJECT 0x8, DISABLE_TLS12 0x1000) are neither compared nor written.
$script:ManagedFlagBits = [ordered]@{
    ds_mapper = 0x1
    negotiate_client_certificate = 0x2
    disable_http2 = 0x10
    disable_quic = 0x20
    disable_tls13 = 0x40
    disable_ocsp_stapling = 0x80
    disable_legacy_tls = 0x400
}

# The netsh parameter of each disable* argument. These exist only on newer Windows builds (Server 2022 has
# disabletls13, disablelegacytls, disablehttp2, disablequic, disableocspstapling; older builds have fewer - which
# build has which is uncertain), so they are passed only when needed (see New-MtlsNetshSslCertArgument).
$script:DisableParameters = [ordered]@{
    disable_tls13 = 'disabletls13'
    disable_legacy_tls = 'disablelegacytls'
    disable_http2 = 'disablehttp2'
    disable_quic = 'disablequic'
    disable_ocsp_stapling = 'disableocspstapling'
}

# DefaultSslCertCheckMode bits: 1 no revocation check, 2 cached client certificate only, 4 use freshness time,
# 0x10000 no usage check.
$script:CheckModeNoCheck = 0x1
$script:CheckModeCachedOnly = 0x2
$script:CheckModeNoUsageCheck = 0x10000

Function Assert-MtlsHttpSysKey {
    <#
    .SYNOPSIS
    Refuses a kind other than ipport/hostnameport and a key that is not address:port or host:port.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Key,

        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Kind
    )

    if ($Kind -cne 'ipport' -and $Kind -cne 'hostnameport') {
        # ccs (central certificate store, key = port) is reserved in docs/ENGINE.md and not written yet.
        throw "kind '$Kind' is not supported; use ipport or hostnameport"
    }
    # No whitespace, '=' or quotes: the key becomes one netsh argument "ipport=<key>".
    if ($Key -notmatch '^[^\s="]+:[0-9]{1,5}$') {
        throw "key '$Key' is not address:port (ipport, e.g. 0.0.0.0:443) or host:port (hostnameport, e.g. www.contoso.com:443)"
    }
}

Function Find-MtlsHttpSysBinding {
    <#
    .SYNOPSIS
    The gathered record with this key and kind (keys compared case-insensitively: host names), or $null.
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
        if ($record.kind -eq $Kind -and $record.key -eq $Key) {
            return $record
        }
    }
    return $null
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
    A gathered record (docs/ENGINE.md shape) in the terms of the httpsys_set arguments, so that both sides of a
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
    $setting = [ordered]@{
        certificate_hash = ([string]$Record.cert_hash).ToUpperInvariant()
        certificate_store = [string]$Record.cert_store
        app_id = ConvertTo-MtlsGuidText -Value $Record.app_id
        ctl_store_name = [string]$Record.ctl_store_name
        revocation = $revocation
        # The freshness time is taken as set whenever it is not 0, whether or not netsh also sets check mode bit 4
        # (uncertain which it does).
        revocation_freshness_seconds = [long]$Record.revocation_freshness_time
    }
    foreach ($name in $script:ManagedFlagBits.Keys) {
        $setting[$name] = ($flags -band $script:ManagedFlagBits[$name]) -ne 0
    }
    $setting
}

Function Compare-MtlsHttpSysSetting {
    <#
    .SYNOPSIS
    The names of the settings that differ between the current and the wanted record (both as from
    ConvertFrom-MtlsHttpSysRecord / the op); empty when equal.
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

    # Compared as text, case-insensitively (-ne): hex, store names (case-insensitive on Windows), GUIDs, booleans
    # and numbers all compare correctly that way; $null and '' both mean "none".
    $differences = @(
        foreach ($name in $Wanted.Keys) {
            if ([string]$Current[$name] -ne [string]$Wanted[$name]) {
                $name
            }
        }
    )
    , $differences
}

Function ConvertTo-MtlsEnableText {
    <#
    .SYNOPSIS
    'enable' or 'disable', the values netsh takes for its switches.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param (
        [Parameter(Mandatory = $true)]
        [bool]
        $Value
    )

    if ($Value) {
        return 'enable'
    }
    'disable'
}

Function New-MtlsNetshSslCertArgument {
    <#
    .SYNOPSIS
    The netsh arguments that write the wanted record: 'http', add|update, 'sslcert', then one name=value each.
    #>
    [CmdletBinding()]
    [OutputType([string[]])]
    param (
        [Parameter(Mandatory = $true)]
        [ValidateSet('add', 'update')]
        [string]
        $Verb,

        [Parameter(Mandatory = $true)]
        [string]
        $Key,

        [Parameter(Mandatory = $true)]
        [string]
        $Kind,

        [Parameter(Mandatory = $true)]
        [System.Collections.IDictionary]
        $Wanted,

        # The current record (ConvertFrom-MtlsHttpSysRecord), or $null when adding.
        [AllowNull()]
        [System.Collections.IDictionary]
        $Current,

        # The current DefaultSslCertCheckMode, to keep a disabled usage check (0 when adding).
        [long]
        $CurrentCheckMode = 0
    )

    $arguments = New-Object -TypeName System.Collections.Generic.List[string]
    foreach ($fixed in @('http', $Verb, 'sslcert', "$Kind=$Key")) {
        $arguments.Add($fixed)
    }
    $arguments.Add("certhash=$($Wanted.certificate_hash)")
    $arguments.Add("appid=$($Wanted.app_id)")
    # certstorename is required for hostnameport and passed for ipport too (default MY), so the store is explicit.
    $arguments.Add("certstorename=$($Wanted.certificate_store)")
    $arguments.Add("clientcertnegotiation=$(ConvertTo-MtlsEnableText -Value $Wanted.negotiate_client_certificate)")
    if (-not [string]::IsNullOrEmpty([string]$Wanted.ctl_store_name)) {
        $arguments.Add("sslctlstorename=$($Wanted.ctl_store_name)")
    }
    $arguments.Add("dsmapperusage=$(ConvertTo-MtlsEnableText -Value $Wanted.ds_mapper)")
    if ($Wanted.revocation -eq 'off') {
        $arguments.Add('verifyclientcertrevocation=disable')
    }
    else {
        $arguments.Add('verifyclientcertrevocation=enable')
        $cachedOnly = ConvertTo-MtlsEnableText -Value ($Wanted.revocation -eq 'cached_only')
        $arguments.Add("verifyrevocationwithcachedclientcertonly=$cachedOnly")
    }
    $currentFreshness = 0
    if ($null -ne $Current) {
        $currentFreshness = [long]$Current.revocation_freshness_seconds
    }
    # 0 is passed only to clear a freshness time the record has (uncertain whether update keeps an omitted value).
    if ([long]$Wanted.revocation_freshness_seconds -gt 0 -or $currentFreshness -gt 0) {
        $arguments.Add("revocationfreshnesstime=$($Wanted.revocation_freshness_seconds)")
    }
    if (($CurrentCheckMode -band $script:CheckModeNoUsageCheck) -ne 0) {
        # Not an httpsys_set argument: a usage check someone disabled stays disabled across the rewrite.
        $arguments.Add('usagecheck=disable')
    }
    foreach ($name in $script:DisableParameters.Keys) {
        # Passed when set, or to clear it when the current record has it: an older build that does not know the
        # parameter is then never given it needlessly.
        $currentlySet = $null -ne $Current -and [bool]$Current[$name]
        if ([bool]$Wanted[$name] -or $currentlySet) {
            $arguments.Add("$($script:DisableParameters[$name])=$(ConvertTo-MtlsEnableText -Value ([bool]$Wanted[$name]))")
        }
    }
    , $arguments.ToArray()
}

Function Invoke-MtlsNetsh {
    <#
    .SYNOPSIS
    Runs netsh.exe with an argument array; a non-zero exit code is an error naming the key and the exit code, with
    netsh's (localized) output attached as a diagnostic only.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [string[]]
        $Arguments,

        [Parameter(Mandatory = $true)]
        [string]
        $Key
    )

    # A 32-bit process is redirected to the SysWOW64 netsh.exe, which configures the same HTTP.sys (HTTP.sys is
    # not redirected); Ansible runs 64-bit PowerShell anyway.
    $netsh = Join-Path -Path $env:SystemRoot -ChildPath 'System32\netsh.exe'
    if (-not (Test-Path -LiteralPath $netsh -PathType Leaf)) {
        throw "netsh.exe was not found at '$netsh'; cannot write the HTTP.sys record for key '$Key'"
    }
    # Windows PowerShell 5.1 turns native stderr lines redirected with 2>&1 into error records, which 'Stop'
    # would make terminating; this function's scope continues and judges by exit code alone.
    $ErrorActionPreference = 'Continue'
    $output = @(& $netsh @Arguments 2>&1)
    $exitCode = $LASTEXITCODE
    $ErrorActionPreference = 'Stop'
    if ($exitCode -ne 0) {
        $diagnostic = ((@($output | ForEach-Object { ([string]$_).Trim() }) | Where-Object { $_ -ne '' }) -join ' ')
        if ($diagnostic.Length -gt 500) {
            $diagnostic = $diagnostic.Substring(0, 500)
        }
        throw "netsh http $($Arguments[1]) sslcert for key '$Key' failed with exit code $exitCode (netsh said, localized: $diagnostic)"
    }
}

Function Set-MtlsHttpSysBinding {
    <#
    .SYNOPSIS
    Op httpsys_set: writes the whole HTTP.sys SSL record of one key with netsh (update when it exists, add when
    not); changed=false without calling netsh when the record already is as asked.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Key,

        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Kind,

        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $CertificateHash,

        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $CertificateStore,

        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $AppId,

        [Parameter(Mandatory = $true)]
        [bool]
        $NegotiateClientCertificate,

        [AllowNull()]
        [object]
        $CtlStoreName,

        [Parameter(Mandatory = $true)]
        [bool]
        $DsMapper,

        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Revocation,

        [AllowNull()]
        [object]
        $RevocationFreshnessSeconds,

        [Parameter(Mandatory = $true)]
        [bool]
        $DisableTls13,

        [Parameter(Mandatory = $true)]
        [bool]
        $DisableLegacyTls,

        [Parameter(Mandatory = $true)]
        [bool]
        $DisableHttp2,

        [Parameter(Mandatory = $true)]
        [bool]
        $DisableQuic,

        [Parameter(Mandatory = $true)]
        [bool]
        $DisableOcspStapling
    )

    Assert-MtlsHttpSysKey -Key $Key -Kind $Kind
    $hash = $CertificateHash.Trim().ToUpperInvariant()
    if ($hash -notmatch '^[0-9A-F]{40}$') {
        throw "certificate_hash '$CertificateHash' is not 40 hexadecimal characters (a SHA-1 thumbprint)"
    }
    if ($CertificateStore -notmatch '^[^\s="]+$') {
        throw "certificate_store '$CertificateStore' is empty or has spaces, quotes or '='"
    }
    $guid = [System.Guid]::Empty
    if (-not [System.Guid]::TryParse($AppId, [ref]$guid)) {
        throw "app_id '$AppId' is not a GUID"
    }
    $ctl = ''
    if ($null -ne $CtlStoreName) {
        $ctl = [string]$CtlStoreName
        if ($ctl -notmatch '^[^\s="]+$') {
            throw "ctl_store_name '$ctl' is empty or has spaces, quotes or '='; use null for no CTL store"
        }
    }
    if (@('online', 'cached_only', 'off') -cnotcontains $Revocation) {
        throw "revocation '$Revocation' is not one of online, cached_only, off"
    }
    # JSON integers arrive as Int32 or Int64; anything else is a damaged op.
    if (($RevocationFreshnessSeconds -isnot [int] -and $RevocationFreshnessSeconds -isnot [long]) -or
        $RevocationFreshnessSeconds -lt 0 -or $RevocationFreshnessSeconds -gt 4294967295) {
        throw "revocation_freshness_seconds '$RevocationFreshnessSeconds' is not an integer from 0 to 4294967295"
    }

    $wanted = [ordered]@{
        certificate_hash = $hash
        certificate_store = $CertificateStore
        app_id = $guid.ToString('B')
        ctl_store_name = $ctl
        revocation = $Revocation
        revocation_freshness_seconds = [long]$RevocationFreshnessSeconds
        ds_mapper = $DsMapper
        negotiate_client_certificate = $NegotiateClientCertificate
        disable_http2 = $DisableHttp2
        disable_quic = $DisableQuic
        disable_tls13 = $DisableTls13
        disable_ocsp_stapling = $DisableOcspStapling
        disable_legacy_tls = $DisableLegacyTls
    }

    $record = Find-MtlsHttpSysBinding -Key $Key -Kind $Kind
    $current = $null
    $verb = 'add'
    $checkMode = 0
    if ($null -ne $record) {
        $current = ConvertFrom-MtlsHttpSysRecord -Record $record
        if ((Compare-MtlsHttpSysSetting -Current $current -Wanted $wanted).Count -eq 0) {
            return @{ changed = $false }
        }
        $verb = 'update'
        $checkMode = [long]$record.cert_check_mode
    }
    $arguments = New-MtlsNetshSslCertArgument -Verb $verb -Key $Key -Kind $Kind -Wanted $wanted -Current $current -CurrentCheckMode $checkMode
    Invoke-MtlsNetsh -Arguments $arguments -Key $Key

    # Read back what HTTP.sys persisted (community: HTTP.sys writes the registry when the configuration is set), as
    # gather will: a difference would make every later run change the record again, so it is reported now.
    $written = Find-MtlsHttpSysBinding -Key $Key -Kind $Kind
    if ($null -eq $written) {
        throw "netsh http $verb sslcert for key '$Key' exited 0 but no $Kind record with that key is in the registry afterwards"
    }
    $differences = Compare-MtlsHttpSysSetting -Current (ConvertFrom-MtlsHttpSysRecord -Record $written) -Wanted $wanted
    if ($differences.Count -gt 0) {
        throw "netsh http $verb sslcert for key '$Key' exited 0 but the record read back differs in $($differences -join ', '); this Windows build may not support those settings, or it stores them under registry values this module does not read"
    }
    @{ changed = $true }
}

Function Remove-MtlsHttpSysBinding {
    <#
    .SYNOPSIS
    Op httpsys_remove: deletes the HTTP.sys SSL record of one key with netsh (no-op when absent).
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Key,

        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Kind
    )

    Assert-MtlsHttpSysKey -Key $Key -Kind $Kind
    if ($null -eq (Find-MtlsHttpSysBinding -Key $Key -Kind $Kind)) {
        return @{ changed = $false }
    }
    Invoke-MtlsNetsh -Arguments @('http', 'delete', 'sslcert', "$Kind=$Key") -Key $Key
    if ($null -ne (Find-MtlsHttpSysBinding -Key $Key -Kind $Kind)) {
        throw "netsh http delete sslcert for key '$Key' exited 0 but the $Kind record is still in the registry"
    }
    @{ changed = $true }
}

Function Open-MtlsHttpSysSavedKey {
    <#
    .SYNOPSIS
    The key holding saved records, in the 64-bit registry view (a 32-bit process sees the same key); $null when it
    does not exist and -Create is not given. The caller closes it.
    #>
    [CmdletBinding()]
    param (
        [switch]
        $Create,

        [switch]
        $Writable
    )

    # RegistryKey.OpenBaseKey (.NET 4.0+); on 32-bit Windows the Registry64 view falls back to the only view.
    $base = [Microsoft.Win32.RegistryKey]::OpenBaseKey([Microsoft.Win32.RegistryHive]::LocalMachine, [Microsoft.Win32.RegistryView]::Registry64)
    try {
        if ($Create) {
            return $base.CreateSubKey($script:SavedRecordsPath)
        }
        $base.OpenSubKey($script:SavedRecordsPath, [bool]$Writable)
    }
    finally {
        $base.Close()
    }
}

Function Save-MtlsHttpSysRecord {
    <#
    .SYNOPSIS
    Op httpsys_save: keeps a copy of a record's settings (the op's arguments without key and kind) under the
    engine's own key; changed=false when the same copy is already there.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Key,

        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Kind,

        [Parameter(Mandatory = $true)]
        [System.Collections.IDictionary]
        $Settings
    )

    Assert-MtlsHttpSysKey -Key $Key -Kind $Kind
    $sorted = [ordered]@{}
    foreach ($name in @($Settings.Keys | Sort-Object)) {
        $sorted[$name] = $Settings[$name]
    }
    $text = ConvertTo-Json -InputObject $sorted -Compress
    $savedKey = Open-MtlsHttpSysSavedKey -Create
    try {
        if ([string]$savedKey.GetValue("$Kind $Key", '') -ceq $text) {
            return @{ changed = $false }
        }
        $savedKey.SetValue("$Kind $Key", $text, [Microsoft.Win32.RegistryValueKind]::String)
    }
    finally {
        $savedKey.Close()
    }
    @{ changed = $true }
}

Function Get-MtlsHttpSysSavedRecord {
    <#
    .SYNOPSIS
    Emits every saved record as @{ kind; key; record = settings hashtable }; nothing when none is kept.
    #>
    [CmdletBinding()]
    param ()

    $savedKey = Open-MtlsHttpSysSavedKey
    if ($null -eq $savedKey) {
        return
    }
    try {
        foreach ($name in $savedKey.GetValueNames()) {
            $parts = $name.Split(@(' '), 2)
            if ($parts.Count -ne 2) {
                continue
            }
            $settings = @{}
            $parsed = ConvertFrom-Json -InputObject ([string]$savedKey.GetValue($name, ''))
            foreach ($property in $parsed.PSObject.Properties) {
                $settings[$property.Name] = $property.Value
            }
            @{ kind = $parts[0]; key = $parts[1]; record = $settings }
        }
    }
    finally {
        $savedKey.Close()
    }
}

Function Clear-MtlsHttpSysSavedRecord {
    <#
    .SYNOPSIS
    Forgets the saved copy of one record (registry value names compare case-insensitively); tells whether one was
    there.
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $Key,

        [Parameter(Mandatory = $true)]
        [string]
        $Kind
    )

    $savedKey = Open-MtlsHttpSysSavedKey -Writable
    if ($null -eq $savedKey) {
        return $false
    }
    try {
        if ($null -eq $savedKey.GetValue("$Kind $Key", $null)) {
            return $false
        }
        $savedKey.DeleteValue("$Kind $Key", $false)
    }
    finally {
        $savedKey.Close()
    }
    $true
}

Export-ModuleMember -Function Get-MtlsHttpSysBinding
Export-ModuleMember -Function Set-MtlsHttpSysBinding
Export-ModuleMember -Function Remove-MtlsHttpSysBinding
Export-ModuleMember -Function Save-MtlsHttpSysRecord
Export-ModuleMember -Function Get-MtlsHttpSysSavedRecord
Export-ModuleMember -Function Clear-MtlsHttpSysSavedRecord
