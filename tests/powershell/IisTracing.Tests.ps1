# IisTracing.psm1: Failed Request Tracing gather (rules as IIS enforces them, and where each is defined) and the ops, above
# the mocked IIS boundary (IisTestHost.ps1).

BeforeAll {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'Common.ps1')
    . (Join-Path -Path $PSScriptRoot -ChildPath 'IisTestHost.ps1')
    Initialize-MtlsPesterSession
    Register-IisTestHost

    $script:Sites = 'system.applicationHost/sites'
    $script:Tracing = 'system.webServer/tracing/traceFailedRequests'
    $script:Directory = '%SystemDrive%\inetpub\logs\FailedReqLogFiles'

    # system.applicationHost/sites at the server level: each site element with its traceFailedRequestsLogging child
    # (WINDOWS_FACTS TRACING-1); maxLogFiles is a uint, read as a number (IISCONFIG-5).
    Function Set-SitesTree {
        param ([bool]$Enabled = $false, [string]$Directory = $script:Directory, [long]$MaxLogFiles = 50)

        $logging = New-IisNode -Name 'traceFailedRequestsLogging' -Attributes @{ enabled = $Enabled; directory = $Directory; maxLogFiles = $MaxLogFiles }
        $site = New-IisNode -Name 'site' -Attributes @{ name = 'Contoso'; id = 2L } -Children @{ traceFailedRequestsLogging = $logging }
        Set-IisSection -Section $Sites -Location '' -Tree (New-IisNode -Name 'sites' -Collection @(, $site))
    }

    # A traceFailedRequests rule; verbosity as its number (5 = Verbose, TRACING-4).
    Function New-TraceRule {
        param ([string]$Path = '*', [string]$Codes = '403.7,403.16', [object[]]$Areas = @(, @('WWW Server', 'Authentication,Security', 5L)), [bool]$Local = $true)

        $areaNodes = @(foreach ($area in $Areas) { New-IisNode -Name 'add' -Attributes @{ provider = $area[0]; areas = $area[1]; verbosity = $area[2] } })
        New-IisNode -Name 'add' -Local $Local -Attributes @{ path = $Path } -Children @{
            failureDefinitions = (New-IisNode -Name 'failureDefinitions' -Attributes @{ statusCodes = $Codes; timeTaken = '00:00:00' })
            traceAreas = (New-IisNode -Name 'traceAreas' -Collection $areaNodes)
        }
    }

    Function Set-Rules {
        param ([object[]]$Own = @(), [object[]]$WebConfig = @())

        Set-IisSection -Section $Tracing -Location 'Contoso' -Tree (New-IisNode -Name 'traceFailedRequests' -Collection $Own)
        Set-IisSection -Section $Tracing -Location 'Contoso' -Merged -Tree (New-IisNode -Name 'traceFailedRequests' -Collection (@($Own) + @($WebConfig)))
    }

    Function Invoke-TracingSet {
        param ([hashtable]$Change = @{})

        $arguments = @{ Session = $Session; SiteName = 'contoso'; Enabled = $true; Directory = $Directory; MaxLogFiles = 50; Path = '*'; StatusCodes = @('403.16', '403.7') }
        foreach ($name in $Change.Keys) {
            $arguments[$name] = $Change[$name]
        }
        Set-MtlsIisTracing @arguments
    }
}

Describe 'IisTracing.psm1' {
    BeforeEach {
        Initialize-IisTestHost -Sites @(, (New-IisSite -Name 'Contoso' -Id 2))
        Set-SitesTree -Enabled $true
        Set-Rules -Own @(, (New-TraceRule))
        $script:Session = New-MtlsIisSession
    }

    Context 'gather' {
        It 'returns the site''s switch, directory, file count and rules, keyed as requested' {
            $snapshot = Get-MtlsIisTracingSnapshot -Session $Session -SiteNames @('contoso', 'Gone')
            @($snapshot.Keys) | Should -Be @('contoso')
            $entry = $snapshot['contoso']
            $entry.enabled | Should -BeTrue
            $entry.directory | Should -Be $Directory
            $entry.max_log_files | Should -Be 50
            $rule = $entry.rules[0]
            $rule.path | Should -Be '*'
            @($rule.status_codes) | Should -Be @('403.7', '403.16')
            $rule.provider | Should -Be 'WWW Server'
            $rule.areas | Should -Be 'Authentication,Security'
            $rule.verbosity | Should -Be 'Verbose'
            $rule.defined_in | Should -Be 'site'
        }

        It 'reports the rules of the site''s web.config and those inherited from the server level, and where each lives' {
            # WINDOWS_FACTS TRACING-3: the section is delegated, so a web.config may hold rules.
            Set-Rules -Own @((New-TraceRule), (New-TraceRule -Path 'server/*' -Local $false)) -WebConfig @(, (New-TraceRule -Path 'api/*' -Codes '500'))
            $rules = (Get-MtlsIisTracingSnapshot -Session $Session -SiteNames @('Contoso'))['Contoso'].rules
            @($rules | ForEach-Object { "$($_.path) $($_.defined_in)" }) | Should -Be @('* site', 'server/* server', 'api/* web.config')
        }

        It 'reports a rule without trace areas with provider, areas and verbosity null' {
            Set-Rules -Own @(, (New-TraceRule -Areas @()))
            $rule = (Get-MtlsIisTracingSnapshot -Session $Session -SiteNames @('Contoso'))['Contoso'].rules[0]
            $rule.provider | Should -BeNullOrEmpty
            $rule.verbosity | Should -BeNullOrEmpty
        }

        It 'returns the rules whatever features are installed, and fails when IIS refuses a read' {
            # WINDOWS_FACTS TRACING-2: the section is declared in IIS's own schema.
            $script:IisHost.sections.Remove("$Tracing|contoso|True")
            { Get-MtlsIisTracingSnapshot -Session $Session -SiteNames @('Contoso') } | Should -Throw '*web.config*'
        }

        It 'reads the three views of a site in one batch and writes nothing' {
            $null = Get-MtlsIisTracingSnapshot -Session $Session -SiteNames @('Contoso')
            $script:IisHost.calls | Should -HaveCount 1
            $script:IisHost.calls[0].read | Should -HaveCount 3
            $script:IisHost.calls[0].edit | Should -HaveCount 0
        }

        It 'is empty without IIS or sites, and refuses an empty site name' {
            (Get-MtlsIisTracingSnapshot -Session $Session -SiteNames @()).Count | Should -Be 0
            { Get-MtlsIisTracingSnapshot -Session $Session -SiteNames @(' ') } | Should -Throw '*scope.tracing_sites contains an empty site name*'
            Initialize-IisTestHost -Available $false
            (Get-MtlsIisTracingSnapshot -Session (New-MtlsIisSession) -SiteNames @('Contoso')).Count | Should -Be 0
        }

        It 'fails when IIS lists a site that system.applicationHost/sites does not have' {
            Set-IisSection -Section $Sites -Location '' -Tree (New-IisNode -Name 'sites' -Collection @())
            { Get-MtlsIisTracingSnapshot -Session $Session -SiteNames @('Contoso') } | Should -Throw "*IIS has no site 'Contoso' in system.applicationHost/sites*"
        }
    }

    Context 'tracing_set' {
        It 'changes nothing when the site and its rule are as wanted (status codes in any order, the directory expanded)' {
            # WINDOWS_FACTS TRACING-5: IIS may return the directory expanded.
            Set-SitesTree -Enabled $true -Directory 'C:\inetpub\logs\FailedReqLogFiles\'
            (Invoke-TracingSet).changed | Should -BeFalse
            $Session.edits | Should -HaveCount 0
        }

        It 'adds a new rule, then its status codes and its one trace area, without clearing the new rule''s list' {
            Set-Rules
            (Invoke-TracingSet -Change @{ Path = 'api/*' }).changed | Should -BeTrue
            $edits = Get-IisEdit
            @($edits | ForEach-Object { $_.action }) | Should -Be @('add', 'set', 'add')
            $edits[0].location | Should -Be 'Contoso'
            $edits[0].attributes.path | Should -Be 'api/*'
            $edits[1].element[0].key.path | Should -Be 'api/*'
            $edits[1].element[1] | Should -Be 'failureDefinitions'
            $edits[1].attributes.statusCodes | Should -Be '403.16,403.7'
            $edits[2].element[1] | Should -Be 'traceAreas'
            $edits[2].attributes.provider | Should -Be 'WWW Server'
            $edits[2].attributes.areas | Should -Be 'Authentication,Security'
            $edits[2].attributes.verbosity | Should -Be 'Verbose'
        }

        It 'sets only the site attributes that differ, on the site element of system.applicationHost/sites' {
            Set-SitesTree -Enabled $false -MaxLogFiles 50
            $null = Invoke-TracingSet -Change @{ MaxLogFiles = 200 }
            $edit = (Get-IisEdit)[0]
            $edit.section | Should -Be $Sites
            $edit.location | Should -Be ''
            $edit.element[0].key.name | Should -Be 'Contoso'
            $edit.element[1] | Should -Be 'traceFailedRequestsLogging'
            @($edit.attributes.Keys | Sort-Object) | Should -Be @('enabled', 'maxLogFiles')
            $edit.attributes.maxLogFiles | Should -BeOfType [int]
        }

        It 'sets another directory' {
            $null = Invoke-TracingSet -Change @{ Directory = 'D:\freb' }
            $edit = (Get-IisEdit)[0]
            @($edit.attributes.Keys) | Should -Be @('directory')
            $edit.attributes.directory | Should -Be 'D:\freb'
        }

        It 'rewrites only the status codes of a rule whose codes differ, found by its path in any case' {
            Set-Rules -Own @(, (New-TraceRule -Path 'API/*'))
            $null = Invoke-TracingSet -Change @{ Path = 'api/*'; StatusCodes = @('401') }
            $edits = Get-IisEdit
            $edits | Should -HaveCount 1
            $edits[0].element[0].key.path | Should -BeExactly 'API/*'
            $edits[0].attributes.statusCodes | Should -Be '401'
        }

        It 'replaces the trace areas of a rule that has others' {
            Set-Rules -Own @(, (New-TraceRule -Areas @(@('WWW Server', 'Authentication,Security', 5L), @('ASP', '', 5L))))
            $null = Invoke-TracingSet
            @((Get-IisEdit) | ForEach-Object { $_.action }) | Should -Be @('clear', 'add')
        }

        It 'refuses a rule for a path the site''s web.config already has, before any edit' {
            Set-Rules -WebConfig @(, (New-TraceRule))
            { Invoke-TracingSet } | Should -Throw "*site 'Contoso' already has a Failed Request Tracing rule for path '*' in its web.config*"
            $Session.edits | Should -HaveCount 0
        }

        It 'refuses to change a rule inherited from the server level' {
            Set-Rules -Own @(, (New-TraceRule -Codes '500' -Local $false))
            { Invoke-TracingSet } | Should -Throw "*the Failed Request Tracing rule for path '*' is inherited by site 'Contoso' from the server level*"
        }

        It 'refuses <Case> before reading anything' -ForEach @(
            @{ Case = 'a path below the site'; Change = @{ SiteName = 'Contoso/api' }; Message = "*'Contoso/api' is not a site name; Failed Request Tracing is set per site*" }
            @{ Case = 'enabled as text'; Change = @{ Enabled = 'true' }; Message = "*enabled must be true or false*" }
            @{ Case = 'an empty directory'; Change = @{ Directory = '' }; Message = '*directory is empty*' }
            @{ Case = 'no trace file to keep'; Change = @{ MaxLogFiles = 0 }; Message = "*max_log_files must be an integer from 1 to 10000*got '0'*" }
            @{ Case = 'more files than IIS keeps'; Change = @{ MaxLogFiles = 10001 }; Message = '*max_log_files must be an integer from 1 to 10000*' }
            @{ Case = 'a file count as text'; Change = @{ MaxLogFiles = '50' }; Message = '*max_log_files must be an integer*' }
            @{ Case = 'an empty path'; Change = @{ Path = ' ' }; Message = '*path is empty*' }
            @{ Case = 'no status codes'; Change = @{ StatusCodes = @() }; Message = '*status_codes is empty*' }
            @{ Case = 'a status code that is not one'; Change = @{ StatusCodes = @('403.16', 'forbidden') }; Message = "*status code 'forbidden' is not a status*" }
        ) {
            { Invoke-TracingSet -Change $Change } | Should -Throw $Message
            $script:IisHost.calls | Should -HaveCount 0
        }

        It 'fails naming a site that does not exist' {
            { Invoke-TracingSet -Change @{ SiteName = 'Gone' } } | Should -Throw "*IIS site 'Gone' does not exist*"
        }
    }

    Context 'tracing_remove' {
        It 'removes the rule by its stored path and turns the site''s tracing off' {
            Set-Rules -Own @(, (New-TraceRule -Path 'API/*'))
            (Remove-MtlsIisTracing -Session $Session -SiteName 'Contoso' -Path 'api/*').changed | Should -BeTrue
            $edits = Get-IisEdit
            @($edits | ForEach-Object { $_.action }) | Should -Be @('remove', 'set')
            $edits[0].element[0].key.path | Should -BeExactly 'API/*'
            $edits[1].attributes.enabled | Should -BeFalse
        }

        It 'changes nothing when there is no rule and tracing is off, or the site does not exist' {
            Set-SitesTree -Enabled $false
            (Remove-MtlsIisTracing -Session $Session -SiteName 'Contoso' -Path 'api/*').changed | Should -BeFalse
            (Remove-MtlsIisTracing -Session $Session -SiteName 'Gone' -Path '*').changed | Should -BeFalse
            $Session.edits | Should -HaveCount 0
        }

        It 'refuses an empty path and a path below the site' {
            { Remove-MtlsIisTracing -Session $Session -SiteName 'Contoso' -Path '' } | Should -Throw '*path is empty*'
            { Remove-MtlsIisTracing -Session $Session -SiteName 'Contoso/x' -Path '*' } | Should -Throw "*'Contoso/x' is not a site name*"
        }
    }
}
