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
# Its writers are in IisAuthWrite.psm1: the gather run (host_state_gather) sends the readers only, the apply
# run (host_state_apply) both (docs/ENGINE.md, "Two modules").

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

Function Get-MtlsIisAuthConstant {
    <#
    .SYNOPSIS
    A constant of this util by its variable name, for its writers in IisAuthWrite.psm1 (a module's script
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

Export-ModuleMember -Function Get-MtlsIisAuthSectionPath
Export-ModuleMember -Function Read-MtlsIisAuthSection
Export-ModuleMember -Function ConvertTo-MtlsIisRuleSnapshot
Export-ModuleMember -Function Get-MtlsIisAuthSnapshot
Export-ModuleMember -Function Get-MtlsIisAuthConstant
