# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The HTTP.sys ops of the host_state engine: httpsys_set and httpsys_remove, for the record kinds ipport,
# hostnameport and ccs (the record of a port's Central Certificate Store bindings, keyed by the port and naming no
# certificate, WINDOWS_FACTS HTTPSYS-10; `netsh http ... sslcert ccs=<port>`). Records are read with HttpSysRecord.psm1
# (the registry); writes go through `netsh http add|update|delete sslcert` (WinNetsh.psm1), built as an argument
# array and judged by exit code only: netsh output is localized, so it is only passed on as a diagnostic
# (WINDOWS_FACTS HTTPSYS-1, HTTPSYS-2). Every write is read back from the registry, as gather will read it.
#
# httpsys_set writes the whole record, and keeps what the op does not manage: DefaultFlags bits such as reject or
# disabletls12, a disabled usage check, the URL retrieval timeout and a CTL identifier are passed back as they are and
# checked on the read-back (issue 10 item 5, WINDOWS_FACTS HTTPSYS-11).

#AnsibleRequires -PowerShell ..module_utils.WinNetsh
#AnsibleRequires -PowerShell ..module_utils.HttpSysRecordWrite

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

# The netsh parameter of each disable_* argument (WINDOWS_FACTS HTTPSYS-11). Newer Windows builds know more of them
# than older ones, so they are passed only when needed (see New-MtlsNetshSslCertArgument).
$script:DisableParameters = [ordered]@{
    disable_tls13 = 'disabletls13'
    disable_legacy_tls = 'disablelegacytls'
    disable_http2 = 'disablehttp2'
    disable_quic = 'disablequic'
    disable_ocsp_stapling = 'disableocspstapling'
}

$script:Revocations = @('online', 'cached_only', 'off')

Function Assert-MtlsHttpSysKey {
    <#
    .SYNOPSIS
    Refuses a kind other than ipport, hostnameport and ccs, and a key that is not address:port or host:port (a port
    for ccs).
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

    if (@('ipport', 'hostnameport', 'ccs') -cnotcontains $Kind) {
        throw "kind '$Kind' is not supported; use ipport, hostnameport or ccs"
    }
    if ($Kind -ceq 'ccs') {
        # netsh takes ccs=<port> (HTTPSYS-10).
        if ($Key -notmatch '^[0-9]{1,5}$' -or [int]$Key -lt 1 -or [int]$Key -gt 65535) {
            throw "key '$Key' is not a port from 1 to 65535 (ccs, e.g. 443)"
        }
        return
    }
    # No whitespace, '=' or quotes: the key becomes one netsh argument "ipport=<key>".
    if ($Key -notmatch '^[^\s="]+:[0-9]{1,5}$') {
        throw "key '$Key' is not address:port (ipport, e.g. 0.0.0.0:443) or host:port (hostnameport, e.g. www.contoso.com:443)"
    }
}

Function Assert-MtlsHttpSysCertificate {
    <#
    .SYNOPSIS
    Validates the certificate of a record and returns its hash as upper-case hex: a SHA-1 thumbprint and a store name.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param (
        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $CertificateHash,

        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $CertificateStore
    )

    $hash = $CertificateHash.Trim().ToUpperInvariant()
    if ($hash -notmatch '^[0-9A-F]{40}$') {
        throw "certificate_hash '$CertificateHash' is not 40 hexadecimal characters (a SHA-1 thumbprint)"
    }
    if ($CertificateStore -notmatch '^[^\s="]+$') {
        throw "certificate_store '$CertificateStore' is empty or has spaces, quotes or '='"
    }
    $hash
}

Function ConvertTo-MtlsHttpSysWanted {
    <#
    .SYNOPSIS
    Validates the arguments of httpsys_set (a hashtable of them) and returns the wanted settings in the terms of
    ConvertFrom-MtlsHttpSysRecord.
    #>
    [CmdletBinding()]
    [OutputType([System.Collections.Specialized.OrderedDictionary])]
    param (
        [Parameter(Mandatory = $true)]
        [hashtable]
        $Arguments
    )

    if ($Arguments.kind -ceq 'ccs') {
        # A ccs record names no certificate: the Central Certificate Store picks it by host name (HTTPSYS-10).
        if (-not [string]::IsNullOrEmpty([string]$Arguments.certificate_hash) -or -not [string]::IsNullOrEmpty([string]$Arguments.certificate_store)) {
            throw "a ccs record names no certificate; certificate_hash and certificate_store must be empty"
        }
        $hash = ''
    }
    else {
        $hash = Assert-MtlsHttpSysCertificate -CertificateHash $Arguments.certificate_hash -CertificateStore $Arguments.certificate_store
    }
    $guid = [System.Guid]::Empty
    if (-not [System.Guid]::TryParse([string]$Arguments.app_id, [ref]$guid)) {
        throw "app_id '$($Arguments.app_id)' is not a GUID"
    }
    $ctl = ''
    if ($null -ne $Arguments.ctl_store_name) {
        $ctl = [string]$Arguments.ctl_store_name
        if ($ctl -notmatch '^[^\s="]+$') {
            throw "ctl_store_name '$ctl' is empty or has spaces, quotes or '='; use null for no CTL store"
        }
    }
    if ($script:Revocations -cnotcontains $Arguments.revocation) {
        throw "revocation '$($Arguments.revocation)' is not one of online, cached_only, off"
    }
    # JSON integers arrive as Int32 or Int64; anything else is a damaged op.
    $freshness = $Arguments.revocation_freshness_seconds
    if (($freshness -isnot [int] -and $freshness -isnot [long]) -or $freshness -lt 0 -or $freshness -gt 4294967295) {
        throw "revocation_freshness_seconds '$freshness' is not an integer from 0 to 4294967295"
    }
    [ordered]@{
        certificate_hash = $hash
        certificate_store = [string]$Arguments.certificate_store
        app_id = $guid.ToString('B')
        ctl_store_name = $ctl
        revocation = [string]$Arguments.revocation
        revocation_freshness_seconds = [long]$freshness
        ds_mapper = [bool]$Arguments.ds_mapper
        negotiate_client_certificate = [bool]$Arguments.negotiate_client_certificate
        disable_http2 = [bool]$Arguments.disable_http2
        disable_quic = [bool]$Arguments.disable_quic
        disable_tls13 = [bool]$Arguments.disable_tls13
        disable_ocsp_stapling = [bool]$Arguments.disable_ocsp_stapling
        disable_legacy_tls = [bool]$Arguments.disable_legacy_tls
    }
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
    The netsh arguments that write the wanted record: 'http', add|update, 'sslcert', '<kind>=<key>', then one
    name=value each (WINDOWS_FACTS HTTPSYS-11), the kept settings of the current record included.
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

        # The wanted settings, the kept ones included (ConvertTo-MtlsHttpSysWanted + Get-MtlsHttpSysKeptSetting).
        [Parameter(Mandatory = $true)]
        [System.Collections.IDictionary]
        $Wanted,

        # The current record's settings (ConvertFrom-MtlsHttpSysRecord), or $null when adding.
        [AllowNull()]
        [System.Collections.IDictionary]
        $Current
    )

    $arguments = New-Object -TypeName System.Collections.Generic.List[string]
    foreach ($fixed in @('http', $Verb, 'sslcert', "$Kind=$Key")) {
        $arguments.Add($fixed)
    }
    # certstorename is required for hostnameport and passed for ipport too (default MY), so the store is explicit; a
    # ccs record names neither certificate nor store (HTTPSYS-10).
    if ($Kind -cne 'ccs') {
        $arguments.Add("certhash=$($Wanted.certificate_hash)")
    }
    $arguments.Add("appid=$($Wanted.app_id)")
    if ($Kind -cne 'ccs') {
        $arguments.Add("certstorename=$($Wanted.certificate_store)")
    }
    $arguments.Add("clientcertnegotiation=$(ConvertTo-MtlsEnableText -Value $Wanted.negotiate_client_certificate)")
    if (-not [string]::IsNullOrEmpty([string]$Wanted.ctl_identifier)) {
        $arguments.Add("sslctlidentifier=$($Wanted.ctl_identifier)")
    }
    if (-not [string]::IsNullOrEmpty([string]$Wanted.ctl_store_name)) {
        $arguments.Add("sslctlstorename=$($Wanted.ctl_store_name)")
    }
    $arguments.Add("dsmapperusage=$(ConvertTo-MtlsEnableText -Value $Wanted.ds_mapper)")
    foreach ($argument in @(Get-MtlsNetshRevocationArgument -Wanted $Wanted -Current $Current)) {
        $arguments.Add($argument)
    }
    foreach ($name in $script:DisableParameters.Keys) {
        # Passed when set, or to clear it when the current record has it: an older build that does not know the
        # parameter is then never given it needlessly.
        $currentlySet = $null -ne $Current -and [bool]$Current[$name]
        if ([bool]$Wanted[$name] -or $currentlySet) {
            $arguments.Add("$($script:DisableParameters[$name])=$(ConvertTo-MtlsEnableText -Value ([bool]$Wanted[$name]))")
        }
    }
    $kept = Get-MtlsHttpSysKeptParameter
    foreach ($name in $kept.Keys) {
        if ([bool]$Wanted[$name]) {
            $arguments.Add("$($kept[$name])=enable")
        }
    }
    , $arguments.ToArray()
}

Function Get-MtlsNetshRevocationArgument {
    <#
    .SYNOPSIS
    The netsh arguments of client certificate revocation checking: verifyclientcertrevocation,
    verifyrevocationwithcachedclientcertonly, revocationfreshnesstime, urlretrievaltimeout and usagecheck.
    #>
    [CmdletBinding()]
    [OutputType([string[]])]
    param (
        [Parameter(Mandatory = $true)]
        [System.Collections.IDictionary]
        $Wanted,

        [AllowNull()]
        [System.Collections.IDictionary]
        $Current
    )

    $arguments = New-Object -TypeName System.Collections.Generic.List[string]
    if ($Wanted.revocation -eq 'off') {
        $arguments.Add('verifyclientcertrevocation=disable')
    }
    else {
        $arguments.Add('verifyclientcertrevocation=enable')
        $arguments.Add("verifyrevocationwithcachedclientcertonly=$(ConvertTo-MtlsEnableText -Value ($Wanted.revocation -eq 'cached_only'))")
    }
    $currentFreshness = 0
    if ($null -ne $Current) {
        $currentFreshness = [long]$Current.revocation_freshness_seconds
    }
    # 0 is passed only to clear a freshness time the record has (WINDOWS_FACTS HTTPSYS-12).
    if ([long]$Wanted.revocation_freshness_seconds -gt 0 -or $currentFreshness -gt 0) {
        $arguments.Add("revocationfreshnesstime=$($Wanted.revocation_freshness_seconds)")
    }
    if ([long]$Wanted.url_retrieval_timeout -gt 0) {
        $arguments.Add("urlretrievaltimeout=$($Wanted.url_retrieval_timeout)")
    }
    if ([bool]$Wanted.usage_check_disabled) {
        $arguments.Add('usagecheck=disable')
    }
    # One by one into the pipeline: the caller collects them with @().
    $arguments.ToArray()
}

Function Invoke-MtlsNetsh {
    <#
    .SYNOPSIS
    Runs netsh with an argument array; a non-zero exit code is an error naming the command and the exit code, with
    netsh's (localized) output attached as a diagnostic only.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [string[]]
        $Arguments
    )

    $outcome = Invoke-MtlsWinNetsh -Arguments $Arguments
    if ([int]$outcome.exit_code -ne 0) {
        $diagnostic = ((@(([string]$outcome.output) -split "`n" | ForEach-Object { $_.Trim() }) | Where-Object { $_ -ne '' }) -join ' ')
        if ($diagnostic.Length -gt 500) {
            $diagnostic = $diagnostic.Substring(0, 500)
        }
        throw "netsh $(($Arguments[0..3]) -join ' ') failed with exit code $($outcome.exit_code) (netsh said, localized: $diagnostic)"
    }
}

Function Set-MtlsHttpSysBinding {
    <#
    .SYNOPSIS
    Op httpsys_set: writes the whole HTTP.sys SSL record of one key with netsh (update when it exists, add when not),
    keeping the settings the op does not manage (or restoring them from a saved copy); changed=false without calling netsh when the record already is as
    asked. Reads the record back and fails when it is not as written.
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
        $DisableOcspStapling,

        # The copy httpsys_save kept for this record (HttpSysSaved.psm1), or $null. The settings the op keeps come
        # from it instead of the current record: IIS dropped them when it rewrote the record (WINDOWS_FACTS HTTPSYS-4).
        # A copy without them (saved by an older engine) leaves them to the current record.
        [AllowNull()]
        [System.Collections.IDictionary]
        $Saved
    )

    Assert-MtlsHttpSysKey -Key $Key -Kind $Kind
    $wanted = ConvertTo-MtlsHttpSysWanted -Arguments @{
        kind = $Kind; certificate_hash = $CertificateHash; certificate_store = $CertificateStore; app_id = $AppId
        negotiate_client_certificate = $NegotiateClientCertificate; ctl_store_name = $CtlStoreName; ds_mapper = $DsMapper
        revocation = $Revocation; revocation_freshness_seconds = $RevocationFreshnessSeconds; disable_tls13 = $DisableTls13
        disable_legacy_tls = $DisableLegacyTls; disable_http2 = $DisableHttp2; disable_quic = $DisableQuic
        disable_ocsp_stapling = $DisableOcspStapling
    }
    $record = Find-MtlsHttpSysBinding -Key $Key -Kind $Kind
    $current = $null
    $verb = 'add'
    if ($null -ne $record) {
        $current = ConvertFrom-MtlsHttpSysRecord -Record $record
        $verb = 'update'
    }
    $keptFrom = $current
    if ($null -ne $Saved -and $Saved.Contains('reject')) {
        $keptFrom = $Saved
    }
    $kept = Get-MtlsHttpSysKeptSetting -Current $keptFrom
    foreach ($name in $kept.Keys) {
        $wanted[$name] = $kept[$name]
    }
    if ($null -ne $current -and (Compare-MtlsHttpSysSetting -Current $current -Wanted $wanted).Count -eq 0) {
        return @{ changed = $false }
    }
    $arguments = New-MtlsNetshSslCertArgument -Verb $verb -Key $Key -Kind $Kind -Wanted $wanted -Current $current
    Invoke-MtlsNetsh -Arguments $arguments
    Assert-MtlsHttpSysWritten -Key $Key -Kind $Kind -Verb $verb -Wanted $wanted
    @{ changed = $true }
}

Function Assert-MtlsHttpSysWritten {
    <#
    .SYNOPSIS
    Reads a record back after netsh wrote it, as gather will (WINDOWS_FACTS HTTPSYS-6), and fails when it is missing or
    differs from what was written: a difference would make every later run change the record again.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $Key,

        [Parameter(Mandatory = $true)]
        [string]
        $Kind,

        [Parameter(Mandatory = $true)]
        [string]
        $Verb,

        [Parameter(Mandatory = $true)]
        [System.Collections.IDictionary]
        $Wanted
    )

    $written = Find-MtlsHttpSysBinding -Key $Key -Kind $Kind
    if ($null -eq $written) {
        throw "netsh http $Verb sslcert $Kind=$Key exited 0 but no $Kind record with that key is in the registry afterwards; this Windows build may not know one of the parameters it was given (netsh can exit 0 then, WINDOWS_FACTS HTTPSYS-2)"
    }
    $differences = Compare-MtlsHttpSysSetting -Current (ConvertFrom-MtlsHttpSysRecord -Record $written) -Wanted $Wanted
    if ($differences.Count -gt 0) {
        throw "netsh http $Verb sslcert $Kind=$Key exited 0 but the record read back differs in $($differences -join ', '); this Windows build may not support those settings, or it stores them under registry values this module does not read"
    }
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
    Invoke-MtlsNetsh -Arguments @('http', 'delete', 'sslcert', "$Kind=$Key")
    if ($null -ne (Find-MtlsHttpSysBinding -Key $Key -Kind $Kind)) {
        throw "netsh http delete sslcert $Kind=$Key exited 0 but the record is still in the registry"
    }
    @{ changed = $true }
}

Export-ModuleMember -Function Set-MtlsHttpSysBinding
Export-ModuleMember -Function Remove-MtlsHttpSysBinding
# For HttpSysSaved.psm1, which keys its copies as the records are keyed.
Export-ModuleMember -Function Assert-MtlsHttpSysKey
