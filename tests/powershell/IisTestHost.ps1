# What the IIS boundary (WinIis.psm1) answers, for the tests of the IIS utils (docs/TESTING.md, "PowerShell"). Dot-source
# it after Common.ps1 and call Register-IisTestHost in BeforeAll. Every IIS util reaches the boundary through the session
# of IisConfig.psm1, so the four boundary functions are mocked there, and each answers from $script:IisHost in the shapes
# docs/POWERSHELL.md gives:
#   Test-MtlsWinIis            -> available (WINDOWS_FACTS IISCONFIG-1, -2)
#   Get-MtlsWinIisSite         -> sites, certificate hash and store as HTTP.sys has them (BINDING-1)
#   Read-MtlsWinIisConfigFile  -> config, applicationHost.config as committed (IISCONFIG-2)
#   Invoke-MtlsWinIisEdit      -> records the call; a read answers the tree stored for section|location|merged (a
#                                 section it does not hold fails, as a read IIS refuses throws); the first edit refuse
#                                 matches fails the batch with failed_edit and refuse_error (nothing committed,
#                                 IISCONFIG-9); a commit
#                                 fails with commit_error; else a batch with edits and without -NoCommit is committed.
# The answers do not change with the edits: a test that reads after edits stores what IIS would answer then. The tests
# assert the edits the utils emit, which is what crosses the boundary.

Function New-IisNode {
    <# .SYNOPSIS A section tree node as ConvertTo-MtlsWinIisNode returns it (numbers as [long], IISCONFIG-5). #>
    param (
        [string]$Name,
        [hashtable]$Attributes = @{},
        [hashtable]$Children = @{},
        [object[]]$Collection = $null,
        [bool]$Local = $true
    )

    @{ name = $Name; attributes = $Attributes; locally_stored = $Local; children = $Children; collection = $Collection }
}

Function New-IisSite {
    <# .SYNOPSIS A site as Get-MtlsWinIisSite returns it. Bindings: @(protocol, information, flags, hash, store). #>
    param ([string]$Name, [long]$Id = 1, [object[]]$Bindings = @())

    @{
        name = $Name
        id = $Id
        bindings = @(
            foreach ($binding in $Bindings) {
                @{ protocol = $binding[0]; binding_information = $binding[1]; ssl_flags = [long]$binding[2]; certificate_hash = $binding[3]; certificate_store = $binding[4] }
            }
        )
    }
}

Function Initialize-IisTestHost {
    <# .SYNOPSIS A fresh fake IIS: its sites, applicationHost.config text and section trees; no call recorded. #>
    param (
        [object[]]$Sites = @(),
        [string]$Config = '<configuration />',
        [bool]$Available = $true
    )

    $script:IisHost = @{
        available = $Available
        sites = $Sites
        config = $Config
        sections = @{}
        calls = New-Object -TypeName System.Collections.Generic.List[object]
        commits = New-Object -TypeName System.Collections.Generic.List[object]
        refuse = $null
        refuse_error = 'System.Runtime.InteropServices.COMException 0x800700B7: Cannot add duplicate collection entry'
        commit_error = $null
    }
}

Function Set-IisSection {
    <# .SYNOPSIS The tree a read of a section at a location path answers (applicationHost.config's view unless -Merged). #>
    param (
        [string]$Section,
        [AllowEmptyString()][string]$Location,
        [hashtable]$Tree,
        [switch]$Merged
    )

    $script:IisHost.sections["$Section|$($Location.ToLowerInvariant())|$([bool]$Merged)"] = $Tree
}

Function Invoke-IisTestHostEdit {
    <# .SYNOPSIS The fake Invoke-MtlsWinIisEdit (see the header). #>
    param ([object[]]$Edit, [object[]]$Read, [bool]$NoCommit)

    $script:IisHost.calls.Add(@{ edit = @($Edit); read = @($Read); no_commit = $NoCommit })
    if ($null -ne $script:IisHost.refuse) {
        for ($i = 0; $i -lt @($Edit).Count; $i++) {
            if (& $script:IisHost.refuse $Edit[$i]) {
                return @{ committed = $false; failed_edit = $i; error = $script:IisHost.refuse_error; sections = @() }
            }
        }
    }
    $sections = @(
        foreach ($request in @($Read | Where-Object { $null -ne $_ })) {
            $key = "$($request.section)|$(([string]$request.location).ToLowerInvariant())|$([bool]$request.merged)"
            if (-not $script:IisHost.sections.ContainsKey($key)) {
                throw "System.IO.FileNotFoundException 0x80070002: Filename: \\?\C:\inetpub\wwwroot\web.config (no answer for $key)"
            }
            $script:IisHost.sections[$key]
        }
    )
    $outcome = @{ committed = $false; failed_edit = $null; error = $null; sections = $sections }
    if ($NoCommit -or @($Edit).Count -eq 0) {
        return $outcome
    }
    if ($null -ne $script:IisHost.commit_error) {
        $outcome.error = $script:IisHost.commit_error
        return $outcome
    }
    $script:IisHost.commits.Add(@($Edit))
    $outcome.committed = $true
    $outcome
}

Function Register-IisTestHost {
    <# .SYNOPSIS Mocks the IIS boundary inside IisConfig and IisConfigWrite (the only utils that call it) with the fake. #>
    # WINDOWS_FACTS IISCONFIG-1, -2: IIS is there when MWA loads and applicationHost.config exists.
    Mock -ModuleName IisConfig Test-MtlsWinIis { $script:IisHost.available }
    # WINDOWS_FACTS BINDING-1: every site with its bindings, the certificate as HTTP.sys has it.
    Mock -ModuleName IisConfig Get-MtlsWinIisSite { , @($script:IisHost.sites) }
    # WINDOWS_FACTS IISCONFIG-2: the committed text of applicationHost.config.
    Mock -ModuleName IisConfig Read-MtlsWinIisConfigFile { $script:IisHost.config }
    # WINDOWS_FACTS IISCONFIG-9: edits in order, reads after them, one commit unless -NoCommit.
    # Reads run through IisConfig, commits through IisConfigWrite.
    foreach ($module in 'IisConfig', 'IisConfigWrite') {
        Mock -ModuleName $module Invoke-MtlsWinIisEdit {
            $requests = Get-Variable -Name Read -ValueOnly -ErrorAction SilentlyContinue
            if ($null -eq $requests) {
                $requests = @()
            }
            Invoke-IisTestHostEdit -Edit $Edit -Read $requests -NoCommit ([bool](Get-Variable -Name NoCommit -ValueOnly -ErrorAction SilentlyContinue))
        }
    }
}

Function Get-IisEdit {
    <# .SYNOPSIS The edits of the last call that tried or committed edits (the edits an op added, with those before it). #>
    $withEdits = @($script:IisHost.calls | Where-Object { $_.edit.Count -gt 0 })
    if ($withEdits.Count -eq 0) {
        return , @()
    }
    , @($withEdits[$withEdits.Count - 1].edit)
}

Function New-IisConfig {
    <# .SYNOPSIS applicationHost.config text with these <location path> bodies: @{ 'Site/app' = '<system.webServer>...' }. #>
    param ([System.Collections.Specialized.OrderedDictionary]$Locations)

    $body = foreach ($path in $Locations.Keys) { "<location path=`"$path`">$($Locations[$path])</location>" }
    "<?xml version=`"1.0`" encoding=`"UTF-8`"?><configuration><system.applicationHost /><system.webServer />$($body -join '')</configuration>"
}
