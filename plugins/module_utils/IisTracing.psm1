# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# IIS Failed Request Tracing (FREB) for the host_state engine through Microsoft.Web.Administration (MWA): gather, per
# site, the site's tracing switch and the failed-request rules at the site; change them (docs/ENGINE.md, "Diagnosis
# support and Failed Request Tracing"). Two places of applicationHost.config:
#   system.applicationHost/sites, the site element's traceFailedRequestsLogging child: enabled, directory, maxLogFiles
#   system.webServer/tracing/traceFailedRequests at <location path="Site">: a collection keyed by path; each entry
#   has a traceAreas collection (provider, areas, verbosity) and a failureDefinitions element (statusCodes).
#
# Changes go through the IIS session of IisConfig.psm1 (New-MtlsIisSession): they stay in its ServerManager until
# host_state commits the run of IIS ops once. Nothing in this file commits on its own.
#
# Without the Windows feature Web-Http-Tracing the traceFailedRequests section is not in the IIS schema and
# GetSection fails (docs/ENGINE.md; the exact error is not verified, nor that no build declares the section without
# the feature): gather then returns rules null, and both ops fail with a message naming the feature.
#
# Limit: gather reads applicationHost.config only. Rules in a site's web.config (the section is delegated, and IIS
# Manager writes rules there by default - believed, not verified) are not seen. tracing_set refuses to add a rule for
# a path that the site's web.config already has, because the duplicate key would break the site's configuration
# (HTTP 500.19).
#
# Written without a Windows host to run it on: every Windows fact that is not documented by Microsoft, or that
# could not be checked, has a comment saying so.

#AnsibleRequires -PowerShell ..module_utils.IisConfig

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

$script:TracingSectionPath = 'system.webServer/tracing/traceFailedRequests'
$script:TracingFeature = 'Web-Http-Tracing'

# What tracing_set writes in every rule (docs/ENGINE.md): the client-certificate 403s are decided in these areas.
$script:RuleProvider = 'WWW Server'
$script:RuleAreas = 'Authentication,Security'
$script:RuleVerbosity = 'Verbose'

# traceAreas/add@verbosity, numeric value -> name, as IIS_schema.xml defines the enum (from the schema as documented;
# the numbers are not verified on a host).
$script:VerbosityNames = @{ 0 = 'General'; 1 = 'CriticalError'; 2 = 'Error'; 3 = 'Warning'; 4 = 'Information'; 5 = 'Verbose' }

# One entry of failureDefinitions@statusCodes: a status, optionally with a sub-status, or a range of them
# ('401', '403.16', '400-499'). The list itself is comma-separated.
$script:StatusCodePattern = '^[0-9]{3}(\.[0-9]+)?(-[0-9]{3}(\.[0-9]+)?)?$'

Function Assert-MtlsIisTracingPath {
    <#
    .SYNOPSIS
    Refuses an empty rule path (the key of a traceFailedRequests entry, e.g. '*' or 'api/*').
    #>
    [CmdletBinding()]
    param (
        [AllowNull()]
        [object]
        $Path
    )

    if ($Path -isnot [string] -or [string]::IsNullOrWhiteSpace($Path)) {
        throw "path is empty; a Failed Request Tracing rule is keyed by the content it traces ('*' for everything)"
    }
}

Function ConvertTo-MtlsIisTracingVerbosityName {
    <#
    .SYNOPSIS
    A traceAreas verbosity as its name: a number (how MWA is expected to return enum attributes) or a name in any case.
    $null stays $null; a value that is neither is returned as text, so a comparison with a name never matches.
    #>
    [CmdletBinding()]
    param (
        [AllowNull()]
        [object]
        $Value
    )

    if ($null -eq $Value) {
        return $null
    }
    # MWA is expected to return an enum attribute as Int32 (not verified on a host); a string is handled too.
    if ($Value -isnot [string]) {
        $number = 0
        try {
            $number = [System.Convert]::ToInt32($Value, [System.Globalization.CultureInfo]::InvariantCulture)
        }
        catch {
            return [string]$Value
        }
        if ($script:VerbosityNames.ContainsKey($number)) {
            return [string]$script:VerbosityNames[$number]
        }
        return [string]$number
    }
    $text = $Value.Trim()
    $parsed = 0
    if ([int]::TryParse($text, [ref]$parsed) -and $script:VerbosityNames.ContainsKey($parsed)) {
        return [string]$script:VerbosityNames[$parsed]
    }
    foreach ($name in $script:VerbosityNames.Values) {
        if ([string]::Equals([string]$name, $text, [System.StringComparison]::OrdinalIgnoreCase)) {
            return [string]$name
        }
    }
    $text
}

Function Split-MtlsIisTracingList {
    <#
    .SYNOPSIS
    The comma-separated items of an attribute (statusCodes, areas), trimmed, empty ones dropped, in stored order.
    #>
    [CmdletBinding()]
    param (
        [AllowNull()]
        [object]
        $Text
    )

    if ($null -eq $Text) {
        return , @()
    }
    $items = @(
        foreach ($part in ([string]$Text).Split(',')) {
            $item = $part.Trim()
            if ($item -ne '') {
                $item
            }
        }
    )
    # The comma keeps an empty or one-element list a list for the caller.
    , $items
}

Function ConvertTo-MtlsIisTracingSetKey {
    <#
    .SYNOPSIS
    A comparison key of a list taken as a set: items trimmed and upper-cased, empty ones and duplicates dropped,
    sorted. Two lists with equal keys hold the same items, in any order and case.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param (
        [Parameter(Mandatory = $true)]
        [AllowEmptyCollection()]
        [object[]]
        $Items
    )

    $normalised = @(
        foreach ($item in $Items) {
            $text = ([string]$item).Trim().ToUpperInvariant()
            if ($text -ne '') {
                $text
            }
        }
    )
    # Both sides go through the same sort, so its culture does not matter; the items never contain a comma.
    (@($normalised | Sort-Object -Unique)) -join ','
}

Function Test-MtlsIisTracingDirectoryEqual {
    <#
    .SYNOPSIS
    Tells whether two log directories are the same: compared case-insensitively (Windows paths), as written or with
    environment variables expanded on both sides.
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param (
        [AllowNull()]
        [AllowEmptyString()]
        [string]
        $Current,

        [Parameter(Mandatory = $true)]
        [string]
        $Wanted
    )

    if ([string]::Equals([string]$Current, $Wanted, [System.StringComparison]::OrdinalIgnoreCase)) {
        return $true
    }
    # The schema marks directory as expanded, and whether MWA returns '%SystemDrive%\...' as written or expanded is
    # not verified; this process expands the system variables IIS uses (%SystemDrive%) to the same values.
    $currentExpanded = [System.Environment]::ExpandEnvironmentVariables([string]$Current)
    $wantedExpanded = [System.Environment]::ExpandEnvironmentVariables($Wanted)
    [string]::Equals($currentExpanded, $wantedExpanded, [System.StringComparison]::OrdinalIgnoreCase)
}

Function Get-MtlsIisTracingSection {
    <#
    .SYNOPSIS
    system.webServer/tracing/traceFailedRequests at a site's location path of applicationHost.config. An error names
    the Windows feature that brings the section.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Configuration,

        [Parameter(Mandatory = $true)]
        [string]
        $Site
    )

    try {
        # GetSection(section, locationPath) returns the section as it applies at that path, inherited entries
        # included, and writes made on it go to <location path="Site"> in applicationHost.config (documented).
        return $Configuration.GetSection($script:TracingSectionPath, $Site)
    }
    catch {
        throw "Failed Request Tracing is not installed on this host: IIS cannot open $script:TracingSectionPath at '$Site' ($($_.Exception.Message)); install the Windows feature $script:TracingFeature first"
    }
}

Function Find-MtlsIisTracingRule {
    <#
    .SYNOPSIS
    The traceFailedRequests entry whose path equals this one (case-insensitively), or $null.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Collection,

        [Parameter(Mandatory = $true)]
        [string]
        $Path
    )

    foreach ($rule in $Collection) {
        # IIS compares string collection keys case-insensitively unless the schema marks the attribute caseSensitive,
        # which path is not (believed, not verified): a path differing only in case is the same rule.
        if ([string]::Equals([string]$rule.GetAttributeValue('path'), $Path, [System.StringComparison]::OrdinalIgnoreCase)) {
            return $rule
        }
    }
    return $null
}

Function Get-MtlsIisTracingFirstArea {
    <#
    .SYNOPSIS
    The first entry of a rule's traceAreas collection, or $null when it has none.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Rule
    )

    foreach ($area in $Rule.GetCollection('traceAreas')) {
        return $area
    }
    return $null
}

Function ConvertTo-MtlsIisTracingRuleSnapshot {
    <#
    .SYNOPSIS
    One traceFailedRequests entry in the contract's shape: path, status_codes, and provider/areas/verbosity of its
    first traceAreas entry (null when it has none).
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Rule
    )

    $failure = $Rule.GetChildElement('failureDefinitions')
    $statusCodes = Split-MtlsIisTracingList -Text $failure.GetAttributeValue('statusCodes')
    $snapshot = @{
        path = [string]$Rule.GetAttributeValue('path')
        status_codes = $statusCodes
        provider = $null
        areas = $null
        verbosity = $null
    }
    $area = Get-MtlsIisTracingFirstArea -Rule $Rule
    if ($null -ne $area) {
        $snapshot.provider = [string]$area.GetAttributeValue('provider')
        $snapshot.areas = [string]$area.GetAttributeValue('areas')
        $snapshot.verbosity = ConvertTo-MtlsIisTracingVerbosityName -Value $area.GetAttributeValue('verbosity')
    }
    $snapshot
}

Function Get-MtlsIisTracingSiteSnapshot {
    <#
    .SYNOPSIS
    The tracing entry of one existing site: enabled, directory, max_log_files and rules (null when the tracing
    section is not in the schema).
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Configuration,

        [Parameter(Mandatory = $true)]
        [object]
        $Site
    )

    $siteName = [string]$Site.Name
    # The Site object of ServerManager.Sites is the site element of system.applicationHost/sites. Values not set on
    # the site are the schema defaults; whether MWA applies <siteDefaults> here is not verified.
    $logging = $Site.GetChildElement('traceFailedRequestsLogging')
    # Only opening the section may fail quietly (Web-Http-Tracing not installed); reading an opened one may not.
    $section = $null
    try {
        $section = Get-MtlsIisTracingSection -Configuration $Configuration -Site $siteName
    }
    catch {
        $section = $null
    }
    $rules = $null
    if ($null -ne $section) {
        $rules = @(
            foreach ($rule in $section.GetCollection()) {
                ConvertTo-MtlsIisTracingRuleSnapshot -Rule $rule
            }
        )
    }
    @{
        enabled = [bool]$logging.GetAttributeValue('enabled')
        directory = [string]$logging.GetAttributeValue('directory')
        max_log_files = [long]$logging.GetAttributeValue('maxLogFiles')
        rules = $rules
    }
}

Function Get-MtlsIisTracingSnapshot {
    <#
    .SYNOPSIS
    Gather of scope tracing_sites: site name (as requested) -> its tracing entry, for each site that exists. Empty
    when IIS is not installed. Reads only.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [AllowEmptyCollection()]
        [object[]]
        $SiteNames = @()
    )

    $snapshot = @{}
    foreach ($name in @($SiteNames)) {
        if ([string]::IsNullOrWhiteSpace([string]$name)) {
            throw "scope.tracing_sites contains an empty site name"
        }
    }
    if (@($SiteNames).Count -eq 0 -or -not (Test-MtlsIisAvailable)) {
        return $snapshot
    }
    # A session of its own (never committed): the ServerManager comes from IisConfig's session helpers.
    $session = New-MtlsIisSession
    try {
        $manager = Get-MtlsIisServerManager -Session $session
        $configuration = $manager.GetApplicationHostConfiguration()
        foreach ($name in @($SiteNames)) {
            $site = Find-MtlsIisSite -Manager $manager -Name ([string]$name)
            if ($null -eq $site) {
                continue
            }
            $snapshot[[string]$name] = Get-MtlsIisTracingSiteSnapshot -Configuration $configuration -Site $site
        }
    }
    finally {
        Close-MtlsIisSession -Session $session
    }
    $snapshot
}

Function ConvertTo-MtlsIisTracingStatusCode {
    <#
    .SYNOPSIS
    Validates the status_codes argument of tracing_set (a non-empty list of texts such as '403.16', '401',
    '400-499') and returns them trimmed, in the op's order.
    #>
    [CmdletBinding()]
    param (
        [AllowNull()]
        [object]
        $StatusCodes
    )

    if ($StatusCodes -isnot [System.Collections.IList]) {
        throw "status_codes must be a list of HTTP status codes such as '403.16' or '401'"
    }
    if ($StatusCodes.Count -eq 0) {
        throw "status_codes is empty; a Failed Request Tracing rule needs the status codes it traces (e.g. '403.7', '403.16')"
    }
    $codes = @(
        foreach ($code in $StatusCodes) {
            if ($code -isnot [string] -or $code.Trim() -notmatch $script:StatusCodePattern) {
                throw "status code '$code' is not a status, status.substatus or range such as '401', '403.16' or '400-499'"
            }
            $code.Trim()
        }
    )
    , $codes
}

Function Test-MtlsIisTracingAreaCurrent {
    <#
    .SYNOPSIS
    Tells whether a rule's traceAreas are exactly what tracing_set writes: one entry, provider WWW Server, areas
    Authentication and Security (any order and case), verbosity Verbose.
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Rule
    )

    $areas = $Rule.GetCollection('traceAreas')
    if ($areas.Count -ne 1) {
        return $false
    }
    $area = Get-MtlsIisTracingFirstArea -Rule $Rule
    # Provider names are the keys of system.webServer/tracing/traceProviderDefinitions; compared case-insensitively
    # like other collection keys (believed).
    if (-not [string]::Equals([string]$area.GetAttributeValue('provider'), $script:RuleProvider, [System.StringComparison]::OrdinalIgnoreCase)) {
        return $false
    }
    $currentAreas = ConvertTo-MtlsIisTracingSetKey -Items (Split-MtlsIisTracingList -Text $area.GetAttributeValue('areas'))
    $wantedAreas = ConvertTo-MtlsIisTracingSetKey -Items (Split-MtlsIisTracingList -Text $script:RuleAreas)
    if ($currentAreas -cne $wantedAreas) {
        return $false
    }
    (ConvertTo-MtlsIisTracingVerbosityName -Value $area.GetAttributeValue('verbosity')) -ceq $script:RuleVerbosity
}

Function Test-MtlsIisTracingStatusCodeCurrent {
    <#
    .SYNOPSIS
    Tells whether a rule's failureDefinitions@statusCodes hold the wanted codes, compared as a set (any order).
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Rule,

        [Parameter(Mandatory = $true)]
        [AllowEmptyCollection()]
        [object[]]
        $StatusCodes
    )

    $failure = $Rule.GetChildElement('failureDefinitions')
    $current = ConvertTo-MtlsIisTracingSetKey -Items (Split-MtlsIisTracingList -Text $failure.GetAttributeValue('statusCodes'))
    $current -ceq (ConvertTo-MtlsIisTracingSetKey -Items $StatusCodes)
}

Function Set-MtlsIisTracingArea {
    <#
    .SYNOPSIS
    Replaces a rule's traceAreas with the one entry tracing_set writes (WWW Server, Authentication,Security, Verbose).
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Rule
    )

    $areas = $Rule.GetCollection('traceAreas')
    if ($areas.Count -gt 0) {
        # Clear() drops every entry of this rule's traceAreas (it may write a <clear/> element; the rule is defined
        # at this location, so nothing inherited is hidden either way - not verified on a host).
        $areas.Clear()
    }
    # CreateElement('add') + attributes + Add: the pattern of Microsoft's traceFailedRequests configuration sample,
    # which also writes verbosity by name.
    $area = $areas.CreateElement('add')
    $area.SetAttributeValue('provider', $script:RuleProvider)
    $area.SetAttributeValue('areas', $script:RuleAreas)
    $area.SetAttributeValue('verbosity', $script:RuleVerbosity)
    $null = $areas.Add($area)
}

Function Assert-MtlsIisTracingNoWebConfigRule {
    <#
    .SYNOPSIS
    Refuses to add a rule at the site's location of applicationHost.config when the site's own web.config already has
    a rule for that path: IIS would then see the key twice and fail every request of the site (HTTP 500.19).
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Manager,

        [Parameter(Mandatory = $true)]
        [string]
        $Site,

        [Parameter(Mandatory = $true)]
        [string]
        $Path
    )

    $found = $null
    try {
        # GetWebConfiguration(siteName) is the configuration at the site's root, its web.config merged with
        # applicationHost.config (documented). It is only read here, so committing the session does not write it
        # (believed: CommitChanges writes the configuration files that have changes).
        $section = $Manager.GetWebConfiguration($Site).GetSection($script:TracingSectionPath)
        $merged = $section.GetCollection()
        $found = Find-MtlsIisTracingRule -Collection $merged -Path $Path
    }
    catch {
        # An unreadable web.config (a physical path that is not reachable, a broken file) cannot be checked; the op
        # goes on, as IIS Manager would.
        $found = $null
    }
    if ($null -ne $found) {
        throw "site '$Site' already has a Failed Request Tracing rule for path '$Path' in its web.config, which this collection does not manage; remove that rule from the web.config (IIS Manager, Failed Request Tracing Rules) and run again"
    }
}

Function Update-MtlsIisTracingLogging {
    <#
    .SYNOPSIS
    Sets the site's traceFailedRequestsLogging enabled, directory and maxLogFiles where they differ; tells whether it
    changed anything.
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Site,

        [Parameter(Mandatory = $true)]
        [bool]
        $Enabled,

        [Parameter(Mandatory = $true)]
        [string]
        $Directory,

        [Parameter(Mandatory = $true)]
        [int]
        $MaxLogFiles
    )

    $logging = $Site.GetChildElement('traceFailedRequestsLogging')
    $changed = $false
    if ([bool]$logging.GetAttributeValue('enabled') -ne $Enabled) {
        $logging.SetAttributeValue('enabled', $Enabled)
        $changed = $true
    }
    if (-not (Test-MtlsIisTracingDirectoryEqual -Current ([string]$logging.GetAttributeValue('directory')) -Wanted $Directory)) {
        $logging.SetAttributeValue('directory', $Directory)
        $changed = $true
    }
    if ([long]$logging.GetAttributeValue('maxLogFiles') -ne $MaxLogFiles) {
        # An Int32 for the uint attribute, as Microsoft's sample writes maxLogFiles = 50; IIS validates the range.
        $logging.SetAttributeValue('maxLogFiles', $MaxLogFiles)
        $changed = $true
    }
    $changed
}

Function Set-MtlsIisTracing {
    <#
    .SYNOPSIS
    Op tracing_set: sets the site's traceFailedRequestsLogging (enabled, directory, maxLogFiles) and adds or replaces
    the traceFailedRequests rule for path at the site (WWW Server, Authentication,Security, Verbose, statusCodes).
    Changed only when something differs. Every argument is validated before anything is written.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [hashtable]
        $Session,

        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $SiteName,

        [AllowNull()]
        [object]
        $Enabled,

        [AllowNull()]
        [object]
        $Directory,

        [AllowNull()]
        [object]
        $MaxLogFiles,

        [AllowNull()]
        [object]
        $Path,

        [AllowNull()]
        [object]
        $StatusCodes
    )

    Assert-MtlsIisSiteName -Name $SiteName -Purpose 'Failed Request Tracing is set per site'
    if ($Enabled -isnot [bool]) {
        throw "enabled must be true or false, got '$Enabled'"
    }
    if ($Directory -isnot [string] -or [string]::IsNullOrWhiteSpace($Directory)) {
        throw "directory is empty; give the folder for the trace files (e.g. '%SystemDrive%\inetpub\logs\FailedReqLogFiles')"
    }
    # JSON integers arrive as Int32 or Int64; a bool, a string or a float is a damaged op, not something to coerce.
    if (($MaxLogFiles -isnot [int] -and $MaxLogFiles -isnot [long]) -or $MaxLogFiles -lt 0 -or $MaxLogFiles -gt [int]::MaxValue) {
        throw "max_log_files must be a non-negative integer (the number of trace files IIS keeps per site), got '$MaxLogFiles'"
    }
    Assert-MtlsIisTracingPath -Path $Path
    $codes = ConvertTo-MtlsIisTracingStatusCode -StatusCodes $StatusCodes

    $manager = Get-MtlsIisServerManager -Session $Session
    $site = Get-MtlsIisSite -Manager $manager -Name $SiteName
    # The location path is written as the site is named in IIS, so a differently cased site name in the op does not
    # create a second <location> element.
    $location = [string]$site.Name
    $section = Get-MtlsIisTracingSection -Configuration $manager.GetApplicationHostConfiguration() -Site $location
    $collection = $section.GetCollection()
    $rule = Find-MtlsIisTracingRule -Collection $collection -Path $Path

    # The refusals come before any write.
    $codesCurrent = $false
    $areaCurrent = $false
    if ($null -eq $rule) {
        Assert-MtlsIisTracingNoWebConfigRule -Manager $manager -Site $location -Path $Path
    }
    else {
        $codesCurrent = Test-MtlsIisTracingStatusCodeCurrent -Rule $rule -StatusCodes $codes
        $areaCurrent = Test-MtlsIisTracingAreaCurrent -Rule $rule
        # Changing an inherited collection entry at a child path is not something MWA documents; refuse it plainly.
        if (-not ($codesCurrent -and $areaCurrent) -and -not [bool]$rule.IsLocallyStored) {
            throw "the Failed Request Tracing rule for path '$Path' is inherited by site '$location' from the server level of applicationHost.config; change or remove it there"
        }
    }

    $changed = Update-MtlsIisTracingLogging -Site $site -Enabled $Enabled -Directory $Directory -MaxLogFiles ([int]$MaxLogFiles)
    $joined = $codes -join ','
    if ($null -eq $rule) {
        # CreateElement('add') + path + failureDefinitions + traceAreas + Add: Microsoft's configuration sample.
        $rule = $collection.CreateElement('add')
        $rule.SetAttributeValue('path', $Path)
        $failure = $rule.GetChildElement('failureDefinitions')
        $failure.SetAttributeValue('statusCodes', $joined)
        Set-MtlsIisTracingArea -Rule $rule
        $null = $collection.Add($rule)
        return @{ changed = $true }
    }
    if (-not $codesCurrent) {
        $failure = $rule.GetChildElement('failureDefinitions')
        $failure.SetAttributeValue('statusCodes', $joined)
        $changed = $true
    }
    if (-not $areaCurrent) {
        Set-MtlsIisTracingArea -Rule $rule
        $changed = $true
    }
    @{ changed = $changed }
}

Function Remove-MtlsIisTracing {
    <#
    .SYNOPSIS
    Op tracing_remove: removes the traceFailedRequests rule for path at the site (no-op when absent) and sets the
    site's traceFailedRequestsLogging enabled=false. A site that does not exist changes nothing.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [hashtable]
        $Session,

        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $SiteName,

        [AllowNull()]
        [object]
        $Path
    )

    Assert-MtlsIisSiteName -Name $SiteName -Purpose 'Failed Request Tracing is set per site'
    Assert-MtlsIisTracingPath -Path $Path
    $manager = Get-MtlsIisServerManager -Session $Session
    $site = Find-MtlsIisSite -Manager $manager -Name $SiteName
    if ($null -eq $site) {
        return @{ changed = $false }
    }
    $location = [string]$site.Name
    $section = Get-MtlsIisTracingSection -Configuration $manager.GetApplicationHostConfiguration() -Site $location
    $collection = $section.GetCollection()
    $rule = Find-MtlsIisTracingRule -Collection $collection -Path $Path
    $changed = $false
    if ($null -ne $rule) {
        # For an entry inherited from the server level, MWA is expected to write <remove path="..."/> at the site
        # (how collections are trimmed per path; not verified for this collection).
        $null = $collection.Remove($rule)
        $changed = $true
    }
    $logging = $site.GetChildElement('traceFailedRequestsLogging')
    if ([bool]$logging.GetAttributeValue('enabled')) {
        $logging.SetAttributeValue('enabled', $false)
        $changed = $true
    }
    @{ changed = $changed }
}

Export-ModuleMember -Function Get-MtlsIisTracingSnapshot
Export-ModuleMember -Function Set-MtlsIisTracing
Export-ModuleMember -Function Remove-MtlsIisTracing
