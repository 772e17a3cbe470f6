# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The IIS run of the host_state engine, above the IIS boundary (WinIis.psm1, docs/POWERSHELL.md): every IIS util reads
# and writes IIS through the session defined here, and only this file calls the boundary.
#
# A session is plain data: the list of edits the IIS ops of one contiguous run have emitted, not yet committed, and
# what the run read once (the site list, applicationHost.config as committed). An op reads the configuration as it
# will be after the pending edits (Read-MtlsIisSection replays them in a ServerManager that never commits), decides,
# and adds its own edits, which are tried at once so that an edit IIS refuses fails the op that made it
# (Add-MtlsIisEdit). Save-MtlsIisSession commits all of them with one CommitChanges: a run that fails before its
# commit writes nothing (WINDOWS_FACTS IISCONFIG-9).
#
# Also here: the small plain-data helpers every IIS util needs (site lookup, location paths, section trees).

#AnsibleRequires -PowerShell ..module_utils.WinIis

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

$script:NotInstalled = 'IIS is not installed on this host (Microsoft.Web.Administration or applicationHost.config is missing); install the Web-Server feature first'

Function New-MtlsIisSession {
    <#
    .SYNOPSIS
    An empty IIS session. Keys: edits (pending, in order); available, sites, document (read once, then kept); explicit
    (IisAccess: sslFlags written in this run per location key); auth_sites (IisAuth: sites whose authentication
    changed in this run); partly_written (set when a commit failed after IIS may have written part of it).
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param ()

    @{
        edits = New-Object -TypeName System.Collections.Generic.List[object]
        available = $null
        sites = $null
        document = $null
        explicit = @{}
        auth_sites = @{}
        partly_written = $false
    }
}

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

Function Test-MtlsIisAvailable {
    <# .SYNOPSIS Whether IIS can be read on this host (asked once per session, WINDOWS_FACTS IISCONFIG-1, -2). #>
    [CmdletBinding()]
    [OutputType([bool])]
    param ([Parameter(Mandatory = $true)][hashtable]$Session)

    if ($null -eq $Session.available) {
        $Session.available = [bool](Test-MtlsWinIis)
    }
    $Session.available
}

Function Assert-MtlsIisAvailable {
    <# .SYNOPSIS Fails, saying what to install, when IIS cannot be read on this host. #>
    [CmdletBinding()]
    param ([Parameter(Mandatory = $true)][hashtable]$Session)

    if (-not (Test-MtlsIisAvailable -Session $Session)) {
        throw $script:NotInstalled
    }
}

Function Get-MtlsIisSiteList {
    <# .SYNOPSIS Every site as Get-MtlsWinIisSite returns it (committed state), read once per session. #>
    [CmdletBinding()]
    param ([Parameter(Mandatory = $true)][hashtable]$Session)

    Assert-MtlsIisAvailable -Session $Session
    if ($null -eq $Session.sites) {
        # The boundary returns the list as one object; ForEach-Object takes its items out.
        $Session.sites = @(Get-MtlsWinIisSite | ForEach-Object { $_ })
    }
    $Session.sites
}

Function Find-MtlsIisSite {
    <# .SYNOPSIS The site with this name, compared case-insensitively as IIS compares site names, or $null. #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Session,
        [Parameter(Mandatory = $true)][AllowEmptyString()][string]$Name
    )

    foreach ($site in @(Get-MtlsIisSiteList -Session $Session)) {
        if ([string]::Equals([string]$site.name, $Name, [System.StringComparison]::OrdinalIgnoreCase)) {
            return $site
        }
    }
    $null
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

Function Assert-MtlsIisLocation {
    <#
    .SYNOPSIS
    Refuses a location path applicationHost.config would not key as IIS does: empty (the server level), with a leading
    or trailing slash, a backslash or an empty segment ('Site', 'Site/app' are right; '/Site/app' is not).
    #>
    [CmdletBinding()]
    param ([Parameter(Mandatory = $true)][AllowEmptyString()][string]$Location)

    if ([string]::IsNullOrWhiteSpace($Location)) {
        throw "location is empty (the server level); give a site or a path below it ('Site', 'Site/app')"
    }
    if ($Location.StartsWith('/') -or $Location.EndsWith('/') -or $Location.Contains('\') -or $Location.Contains('//')) {
        throw "location '$Location' must be a site name optionally followed by /path, without a leading or trailing slash ('Site/app')"
    }
}

Function Get-MtlsIisLocationKey {
    <#
    .SYNOPSIS
    The key a location path is looked up by: trimmed, no trailing slash, lower case (IIS compares location paths
    case-insensitively, WINDOWS_FACTS IISCONFIG-11).
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param ([Parameter(Mandatory = $true)][AllowEmptyString()][string]$Path)

    $Path.Trim().TrimEnd('/').ToLowerInvariant()
}

Function Resolve-MtlsIisLocation {
    <#
    .SYNOPSIS
    A location path written with the site's own name: 'contoso/api' -> @{ site = the site (or $null when it does not
    exist); path = 'Contoso/api' }. IIS site names cannot hold '/', so the first segment is the site.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Session,
        [Parameter(Mandatory = $true)][string]$Location
    )

    $slash = $Location.IndexOf('/')
    $siteName = $Location
    $rest = ''
    if ($slash -ge 0) {
        $siteName = $Location.Substring(0, $slash)
        $rest = $Location.Substring($slash)
    }
    $site = Find-MtlsIisSite -Session $Session -Name $siteName
    $path = $Location
    if ($null -ne $site) {
        $path = [string]$site.name + $rest
    }
    @{ site = $site; path = $path }
}

Function Get-MtlsIisConfigDocument {
    <#
    .SYNOPSIS
    applicationHost.config as committed on disk, as an XmlDocument, read once per session. Used where only the file
    tells what is written at exactly one <location> (MWA answers with values in effect, inherited or not).
    #>
    [CmdletBinding()]
    [OutputType([System.Xml.XmlDocument])]
    param ([Parameter(Mandatory = $true)][hashtable]$Session)

    Assert-MtlsIisAvailable -Session $Session
    if ($null -eq $Session.document) {
        $document = New-Object -TypeName System.Xml.XmlDocument
        $document.XmlResolver = $null
        $document.LoadXml((Read-MtlsWinIisConfigFile))
        $Session.document = $document
    }
    # The comma keeps the pipeline from enumerating the document's nodes.
    , $Session.document
}

Function Get-MtlsIisConfiguredLocation {
    <#
    .SYNOPSIS
    Every <location path="..."> of applicationHost.config (as committed) that holds the given section element:
    @(@{ path = as written; element = the XmlElement of the section }), in file order. Limits: a section moved out with
    configSource, or shared configuration (redirection.config), is not seen (WINDOWS_FACTS IISCONFIG-2).
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Session,
        [Parameter(Mandatory = $true)][string]$Section
    )

    $document = Get-MtlsIisConfigDocument -Session $Session
    foreach ($node in $document.SelectNodes('/configuration/location')) {
        $element = $node.SelectSingleNode($Section)
        if ($null -ne $element) {
            @{ path = $node.GetAttribute('path'); element = $element }
        }
    }
}

Function Format-MtlsIisEdit {
    <#
    .SYNOPSIS
    An edit described for a message: action, section or site, location and element path; never attribute values (a
    mapping password travels in them).
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param ([Parameter(Mandatory = $true)][hashtable]$Edit)

    if ([string]$Edit.action -like 'binding_*') {
        return "$($Edit.action) of '$($Edit.binding_information)' on site '$($Edit.site)'"
    }
    $steps = @(
        foreach ($step in @($Edit['element'] | Where-Object { $null -ne $_ })) {
            if ($step -is [string]) {
                $step
                continue
            }
            $keys = foreach ($name in @($step.key.Keys | Sort-Object)) {
                $value = [string]$step.key[$name]
                if ($value.Length -gt 24) {
                    $value = $value.Substring(0, 20) + '...'
                }
                "$name='$value'"
            }
            "[$(@($keys) -join ', ')]"
        }
    )
    $where = "'$($Edit.location)'"
    if ([string]$Edit.location -eq '') {
        $where = 'server level'
    }
    $text = "$($Edit.action) $($Edit.section) at $where"
    if ($steps.Count -gt 0) {
        $text += " ($($steps -join '/'))"
    }
    $text
}

Function Read-MtlsIisSection {
    <#
    .SYNOPSIS
    The sections asked for (@(@{ section; location; merged })) as trees, as they are after the session's pending
    edits, in request order. A read IIS refuses (a section the schema does not declare, an unreadable web.config) is an
    error (issue 10 item 9: never taken for "absent").
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Session,
        [Parameter(Mandatory = $true)][object[]]$Request
    )

    Assert-MtlsIisAvailable -Session $Session
    $outcome = Invoke-MtlsWinIisEdit -Edit $Session.edits.ToArray() -Read $Request -NoCommit
    if ($null -ne $outcome.failed_edit) {
        throw "the pending IIS changes of this run no longer apply ($(Format-MtlsIisEdit -Edit $Session.edits[$outcome.failed_edit]): $($outcome.error))"
    }
    $outcome.sections
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

Function Get-MtlsIisNodeChild {
    <# .SYNOPSIS The child element of a section tree node with this tag name; its absence is an error. #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Node,
        [Parameter(Mandatory = $true)][string]$Name
    )

    if (-not $Node.children.ContainsKey($Name)) {
        throw "IIS returned <$($Node.name)> without its <$Name> element"
    }
    $Node.children[$Name]
}

Function Get-MtlsIisNodeEntry {
    <#
    .SYNOPSIS
    The entries of a collection node whose attribute equals the value: case-insensitively, as the schema keys string
    attributes that are not caseSensitive (WINDOWS_FACTS IISCONFIG-7), unless -Exact.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Node,
        [Parameter(Mandatory = $true)][string]$Attribute,
        [Parameter(Mandatory = $true)][AllowEmptyString()][string]$Value,
        [switch]$Exact
    )

    $comparison = [System.StringComparison]::OrdinalIgnoreCase
    if ($Exact) {
        $comparison = [System.StringComparison]::Ordinal
    }
    foreach ($entry in @($Node.collection | Where-Object { $null -ne $_ })) {
        if ([string]::Equals([string]$entry.attributes[$Attribute], $Value, $comparison)) {
            $entry
        }
    }
}

Function ConvertTo-MtlsIisEnumName {
    <#
    .SYNOPSIS
    An enum attribute value as its name: a number (how MWA returns enum attributes, WINDOWS_FACTS IISCONFIG-5) or a name
    in any case. Names: number -> name. A value that is neither is returned as text, so it never equals a name.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param (
        [AllowNull()][object]$Value,
        [Parameter(Mandatory = $true)][hashtable]$Names
    )

    if ($null -eq $Value) {
        return ''
    }
    $number = 0L
    if ($Value -isnot [string] -or [long]::TryParse($Value.Trim(), [ref]$number)) {
        if ($Value -isnot [string]) {
            $number = [long]$Value
        }
        foreach ($known in @($Names.Keys)) {
            if ([long]$known -eq $number) {
                return [string]$Names[$known]
            }
        }
        return [string]$number
    }
    foreach ($name in @($Names.Values)) {
        if ([string]::Equals([string]$name, $Value.Trim(), [System.StringComparison]::OrdinalIgnoreCase)) {
            return [string]$name
        }
    }
    $Value.Trim()
}

Function ConvertFrom-MtlsIisFlag {
    <#
    .SYNOPSIS
    A flags attribute (access or binding sslFlags) as an integer: a number as it is (how MWA returns it, WINDOWS_FACTS
    IISCONFIG-5), the text IIS writes ("Ssl, SslNegotiateCert": names in any case, or digits) converted with the bit
    table of that attribute (Bits: name -> bit; hashtable keys compare case-insensitively, as IIS reads flag names).
    A name the table does not have is an error naming What (the attribute).
    #>
    [CmdletBinding()]
    [OutputType([long])]
    param (
        [AllowNull()][object]$Value,
        [Parameter(Mandatory = $true)][hashtable]$Bits,
        [Parameter(Mandatory = $true)][string]$What
    )

    if ($null -eq $Value) {
        return 0L
    }
    if ($Value -isnot [string]) {
        return [long]$Value
    }
    $total = 0L
    foreach ($part in $Value.Split(',')) {
        $name = $part.Trim()
        $number = 0L
        if ($name -eq '') {
            continue
        }
        if ([long]::TryParse($name, [ref]$number)) {
            $total = $total -bor $number
        }
        elseif ($Bits.ContainsKey($name)) {
            $total = $total -bor $Bits[$name]
        }
        else {
            throw "$What '$Value' has the unknown flag '$name'"
        }
    }
    $total
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

Export-ModuleMember -Function New-MtlsIisSession
Export-ModuleMember -Function Close-MtlsIisSession
Export-ModuleMember -Function Test-MtlsIisAvailable
Export-ModuleMember -Function Assert-MtlsIisAvailable
Export-ModuleMember -Function Get-MtlsIisSiteList
Export-ModuleMember -Function Find-MtlsIisSite
Export-ModuleMember -Function Get-MtlsIisSite
Export-ModuleMember -Function Assert-MtlsIisSiteName
Export-ModuleMember -Function Assert-MtlsIisLocation
Export-ModuleMember -Function ConvertFrom-MtlsIisFlag
Export-ModuleMember -Function Get-MtlsIisLocationKey
Export-ModuleMember -Function Resolve-MtlsIisLocation
Export-ModuleMember -Function Get-MtlsIisConfigDocument
Export-ModuleMember -Function Get-MtlsIisConfiguredLocation
Export-ModuleMember -Function Format-MtlsIisEdit
Export-ModuleMember -Function Read-MtlsIisSection
Export-ModuleMember -Function Add-MtlsIisEdit
Export-ModuleMember -Function Save-MtlsIisSession
Export-ModuleMember -Function Get-MtlsIisNodeChild
Export-ModuleMember -Function Get-MtlsIisNodeEntry
Export-ModuleMember -Function ConvertTo-MtlsIisEnumName
Export-ModuleMember -Function ConvertTo-MtlsIisEnumArgument
Export-ModuleMember -Function Assert-MtlsIisBool
