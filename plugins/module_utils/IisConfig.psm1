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
# Its writers are in IisConfigWrite.psm1: the gather run (host_state_gather) sends the readers only, the apply
# run (host_state_apply) both (docs/ENGINE.md, "Two modules").

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

Export-ModuleMember -Function New-MtlsIisSession
Export-ModuleMember -Function Test-MtlsIisAvailable
Export-ModuleMember -Function Assert-MtlsIisAvailable
Export-ModuleMember -Function Get-MtlsIisSiteList
Export-ModuleMember -Function Find-MtlsIisSite
Export-ModuleMember -Function Assert-MtlsIisLocation
Export-ModuleMember -Function ConvertFrom-MtlsIisFlag
Export-ModuleMember -Function Get-MtlsIisLocationKey
Export-ModuleMember -Function Resolve-MtlsIisLocation
Export-ModuleMember -Function Get-MtlsIisConfigDocument
Export-ModuleMember -Function Get-MtlsIisConfiguredLocation
Export-ModuleMember -Function Format-MtlsIisEdit
Export-ModuleMember -Function Read-MtlsIisSection
Export-ModuleMember -Function Get-MtlsIisNodeChild
Export-ModuleMember -Function Get-MtlsIisNodeEntry
Export-ModuleMember -Function ConvertTo-MtlsIisEnumName
