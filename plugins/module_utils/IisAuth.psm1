# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# IIS authentication sections of the host_state engine, through the IIS session of IisConfig.psm1: gather of scope
# auth_sites, op auth_set, the check host_state runs before committing a run of IIS ops (many-to-one mapping together
# with AD mapping, which IIS refuses on a site), and op section_clear (a mapping or tracing section reverted at one
# path: the fix for mappings configured below site level). The mapping ops are in IisMapping.psm1.
#
# The sections are part of IIS's own schema whatever features are installed (WINDOWS_FACTS AUTH-1): features add the
# modules that act on them. So a section is always read, and a read IIS refuses is an error, never "not installed";
# whether Web-Cert-Auth / Web-Client-Auth are installed is the features scope's answer (issue 10 item 9).
# All three sections are locked (overrideModeDefault="Deny", AUTH-2): they are read and written at the site's location
# path of applicationHost.config, where IIS honours client certificate mappings (AUTH-3).
#
# Passwords are write-only: a section tree never carries them (WINDOWS_FACTS IISCONFIG-6), so gather cannot return one.

#AnsibleRequires -PowerShell ..module_utils.IisConfig

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

$script:AuthPrefix = 'system.webServer/security/authentication/'

# The contract's section names -> IIS section names, and the attributes auth_set writes with their kind. Attribute
# names are compared case-sensitively, as the schema names them.
$script:AuthSections = @{
    iis_mapping = @{
        name = 'iisClientCertificateMappingAuthentication'
        attributes = @{
            enabled = 'bool'; oneToOneCertificateMappingsEnabled = 'bool'; manyToOneCertificateMappingsEnabled = 'bool'
            logonMethod = 'logonMethod'; defaultLogonDomain = 'string'
        }
    }
    ad_mapping = @{ name = 'clientCertificateMappingAuthentication'; attributes = @{ enabled = 'bool' } }
    anonymous = @{ name = 'anonymousAuthentication'; attributes = @{ enabled = 'bool' } }
}

# The sections section_clear reverts at a location (contract name -> IIS section).
$script:ClearableSections = @{
    iis_mapping = 'system.webServer/security/authentication/iisClientCertificateMappingAuthentication'
    tracing = 'system.webServer/tracing/traceFailedRequests'
}

# Enum values of the IIS schema (WINDOWS_FACTS AUTH-4): number -> name.
$script:LogonMethodNames = @{ 0 = 'Interactive'; 1 = 'Batch'; 2 = 'Network'; 3 = 'ClearText' }
$script:PermissionModeNames = @{ 1 = 'Allow'; 2 = 'Deny' }
$script:CertificateFieldNames = @{ 1 = 'Subject'; 2 = 'Issuer' }

Function Get-MtlsIisAuthSectionPath {
    <# .SYNOPSIS The IIS section path of a contract section name (iis_mapping, ad_mapping, anonymous). #>
    [CmdletBinding()]
    [OutputType([string])]
    param ([Parameter(Mandatory = $true)][string]$Section)

    $script:AuthPrefix + $script:AuthSections[$Section].name
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

Function Read-MtlsIisAuthSection {
    <# .SYNOPSIS Authentication sections (contract names) at a site, after the pending edits: name -> tree. #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Session,
        [Parameter(Mandatory = $true)][string]$Site,
        [Parameter(Mandatory = $true)][string[]]$Section
    )

    $requests = @(foreach ($name in $Section) { @{ section = (Get-MtlsIisAuthSectionPath -Section $name); location = $Site; merged = $false } })
    $trees = @(Read-MtlsIisSection -Session $Session -Request $requests)
    $read = @{}
    for ($i = 0; $i -lt $Section.Count; $i++) {
        $read[$Section[$i]] = $trees[$i]
    }
    $read
}

Function ConvertTo-MtlsIisRuleSnapshot {
    <# .SYNOPSIS The rules of a many-to-one mapping tree in the contract's shape. #>
    [CmdletBinding()]
    param ([Parameter(Mandatory = $true)][hashtable]$Mapping)

    foreach ($rule in @((Get-MtlsIisNodeChild -Node $Mapping -Name 'rules').collection)) {
        @{
            field = ConvertTo-MtlsIisEnumName -Value $rule.attributes['certificateField'] -Names $script:CertificateFieldNames
            subfield = [string]$rule.attributes['certificateSubField']
            match = [string]$rule.attributes['matchCriteria']
            case_sensitive = [bool]$rule.attributes['compareCaseSensitive']
        }
    }
}

Function ConvertTo-MtlsIisMappingSnapshot {
    <#
    .SYNOPSIS
    iis_mapping of the snapshot from the section's tree. A one-to-one certificate is returned exactly as stored (line
    breaks included: IIS never matches such a mapping, and the controller reports it as drift). inherited: the entry
    comes from the server level (IsLocallyStored false; unverified for collection entries, WINDOWS_FACTS IISCONFIG-4).
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param ([Parameter(Mandatory = $true)][hashtable]$Section)

    $oneToOne = @(
        foreach ($mapping in @((Get-MtlsIisNodeChild -Node $Section -Name 'oneToOneMappings').collection)) {
            @{
                certificate = [string]$mapping.attributes['certificate']
                user = [string]$mapping.attributes['userName']
                enabled = [bool]$mapping.attributes['enabled']
                inherited = -not $mapping.locally_stored
            }
        }
    )
    $manyToOne = @(
        foreach ($mapping in @((Get-MtlsIisNodeChild -Node $Section -Name 'manyToOneMappings').collection)) {
            @{
                name = [string]$mapping.attributes['name']
                description = [string]$mapping.attributes['description']
                enabled = [bool]$mapping.attributes['enabled']
                permission = ConvertTo-MtlsIisEnumName -Value $mapping.attributes['permissionMode'] -Names $script:PermissionModeNames
                user = [string]$mapping.attributes['userName']
                rules = @(ConvertTo-MtlsIisRuleSnapshot -Mapping $mapping)
                inherited = -not $mapping.locally_stored
            }
        }
    )
    $attributes = $Section.attributes
    @{
        enabled = [bool]$attributes['enabled']
        one_to_one_enabled = [bool]$attributes['oneToOneCertificateMappingsEnabled']
        many_to_one_enabled = [bool]$attributes['manyToOneCertificateMappingsEnabled']
        logon_method = ConvertTo-MtlsIisEnumName -Value $attributes['logonMethod'] -Names $script:LogonMethodNames
        default_logon_domain = [string]$attributes['defaultLogonDomain']
        one_to_one = $oneToOne
        many_to_one = $manyToOne
    }
}

Function Get-MtlsIisAuthSnapshot {
    <#
    .SYNOPSIS
    Gather of scope auth_sites: site name (as requested) -> @{ iis_mapping; ad_mapping; anonymous; below_site } for
    each site that exists; empty when IIS is not installed. below_site: the location paths under the site where
    applicationHost.config configures iisClientCertificateMappingAuthentication, which IIS ignores there (AUTH-3).
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Session,
        [AllowEmptyCollection()][object[]]$SiteNames = @()
    )

    foreach ($name in $SiteNames) {
        if ([string]::IsNullOrWhiteSpace([string]$name)) {
            throw 'scope.auth_sites contains an empty site name'
        }
    }
    $snapshot = @{}
    if ($SiteNames.Count -eq 0 -or -not (Test-MtlsIisAvailable -Session $Session)) {
        return $snapshot
    }
    $configured = @(Get-MtlsIisConfiguredLocation -Session $Session -Section (Get-MtlsIisAuthSectionPath -Section 'iis_mapping'))
    foreach ($name in $SiteNames) {
        $site = Find-MtlsIisSite -Session $Session -Name ([string]$name)
        if ($null -eq $site) {
            continue
        }
        $sections = Read-MtlsIisAuthSection -Session $Session -Site ([string]$site.name) -Section @('iis_mapping', 'ad_mapping', 'anonymous')
        $prefix = (Get-MtlsIisLocationKey -Path ([string]$site.name)) + '/'
        $below = @($configured | Where-Object { (Get-MtlsIisLocationKey -Path $_.path).StartsWith($prefix) } | ForEach-Object { $_.path })
        $snapshot[[string]$name] = @{
            iis_mapping = ConvertTo-MtlsIisMappingSnapshot -Section $sections.iis_mapping
            ad_mapping = @{ enabled = [bool]$sections.ad_mapping.attributes['enabled'] }
            anonymous = @{ enabled = [bool]$sections.anonymous.attributes['enabled'] }
            below_site = @($below | Sort-Object -Unique)
        }
    }
    $snapshot
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
        return (ConvertTo-MtlsIisEnumName -Value $Current -Names $script:LogonMethodNames) -ceq $Wanted
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

    $names = @($script:AuthSections.Keys | Sort-Object)
    if ($names -cnotcontains $Section) {
        throw "unknown section '$Section'; auth_set knows $($names -join ', ')"
    }
    if ($Attributes -isnot [System.Collections.IDictionary]) {
        throw 'attributes must be a dictionary of IIS attribute names to values'
    }
    $known = $script:AuthSections[$Section].attributes
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
            $value = ConvertTo-MtlsIisEnumArgument -Value $value -Names $script:LogonMethodNames -What "$Section attribute $name"
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

Export-ModuleMember -Function Get-MtlsIisAuthSectionPath
Export-ModuleMember -Function Get-MtlsIisAuthTarget
Export-ModuleMember -Function Read-MtlsIisAuthSection
Export-ModuleMember -Function Add-MtlsIisAuthChangedSite
Export-ModuleMember -Function ConvertTo-MtlsIisRuleSnapshot
Export-ModuleMember -Function Get-MtlsIisAuthSnapshot
Export-ModuleMember -Function Set-MtlsIisAuthSection
Export-ModuleMember -Function Assert-MtlsIisAuthConsistent
Export-ModuleMember -Function Clear-MtlsIisSection
