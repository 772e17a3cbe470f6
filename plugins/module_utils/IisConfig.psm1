# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# IIS configuration for the host_state engine through Microsoft.Web.Administration (MWA): gather the https bindings
# of sites and the system.webServer/security/access@sslFlags of location paths; change bindings and sslFlags.
#
# Changes go through a session (New-MtlsIisSession): one ServerManager holds the uncommitted changes of a run of
# IIS ops, Save-MtlsIisSession commits them to applicationHost.config in one CommitChanges and
# Close-MtlsIisSession discards them. Nothing in this file commits on its own.
#
# Written without a Windows host to run it on: every Windows fact that is not documented by Microsoft, or that
# could not be checked, has a comment saying so.

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

$script:AccessSectionPath = 'system.webServer/security/access'

# system.webServer/security/access@sslFlags names (IIS 10 schema). SslMapCert=128 is in the documentation but not
# in the IIS 10 schema: it is known here only to read a file that has it, and never written.
$script:AccessFlagBits = @{
    None = 0
    Ssl = 8
    SslMapCert = 128
    SslNegotiateCert = 32
    SslRequireCert = 64
    Ssl128 = 256
}

# Bits access_set may write: Ssl, SslNegotiateCert, SslRequireCert, Ssl128 (8 + 32 + 64 + 256).
$script:AccessWritableMask = 0x168

# Binding sslFlags names, used only if MWA returns the attribute as text rather than a number. Sni and
# CentralCertStore are documented (IIS 8+); the names of the bits from 4 up are community-sourced and uncertain.
$script:BindingFlagBits = @{
    None = 0
    Sni = 1
    CentralCertStore = 2
    DisableHTTP2 = 4
    DisableOCSPStapling = 8
    DisableQUIC = 16
    DisableTLS13 = 32
    DisableLegacyTLS = 64
    NegotiateClientCert = 128
}

# Bits binding ops may write: 1 SNI up to 128 NegotiateClientCert (Server 2025). IIS validates the value against
# its own schema when the change is made or committed, so a bit an older IIS does not know fails there.
$script:BindingWritableMask = 0xFF

Function Import-MtlsIisAssembly {
    <#
    .SYNOPSIS
    Loads Microsoft.Web.Administration; tells whether it is loaded.
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param ()

    if ($null -ne ('Microsoft.Web.Administration.ServerManager' -as [type])) {
        return $true
    }
    try {
        # The GAC copy installed with the IIS management features. Its assembly version stayed 7.0.0.0 from IIS 7
        # to IIS 10 (uncertain for the newest builds, hence the file fallback below).
        Add-Type -AssemblyName 'Microsoft.Web.Administration, Version=7.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35'
        return $true
    }
    catch {
        $null = $_
    }
    $path = Join-Path -Path $env:windir -ChildPath 'system32\inetsrv\Microsoft.Web.Administration.dll'
    if (-not (Test-Path -LiteralPath $path -PathType Leaf)) {
        return $false
    }
    try {
        $null = [System.Reflection.Assembly]::LoadFrom($path)
        return $true
    }
    catch {
        return $false
    }
}

Function Get-MtlsIisConfigPath {
    <#
    .SYNOPSIS
    The path of applicationHost.config as this process must open it.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param ()

    # A 32-bit process on 64-bit Windows is redirected from System32 to SysWOW64, where applicationHost.config does
    # not exist; Sysnative is the documented alias that reaches the real System32 from such a process.
    $systemDirectory = 'System32'
    if ([System.Environment]::Is64BitOperatingSystem -and -not [System.Environment]::Is64BitProcess) {
        $systemDirectory = 'Sysnative'
    }
    Join-Path -Path $env:windir -ChildPath "$systemDirectory\inetsrv\config\applicationHost.config"
}

Function Test-MtlsIisAvailable {
    <#
    .SYNOPSIS
    Tells whether IIS can be read here: Microsoft.Web.Administration loads and applicationHost.config exists.
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param ()

    if (-not (Import-MtlsIisAssembly)) {
        return $false
    }
    # The management assembly can be present without the web server (management tools only); then there is no
    # applicationHost.config and every ServerManager read would fail.
    Test-Path -LiteralPath (Get-MtlsIisConfigPath) -PathType Leaf
}

Function ConvertFrom-MtlsIisFlagValue {
    <#
    .SYNOPSIS
    Turns an IIS flags attribute value (number, enum, or "Name, Name" text) into its integer bitmask.
    #>
    [CmdletBinding()]
    [OutputType([int])]
    param (
        [AllowNull()]
        [object]
        $Value,

        [Parameter(Mandatory = $true)]
        [hashtable]
        $Names,

        [Parameter(Mandatory = $true)]
        [string]
        $What
    )

    if ($null -eq $Value) {
        return 0
    }
    if ($Value -isnot [string]) {
        # MWA returns enum and flags attributes as Int32 (uncertain: not verified on a host); an enum value also
        # converts through IConvertible.
        return [System.Convert]::ToInt32($Value, [System.Globalization.CultureInfo]::InvariantCulture)
    }
    $total = 0
    foreach ($part in $Value.Split(',')) {
        $name = $part.Trim()
        if ($name -eq '') {
            continue
        }
        $number = 0
        if ([int]::TryParse($name, [ref]$number)) {
            $total = $total -bor $number
            continue
        }
        # PowerShell hashtables compare keys case-insensitively.
        if (-not $Names.ContainsKey($name)) {
            throw "$What '$Value' contains the unknown flag '$name'"
        }
        $total = $total -bor $Names[$name]
    }
    $total
}

Function ConvertTo-MtlsIisFlagInteger {
    <#
    .SYNOPSIS
    Validates an op's flags argument: a JSON integer whose bits are all within the mask.
    #>
    [CmdletBinding()]
    [OutputType([int])]
    param (
        [AllowNull()]
        [object]
        $Value,

        [Parameter(Mandatory = $true)]
        [int]
        $Mask,

        [Parameter(Mandatory = $true)]
        [string]
        $What
    )

    # JSON integers arrive as Int32 or Int64; a bool, a string or a float is a damaged op, not something to coerce.
    if ($Value -isnot [int] -and $Value -isnot [long]) {
        throw "$What must be an integer, got '$Value'"
    }
    if ($Value -lt 0 -or $Value -gt $Mask -or (([long]$Value) -band (-bnot ([long]$Mask))) -ne 0) {
        throw "$What $Value has bits outside $Mask"
    }
    [int]$Value
}

Function ConvertTo-MtlsIisHexString {
    <#
    .SYNOPSIS
    Upper-case hex of a byte array; '' for $null or empty.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param (
        [AllowNull()]
        [object]
        $Bytes
    )

    if ($null -eq $Bytes -or $Bytes -isnot [byte[]] -or $Bytes.Length -eq 0) {
        return ''
    }
    [System.BitConverter]::ToString($Bytes).Replace('-', '')
}

Function ConvertFrom-MtlsIisHexString {
    <#
    .SYNOPSIS
    Validates a SHA-1 certificate hash (40 hex characters) and returns its bytes.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Hex
    )

    if ($Hex -notmatch '^[0-9A-Fa-f]{40}$') {
        throw "certificate_hash '$Hex' is not 40 hexadecimal characters (a SHA-1 thumbprint)"
    }
    $bytes = [byte[]]::new(20)
    for ($position = 0; $position -lt 20; $position++) {
        $bytes[$position] = [System.Convert]::ToByte($Hex.Substring($position * 2, 2), 16)
    }
    # The comma keeps PowerShell from unrolling the array into single bytes.
    , $bytes
}

Function Assert-MtlsIisLocation {
    <#
    .SYNOPSIS
    Refuses a location path that applicationHost.config would not key as IIS does: empty, or with a leading or
    trailing slash ('Site', 'Site/app' are right; '/Site/app' is not).
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Location
    )

    if ([string]::IsNullOrWhiteSpace($Location)) {
        throw "location is empty; sslFlags are set per site or path ('Site', 'Site/app'), never at server level"
    }
    if ($Location.StartsWith('/') -or $Location.EndsWith('/') -or $Location.Contains('\')) {
        throw "location '$Location' must be a site name optionally followed by /path, without a leading or trailing slash ('Site/app')"
    }
}

Function Assert-MtlsIisSiteName {
    <#
    .SYNOPSIS
    Refuses a value that is not a site name (empty, or a path with '/' or '\'); Purpose says why the op works per site.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Name,

        [Parameter(Mandatory = $true)]
        [string]
        $Purpose
    )

    if ([string]::IsNullOrWhiteSpace($Name)) {
        throw "the site name is empty; $Purpose (give the site name, e.g. 'Default Web Site')"
    }
    # IIS site names cannot contain '/' (IIS rejects it), so a '/' means an application or directory path.
    if ($Name.Contains('/') -or $Name.Contains('\')) {
        throw "'$Name' is not a site name; $Purpose, so give the site ('Default Web Site'), not an application or directory"
    }
}

Function Assert-MtlsIisBindingInformation {
    <#
    .SYNOPSIS
    Refuses a bindingInformation that is not ip:port:host ('*:443:', '10.0.0.5:443:', '*:443:www.contoso.com').
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $BindingInformation
    )

    if ($BindingInformation -notmatch '^.+:[0-9]{1,5}:[^:]*$') {
        throw "binding_information '$BindingInformation' is not ip:port:host (for example '*:443:' or '*:443:www.contoso.com')"
    }
}

Function Get-MtlsIisLocationKey {
    <#
    .SYNOPSIS
    The key under which a location path is looked up (PowerShell hashtables already ignore case).
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param (
        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Path
    )

    # IIS compares location paths case-insensitively; a trailing slash is not expected in applicationHost.config
    # but is dropped so that 'Site/app/' and 'Site/app' meet (uncertain whether IIS treats them as one).
    $Path.Trim().TrimEnd('/')
}

Function Read-MtlsIisConfigDocument {
    <#
    .SYNOPSIS
    Loads applicationHost.config as written on disk (committed changes only) into an XmlDocument.
    #>
    [CmdletBinding()]
    [OutputType([System.Xml.XmlDocument])]
    param ()

    # Why the file and not MWA: some contract values are the attribute text as written, which MWA does not expose
    # (it returns parsed values), and MWA has no documented way to tell "set at exactly this location" from
    # "inherited from a parent location" (ConfigurationAttribute.IsInheritedFromDefaultValue only tells schema
    # defaults apart). Limits: with shared configuration (redirection.config) the local file is not the one IIS
    # uses, and a section moved out with configSource is not seen; neither is expected on hosts this collection
    # manages.
    $document = New-Object -TypeName System.Xml.XmlDocument
    $document.XmlResolver = $null
    # FileShare.ReadWrite: IIS or another tool may hold the file open while we read it.
    $stream = New-Object -TypeName System.IO.FileStream -ArgumentList @(
        (Get-MtlsIisConfigPath),
        [System.IO.FileMode]::Open,
        [System.IO.FileAccess]::Read,
        [System.IO.FileShare]::ReadWrite
    )
    try {
        $document.Load($stream)
    }
    finally {
        $stream.Dispose()
    }
    # The comma keeps the pipeline from enumerating the document's child nodes (XmlNode is IEnumerable; whether
    # PowerShell would unroll it here is not checked, so it is not left to chance).
    , $document
}

Function Read-MtlsIisLocationSslFlag {
    <#
    .SYNOPSIS
    Reads applicationHost.config and returns every <location path="..."> with an explicit
    system.webServer/security/access@sslFlags: location key -> @{ path = as written; flags = the raw attribute text }.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param ()

    $document = Read-MtlsIisConfigDocument

    $found = @{}
    foreach ($location in $document.SelectNodes('/configuration/location')) {
        $access = $location.SelectSingleNode('system.webServer/security/access')
        if ($null -eq $access -or -not $access.HasAttribute('sslFlags')) {
            continue
        }
        $written = $location.GetAttribute('path')
        $key = Get-MtlsIisLocationKey -Path $written
        if ($key -eq '' -or $key -eq '.') {
            continue
        }
        # Several <location> elements may name the same path; the later one is taken to win, as a later element
        # overrides an earlier one elsewhere in IIS configuration (uncertain for location elements).
        $found[$key] = @{ path = $written; flags = $access.GetAttribute('sslFlags') }
    }
    $found
}

Function Find-MtlsIisSite {
    <#
    .SYNOPSIS
    The site with this name (IIS site names compare case-insensitively), or $null.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Manager,

        [Parameter(Mandatory = $true)]
        [string]
        $Name
    )

    foreach ($site in $Manager.Sites) {
        if ($site.Name -eq $Name) {
            return $site
        }
    }
    return $null
}

Function Get-MtlsIisSite {
    <#
    .SYNOPSIS
    The site with this name; a missing site is an error naming it.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Manager,

        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Name
    )

    if ([string]::IsNullOrWhiteSpace($Name)) {
        throw "site is empty"
    }
    $site = Find-MtlsIisSite -Manager $Manager -Name $Name
    if ($null -eq $site) {
        throw "IIS site '$Name' does not exist on this host; create the site first or correct its name"
    }
    $site
}

Function Find-MtlsIisHttpsBinding {
    <#
    .SYNOPSIS
    The https binding of a site with exactly this bindingInformation (host part compared case-insensitively), or $null.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Site,

        [Parameter(Mandatory = $true)]
        [string]
        $BindingInformation
    )

    foreach ($binding in $Site.Bindings) {
        if ($binding.Protocol -eq 'https' -and $binding.BindingInformation -eq $BindingInformation) {
            return $binding
        }
    }
    return $null
}

Function Get-MtlsIisHttpsBinding {
    <#
    .SYNOPSIS
    The https binding of a site with this bindingInformation; a missing one is an error naming site and binding.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Site,

        [Parameter(Mandatory = $true)]
        [string]
        $BindingInformation
    )

    $binding = Find-MtlsIisHttpsBinding -Site $Site -BindingInformation $BindingInformation
    if ($null -eq $binding) {
        throw "IIS site '$($Site.Name)' has no https binding '$BindingInformation'; gather again and re-plan"
    }
    $binding
}

Function Get-MtlsIisBindingSslFlag {
    <#
    .SYNOPSIS
    A binding's sslFlags as an integer.
    #>
    [CmdletBinding()]
    [OutputType([int])]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Binding
    )

    ConvertFrom-MtlsIisFlagValue -Value $Binding.GetAttributeValue('sslFlags') -Names $script:BindingFlagBits -What 'binding sslFlags'
}

Function ConvertTo-MtlsIisBindingSnapshot {
    <#
    .SYNOPSIS
    One https binding in the snapshot shape of docs/ENGINE.md.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Binding
    )

    # CertificateHash and CertificateStoreName are not in applicationHost.config: MWA reads them from HTTP.sys for
    # https bindings (documented); they are $null when HTTP.sys has no record for the binding (e.g. a central
    # certificate store binding).
    @{
        protocol = 'https'
        binding_information = [string]$Binding.BindingInformation
        ssl_flags = Get-MtlsIisBindingSslFlag -Binding $Binding
        certificate_hash = ConvertTo-MtlsIisHexString -Bytes $Binding.CertificateHash
        certificate_store = [string]$Binding.CertificateStoreName
    }
}

Function Get-MtlsIisAccessEntry {
    <#
    .SYNOPSIS
    effective and explicit sslFlags of one location path.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Configuration,

        [Parameter(Mandatory = $true)]
        [string]
        $Path,

        [Parameter(Mandatory = $true)]
        [hashtable]
        $Locations
    )

    # GetSection with a location path returns the section as it applies at that path, inherited values included
    # (documented for GetApplicationHostConfiguration().GetSection(section, locationPath)).
    $section = $Configuration.GetSection($script:AccessSectionPath, $Path)
    $effective = ConvertFrom-MtlsIisFlagValue -Value $section.GetAttributeValue('sslFlags') -Names $script:AccessFlagBits -What 'sslFlags'
    $explicit = $null
    $key = Get-MtlsIisLocationKey -Path $Path
    if ($Locations.ContainsKey($key)) {
        $explicit = [string]$Locations[$key].flags
    }
    @{ effective = $effective; explicit = $explicit }
}

Function Get-MtlsIisSiteSnapshot {
    <#
    .SYNOPSIS
    Adds one existing site to the snapshot: its id and https bindings, and the access entries of its root and of
    every location under it with an explicit sslFlags.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [hashtable]
        $Snapshot,

        [Parameter(Mandatory = $true)]
        [object]
        $Manager,

        [Parameter(Mandatory = $true)]
        [object]
        $Configuration,

        [Parameter(Mandatory = $true)]
        [hashtable]
        $Locations,

        [Parameter(Mandatory = $true)]
        [string]
        $Name
    )

    $site = Find-MtlsIisSite -Manager $Manager -Name $Name
    if ($null -eq $site) {
        return
    }
    $bindings = @(
        foreach ($binding in $site.Bindings) {
            if ($binding.Protocol -eq 'https') {
                ConvertTo-MtlsIisBindingSnapshot -Binding $binding
            }
        }
    )
    $Snapshot.sites[$Name] = @{ id = [long]$site.Id; bindings = $bindings }
    $Snapshot.access[$Name] = Get-MtlsIisAccessEntry -Configuration $Configuration -Path $Name -Locations $Locations
    $prefix = "$(Get-MtlsIisLocationKey -Path $Name)/"
    foreach ($key in @($Locations.Keys)) {
        if ($key.StartsWith($prefix, [System.StringComparison]::OrdinalIgnoreCase)) {
            $written = [string]$Locations[$key].path
            $Snapshot.access[$written] = Get-MtlsIisAccessEntry -Configuration $Configuration -Path $written -Locations $Locations
        }
    }
}

Function Get-MtlsIisSnapshot {
    <#
    .SYNOPSIS
    Gather of scope sites / access_paths: @{ available; sites; access } as in docs/ENGINE.md. Reads only.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [AllowEmptyCollection()]
        [object[]]
        $SiteNames = @(),

        [AllowEmptyCollection()]
        [object[]]
        $AccessPaths = @()
    )

    $snapshot = @{ available = $false; sites = @{}; access = @{} }
    foreach ($name in @($SiteNames)) {
        if ([string]::IsNullOrWhiteSpace([string]$name)) {
            throw "scope.sites contains an empty site name"
        }
    }
    foreach ($path in @($AccessPaths)) {
        Assert-MtlsIisLocation -Location ([string]$path)
    }
    if (-not (Test-MtlsIisAvailable)) {
        return $snapshot
    }
    $snapshot.available = $true

    $locations = Read-MtlsIisLocationSslFlag
    $manager = New-Object -TypeName Microsoft.Web.Administration.ServerManager
    try {
        $configuration = $manager.GetApplicationHostConfiguration()
        foreach ($name in @($SiteNames)) {
            Get-MtlsIisSiteSnapshot -Snapshot $snapshot -Manager $manager -Configuration $configuration -Locations $locations -Name ([string]$name)
        }
        foreach ($path in @($AccessPaths)) {
            $snapshot.access[[string]$path] = Get-MtlsIisAccessEntry -Configuration $configuration -Path ([string]$path) -Locations $locations
        }
    }
    finally {
        $manager.Dispose()
    }
    $snapshot
}

Function New-MtlsIisSession {
    <#
    .SYNOPSIS
    A session for IIS changes: the ServerManager is created on first use, so an apply without IIS ops never
    loads Microsoft.Web.Administration.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param ()

    # manager: the ServerManager holding the uncommitted changes; explicit: location key -> the sslFlags integer
    # written in this session, or $null when removed in it (the file does not show uncommitted changes);
    # locations: Read-MtlsIisLocationSslFlag of the file, read on first need.
    @{ manager = $null; explicit = @{}; locations = $null }
}

Function Get-MtlsIisServerManager {
    <#
    .SYNOPSIS
    The session's ServerManager, created on first use; an error when IIS is not installed.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [hashtable]
        $Session
    )

    if ($null -eq $Session.manager) {
        if (-not (Test-MtlsIisAvailable)) {
            throw "IIS is not installed on this host (Microsoft.Web.Administration or applicationHost.config is missing); install the Web-Server feature first"
        }
        $Session.manager = New-Object -TypeName Microsoft.Web.Administration.ServerManager
    }
    $Session.manager
}

Function Close-MtlsIisSession {
    <#
    .SYNOPSIS
    Discards the session's uncommitted changes and releases its ServerManager.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [hashtable]
        $Session
    )

    $manager = $Session.manager
    $Session.manager = $null
    $Session.explicit = @{}
    $Session.locations = $null
    if ($null -ne $manager) {
        $manager.Dispose()
    }
}

Function Save-MtlsIisSession {
    <#
    .SYNOPSIS
    Commits the session's changes to applicationHost.config in one CommitChanges, then releases the ServerManager.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [hashtable]
        $Session
    )

    if ($null -eq $Session.manager) {
        return
    }
    try {
        # One CommitChanges writes applicationHost.config once. MWA also writes the HTTP.sys SSL records of
        # added or changed https bindings here (what common C# code relies on; not spelled out in the
        # documentation), dropping their client certificate options. If it throws, the session's changes are
        # taken not to be saved (uncertain: the file is replaced in one write, but the HTTP.sys writes are
        # separate calls and may have happened).
        $Session.manager.CommitChanges()
    }
    finally {
        # After CommitChanges the configuration objects of a ServerManager are read-only ("use ServerManager to
        # get a new reference"), so the next run of IIS ops starts with a fresh ServerManager.
        Close-MtlsIisSession -Session $Session
    }
}

Function Get-MtlsIisExplicitSslFlag {
    <#
    .SYNOPSIS
    Whether a location has an explicit sslFlags, as changed in this session or else as written in the file:
    @{ explicit = bool; value = int, or $null when the written text cannot be read as flags }.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [hashtable]
        $Session,

        [Parameter(Mandatory = $true)]
        [string]
        $Location
    )

    $key = Get-MtlsIisLocationKey -Path $Location
    if ($Session.explicit.ContainsKey($key)) {
        $value = $Session.explicit[$key]
        return @{ explicit = ($null -ne $value); value = $value }
    }
    if ($null -eq $Session.locations) {
        $Session.locations = Read-MtlsIisLocationSslFlag
    }
    if (-not $Session.locations.ContainsKey($key)) {
        return @{ explicit = $false; value = $null }
    }
    $value = $null
    try {
        $value = ConvertFrom-MtlsIisFlagValue -Value ([string]$Session.locations[$key].flags) -Names $script:AccessFlagBits -What 'sslFlags'
    }
    catch {
        # Unreadable text is a mismatch: access_set rewrites it.
        $value = $null
    }
    @{ explicit = $true; value = $value }
}

Function Get-MtlsIisAccessSection {
    <#
    .SYNOPSIS
    system.webServer/security/access at a location path of applicationHost.config (the section is locked:
    overrideModeDefault="Deny", so it is never written to a web.config).
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Manager,

        [Parameter(Mandatory = $true)]
        [string]
        $Location
    )

    $Manager.GetApplicationHostConfiguration().GetSection($script:AccessSectionPath, $Location)
}

Function Update-MtlsIisBindingCertificate {
    <#
    .SYNOPSIS
    Sets a binding's certificate when it differs; tells whether it changed anything.
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Binding,

        [Parameter(Mandatory = $true)]
        [string]
        $CertificateHash,

        [Parameter(Mandatory = $true)]
        [string]
        $CertificateStore
    )

    $hashBytes = ConvertFrom-MtlsIisHexString -Hex $CertificateHash
    $currentHash = ConvertTo-MtlsIisHexString -Bytes $Binding.CertificateHash
    # Store names are case-insensitive on Windows ('My' and 'MY' are one store): -eq ignores case.
    if ($currentHash -eq $CertificateHash -and [string]$Binding.CertificateStoreName -eq $CertificateStore) {
        return $false
    }
    # Setting both properties and committing is how MWA rebinds the certificate in HTTP.sys (common C# practice,
    # not spelled out in the documentation).
    $Binding.CertificateHash = $hashBytes
    $Binding.CertificateStoreName = $CertificateStore
    $true
}

Function Update-MtlsIisBindingSslFlag {
    <#
    .SYNOPSIS
    Writes a binding's whole sslFlags integer when it differs; tells whether it changed anything.
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Binding,

        [Parameter(Mandatory = $true)]
        [int]
        $SslFlags
    )

    if ((Get-MtlsIisBindingSslFlag -Binding $Binding) -eq $SslFlags) {
        return $false
    }
    # MWA accepts an integer for a flags attribute (widely used as SetAttributeValue("sslFlags", 1); uncertain for
    # bits the installed IIS schema does not define, which IIS then refuses).
    $Binding.SetAttributeValue('sslFlags', $SslFlags)
    $true
}

Function Assert-MtlsIisSniHost {
    <#
    .SYNOPSIS
    Refuses the SNI bit on a binding without a host name (IIS cannot key such a binding in HTTP.sys).
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $BindingInformation,

        [Parameter(Mandatory = $true)]
        [int]
        $SslFlags
    )

    if (($SslFlags -band 1) -ne 0 -and $BindingInformation.EndsWith(':')) {
        throw "binding '$BindingInformation' has no host name but ssl_flags has the SNI bit (1); SNI needs a host name"
    }
}

Function Add-MtlsIisBinding {
    <#
    .SYNOPSIS
    Op binding_add: adds an https binding with its certificate and sslFlags; an existing binding with the same
    bindingInformation is brought to the same certificate and flags instead.
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

        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $BindingInformation,

        [AllowNull()]
        [object]
        $SslFlags,

        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $CertificateHash,

        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $CertificateStore
    )

    Assert-MtlsIisBindingInformation -BindingInformation $BindingInformation
    $flags = ConvertTo-MtlsIisFlagInteger -Value $SslFlags -Mask $script:BindingWritableMask -What 'ssl_flags'
    Assert-MtlsIisSniHost -BindingInformation $BindingInformation -SslFlags $flags
    $hash = $CertificateHash.ToUpperInvariant()
    $hashBytes = ConvertFrom-MtlsIisHexString -Hex $hash
    if ([string]::IsNullOrWhiteSpace($CertificateStore)) {
        throw "certificate_store is empty; IIS uses 'My' or 'WebHosting'"
    }

    $site = Get-MtlsIisSite -Manager (Get-MtlsIisServerManager -Session $Session) -Name $SiteName
    $binding = Find-MtlsIisHttpsBinding -Site $site -BindingInformation $BindingInformation
    if ($null -eq $binding) {
        # BindingCollection.Add(bindingInformation, certificateHash, certificateStoreName, SslFlags) is the IIS 8+
        # overload (protocol https). ToObject, not a cast: PowerShell refuses to cast an integer with bits the
        # enum does not name, and older MWA builds name only None, Sni and CentralCertStore.
        $enumFlags = [System.Enum]::ToObject([Microsoft.Web.Administration.SslFlags], $flags)
        $null = $site.Bindings.Add($BindingInformation, $hashBytes, $CertificateStore, $enumFlags)
        return @{ changed = $true }
    }
    $certificateChanged = Update-MtlsIisBindingCertificate -Binding $binding -CertificateHash $hash -CertificateStore $CertificateStore
    $flagsChanged = Update-MtlsIisBindingSslFlag -Binding $binding -SslFlags $flags
    @{ changed = ($certificateChanged -or $flagsChanged) }
}

Function Remove-MtlsIisBinding {
    <#
    .SYNOPSIS
    Op binding_remove: removes the site's https binding with exactly this bindingInformation (no-op when absent).
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

        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $BindingInformation
    )

    Assert-MtlsIisBindingInformation -BindingInformation $BindingInformation
    $site = Get-MtlsIisSite -Manager (Get-MtlsIisServerManager -Session $Session) -Name $SiteName
    $binding = Find-MtlsIisHttpsBinding -Site $site -BindingInformation $BindingInformation
    if ($null -eq $binding) {
        return @{ changed = $false }
    }
    # Remove(binding) removes the configuration entry; whether MWA also deletes the HTTP.sys SSL record is not
    # documented (IIS 8+ has Remove(binding, removeConfigOnly)). The planner removes a record it no longer wants
    # with httpsys_remove.
    $null = $site.Bindings.Remove($binding)
    @{ changed = $true }
}

Function Set-MtlsIisBindingCertificate {
    <#
    .SYNOPSIS
    Op binding_set_cert: sets the certificate of an existing https binding.
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

        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $BindingInformation,

        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $CertificateHash,

        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $CertificateStore
    )

    Assert-MtlsIisBindingInformation -BindingInformation $BindingInformation
    $hash = $CertificateHash.ToUpperInvariant()
    $null = ConvertFrom-MtlsIisHexString -Hex $hash
    if ([string]::IsNullOrWhiteSpace($CertificateStore)) {
        throw "certificate_store is empty; IIS uses 'My' or 'WebHosting'"
    }
    $site = Get-MtlsIisSite -Manager (Get-MtlsIisServerManager -Session $Session) -Name $SiteName
    $binding = Get-MtlsIisHttpsBinding -Site $site -BindingInformation $BindingInformation
    @{ changed = (Update-MtlsIisBindingCertificate -Binding $binding -CertificateHash $hash -CertificateStore $CertificateStore) }
}

Function Set-MtlsIisBindingSslFlag {
    <#
    .SYNOPSIS
    Op binding_set_flags: writes the whole sslFlags integer of an existing https binding.
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

        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $BindingInformation,

        [AllowNull()]
        [object]
        $SslFlags
    )

    Assert-MtlsIisBindingInformation -BindingInformation $BindingInformation
    $flags = ConvertTo-MtlsIisFlagInteger -Value $SslFlags -Mask $script:BindingWritableMask -What 'ssl_flags'
    Assert-MtlsIisSniHost -BindingInformation $BindingInformation -SslFlags $flags
    $site = Get-MtlsIisSite -Manager (Get-MtlsIisServerManager -Session $Session) -Name $SiteName
    $binding = Get-MtlsIisHttpsBinding -Site $site -BindingInformation $BindingInformation
    # Changing the SNI bit moves the HTTP.sys record between ipport and hostnameport keys; MWA is expected to do
    # that at commit (uncertain).
    @{ changed = (Update-MtlsIisBindingSslFlag -Binding $binding -SslFlags $flags) }
}

Function Set-MtlsIisAccessSslFlag {
    <#
    .SYNOPSIS
    Op access_set: writes system.webServer/security/access@sslFlags at a location path of applicationHost.config;
    changed only when the location did not already have exactly these flags explicitly.
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
        $Location,

        [AllowNull()]
        [object]
        $SslFlags
    )

    Assert-MtlsIisLocation -Location $Location
    $flags = ConvertTo-MtlsIisFlagInteger -Value $SslFlags -Mask $script:AccessWritableMask -What 'ssl_flags'
    $manager = Get-MtlsIisServerManager -Session $Session
    # IIS site names cannot contain '/', so the first segment is the site (IIS rejects '/' in site names).
    $siteName = $Location.Split('/')[0]
    $null = Get-MtlsIisSite -Manager $manager -Name $siteName
    $current = Get-MtlsIisExplicitSslFlag -Session $Session -Location $Location
    if ($current.explicit -and $current.value -eq $flags) {
        return @{ changed = $false }
    }
    $section = Get-MtlsIisAccessSection -Manager $manager -Location $Location
    # An integer for a flags attribute, as for bindings (see Update-MtlsIisBindingSslFlag); Microsoft's samples
    # write the names ("Ssl, SslNegotiateCert"), which IIS stores the same way.
    $section.SetAttributeValue('sslFlags', $flags)
    $Session.explicit[(Get-MtlsIisLocationKey -Path $Location)] = $flags
    @{ changed = $true }
}

Function Remove-MtlsIisAccessSslFlag {
    <#
    .SYNOPSIS
    Op access_unset: removes the explicit sslFlags at a location so that it inherits (no-op when not explicit there).
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
        $Location
    )

    Assert-MtlsIisLocation -Location $Location
    # No site check here: a location left behind by a deleted site can still be cleaned up.
    $manager = Get-MtlsIisServerManager -Session $Session
    $current = Get-MtlsIisExplicitSslFlag -Session $Session -Location $Location
    if (-not $current.explicit) {
        return @{ changed = $false }
    }
    $section = Get-MtlsIisAccessSection -Manager $manager -Location $Location
    # ConfigurationAttribute.Delete removes the value set at this configuration path so that it inherits again
    # (documented as "deletes the attribute"; that it leaves parent locations alone is expected, not verified).
    $null = $section.GetAttribute('sslFlags').Delete()
    $Session.explicit[(Get-MtlsIisLocationKey -Path $Location)] = $null
    @{ changed = $true }
}

Export-ModuleMember -Function Get-MtlsIisSnapshot
Export-ModuleMember -Function New-MtlsIisSession
Export-ModuleMember -Function Close-MtlsIisSession
Export-ModuleMember -Function Save-MtlsIisSession
Export-ModuleMember -Function Add-MtlsIisBinding
Export-ModuleMember -Function Remove-MtlsIisBinding
Export-ModuleMember -Function Set-MtlsIisBindingCertificate
Export-ModuleMember -Function Set-MtlsIisBindingSslFlag
Export-ModuleMember -Function Set-MtlsIisAccessSslFlag
Export-ModuleMember -Function Remove-MtlsIisAccessSslFlag
Export-ModuleMember -Function Test-MtlsIisAvailable
Export-ModuleMember -Function Get-MtlsIisServerManager
Export-ModuleMember -Function Read-MtlsIisConfigDocument
Export-ModuleMember -Function Find-MtlsIisSite
Export-ModuleMember -Function Get-MtlsIisSite
Export-ModuleMember -Function Get-MtlsIisLocationKey
Export-ModuleMember -Function Assert-MtlsIisSiteName
