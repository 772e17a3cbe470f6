# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The part of IisTracing.psm1 only the apply run uses: its writers and their helpers; that file's header says what
# they act on and which Windows facts they rely on. The gather run (host_state_gather) does not send this file
# (docs/ENGINE.md, "Two modules").

#AnsibleRequires -PowerShell ..module_utils.IisTracing
#AnsibleRequires -PowerShell ..module_utils.IisConfigWrite
#AnsibleRequires -PowerShell ..module_utils.IisConfig

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

# What tracing_set writes in every rule (docs/ENGINE.md).
$script:RuleProvider = 'WWW Server'

$script:RuleAreas = 'Authentication,Security'

$script:RuleVerbosity = 'Verbose'

# One entry of failureDefinitions@statusCodes ('401', '403.16', '400-499').
$script:StatusCodePattern = '^[0-9]{3}(\.[0-9]+)?(-[0-9]{3}(\.[0-9]+)?)?$'

Function Test-MtlsIisTracingSetEqual {
    <# .SYNOPSIS Whether two lists hold the same items, in any order and case. #>
    [CmdletBinding()]
    [OutputType([bool])]
    param (
        [Parameter(Mandatory = $true)][AllowEmptyCollection()][object[]]$Left,
        [Parameter(Mandatory = $true)][AllowEmptyCollection()][object[]]$Right
    )

    $a = @($Left | ForEach-Object { ([string]$_).ToUpperInvariant() } | Sort-Object -Unique) -join ','
    $b = @($Right | ForEach-Object { ([string]$_).ToUpperInvariant() } | Sort-Object -Unique) -join ','
    $a -ceq $b
}

Function Test-MtlsIisTracingDirectoryEqual {
    <#
    .SYNOPSIS
    Whether two log directories are the same, as the controller compares them: case-insensitively, '/' as '\', without a
    trailing '\', and '%SystemDrive%' taken to be the drive of the other side (IIS may return the directory expanded,
    TRACING-5).
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param (
        [AllowNull()][AllowEmptyString()][string]$Current,
        [Parameter(Mandatory = $true)][string]$Wanted
    )

    $tails = foreach ($path in @([string]$Current, $Wanted)) {
        ($path.Trim().ToLowerInvariant().Replace('/', '\').TrimEnd('\')) -replace '^(%systemdrive%|[a-z]:)', ''
    }
    $tails[0] -ceq $tails[1]
}

Function ConvertTo-MtlsIisStatusCode {
    <# .SYNOPSIS Validates tracing_set's status_codes (a non-empty list such as '403.16', '401', '400-499'), trimmed, in order. #>
    [CmdletBinding()]
    param ([AllowNull()][object]$StatusCodes)

    if ($StatusCodes -isnot [System.Collections.IList] -or $StatusCodes.Count -eq 0) {
        throw "status_codes is empty; a Failed Request Tracing rule needs the status codes it traces (e.g. '403.7', '403.16')"
    }
    foreach ($code in $StatusCodes) {
        if ($code -isnot [string] -or $code.Trim() -notmatch $script:StatusCodePattern) {
            throw "status code '$code' is not a status, status.substatus or range such as '401', '403.16' or '400-499'"
        }
        $code.Trim()
    }
}

Function Test-MtlsIisTracingAreaCurrent {
    <# .SYNOPSIS Whether a rule's traceAreas are exactly what tracing_set writes: one entry, WWW Server, Authentication and Security, Verbose. #>
    [CmdletBinding()]
    [OutputType([bool])]
    param ([Parameter(Mandatory = $true)][hashtable]$Rule)

    $areas = @((Get-MtlsIisNodeChild -Node $Rule -Name 'traceAreas').collection)
    if ($areas.Count -ne 1) {
        return $false
    }
    $area = $areas[0].attributes
    # Provider names key traceProviderDefinitions: compared case-insensitively (IISCONFIG-7).
    [string]::Equals([string]$area['provider'], $script:RuleProvider, [System.StringComparison]::OrdinalIgnoreCase) -and
    (Test-MtlsIisTracingSetEqual -Left @(Split-MtlsIisTracingList -Text $area['areas']) -Right @(Split-MtlsIisTracingList -Text $script:RuleAreas)) -and
    (ConvertTo-MtlsIisEnumName -Value $area['verbosity'] -Names (Get-MtlsIisTracingConstant -Name 'VerbosityNames')) -ceq $script:RuleVerbosity
}

Function Set-MtlsIisTracing {
    <#
    .SYNOPSIS
    Op tracing_set: the site's traceFailedRequestsLogging (enabled, directory, maxLogFiles) where it differs, and the
    rule for path at the site (WWW Server, Authentication,Security, Verbose, statusCodes) added or rewritten. Every
    argument is validated, and every refusal made, before any edit.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Session,
        [Parameter(Mandatory = $true)][AllowEmptyString()][string]$SiteName,
        [AllowNull()][object]$Enabled,
        [AllowNull()][object]$Directory,
        [AllowNull()][object]$MaxLogFiles,
        [AllowNull()][object]$Path,
        [AllowNull()][object]$StatusCodes
    )

    Assert-MtlsIisSiteName -Name $SiteName -Purpose 'Failed Request Tracing is set per site'
    Assert-MtlsIisBool -Value $Enabled -What 'enabled'
    if ($Directory -isnot [string] -or [string]::IsNullOrWhiteSpace($Directory)) {
        throw "directory is empty; give the folder for the trace files (e.g. '%SystemDrive%\inetpub\logs\FailedReqLogFiles')"
    }
    # The schema's range of maxLogFiles (TRACING-6); JSON integers arrive as Int32 or Int64.
    if (($MaxLogFiles -isnot [int] -and $MaxLogFiles -isnot [long]) -or $MaxLogFiles -lt 1 -or $MaxLogFiles -gt 10000) {
        throw "max_log_files must be an integer from 1 to 10000 (the trace files IIS keeps per site), got '$MaxLogFiles'"
    }
    if ($Path -isnot [string] -or [string]::IsNullOrWhiteSpace($Path)) {
        throw "path is empty; a Failed Request Tracing rule is keyed by the content it traces ('*' for everything)"
    }
    $codes = @(ConvertTo-MtlsIisStatusCode -StatusCodes $StatusCodes)
    $site = [string](Get-MtlsIisSite -Session $Session -Name $SiteName).name
    $read = Read-MtlsIisTracingSite -Session $Session -Site $site
    $rule = @(Get-MtlsIisNodeEntry -Node $read.rules -Attribute 'path' -Value $Path)
    $edits = New-Object -TypeName System.Collections.Generic.List[object]
    $ruleKey = @(@{ key = @{ path = $Path } })
    $codesCurrent = $false
    $areaCurrent = $false
    if ($rule.Count -eq 0) {
        if (@(Get-MtlsIisNodeEntry -Node $read.merged -Attribute 'path' -Value $Path).Count -gt 0) {
            throw "site '$site' already has a Failed Request Tracing rule for path '$Path' in its web.config, which this collection does not manage; remove that rule from the web.config (IIS Manager, Failed Request Tracing Rules) and run again"
        }
        # A new rule, then its status codes and its one trace area: no Clear() of the new rule's empty list.
        $edits.Add(@{ action = 'add'; section = (Get-MtlsIisTracingConstant -Name 'TracingSection'); location = $site; element = @(); attributes = @{ path = $Path } })
    }
    else {
        $codesCurrent = Test-MtlsIisTracingSetEqual -Left @(Split-MtlsIisTracingList -Text (Get-MtlsIisNodeChild -Node $rule[0] -Name 'failureDefinitions').attributes['statusCodes']) -Right $codes
        $areaCurrent = Test-MtlsIisTracingAreaCurrent -Rule $rule[0]
        if (-not ($codesCurrent -and $areaCurrent) -and -not $rule[0].locally_stored) {
            throw "the Failed Request Tracing rule for path '$Path' is inherited by site '$site' from the server level of applicationHost.config; change or remove it there"
        }
        $ruleKey = @(@{ key = @{ path = [string]$rule[0].attributes['path'] } })
    }
    if (-not $codesCurrent) {
        $edits.Add(@{ action = 'set'; section = (Get-MtlsIisTracingConstant -Name 'TracingSection'); location = $site; element = $ruleKey + @('failureDefinitions'); attributes = @{ statusCodes = ($codes -join ',') } })
    }
    if (-not $areaCurrent) {
        if ($rule.Count -gt 0) {
            $edits.Add(@{ action = 'clear'; section = (Get-MtlsIisTracingConstant -Name 'TracingSection'); location = $site; element = $ruleKey + @('traceAreas') })
        }
        $edits.Add(@{
                action = 'add'; section = (Get-MtlsIisTracingConstant -Name 'TracingSection'); location = $site; element = $ruleKey + @('traceAreas')
                attributes = @{ provider = $script:RuleProvider; areas = $script:RuleAreas; verbosity = $script:RuleVerbosity }
            })
    }
    $logging = $read.logging.attributes
    $changes = @{}
    if ([bool]$logging['enabled'] -ne $Enabled) {
        $changes.enabled = $Enabled
    }
    if (-not (Test-MtlsIisTracingDirectoryEqual -Current ([string]$logging['directory']) -Wanted $Directory)) {
        $changes.directory = $Directory
    }
    if ([long]$logging['maxLogFiles'] -ne $MaxLogFiles) {
        # An Int32 for the uint attribute, as Microsoft's sample writes maxLogFiles = 50.
        $changes.maxLogFiles = [int]$MaxLogFiles
    }
    if ($changes.Count -gt 0) {
        $edits.Insert(0, @{ action = 'set'; section = (Get-MtlsIisTracingConstant -Name 'SitesSection'); location = ''; element = @(@{ key = @{ name = $site } }, 'traceFailedRequestsLogging'); attributes = $changes })
    }
    if ($edits.Count -eq 0) {
        return @{ changed = $false }
    }
    Add-MtlsIisEdit -Session $Session -Edit $edits.ToArray()
    @{ changed = $true }
}

Function Remove-MtlsIisTracing {
    <#
    .SYNOPSIS
    Op tracing_remove: removes the rule for path at the site (no-op when absent) and sets the site's
    traceFailedRequestsLogging enabled=false. A site that does not exist changes nothing.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Session,
        [Parameter(Mandatory = $true)][AllowEmptyString()][string]$SiteName,
        [AllowNull()][object]$Path
    )

    Assert-MtlsIisSiteName -Name $SiteName -Purpose 'Failed Request Tracing is set per site'
    if ($Path -isnot [string] -or [string]::IsNullOrWhiteSpace($Path)) {
        throw "path is empty; a Failed Request Tracing rule is keyed by the content it traces ('*' for everything)"
    }
    $found = Find-MtlsIisSite -Session $Session -Name $SiteName
    if ($null -eq $found) {
        return @{ changed = $false }
    }
    $site = [string]$found.name
    $read = Read-MtlsIisTracingSite -Session $Session -Site $site
    $edits = New-Object -TypeName System.Collections.Generic.List[object]
    foreach ($rule in @(Get-MtlsIisNodeEntry -Node $read.rules -Attribute 'path' -Value $Path)) {
        # An inherited rule is removed at the site with <remove path="..."/> (TRACING-7).
        $edits.Add(@{ action = 'remove'; section = (Get-MtlsIisTracingConstant -Name 'TracingSection'); location = $site; element = @(@{ key = @{ path = [string]$rule.attributes['path'] } }) })
    }
    if ([bool]$read.logging.attributes['enabled']) {
        $edits.Add(@{ action = 'set'; section = (Get-MtlsIisTracingConstant -Name 'SitesSection'); location = ''; element = @(@{ key = @{ name = $site } }, 'traceFailedRequestsLogging'); attributes = @{ enabled = $false } })
    }
    if ($edits.Count -eq 0) {
        return @{ changed = $false }
    }
    Add-MtlsIisEdit -Session $Session -Edit $edits.ToArray()
    @{ changed = $true }
}

Export-ModuleMember -Function Set-MtlsIisTracing
Export-ModuleMember -Function Remove-MtlsIisTracing
