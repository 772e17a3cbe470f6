# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# IIS Failed Request Tracing (FREB) of the host_state engine, through the IIS session of IisConfig.psm1: gather of
# scope tracing_sites, ops tracing_set / tracing_remove (docs/ENGINE.md, "Diagnosis support and Failed Request
# Tracing"). Two places (WINDOWS_FACTS TRACING-1):
#   system.applicationHost/sites, the site element's traceFailedRequestsLogging: enabled, directory, maxLogFiles;
#   system.webServer/tracing/traceFailedRequests at <location path="Site">: rules keyed by path, each with a
#   failureDefinitions element (statusCodes) and a traceAreas collection (provider, areas, verbosity).
#
# The tracing section is part of IIS's schema whatever features are installed (TRACING-2, issue 10 item 9): reads are
# never taken for "not installed"; Web-Http-Tracing's presence is the features scope's answer. The section is
# delegated (TRACING-3): a site's web.config may hold rules too. Gather reads the merged view, so those rules are seen,
# and says where each rule is defined; tracing_set refuses to add a rule for a path the web.config already has, which
# would break the site (HTTP 500.19, a key defined twice).
# Its writers are in IisTracingWrite.psm1: the gather run (host_state_gather) sends the readers only, the apply
# run (host_state_apply) both (docs/ENGINE.md, "Two modules").

#AnsibleRequires -PowerShell ..module_utils.IisConfig

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

$script:TracingSection = 'system.webServer/tracing/traceFailedRequests'
$script:SitesSection = 'system.applicationHost/sites'

# traceAreas/add@verbosity of the IIS schema (WINDOWS_FACTS TRACING-4): number -> name.
$script:VerbosityNames = @{ 0 = 'General'; 1 = 'CriticalError'; 2 = 'Error'; 3 = 'Warning'; 4 = 'Information'; 5 = 'Verbose' }

Function Split-MtlsIisTracingList {
    <# .SYNOPSIS The comma-separated items of an attribute (statusCodes, areas), trimmed, empty ones dropped, in order. #>
    [CmdletBinding()]
    param ([AllowNull()][object]$Text)

    foreach ($part in ([string]$Text).Split(',')) {
        if ($part.Trim() -ne '') {
            $part.Trim()
        }
    }
}

Function ConvertTo-MtlsIisTracingRule {
    <# .SYNOPSIS One traceFailedRequests entry in the contract's shape, with where it is defined. #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Rule,
        [Parameter(Mandatory = $true)][string]$DefinedIn
    )

    $snapshot = @{
        path = [string]$Rule.attributes['path']
        status_codes = @(Split-MtlsIisTracingList -Text (Get-MtlsIisNodeChild -Node $Rule -Name 'failureDefinitions').attributes['statusCodes'])
        provider = $null
        areas = $null
        verbosity = $null
        defined_in = $DefinedIn
    }
    $areas = @((Get-MtlsIisNodeChild -Node $Rule -Name 'traceAreas').collection)
    if ($areas.Count -gt 0) {
        $snapshot.provider = [string]$areas[0].attributes['provider']
        $snapshot.areas = [string]$areas[0].attributes['areas']
        $snapshot.verbosity = ConvertTo-MtlsIisEnumName -Value $areas[0].attributes['verbosity'] -Names $script:VerbosityNames
    }
    $snapshot
}

Function Read-MtlsIisTracingSite {
    <#
    .SYNOPSIS
    What the tracing of one site is after the pending edits: @{ logging = the traceFailedRequestsLogging node; rules =
    the traceFailedRequests collection at the site in applicationHost.config; merged = the same in the view IIS
    enforces (the site's web.config included) }.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Session,
        [Parameter(Mandatory = $true)][string]$Site
    )

    $trees = @(Read-MtlsIisSection -Session $Session -Request @(
        @{ section = $script:SitesSection; location = ''; merged = $false }
        @{ section = $script:TracingSection; location = $Site; merged = $false }
        @{ section = $script:TracingSection; location = $Site; merged = $true }
    ))
    $entry = @(Get-MtlsIisNodeEntry -Node $trees[0] -Attribute 'name' -Value $Site)
    if ($entry.Count -eq 0) {
        throw "IIS has no site '$Site' in $script:SitesSection"
    }
    @{ logging = (Get-MtlsIisNodeChild -Node $entry[0] -Name 'traceFailedRequestsLogging'); rules = $trees[1]; merged = $trees[2] }
}

Function Get-MtlsIisTracingSnapshot {
    <#
    .SYNOPSIS
    Gather of scope tracing_sites: site name (as requested) -> @{ enabled; directory; max_log_files; rules } for each
    site that exists; empty when IIS is not installed. rules: every rule IIS enforces at the site, each with defined_in
    'site' (applicationHost.config at the site), 'server' (inherited from the server level) or 'web.config'.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Session,
        [AllowEmptyCollection()][object[]]$SiteNames = @()
    )

    foreach ($name in $SiteNames) {
        if ([string]::IsNullOrWhiteSpace([string]$name)) {
            throw 'scope.tracing_sites contains an empty site name'
        }
    }
    $snapshot = @{}
    if ($SiteNames.Count -eq 0 -or -not (Test-MtlsIisAvailable -Session $Session)) {
        return $snapshot
    }
    foreach ($name in $SiteNames) {
        $site = Find-MtlsIisSite -Session $Session -Name ([string]$name)
        if ($null -eq $site) {
            continue
        }
        $read = Read-MtlsIisTracingSite -Session $Session -Site ([string]$site.name)
        $rules = @(
            foreach ($rule in @($read.merged.collection)) {
                $own = @(Get-MtlsIisNodeEntry -Node $read.rules -Attribute 'path' -Value ([string]$rule.attributes['path']))
                $definedIn = 'web.config'
                if ($own.Count -gt 0) {
                    $definedIn = 'server'
                    if ($own[0].locally_stored) {
                        $definedIn = 'site'
                    }
                }
                ConvertTo-MtlsIisTracingRule -Rule $rule -DefinedIn $definedIn
            }
        )
        $logging = $read.logging.attributes
        $snapshot[[string]$name] = @{
            enabled = [bool]$logging['enabled']
            directory = [string]$logging['directory']
            max_log_files = [long]$logging['maxLogFiles']
            rules = $rules
        }
    }
    $snapshot
}

Function Get-MtlsIisTracingConstant {
    <#
    .SYNOPSIS
    A constant of this util by its variable name, for its writers in IisTracingWrite.psm1 (a module's script
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

Export-ModuleMember -Function Get-MtlsIisTracingSnapshot
Export-ModuleMember -Function Get-MtlsIisTracingConstant
Export-ModuleMember -Function Read-MtlsIisTracingSite
Export-ModuleMember -Function Split-MtlsIisTracingList
