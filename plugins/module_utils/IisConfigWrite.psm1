# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The part of IisConfig.psm1 only the apply run uses: its writers and their helpers; that file's header says what
# they act on and which Windows facts they rely on. The gather run (host_state_gather) does not send this file
# (docs/ENGINE.md, "Two modules").

#AnsibleRequires -PowerShell ..module_utils.IisConfig
#AnsibleRequires -PowerShell ..module_utils.WinIis

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

Function Close-MtlsIisSession {
    <# .SYNOPSIS Discards the session's pending edits and what it read (a new run reads again). #>
    [CmdletBinding()]
    param ([Parameter(Mandatory = $true)][hashtable]$Session)

    $Session.edits.Clear()
    $Session.sites = $null
    $Session.document = $null
    $Session.explicit = @{}
    $Session.auth_sites = @{}
}

Function Get-MtlsIisSite {
    <# .SYNOPSIS The site with this name; a missing site is an error naming it. #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Session,
        [Parameter(Mandatory = $true)][AllowEmptyString()][string]$Name
    )

    $site = Find-MtlsIisSite -Session $Session -Name $Name
    if ($null -eq $site) {
        throw "IIS site '$Name' does not exist on this host; create the site first or correct its name"
    }
    $site
}

Function Assert-MtlsIisSiteName {
    <# .SYNOPSIS Refuses a value that is not a site name (empty, or a path); Purpose says why the op works per site. #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)][AllowEmptyString()][string]$Name,
        [Parameter(Mandatory = $true)][string]$Purpose
    )

    if ([string]::IsNullOrWhiteSpace($Name)) {
        throw "the site name is empty; $Purpose (give the site name, e.g. 'Default Web Site')"
    }
    # IIS refuses '/' in site names, so a '/' means an application or directory path.
    if ($Name.Contains('/') -or $Name.Contains('\')) {
        throw "'$Name' is not a site name; $Purpose, so give the site ('Default Web Site'), not an application or directory"
    }
}

Function Add-MtlsIisEdit {
    <#
    .SYNOPSIS
    Adds an op's edits to the session after trying them, with the pending ones, in a ServerManager that never commits:
    an edit IIS refuses fails here, naming it, and nothing of it is kept.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Session,
        [Parameter(Mandatory = $true)][object[]]$Edit
    )

    $all = @($Session.edits.ToArray()) + @($Edit)
    $outcome = Invoke-MtlsWinIisEdit -Edit $all -NoCommit
    if ($null -ne $outcome.failed_edit) {
        throw "IIS refused to $(Format-MtlsIisEdit -Edit $all[$outcome.failed_edit]): $($outcome.error)"
    }
    foreach ($change in $Edit) {
        $Session.edits.Add($change)
    }
}

Function Save-MtlsIisSession {
    <#
    .SYNOPSIS
    Commits the session's pending edits with one CommitChanges, then starts it afresh. An edit IIS refuses commits
    nothing; a failed commit sets partly_written, because IIS may have written part of it (the configuration file and
    the HTTP.sys records of changed bindings are separate writes, WINDOWS_FACTS IISCONFIG-9).
    #>
    [CmdletBinding()]
    param ([Parameter(Mandatory = $true)][hashtable]$Session)

    if ($Session.edits.Count -gt 0) {
        $outcome = Invoke-MtlsWinIisEdit -Edit $Session.edits.ToArray()
        if ($null -ne $outcome.failed_edit) {
            throw "IIS refused to $(Format-MtlsIisEdit -Edit $Session.edits[$outcome.failed_edit]) when committing, so nothing was committed: $($outcome.error)"
        }
        if (-not $outcome.committed) {
            $Session.partly_written = $true
            throw "IIS failed to commit the configuration changes: $($outcome.error)"
        }
    }
    Close-MtlsIisSession -Session $Session
}

Function ConvertTo-MtlsIisEnumArgument {
    <# .SYNOPSIS An op's enum argument (a name in any case) as its canonical name; anything else fails, listing the names. #>
    [CmdletBinding()]
    [OutputType([string])]
    param (
        [AllowNull()][object]$Value,
        [Parameter(Mandatory = $true)][hashtable]$Names,
        [Parameter(Mandatory = $true)][string]$What
    )

    $allowed = (@($Names.Keys | Sort-Object | ForEach-Object { $Names[$_] })) -join ', '
    if ($Value -is [string]) {
        foreach ($name in @($Names.Values)) {
            if ([string]::Equals([string]$name, $Value.Trim(), [System.StringComparison]::OrdinalIgnoreCase)) {
                return [string]$name
            }
        }
    }
    throw "$What '$Value' is not one of $allowed"
}

Function Assert-MtlsIisBool {
    <# .SYNOPSIS Refuses an op argument that is not a JSON boolean (a string or a number is a damaged op, not coerced). #>
    [CmdletBinding()]
    param (
        [AllowNull()][object]$Value,
        [Parameter(Mandatory = $true)][string]$What
    )

    if ($Value -isnot [bool]) {
        throw "$What must be true or false, got '$Value'"
    }
}

Export-ModuleMember -Function Close-MtlsIisSession
Export-ModuleMember -Function Get-MtlsIisSite
Export-ModuleMember -Function Assert-MtlsIisSiteName
Export-ModuleMember -Function Add-MtlsIisEdit
Export-ModuleMember -Function Save-MtlsIisSession
Export-ModuleMember -Function ConvertTo-MtlsIisEnumArgument
Export-ModuleMember -Function Assert-MtlsIisBool
