# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The part of HttpSysSaved.psm1 only the apply run uses: its writers and their helpers; that file's header says what
# they act on and which Windows facts they rely on. The gather run (host_state_gather) does not send this file
# (docs/ENGINE.md, "Two modules").

#AnsibleRequires -PowerShell ..module_utils.HttpSysSaved
#AnsibleRequires -PowerShell ..module_utils.HttpSys
#AnsibleRequires -PowerShell ..module_utils.RegistryValue
#AnsibleRequires -PowerShell ..module_utils.WinRegistry

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

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
    $stored = Find-MtlsRegistryValue -Key (Get-MtlsWinRegistryKey -Path (Get-MtlsHttpSysSavedConstant -Name 'SavedRecordsPath')) -Name "$Kind $Key" -Kind 'REG_SZ'
    if ($null -ne $stored -and [string]$stored.data -ceq $text) {
        return @{ changed = $false }
    }
    Set-MtlsWinRegistryValue -Path (Get-MtlsHttpSysSavedConstant -Name 'SavedRecordsPath') -Name "$Kind $Key" -Kind 'REG_SZ' -Data $text
    @{ changed = $true }
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

    $savedKey = Get-MtlsWinRegistryKey -Path (Get-MtlsHttpSysSavedConstant -Name 'SavedRecordsPath')
    if ($null -eq (Find-MtlsRegistryValue -Key $savedKey -Name "$Kind $Key")) {
        return $false
    }
    Remove-MtlsWinRegistryValue -Path (Get-MtlsHttpSysSavedConstant -Name 'SavedRecordsPath') -Name "$Kind $Key"
    $true
}

Export-ModuleMember -Function Save-MtlsHttpSysRecord
Export-ModuleMember -Function Get-MtlsHttpSysSavedSetting
Export-ModuleMember -Function Clear-MtlsHttpSysSavedRecord
