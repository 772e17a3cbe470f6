# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# IIS authentication for the host_state engine through Microsoft.Web.Administration (MWA): gather the client
# certificate mapping sections (IIS one-to-one and many-to-one mappings, AD mapping) and anonymous authentication
# of sites; change their attributes and mappings.
#
# Changes go through the IIS session of IisConfig.psm1 (New-MtlsIisSession): they stay in its ServerManager until
# host_state commits the run of IIS ops once. Nothing in this file commits on its own. Before that commit host_state
# calls Assert-MtlsIisAuthConsistent, which refuses what IIS refuses across ops (many-to-one with AD mapping).
#
# Mapping passwords are write-only: they are never read (gather never returns them), never compared, never put in
# a message or an error. IIS stores them encrypted (the schema marks them encrypted; MWA encrypts them on commit,
# as IIS Manager does through the same API - documented for IIS Manager and appcmd, taken to hold for MWA).
# Mappings are written through MWA, never appcmd: appcmd's escaping breaks the base64 certificate.
#
# Written without a Windows host to run it on: every Windows fact that is not documented by Microsoft, or that
# could not be checked, has a comment saying so.

#AnsibleRequires -PowerShell ..module_utils.IisConfig

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

# The contract's section names -> IIS configuration section paths. All three sections are locked
# (overrideModeDefault="Deny"), so they are written at a location path of applicationHost.config, never web.config.
$script:AuthSectionPaths = @{
    iis_mapping = 'system.webServer/security/authentication/iisClientCertificateMappingAuthentication'
    ad_mapping = 'system.webServer/security/authentication/clientCertificateMappingAuthentication'
    anonymous = 'system.webServer/security/authentication/anonymousAuthentication'
}

# The attributes auth_set may write per section, and their kind. Attribute names are IIS's and compared
# case-sensitively, as the configuration schema names them.
$script:AuthSectionAttributes = @{
    iis_mapping = @{
        enabled = 'bool'
        oneToOneCertificateMappingsEnabled = 'bool'
        manyToOneCertificateMappingsEnabled = 'bool'
        logonMethod = 'logonMethod'
        defaultLogonDomain = 'string'
    }
    ad_mapping = @{
        enabled = 'bool'
    }
    anonymous = @{
        enabled = 'bool'
    }
}

# Enum attributes: numeric value -> name, from the IIS settings schema documentation.
$script:LogonMethodNames = @{ 0 = 'Interactive'; 1 = 'Batch'; 2 = 'Network'; 3 = 'ClearText' }
$script:PermissionModeNames = @{ 1 = 'Allow'; 2 = 'Deny' }
$script:CertificateFieldNames = @{ 1 = 'Subject'; 2 = 'Issuer' }

# The keys of one rule of many_to_one_set.
$script:RuleKeys = @('field', 'subfield', 'match', 'case_sensitive')

Function ConvertTo-MtlsIisAuthEnumName {
    <#
    .SYNOPSIS
    Normalises an IIS enum attribute value to its name: a number (how MWA is expected to return enum attributes) or a
    name in any case. A value that is neither is returned as text, so a comparison with a name never matches.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param (
        [AllowNull()]
        [object]
        $Value,

        [Parameter(Mandatory = $true)]
        [hashtable]
        $Names
    )

    if ($null -eq $Value) {
        return ''
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
        if ($Names.ContainsKey($number)) {
            return [string]$Names[$number]
        }
        return [string]$number
    }
    $text = $Value.Trim()
    $parsed = 0
    if ([int]::TryParse($text, [ref]$parsed) -and $Names.ContainsKey($parsed)) {
        return [string]$Names[$parsed]
    }
    foreach ($name in $Names.Values) {
        if ([string]::Equals([string]$name, $text, [System.StringComparison]::OrdinalIgnoreCase)) {
            return [string]$name
        }
    }
    $text
}

Function ConvertTo-MtlsIisAuthEnumArgument {
    <#
    .SYNOPSIS
    Validates an op's enum argument (a name, any case) and returns the canonical name; anything else is an error
    that lists the names.
    #>
    [CmdletBinding()]
    [OutputType([string])]
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

    $allowed = ($Names.Keys | Sort-Object | ForEach-Object { $Names[$_] }) -join ', '
    if ($Value -isnot [string]) {
        throw "$What must be one of $allowed, got '$Value'"
    }
    foreach ($name in $Names.Values) {
        if ([string]::Equals([string]$name, $Value.Trim(), [System.StringComparison]::OrdinalIgnoreCase)) {
            return [string]$name
        }
    }
    throw "$What '$Value' is not one of $allowed"
}

Function Assert-MtlsIisAuthBool {
    <#
    .SYNOPSIS
    Refuses an op argument that is not a JSON boolean (a string or a number is a damaged op, not something to coerce).
    #>
    [CmdletBinding()]
    param (
        [AllowNull()]
        [object]
        $Value,

        [Parameter(Mandatory = $true)]
        [string]
        $What
    )

    if ($Value -isnot [bool]) {
        throw "$What must be true or false, got '$Value'"
    }
}

Function Assert-MtlsIisAuthUser {
    <#
    .SYNOPSIS
    Refuses a mapping without a user name, as IIS does.
    #>
    [CmdletBinding()]
    param (
        [AllowNull()]
        [object]
        $UserName,

        [Parameter(Mandatory = $true)]
        [string]
        $What
    )

    if ($UserName -isnot [string] -or [string]::IsNullOrWhiteSpace($UserName)) {
        throw "$What has no user; IIS refuses a certificate mapping without the Windows account it maps to (user, e.g. 'CONTOSO\svc-api')"
    }
}

Function ConvertTo-MtlsIisAuthCertificate {
    <#
    .SYNOPSIS
    Validates a one-to-one mapping's certificate (base64 DER) and returns it on one line without whitespace, the form
    IIS keys the mapping by.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param (
        [AllowNull()]
        [object]
        $Certificate
    )

    if ($Certificate -isnot [string]) {
        throw "certificate must be the client certificate's DER as base64 text"
    }
    $compact = $Certificate -replace '\s', ''
    if ($compact -eq '') {
        throw "certificate is empty; give the client certificate's DER as base64 (no PEM header, no line breaks)"
    }
    if ($compact.StartsWith('-----')) {
        throw "certificate is PEM; IIS wants the base64 DER without the BEGIN/END lines and without line breaks"
    }
    try {
        $null = [System.Convert]::FromBase64String($compact)
    }
    catch {
        throw "certificate is not valid base64 (IIS keys one-to-one mappings by the base64 of the certificate's DER)"
    }
    $compact
}

Function ConvertTo-MtlsIisAuthStoredCertificate {
    <#
    .SYNOPSIS
    The certificate attribute of a stored one-to-one mapping as one line (whitespace removed).
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param (
        [AllowNull()]
        [object]
        $Value
    )

    if ($null -eq $Value) {
        return ''
    }
    # Certificates pasted through IIS Manager or scripts may carry line breaks; the contract returns one line.
    ([string]$Value) -replace '\s', ''
}

Function Hide-MtlsIisAuthSecretText {
    <#
    .SYNOPSIS
    Replaces every occurrence of a secret in a text with asterisks.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param (
        [AllowNull()]
        [AllowEmptyString()]
        [string]
        $Text,

        [AllowNull()]
        [AllowEmptyString()]
        [string]
        $Secret
    )

    if ([string]::IsNullOrEmpty($Text)) {
        return ''
    }
    if ([string]::IsNullOrEmpty($Secret)) {
        return $Text
    }
    $Text.Replace($Secret, '********')
}

Function Set-MtlsIisAuthPassword {
    <#
    .SYNOPSIS
    Writes a mapping's password attribute. An error never carries the password: the original record is replaced by a
    new message built from the innermost exception's type, HRESULT and masked message.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Element,

        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Password,

        [Parameter(Mandatory = $true)]
        [string]
        $What
    )

    try {
        # The schema marks password as encrypted; MWA encrypts it with the configured provider (AesProvider by
        # default) when the change is committed (how IIS Manager stores it; not verified on a host).
        $Element.SetAttributeValue('password', $Password)
    }
    catch {
        $exception = $_.Exception
        while ($null -ne $exception.InnerException) {
            $exception = $exception.InnerException
        }
        $reason = Hide-MtlsIisAuthSecretText -Text $exception.Message -Secret $Password
        $code = '0x{0:X8}' -f $exception.HResult
        throw "IIS refused the password of $What ($($exception.GetType().FullName) $code - $reason)"
    }
}

Function Get-MtlsIisAuthSection {
    <#
    .SYNOPSIS
    One authentication section (by the contract's name) at a site's location path of applicationHost.config. An
    error names the section and the Windows feature that brings it.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Configuration,

        [Parameter(Mandatory = $true)]
        [string]
        $Section,

        [Parameter(Mandatory = $true)]
        [string]
        $Location
    )

    $path = $script:AuthSectionPaths[$Section]
    try {
        # GetSection(section, locationPath) returns the section as it applies at that path, inherited values included,
        # and writes made on it go to <location path="..."> in applicationHost.config (documented).
        return $Configuration.GetSection($path, $Location)
    }
    catch {
        # A section whose Windows feature is not installed (Web-Cert-Auth for iis_mapping, Web-Client-Auth for
        # ad_mapping) is not in the IIS schema, and GetSection fails here (docs/ENGINE.md; the exact error is not
        # verified, nor that no build returns schema defaults instead).
        throw "IIS cannot open $path at '$Location' ($($_.Exception.Message)); check that the Windows features Web-Cert-Auth (IIS mapping) and Web-Client-Auth (AD mapping) are installed"
    }
}

Function Get-MtlsIisAuthSite {
    <#
    .SYNOPSIS
    The ServerManager of the session and the checked site name of an auth op: @{ manager; configuration; site }.
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

    Assert-MtlsIisSiteName -Name $Location -Purpose 'IIS honours client certificate mappings at site level only'
    $manager = Get-MtlsIisServerManager -Session $Session
    $site = Get-MtlsIisSite -Manager $manager -Name $Location
    # The location path is written as the site is named in IIS, so a differently cased site name in the op does not
    # create a second <location> element (IIS compares location paths case-insensitively; believed, not verified).
    @{ manager = $manager; configuration = $manager.GetApplicationHostConfiguration(); site = [string]$site.Name }
}

Function Add-MtlsIisAuthChangedSite {
    <#
    .SYNOPSIS
    Records in the session that an auth op changed a site, so Assert-MtlsIisAuthConsistent checks it before commit.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [hashtable]
        $Session,

        [Parameter(Mandatory = $true)]
        [string]
        $Site
    )

    # A key of our own in IisConfig's session hashtable; Assert-MtlsIisAuthConsistent empties it.
    if (-not $Session.ContainsKey('auth_changed_sites') -or $null -eq $Session['auth_changed_sites']) {
        $Session['auth_changed_sites'] = @{}
    }
    $Session['auth_changed_sites'][$Site] = $true
}

Function Test-MtlsIisAuthElementLocal {
    <#
    .SYNOPSIS
    Tells whether a collection element is defined at this location (not inherited from the server level).
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Element
    )

    # ConfigurationElement.IsLocallyStored: true when the element is stored at the configuration path it was read at
    # (MWA documentation; its behaviour for collection entries of a section read at a location path is not verified).
    [bool]$Element.IsLocallyStored
}

Function Get-MtlsIisAuthRuleSnapshot {
    <#
    .SYNOPSIS
    The rules of a many-to-one mapping element in the contract's shape.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Mapping
    )

    $rules = @(
        foreach ($rule in $Mapping.GetCollection('rules')) {
            @{
                field = ConvertTo-MtlsIisAuthEnumName -Value $rule.GetAttributeValue('certificateField') -Names $script:CertificateFieldNames
                subfield = [string]$rule.GetAttributeValue('certificateSubField')
                match = [string]$rule.GetAttributeValue('matchCriteria')
                case_sensitive = [bool]$rule.GetAttributeValue('compareCaseSensitive')
            }
        }
    )
    # The comma keeps an empty or one-element list a list for the caller.
    , $rules
}

Function Get-MtlsIisAuthMappingSnapshot {
    <#
    .SYNOPSIS
    iis_mapping of the snapshot: the section's attributes and its mappings, passwords left out.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Section
    )

    $oneToOne = @(
        foreach ($mapping in $Section.GetCollection('oneToOneMappings')) {
            @{
                certificate = ConvertTo-MtlsIisAuthStoredCertificate -Value $mapping.GetAttributeValue('certificate')
                user = [string]$mapping.GetAttributeValue('userName')
                enabled = [bool]$mapping.GetAttributeValue('enabled')
            }
        }
    )
    $manyToOne = @(
        foreach ($mapping in $Section.GetCollection('manyToOneMappings')) {
            @{
                name = [string]$mapping.GetAttributeValue('name')
                description = [string]$mapping.GetAttributeValue('description')
                enabled = [bool]$mapping.GetAttributeValue('enabled')
                permission = ConvertTo-MtlsIisAuthEnumName -Value $mapping.GetAttributeValue('permissionMode') -Names $script:PermissionModeNames
                user = [string]$mapping.GetAttributeValue('userName')
                rules = Get-MtlsIisAuthRuleSnapshot -Mapping $mapping
            }
        }
    )
    @{
        enabled = [bool]$Section.GetAttributeValue('enabled')
        one_to_one_enabled = [bool]$Section.GetAttributeValue('oneToOneCertificateMappingsEnabled')
        many_to_one_enabled = [bool]$Section.GetAttributeValue('manyToOneCertificateMappingsEnabled')
        logon_method = ConvertTo-MtlsIisAuthEnumName -Value $Section.GetAttributeValue('logonMethod') -Names $script:LogonMethodNames
        default_logon_domain = [string]$Section.GetAttributeValue('defaultLogonDomain')
        one_to_one = $oneToOne
        many_to_one = $manyToOne
    }
}

Function Read-MtlsIisAuthBelowSite {
    <#
    .SYNOPSIS
    From applicationHost.config as written: location key -> path as written, for every <location> below a site
    (path 'Site/...') that configures iisClientCertificateMappingAuthentication (which IIS ignores there).
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param ()

    $found = @{}
    $document = Read-MtlsIisConfigDocument
    foreach ($location in $document.SelectNodes('/configuration/location')) {
        $mapping = $location.SelectSingleNode('system.webServer/security/authentication/iisClientCertificateMappingAuthentication')
        if ($null -eq $mapping) {
            continue
        }
        $written = $location.GetAttribute('path')
        $key = Get-MtlsIisLocationKey -Path $written
        if ($key.Contains('/')) {
            $found[$key] = $written
        }
    }
    $found
}

Function Get-MtlsIisAuthSiteSnapshot {
    <#
    .SYNOPSIS
    The auth entry of one existing site: iis_mapping, ad_mapping, anonymous, below_site. A section IIS cannot open on
    this host (its feature is not installed, so it is not in the schema) is null rather than failing the gather.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Configuration,

        [Parameter(Mandatory = $true)]
        [string]
        $Site,

        [Parameter(Mandatory = $true)]
        [hashtable]
        $BelowSite
    )

    $entry = @{ iis_mapping = $null; ad_mapping = $null; anonymous = $null }
    foreach ($name in @('iis_mapping', 'ad_mapping', 'anonymous')) {
        # Only opening the section may fail quietly (see Get-MtlsIisAuthSection); reading an opened one may not. The
        # failure of GetSection is the test, not Get-WindowsFeature: that needs the ServerManager module (slow, and
        # absent on client editions).
        $section = $null
        try {
            $section = Get-MtlsIisAuthSection -Configuration $Configuration -Section $name -Location $Site
        }
        catch {
            $section = $null
        }
        if ($null -eq $section) {
            continue
        }
        if ($name -eq 'iis_mapping') {
            $entry[$name] = Get-MtlsIisAuthMappingSnapshot -Section $section
        }
        else {
            $entry[$name] = @{ enabled = [bool]$section.GetAttributeValue('enabled') }
        }
    }
    $prefix = "$(Get-MtlsIisLocationKey -Path $Site)/"
    $below = @(
        foreach ($key in @($BelowSite.Keys)) {
            if ($key.StartsWith($prefix, [System.StringComparison]::OrdinalIgnoreCase)) {
                [string]$BelowSite[$key]
            }
        }
    )
    $entry.below_site = @($below | Sort-Object)
    $entry
}

Function Get-MtlsIisAuthSnapshot {
    <#
    .SYNOPSIS
    Gather of scope auth_sites: site name (as requested) -> its authentication sections, for each site that exists.
    Empty when IIS is not installed. Never reads a password.
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
            throw "scope.auth_sites contains an empty site name"
        }
    }
    if (@($SiteNames).Count -eq 0 -or -not (Test-MtlsIisAvailable)) {
        return $snapshot
    }
    $belowSite = Read-MtlsIisAuthBelowSite
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
            $snapshot[[string]$name] = Get-MtlsIisAuthSiteSnapshot -Configuration $configuration -Site ([string]$site.Name) -BelowSite $belowSite
        }
    }
    finally {
        Close-MtlsIisSession -Session $session
    }
    $snapshot
}

Function Test-MtlsIisAuthAttributeEqual {
    <#
    .SYNOPSIS
    Tells whether a section attribute already has the wanted value, compared by the attribute's kind.
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param (
        [AllowNull()]
        [object]
        $Current,

        [AllowNull()]
        [object]
        $Wanted,

        [Parameter(Mandatory = $true)]
        [string]
        $Kind
    )

    if ($Kind -eq 'bool') {
        return ($null -ne $Current -and [bool]$Current -eq $Wanted)
    }
    if ($Kind -eq 'logonMethod') {
        $name = ConvertTo-MtlsIisAuthEnumName -Value $Current -Names $script:LogonMethodNames
        return [string]::Equals($name, [string]$Wanted, [System.StringComparison]::OrdinalIgnoreCase)
    }
    # Strings (defaultLogonDomain): exactly as written, so what the planner compares is what is stored.
    [string]::Equals([string]$Current, [string]$Wanted, [System.StringComparison]::Ordinal)
}

Function Set-MtlsIisAuthSection {
    <#
    .SYNOPSIS
    Op auth_set: sets the given attributes of one authentication section at a site's location path; changed only
    when one of them differs. Every attribute is validated before any is written.
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

        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Section,

        [AllowNull()]
        [object]
        $Attributes
    )

    if (-not $script:AuthSectionAttributes.ContainsKey($Section) -or $script:AuthSectionPaths.Keys -cnotcontains $Section) {
        throw "unknown section '$Section'; auth_set knows $((@($script:AuthSectionPaths.Keys) | Sort-Object) -join ', ')"
    }
    if ($Attributes -isnot [System.Collections.IDictionary]) {
        throw "attributes must be a dictionary of IIS attribute names to values"
    }
    $known = $script:AuthSectionAttributes[$Section]
    $wanted = [ordered]@{}
    foreach ($name in @($Attributes.Keys | Sort-Object)) {
        # Case-sensitive: the schema's attribute names are camelCase and a wrongly cased name must not pass silently.
        if (@($known.Keys) -cnotcontains $name) {
            throw "section $Section has no attribute '$name' that auth_set writes; known: $((@($known.Keys) | Sort-Object) -join ', ')"
        }
        $value = $Attributes[$name]
        $kind = $known[$name]
        if ($kind -eq 'bool') {
            Assert-MtlsIisAuthBool -Value $value -What "$Section attribute $name"
        }
        elseif ($kind -eq 'logonMethod') {
            $value = ConvertTo-MtlsIisAuthEnumArgument -Value $value -Names $script:LogonMethodNames -What "$Section attribute $name"
        }
        elseif ($value -isnot [string]) {
            throw "$Section attribute $name must be text, got '$value'"
        }
        $wanted[$name] = $value
    }

    $target = Get-MtlsIisAuthSite -Session $Session -Location $Location
    $sectionObject = Get-MtlsIisAuthSection -Configuration $target.configuration -Section $Section -Location $target.site
    $changed = $false
    foreach ($name in @($wanted.Keys)) {
        $kind = $known[$name]
        if (Test-MtlsIisAuthAttributeEqual -Current $sectionObject.GetAttributeValue($name) -Wanted $wanted[$name] -Kind $kind) {
            continue
        }
        # Enum attributes are written by name, as Microsoft's configuration samples do (e.g. logonMethod "ClearText").
        $sectionObject.SetAttributeValue($name, $wanted[$name])
        $changed = $true
    }
    if ($changed) {
        Add-MtlsIisAuthChangedSite -Session $Session -Site $target.site
    }
    @{ changed = $changed }
}

Function Find-MtlsIisAuthElement {
    <#
    .SYNOPSIS
    The element of a mapping collection whose key attribute equals the value exactly (ordinal), or $null.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Collection,

        [Parameter(Mandatory = $true)]
        [string]
        $KeyAttribute,

        [Parameter(Mandatory = $true)]
        [string]
        $Value,

        [switch]
        $Certificate
    )

    foreach ($element in $Collection) {
        $current = [string]$element.GetAttributeValue($KeyAttribute)
        if ($Certificate) {
            $current = ConvertTo-MtlsIisAuthStoredCertificate -Value $current
        }
        # Base64 and mapping names are compared exactly. Whether IIS compares collection keys case-insensitively is
        # not documented: if it does, adding a name that differs only in case fails at Add and the op fails.
        if ([string]::Equals($current, $Value, [System.StringComparison]::Ordinal)) {
            return $element
        }
    }
    return $null
}

Function Assert-MtlsIisAuthElementLocal {
    <#
    .SYNOPSIS
    Refuses to change a mapping that the site inherits from the server level.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Element,

        [Parameter(Mandatory = $true)]
        [string]
        $What,

        [Parameter(Mandatory = $true)]
        [string]
        $Site
    )

    # Changing an inherited collection entry at a child path is not something MWA documents; refuse it plainly.
    if (-not (Test-MtlsIisAuthElementLocal -Element $Element)) {
        throw "$What is inherited by site '$Site' from the server level of applicationHost.config; change or remove it there, or remove it at the site and let it be added again"
    }
}

Function Set-MtlsIisOneToOneMapping {
    <#
    .SYNOPSIS
    Op one_to_one_set: adds or updates the one-to-one mapping keyed by the certificate at a site. The password is
    written only when given, and then the op reports changed (a stored password cannot be compared).
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
        $Certificate,

        [AllowNull()]
        [object]
        $UserName,

        [AllowNull()]
        [object]
        $Enabled,

        [AllowNull()]
        [object]
        $Password
    )

    $base64 = ConvertTo-MtlsIisAuthCertificate -Certificate $Certificate
    Assert-MtlsIisAuthUser -UserName $UserName -What 'the one-to-one mapping'
    Assert-MtlsIisAuthBool -Value $Enabled -What 'enabled'
    if ($null -ne $Password -and $Password -isnot [string]) {
        throw "the mapping password (secrets entry of password_ref) must be text"
    }

    $target = Get-MtlsIisAuthSite -Session $Session -Location $Location
    $section = Get-MtlsIisAuthSection -Configuration $target.configuration -Section 'iis_mapping' -Location $target.site
    $collection = $section.GetCollection('oneToOneMappings')
    $what = "the one-to-one mapping of user '$UserName'"
    $element = Find-MtlsIisAuthElement -Collection $collection -KeyAttribute 'certificate' -Value $base64 -Certificate
    if ($null -eq $element) {
        # CreateElement('add') + attributes + Add: the pattern of Microsoft's configuration reference samples.
        $element = $collection.CreateElement('add')
        $element.SetAttributeValue('certificate', $base64)
        $element.SetAttributeValue('userName', $UserName)
        $element.SetAttributeValue('enabled', $Enabled)
        if ($null -ne $Password) {
            Set-MtlsIisAuthPassword -Element $element -Password $Password -What $what
        }
        $null = $collection.Add($element)
        Add-MtlsIisAuthChangedSite -Session $Session -Site $target.site
        return @{ changed = $true }
    }

    $userDiffers = -not [string]::Equals([string]$element.GetAttributeValue('userName'), $UserName, [System.StringComparison]::Ordinal)
    $enabledDiffers = [bool]$element.GetAttributeValue('enabled') -ne $Enabled
    if (-not $userDiffers -and -not $enabledDiffers -and $null -eq $Password) {
        return @{ changed = $false }
    }
    Assert-MtlsIisAuthElementLocal -Element $element -What $what -Site $target.site
    if ($userDiffers) {
        $element.SetAttributeValue('userName', $UserName)
    }
    if ($enabledDiffers) {
        $element.SetAttributeValue('enabled', $Enabled)
    }
    if ($null -ne $Password) {
        Set-MtlsIisAuthPassword -Element $element -Password $Password -What $what
    }
    Add-MtlsIisAuthChangedSite -Session $Session -Site $target.site
    @{ changed = $true }
}

Function Remove-MtlsIisOneToOneMapping {
    <#
    .SYNOPSIS
    Op one_to_one_remove: removes the one-to-one mapping with this certificate at a site (no-op when absent, or when
    the site no longer exists).
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
        $Certificate
    )

    $base64 = ConvertTo-MtlsIisAuthCertificate -Certificate $Certificate
    Assert-MtlsIisSiteName -Name $Location -Purpose 'IIS honours client certificate mappings at site level only'
    $manager = Get-MtlsIisServerManager -Session $Session
    $site = Find-MtlsIisSite -Manager $manager -Name $Location
    if ($null -eq $site) {
        return @{ changed = $false }
    }
    $siteName = [string]$site.Name
    $section = Get-MtlsIisAuthSection -Configuration $manager.GetApplicationHostConfiguration() -Section 'iis_mapping' -Location $siteName
    $collection = $section.GetCollection('oneToOneMappings')
    $element = Find-MtlsIisAuthElement -Collection $collection -KeyAttribute 'certificate' -Value $base64 -Certificate
    if ($null -eq $element) {
        return @{ changed = $false }
    }
    # For an entry inherited from the server level, MWA is expected to write <remove certificate="..."/> at the site
    # (how collections are trimmed per path; not verified for this collection).
    $null = $collection.Remove($element)
    Add-MtlsIisAuthChangedSite -Session $Session -Site $siteName
    @{ changed = $true }
}

Function ConvertTo-MtlsIisAuthRule {
    <#
    .SYNOPSIS
    Validates the rules argument of many_to_one_set and returns them normalised: a list of
    @{ field = Subject|Issuer; subfield; match; case_sensitive }.
    #>
    [CmdletBinding()]
    param (
        [AllowNull()]
        [object]
        $Rules
    )

    if ($Rules -isnot [System.Collections.IList]) {
        throw "rules must be a list of {field, subfield, match, case_sensitive}"
    }
    $normalised = @(
        for ($position = 0; $position -lt $Rules.Count; $position++) {
            $rule = $Rules[$position]
            if ($rule -isnot [System.Collections.IDictionary]) {
                throw "rule $position is not a dictionary of field, subfield, match, case_sensitive"
            }
            $keys = @($rule.Keys | ForEach-Object { [string]$_ })
            $unknown = @($keys | Where-Object { $script:RuleKeys -cnotcontains $_ })
            if ($unknown.Count -gt 0) {
                throw "rule $position has unknown key(s) $(($unknown | Sort-Object) -join ', '); a rule has field, subfield, match, case_sensitive"
            }
            $missing = @($script:RuleKeys | Where-Object { $keys -cnotcontains $_ })
            if ($missing.Count -gt 0) {
                throw "rule $position lacks $($missing -join ', ')"
            }
            $fieldValue = $rule['field']
            $field = $null
            foreach ($name in $script:CertificateFieldNames.Values) {
                if ($fieldValue -is [string] -and [string]::Equals([string]$name, $fieldValue.Trim(), [System.StringComparison]::OrdinalIgnoreCase)) {
                    $field = [string]$name
                }
            }
            if ($null -eq $field) {
                throw "rule $position field '$fieldValue' is not Subject or Issuer; IIS many-to-one rules match only those two certificate fields"
            }
            $subfield = $rule['subfield']
            if ($subfield -isnot [string] -or [string]::IsNullOrWhiteSpace($subfield)) {
                throw "rule $position has no subfield (CN, O, OU, L, S, C...)"
            }
            $match = $rule['match']
            if ($match -isnot [string] -or $match -eq '') {
                throw "rule $position has no match text (wildcards allowed, e.g. 'Fabrikam*')"
            }
            Assert-MtlsIisAuthBool -Value $rule['case_sensitive'] -What "rule $position case_sensitive"
            @{ field = $field; subfield = $subfield; match = $match; case_sensitive = $rule['case_sensitive'] }
        }
    )
    , $normalised
}

Function Test-MtlsIisAuthRuleListEqual {
    <#
    .SYNOPSIS
    Tells whether a mapping's stored rules equal the wanted ones, in order: field by name (any case), subfield and
    match exactly, case_sensitive as a boolean.
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param (
        [Parameter(Mandatory = $true)]
        [AllowEmptyCollection()]
        [object[]]
        $Current,

        [Parameter(Mandatory = $true)]
        [AllowEmptyCollection()]
        [object[]]
        $Wanted
    )

    if ($Current.Count -ne $Wanted.Count) {
        return $false
    }
    for ($position = 0; $position -lt $Current.Count; $position++) {
        $have = $Current[$position]
        $want = $Wanted[$position]
        if (-not [string]::Equals([string]$have.field, [string]$want.field, [System.StringComparison]::OrdinalIgnoreCase)) {
            return $false
        }
        # Subfields are case-sensitive in IIS (CN is not cn); the match text is compared exactly as it is stored.
        if (-not [string]::Equals([string]$have.subfield, [string]$want.subfield, [System.StringComparison]::Ordinal)) {
            return $false
        }
        if (-not [string]::Equals([string]$have.match, [string]$want.match, [System.StringComparison]::Ordinal)) {
            return $false
        }
        if ([bool]$have.case_sensitive -ne [bool]$want.case_sensitive) {
            return $false
        }
    }
    $true
}

Function Set-MtlsIisAuthRuleList {
    <#
    .SYNOPSIS
    Replaces the rules collection of a many-to-one mapping element with the given normalised rules.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Mapping,

        [Parameter(Mandatory = $true)]
        [AllowEmptyCollection()]
        [object[]]
        $Rules
    )

    $collection = $Mapping.GetCollection('rules')
    # Clear() drops every rule of this mapping (it may write a <clear/> element; the mapping is defined here, so there
    # is nothing inherited to hide either way - not verified on a host).
    $collection.Clear()
    foreach ($rule in $Rules) {
        $element = $collection.CreateElement('add')
        # certificateField by name, as Microsoft's configuration samples write it ("Subject").
        $element.SetAttributeValue('certificateField', $rule.field)
        $element.SetAttributeValue('certificateSubField', $rule.subfield)
        $element.SetAttributeValue('matchCriteria', $rule.match)
        $element.SetAttributeValue('compareCaseSensitive', [bool]$rule.case_sensitive)
        $null = $collection.Add($element)
    }
}

Function Set-MtlsIisManyToOneMapping {
    <#
    .SYNOPSIS
    Op many_to_one_set: adds or updates the many-to-one mapping keyed by name at a site, replacing its rules when they
    differ. The password is written only when given, and then the op reports changed.
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
        $Name,

        [AllowNull()]
        [object]
        $Description,

        [AllowNull()]
        [object]
        $Enabled,

        [AllowNull()]
        [object]
        $Permission,

        [AllowNull()]
        [object]
        $UserName,

        [AllowNull()]
        [object]
        $Rules,

        [AllowNull()]
        [object]
        $Password
    )

    if ($Name -isnot [string] -or [string]::IsNullOrWhiteSpace($Name)) {
        throw "name is empty; a many-to-one mapping is keyed by its name"
    }
    if ($null -eq $Description) {
        $Description = ''
    }
    if ($Description -isnot [string]) {
        throw "description must be text"
    }
    Assert-MtlsIisAuthUser -UserName $UserName -What "many-to-one mapping '$Name'"
    Assert-MtlsIisAuthBool -Value $Enabled -What 'enabled'
    $permissionName = ConvertTo-MtlsIisAuthEnumArgument -Value $Permission -Names $script:PermissionModeNames -What 'permission'
    $wantedRules = ConvertTo-MtlsIisAuthRule -Rules $Rules
    if ($null -ne $Password -and $Password -isnot [string]) {
        throw "the mapping password (secrets entry of password_ref) must be text"
    }

    $target = Get-MtlsIisAuthSite -Session $Session -Location $Location
    $section = Get-MtlsIisAuthSection -Configuration $target.configuration -Section 'iis_mapping' -Location $target.site
    $collection = $section.GetCollection('manyToOneMappings')
    $what = "many-to-one mapping '$Name'"
    $element = Find-MtlsIisAuthElement -Collection $collection -KeyAttribute 'name' -Value $Name
    if ($null -eq $element) {
        $element = $collection.CreateElement('add')
        $element.SetAttributeValue('name', $Name)
        $element.SetAttributeValue('description', $Description)
        $element.SetAttributeValue('enabled', $Enabled)
        # permissionMode by name, as Microsoft's configuration samples write enum attributes.
        $element.SetAttributeValue('permissionMode', $permissionName)
        $element.SetAttributeValue('userName', $UserName)
        if ($null -ne $Password) {
            Set-MtlsIisAuthPassword -Element $element -Password $Password -What $what
        }
        # The rules are added to the new element before it joins the collection, as in Microsoft's sample.
        Set-MtlsIisAuthRuleList -Mapping $element -Rules $wantedRules
        $null = $collection.Add($element)
        Add-MtlsIisAuthChangedSite -Session $Session -Site $target.site
        return @{ changed = $true }
    }

    $currentPermission = ConvertTo-MtlsIisAuthEnumName -Value $element.GetAttributeValue('permissionMode') -Names $script:PermissionModeNames
    $updates = [ordered]@{}
    if (-not [string]::Equals([string]$element.GetAttributeValue('description'), $Description, [System.StringComparison]::Ordinal)) {
        $updates['description'] = $Description
    }
    if ([bool]$element.GetAttributeValue('enabled') -ne $Enabled) {
        $updates['enabled'] = $Enabled
    }
    if (-not [string]::Equals($currentPermission, $permissionName, [System.StringComparison]::OrdinalIgnoreCase)) {
        $updates['permissionMode'] = $permissionName
    }
    if (-not [string]::Equals([string]$element.GetAttributeValue('userName'), $UserName, [System.StringComparison]::Ordinal)) {
        $updates['userName'] = $UserName
    }
    $currentRules = Get-MtlsIisAuthRuleSnapshot -Mapping $element
    $rulesDiffer = -not (Test-MtlsIisAuthRuleListEqual -Current $currentRules -Wanted $wantedRules)
    if ($updates.Count -eq 0 -and -not $rulesDiffer -and $null -eq $Password) {
        return @{ changed = $false }
    }
    Assert-MtlsIisAuthElementLocal -Element $element -What $what -Site $target.site
    foreach ($attribute in @($updates.Keys)) {
        $element.SetAttributeValue($attribute, $updates[$attribute])
    }
    if ($null -ne $Password) {
        Set-MtlsIisAuthPassword -Element $element -Password $Password -What $what
    }
    if ($rulesDiffer) {
        Set-MtlsIisAuthRuleList -Mapping $element -Rules $wantedRules
    }
    Add-MtlsIisAuthChangedSite -Session $Session -Site $target.site
    @{ changed = $true }
}

Function Remove-MtlsIisManyToOneMapping {
    <#
    .SYNOPSIS
    Op many_to_one_remove: removes the many-to-one mapping with this name at a site (no-op when absent, or when the
    site no longer exists).
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
        $Name
    )

    if ($Name -isnot [string] -or [string]::IsNullOrWhiteSpace($Name)) {
        throw "name is empty; a many-to-one mapping is keyed by its name"
    }
    Assert-MtlsIisSiteName -Name $Location -Purpose 'IIS honours client certificate mappings at site level only'
    $manager = Get-MtlsIisServerManager -Session $Session
    $site = Find-MtlsIisSite -Manager $manager -Name $Location
    if ($null -eq $site) {
        return @{ changed = $false }
    }
    $siteName = [string]$site.Name
    $section = Get-MtlsIisAuthSection -Configuration $manager.GetApplicationHostConfiguration() -Section 'iis_mapping' -Location $siteName
    $collection = $section.GetCollection('manyToOneMappings')
    $element = Find-MtlsIisAuthElement -Collection $collection -KeyAttribute 'name' -Value $Name
    if ($null -eq $element) {
        return @{ changed = $false }
    }
    $null = $collection.Remove($element)
    Add-MtlsIisAuthChangedSite -Session $Session -Site $siteName
    @{ changed = $true }
}

Function Assert-MtlsIisAuthConsistent {
    <#
    .SYNOPSIS
    Before host_state commits a run of IIS ops: refuses, for every site an auth op changed in this session, IIS
    many-to-one mapping enabled together with AD client certificate mapping, reading the session's pending
    (uncommitted) configuration. Forgets the changed sites either way.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [hashtable]
        $Session
    )

    if (-not $Session.ContainsKey('auth_changed_sites') -or $null -eq $Session['auth_changed_sites']) {
        return
    }
    $sites = @($Session['auth_changed_sites'].Keys | Sort-Object)
    $Session['auth_changed_sites'] = @{}
    if ($sites.Count -eq 0) {
        return
    }
    $manager = Get-MtlsIisServerManager -Session $Session
    # The same ServerManager that holds the uncommitted changes: its configuration objects are expected to show them
    # (MWA keeps the pending changes in memory until CommitChanges; that a later GetSection of the same path returns
    # them is common practice, not spelled out in the documentation).
    $configuration = $manager.GetApplicationHostConfiguration()
    $conflicts = @(
        foreach ($site in $sites) {
            $iis = Get-MtlsIisAuthSection -Configuration $configuration -Section 'iis_mapping' -Location $site
            $ad = Get-MtlsIisAuthSection -Configuration $configuration -Section 'ad_mapping' -Location $site
            $manyToOneCount = $iis.GetCollection('manyToOneMappings').Count
            $manyToOneOn = [bool]$iis.GetAttributeValue('enabled') -and [bool]$iis.GetAttributeValue('manyToOneCertificateMappingsEnabled') -and $manyToOneCount -gt 0
            if ($manyToOneOn -and [bool]$ad.GetAttributeValue('enabled')) {
                "'$site' ($manyToOneCount many-to-one mapping(s))"
            }
        }
    )
    if ($conflicts.Count -gt 0) {
        throw "IIS refuses many-to-one client certificate mappings together with Active Directory client certificate mapping on one site, and these ops would enable both on site(s) $($conflicts -join ', '); disable one of them (iis_mapping manyToOneCertificateMappingsEnabled or enabled false, no many-to-one mappings, or ad_mapping enabled false)"
    }
}

Export-ModuleMember -Function Get-MtlsIisAuthSnapshot
Export-ModuleMember -Function Set-MtlsIisAuthSection
Export-ModuleMember -Function Set-MtlsIisOneToOneMapping
Export-ModuleMember -Function Remove-MtlsIisOneToOneMapping
Export-ModuleMember -Function Set-MtlsIisManyToOneMapping
Export-ModuleMember -Function Remove-MtlsIisManyToOneMapping
Export-ModuleMember -Function Assert-MtlsIisAuthConsistent
