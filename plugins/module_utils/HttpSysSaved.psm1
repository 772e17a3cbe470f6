# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Copies of HTTP.sys records kept across a binding change (op httpsys_save, docs/ENGINE.md "Saved HTTP.sys options"):
# IIS rewrites a changed binding's record without its client certificate options (WINDOWS_FACTS HTTPSYS-4), so the
# controller saves them first, and httpsys_set / httpsys_remove forget the copy once the record is as asked. One REG_SZ
# per record under the engine's own key (WINDOWS_FACTS HTTPSYS-5), named '<kind> <key>', holding the record's settings
# as JSON: the ones httpsys_set manages and the ones it keeps (reject ... ctl_identifier), since IIS drops both. Every registry access goes through WinRegistry.psm1.

#AnsibleRequires -PowerShell ..module_utils.WinRegistry
#AnsibleRequires -PowerShell ..module_utils.RegistryValue
#AnsibleRequires -PowerShell ..module_utils.HttpSys

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

$script:SavedRecordsPath = 'SOFTWARE\mtls.iis\HttpSysSaved'

Function Save-MtlsHttpSysRecord {
    <#
    .SYNOPSIS
    Op httpsys_save: keeps a copy of a record's settings (the op's arguments without key and kind: every setting of the
    record, the kept ones included, in the names of ConvertFrom-MtlsHttpSysRecord) under the engine's
    own key; changed=false when the same copy is already there.
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
    $stored = Find-MtlsRegistryValue -Key (Get-MtlsWinRegistryKey -Path $script:SavedRecordsPath) -Name "$Kind $Key" -Kind 'REG_SZ'
    if ($null -ne $stored -and [string]$stored.data -ceq $text) {
        return @{ changed = $false }
    }
    Set-MtlsWinRegistryValue -Path $script:SavedRecordsPath -Name "$Kind $Key" -Kind 'REG_SZ' -Data $text
    @{ changed = $true }
}

Function Get-MtlsHttpSysSavedRecord {
    <#
    .SYNOPSIS
    Emits every saved record as @{ kind; key; record = settings hashtable }; nothing when none is kept. A value that is
    not a REG_SZ named '<kind> <key>' is not one of ours and is left out.
    #>
    [CmdletBinding()]
    param ()

    $savedKey = Get-MtlsWinRegistryKey -Path $script:SavedRecordsPath
    if ($null -eq $savedKey) {
        return
    }
    foreach ($name in @($savedKey.values.Keys | Sort-Object)) {
        $entry = $savedKey.values[$name]
        $parts = ([string]$name).Split(@(' '), 2)
        if ($parts.Count -ne 2 -or $entry.kind -cne 'REG_SZ') {
            continue
        }
        $settings = @{}
        foreach ($property in (ConvertFrom-Json -InputObject ([string]$entry.data)).PSObject.Properties) {
            $settings[$property.Name] = $property.Value
        }
        @{ kind = $parts[0]; key = $parts[1]; record = $settings }
    }
}

Function Get-MtlsHttpSysSavedSetting {
    <#
    .SYNOPSIS
    The settings of the copy kept for one record (keys compare case-insensitively, as the registry compares value
    names, WINDOWS_FACTS REG-2); $null when none is kept.
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

    foreach ($saved in @(Get-MtlsHttpSysSavedRecord)) {
        if ($saved.kind -eq $Kind -and $saved.key -eq $Key) {
            return $saved.record
        }
    }
    $null
}

Function Clear-MtlsHttpSysSavedRecord {
    <#
    .SYNOPSIS
    Forgets the saved copy of one record (registry value names compare case-insensitively, WINDOWS_FACTS REG-2); tells
    whether one was there.
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

    $savedKey = Get-MtlsWinRegistryKey -Path $script:SavedRecordsPath
    if ($null -eq (Find-MtlsRegistryValue -Key $savedKey -Name "$Kind $Key")) {
        return $false
    }
    Remove-MtlsWinRegistryValue -Path $script:SavedRecordsPath -Name "$Kind $Key"
    $true
}

Export-ModuleMember -Function Save-MtlsHttpSysRecord
Export-ModuleMember -Function Get-MtlsHttpSysSavedRecord
Export-ModuleMember -Function Get-MtlsHttpSysSavedSetting
Export-ModuleMember -Function Clear-MtlsHttpSysSavedRecord
