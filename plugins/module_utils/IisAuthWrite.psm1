# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The part of IisAuth.psm1 only the apply run uses: its writers and their helpers; that file's header says what
# they act on and which Windows facts they rely on. The gather run (host_state_gather) does not send this file
# (docs/ENGINE.md, "Two modules").

#AnsibleRequires -PowerShell ..module_utils.IisAuth
#AnsibleRequires -PowerShell ..module_utils.IisConfigWrite
#AnsibleRequires -PowerShell ..module_utils.IisConfig

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

# The sections section_clear reverts at a location (contract name -> IIS section).
$script:ClearableSections = @{
    iis_mapping = 'system.webServer/security/authentication/iisClientCertificateMappingAuthentication'
    tracing = 'system.webServer/tracing/traceFailedRequests'
}

Function Get-MtlsIisAuthTarget {
    <#
    .SYNOPSIS
    The site an auth or mapping op writes at, as IIS spells it (so a differently cased name in the op never makes a
    second <location>): the location must be a site name and the site must exist.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Session,
        [Parameter(Mandatory = $true)][AllowEmptyString()][string]$Location
    )

    Assert-MtlsIisSiteName -Name $Location -Purpose 'IIS honours client certificate mappings at site level only'
    [string](Get-MtlsIisSite -Session $Session -Name $Location).name
}

Function Test-MtlsIisAuthValueEqual {
    <# .SYNOPSIS Whether a section attribute already has the wanted value, compared by the attribute's kind. #>
    [CmdletBinding()]
    [OutputType([bool])]
    param (
        [AllowNull()][object]$Current,
        [AllowNull()][object]$Wanted,
        [Parameter(Mandatory = $true)][string]$Kind
    )

    if ($Kind -eq 'bool') {
        return ($Current -is [bool] -and $Current -eq $Wanted)
    }
    if ($Kind -eq 'logonMethod') {
        return (ConvertTo-MtlsIisEnumName -Value $Current -Names (Get-MtlsIisAuthConstant -Name 'LogonMethodNames')) -ceq $Wanted
    }
    # Strings (defaultLogonDomain) exactly as written, so what the planner compares is what is stored.
    [string]::Equals([string]$Current, [string]$Wanted, [System.StringComparison]::Ordinal)
}

Function Add-MtlsIisAuthChangedSite {
    <# .SYNOPSIS Records that a site's authentication changed in this run, so Assert-MtlsIisAuthConsistent checks it. #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Session,
        [Parameter(Mandatory = $true)][string]$Site
    )

    $Session.auth_sites[$Site] = $true
}

Function Set-MtlsIisAuthSection {
    <#
    .SYNOPSIS
    Op auth_set: the given attributes of one authentication section at a site; changed only when one differs. Every
    attribute is validated before anything is read; one edit sets those that differ.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Session,
        [Parameter(Mandatory = $true)][AllowEmptyString()][string]$Location,
        [Parameter(Mandatory = $true)][AllowEmptyString()][string]$Section,
        [AllowNull()][object]$Attributes
    )

    $names = @((Get-MtlsIisAuthConstant -Name 'AuthSections').Keys | Sort-Object)
    if ($names -cnotcontains $Section) {
        throw "unknown section '$Section'; auth_set knows $($names -join ', ')"
    }
    if ($Attributes -isnot [System.Collections.IDictionary]) {
        throw 'attributes must be a dictionary of IIS attribute names to values'
    }
    $known = (Get-MtlsIisAuthConstant -Name 'AuthSections')[$Section].attributes
    $wanted = @{}
    foreach ($name in @($Attributes.Keys | Sort-Object)) {
        if (@($known.Keys) -cnotcontains $name) {
            throw "section $Section has no attribute '$name' that auth_set writes; known: $((@($known.Keys) | Sort-Object) -join ', ')"
        }
        $value = $Attributes[$name]
        if ($known[$name] -eq 'bool') {
            Assert-MtlsIisBool -Value $value -What "$Section attribute $name"
        }
        elseif ($known[$name] -eq 'logonMethod') {
            # Enum attributes are written by name, as Microsoft's configuration samples write them.
            $value = ConvertTo-MtlsIisEnumArgument -Value $value -Names (Get-MtlsIisAuthConstant -Name 'LogonMethodNames') -What "$Section attribute $name"
        }
        elseif ($value -isnot [string]) {
            throw "$Section attribute $name must be text, got '$value'"
        }
        $wanted[$name] = $value
    }
    $site = Get-MtlsIisAuthTarget -Session $Session -Location $Location
    $current = (Read-MtlsIisAuthSection -Session $Session -Site $site -Section @($Section))[$Section]
    $differing = @{}
    foreach ($name in @($wanted.Keys)) {
        if (-not (Test-MtlsIisAuthValueEqual -Current $current.attributes[$name] -Wanted $wanted[$name] -Kind $known[$name])) {
            $differing[$name] = $wanted[$name]
        }
    }
    if ($differing.Count -eq 0) {
        return @{ changed = $false }
    }
    Add-MtlsIisEdit -Session $Session -Edit @(@{ action = 'set'; section = (Get-MtlsIisAuthSectionPath -Section $Section); location = $site; attributes = $differing })
    Add-MtlsIisAuthChangedSite -Session $Session -Site $site
    @{ changed = $true }
}

Function Assert-MtlsIisAuthConsistent {
    <#
    .SYNOPSIS
    Before host_state commits a run of IIS ops: refuses, for every site whose authentication changed in the run, IIS
    many-to-one mapping (section enabled, many-to-one enabled, at least one mapping) together with AD client certificate
    mapping, reading the configuration as the run leaves it (WINDOWS_FACTS AUTH-5). Forgets the sites either way.
    #>
    [CmdletBinding()]
    param ([Parameter(Mandatory = $true)][hashtable]$Session)

    $sites = @($Session.auth_sites.Keys | Sort-Object)
    $Session.auth_sites = @{}
    $conflicts = @(
        foreach ($site in $sites) {
            $read = Read-MtlsIisAuthSection -Session $Session -Site $site -Section @('iis_mapping', 'ad_mapping')
            $iis = $read.iis_mapping
            $count = @((Get-MtlsIisNodeChild -Node $iis -Name 'manyToOneMappings').collection).Count
            $manyToOne = [bool]$iis.attributes['enabled'] -and [bool]$iis.attributes['manyToOneCertificateMappingsEnabled'] -and $count -gt 0
            if ($manyToOne -and [bool]$read.ad_mapping.attributes['enabled']) {
                "'$site' ($count many-to-one mapping(s))"
            }
        }
    )
    if ($conflicts.Count -gt 0) {
        throw "IIS refuses many-to-one client certificate mappings together with Active Directory client certificate mapping on one site, and these ops would enable both on site(s) $($conflicts -join ', '); disable one of them (iis_mapping manyToOneCertificateMappingsEnabled or enabled false, no many-to-one mappings, or ad_mapping enabled false)"
    }
}

Function Clear-MtlsIisSection {
    <#
    .SYNOPSIS
    Op section_clear: removes everything a section (iis_mapping or tracing) has at exactly one location path of
    applicationHost.config, so the path inherits it (RevertToParent, WINDOWS_FACTS IISCONFIG-10). Changed only when the
    section is written there, as committed or by an earlier op of this run. The fix for mappings configured below site
    level, which IIS ignores (AUTH-3).
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Session,
        [Parameter(Mandatory = $true)][AllowEmptyString()][string]$Location,
        [Parameter(Mandatory = $true)][AllowEmptyString()][string]$Section
    )

    $known = @($script:ClearableSections.Keys | Sort-Object)
    if ($known -cnotcontains $Section) {
        throw "unknown section '$Section'; section_clear knows $($known -join ', ')"
    }
    Assert-MtlsIisLocation -Location $Location
    $path = $script:ClearableSections[$Section]
    $key = Get-MtlsIisLocationKey -Path $Location
    $written = @(Get-MtlsIisConfiguredLocation -Session $Session -Section $path | Where-Object { (Get-MtlsIisLocationKey -Path $_.path) -eq $key })
    $present = $written.Count -gt 0
    foreach ($edit in $Session.edits) {
        if ($edit['section'] -eq $path -and (Get-MtlsIisLocationKey -Path ([string]$edit['location'])) -eq $key) {
            $present = $edit.action -ne 'revert'
        }
    }
    if (-not $present) {
        return @{ changed = $false }
    }
    $target = $Location
    if ($written.Count -gt 0) {
        $target = $written[$written.Count - 1].path
    }
    Add-MtlsIisEdit -Session $Session -Edit @(@{ action = 'revert'; section = $path; location = $target })
    @{ changed = $true }
}

Export-ModuleMember -Function Get-MtlsIisAuthTarget
Export-ModuleMember -Function Add-MtlsIisAuthChangedSite
Export-ModuleMember -Function Set-MtlsIisAuthSection
Export-ModuleMember -Function Assert-MtlsIisAuthConsistent
Export-ModuleMember -Function Clear-MtlsIisSection
