# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Copies of HTTP.sys records kept across a binding change (op httpsys_save, docs/ENGINE.md "Saved HTTP.sys options"):
# IIS rewrites a changed binding's record without its client certificate options (WINDOWS_FACTS HTTPSYS-4), so the
# controller saves them first, and httpsys_set / httpsys_remove forget the copy once the record is as asked. One REG_SZ
# per record under the engine's own key (WINDOWS_FACTS HTTPSYS-5), named '<kind> <key>', holding the record's settings
# as JSON: the ones httpsys_set manages and the ones it keeps (reject ... ctl_identifier), since IIS drops both. Every registry access goes through WinRegistry.psm1.
# Its writers are in HttpSysSavedWrite.psm1: the gather run (host_state_gather) sends the readers only, the apply
# run (host_state_apply) both (docs/ENGINE.md, "Two modules").

#AnsibleRequires -PowerShell ..module_utils.WinRegistry

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

$script:SavedRecordsPath = 'SOFTWARE\mtls.iis\HttpSysSaved'

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

Function Get-MtlsHttpSysSavedConstant {
    <#
    .SYNOPSIS
    A constant of this util by its variable name, for its writers in HttpSysSavedWrite.psm1 (a module's script
    variables are its own): each Windows name is defined once.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $Name
    )

    , (Get-Variable -Name $Name -Scope Script -ValueOnly)
}

Export-ModuleMember -Function Get-MtlsHttpSysSavedRecord
Export-ModuleMember -Function Get-MtlsHttpSysSavedConstant
