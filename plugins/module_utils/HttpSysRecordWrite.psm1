# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The part of HttpSysRecord.psm1 only the apply run uses: its writers and their helpers; that file's header says what
# they act on and which Windows facts they rely on. The gather run (host_state_gather) does not send this file
# (docs/ENGINE.md, "Two modules").

#AnsibleRequires -PowerShell ..module_utils.HttpSysRecord

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

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

Export-ModuleMember -Function Find-MtlsHttpSysBinding
Export-ModuleMember -Function ConvertTo-MtlsGuidText
Export-ModuleMember -Function ConvertFrom-MtlsHttpSysRecord
Export-ModuleMember -Function Get-MtlsHttpSysKeptSetting
Export-ModuleMember -Function Get-MtlsHttpSysKeptParameter
Export-ModuleMember -Function Compare-MtlsHttpSysSetting
