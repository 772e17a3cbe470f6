# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# IIS client certificate mappings of the host_state engine (one-to-one and many-to-one, in
# iisClientCertificateMappingAuthentication at a site), through the IIS session of IisConfig.psm1. The section itself,
# gather and the AD-mapping check are in IisAuth.psm1.
#
# - One-to-one mappings are keyed by certificate, the base64 DER on one line; a mapping stored with line breaks never
#   matches a client (AUTH-6), so one_to_one_set replaces it (which needs the password again: it cannot be read).
# - Many-to-one mappings are keyed by name, case-insensitively as the schema keys it (IISCONFIG-7, issue 10 item 13):
#   'Partners' and 'partners' are one mapping, and a name differing only in case is rewritten.
# - The mapping collections have no <remove> element (AUTH-7): a mapping the site inherits from the server level
#   cannot be removed or changed at the site, so the ops refuse it and say where it is.
# - Passwords are write-only: written only when the op gives one, never read, compared, or put in a message.

#AnsibleRequires -PowerShell ..module_utils.IisConfig
#AnsibleRequires -PowerShell ..module_utils.IisConfigWrite
#AnsibleRequires -PowerShell ..module_utils.IisAuth
#AnsibleRequires -PowerShell ..module_utils.IisAuthWrite

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

$script:PermissionModeNames = @{ 1 = 'Allow'; 2 = 'Deny' }
$script:CertificateFieldNames = @{ 1 = 'Subject'; 2 = 'Issuer' }
$script:RuleKeys = @('field', 'subfield', 'match', 'case_sensitive')
$script:Inherited = 'is inherited by site ''{0}'' from the server level of applicationHost.config; the {1} collection has no <remove> element, so IIS cannot remove or change it at the site: change it at the server level'

Function Assert-MtlsIisMappingCertificate {
    <# .SYNOPSIS Refuses a one-to-one certificate that is not base64 DER on one line, the form IIS compares (AUTH-6). #>
    [CmdletBinding()]
    param ([AllowNull()][object]$Certificate)

    if ($Certificate -isnot [string] -or $Certificate.Trim() -eq '') {
        throw "certificate is empty; give the client certificate's DER as base64 (no PEM header, no line breaks)"
    }
    if ($Certificate.Contains('-----')) {
        throw 'certificate is PEM; IIS compares the base64 DER on one line without the BEGIN/END lines, so this mapping would never match'
    }
    if ($Certificate -match '\s') {
        throw 'certificate contains line breaks or spaces; IIS compares the base64 DER on one line, so this mapping would never match'
    }
    try {
        $null = [System.Convert]::FromBase64String($Certificate)
    }
    catch {
        throw 'certificate is not valid base64 (IIS keys one-to-one mappings by the base64 of the certificate''s DER)'
    }
}

Function Assert-MtlsIisMappingUser {
    <# .SYNOPSIS Refuses a mapping without the Windows account it maps to, as IIS does. #>
    [CmdletBinding()]
    param (
        [AllowNull()][object]$UserName,
        [Parameter(Mandatory = $true)][string]$What
    )

    if ($UserName -isnot [string] -or [string]::IsNullOrWhiteSpace($UserName)) {
        throw "$What has no user; IIS refuses a certificate mapping without the Windows account it maps to (user, e.g. 'CONTOSO\svc-api')"
    }
}

Function Assert-MtlsIisMappingPassword {
    <# .SYNOPSIS Refuses a password that is not text (the secrets entry of password_ref); never names it. #>
    [CmdletBinding()]
    param ([AllowNull()][object]$Password)

    if ($null -ne $Password -and $Password -isnot [string]) {
        throw 'the mapping password (secrets entry of password_ref) must be text'
    }
}

Function Add-MtlsIisMappingEdit {
    <#
    .SYNOPSIS
    Add-MtlsIisEdit for edits that may carry a mapping password: an error IIS gives is rethrown as a new message with
    the password masked and without the original error record, so the password cannot travel in it.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Session,
        [Parameter(Mandatory = $true)][object[]]$Edit,
        [AllowNull()][object]$Password
    )

    try {
        Add-MtlsIisEdit -Session $Session -Edit $Edit
    }
    catch {
        $text = $_.Exception.Message
        if ($Password -is [string] -and $Password -ne '') {
            $text = $text.Replace($Password, '********')
        }
        throw $text
    }
}

Function Get-MtlsIisMappingSection {
    <# .SYNOPSIS The site (as IIS spells it) and its iisClientCertificateMappingAuthentication tree after the pending edits. #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Session,
        [Parameter(Mandatory = $true)][string]$Site
    )

    @{ site = $Site; section = (Read-MtlsIisAuthSection -Session $Session -Site $Site -Section @('iis_mapping')).iis_mapping }
}

Function Find-MtlsIisExistingSite {
    <# .SYNOPSIS For the remove ops: the site as IIS spells it, or $null when it does not exist (nothing to remove). #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Session,
        [Parameter(Mandatory = $true)][AllowEmptyString()][string]$Location
    )

    Assert-MtlsIisSiteName -Name $Location -Purpose 'IIS honours client certificate mappings at site level only'
    $site = Find-MtlsIisSite -Session $Session -Name $Location
    if ($null -eq $site) {
        return $null
    }
    [string]$site.name
}

Function Find-MtlsIisOneToOne {
    <# .SYNOPSIS The one-to-one entries whose stored certificate, without whitespace, is this one (stored spelling kept). #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Section,
        [Parameter(Mandatory = $true)][string]$Certificate
    )

    @((Get-MtlsIisNodeChild -Node $Section -Name 'oneToOneMappings').collection) | Where-Object {
        [string]::Equals(([string]$_.attributes['certificate'] -replace '\s', ''), $Certificate, [System.StringComparison]::Ordinal)
    }
}

Function Set-MtlsIisOneToOneMapping {
    <#
    .SYNOPSIS
    Op one_to_one_set: adds or updates the one-to-one mapping of a certificate at a site. A mapping stored with line
    breaks is replaced by one on one line, which needs the password. The password is written only when given, and
    then the op reports changed (a stored password cannot be compared).
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Session,
        [Parameter(Mandatory = $true)][AllowEmptyString()][string]$Location,
        [AllowNull()][object]$Certificate,
        [AllowNull()][object]$UserName,
        [AllowNull()][object]$Enabled,
        [AllowNull()][object]$Password
    )

    Assert-MtlsIisMappingCertificate -Certificate $Certificate
    Assert-MtlsIisMappingUser -UserName $UserName -What 'the one-to-one mapping'
    Assert-MtlsIisBool -Value $Enabled -What 'enabled'
    Assert-MtlsIisMappingPassword -Password $Password
    $target = Get-MtlsIisMappingSection -Session $Session -Site (Get-MtlsIisAuthTarget -Session $Session -Location $Location)
    $section = Get-MtlsIisAuthSectionPath -Section 'iis_mapping'
    $what = "the one-to-one mapping of user '$UserName'"
    $attributes = @{ certificate = $Certificate; userName = $UserName; enabled = $Enabled }
    if ($null -ne $Password) {
        $attributes.password = $Password
    }
    $found = @(Find-MtlsIisOneToOne -Section $target.section -Certificate $Certificate)
    $exact = @($found | Where-Object { [string]$_.attributes['certificate'] -ceq $Certificate })
    $edits = New-Object -TypeName System.Collections.Generic.List[object]
    if ($exact.Count -gt 0) {
        $entry = $exact[0]
        $same = [string]$entry.attributes['userName'] -ceq $UserName -and [bool]$entry.attributes['enabled'] -eq $Enabled
        if ($same -and $null -eq $Password -and $found.Count -eq 1) {
            return @{ changed = $false }
        }
        if (-not $entry.locally_stored) {
            throw "$what $($script:Inherited -f $target.site, 'oneToOneMappings')"
        }
        $attributes.Remove('certificate')
        $null = $edits.Add(@{ action = 'set'; section = $section; location = $target.site; element = @('oneToOneMappings', @{ key = @{ certificate = $Certificate } }); attributes = $attributes })
    }
    elseif ($found.Count -gt 0 -and $null -eq $Password) {
        throw "$what is stored with line breaks or spaces in its certificate, so IIS never matches it; replacing it needs the account's password, which cannot be read back: give the mapping's password"
    }
    else {
        $null = $edits.Add(@{ action = 'add'; section = $section; location = $target.site; element = @('oneToOneMappings'); attributes = $attributes })
    }
    # Copies stored with whitespace go: they never match and would keep the old account in the file.
    foreach ($entry in @($found | Where-Object { [string]$_.attributes['certificate'] -cne $Certificate })) {
        if (-not $entry.locally_stored) {
            throw "$what $($script:Inherited -f $target.site, 'oneToOneMappings')"
        }
        $null = $edits.Add(@{ action = 'remove'; section = $section; location = $target.site; element = @('oneToOneMappings', @{ key = @{ certificate = [string]$entry.attributes['certificate'] } }) })
    }
    Add-MtlsIisMappingEdit -Session $Session -Edit $edits.ToArray() -Password $Password
    Add-MtlsIisAuthChangedSite -Session $Session -Site $target.site
    @{ changed = $true }
}

Function Remove-MtlsIisOneToOneMapping {
    <#
    .SYNOPSIS
    Op one_to_one_remove: removes the one-to-one mapping of a certificate at a site, also a copy stored with line breaks
    (no-op when absent, or when the site no longer exists).
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Session,
        [Parameter(Mandatory = $true)][AllowEmptyString()][string]$Location,
        [AllowNull()][object]$Certificate
    )

    Assert-MtlsIisMappingCertificate -Certificate $Certificate
    $site = Find-MtlsIisExistingSite -Session $Session -Location $Location
    if ($null -eq $site) {
        return @{ changed = $false }
    }
    $target = Get-MtlsIisMappingSection -Session $Session -Site $site
    $found = @(Find-MtlsIisOneToOne -Section $target.section -Certificate $Certificate)
    if ($found.Count -eq 0) {
        return @{ changed = $false }
    }
    $section = Get-MtlsIisAuthSectionPath -Section 'iis_mapping'
    $edits = @(
        foreach ($entry in $found) {
            if (-not $entry.locally_stored) {
                throw "the one-to-one mapping of user '$($entry.attributes['userName'])' $($script:Inherited -f $site, 'oneToOneMappings')"
            }
            @{ action = 'remove'; section = $section; location = $site; element = @('oneToOneMappings', @{ key = @{ certificate = [string]$entry.attributes['certificate'] } }) }
        }
    )
    Add-MtlsIisEdit -Session $Session -Edit $edits
    Add-MtlsIisAuthChangedSite -Session $Session -Site $site
    @{ changed = $true }
}

Function ConvertTo-MtlsIisMappingRule {
    <#
    .SYNOPSIS
    Validates the rules of many_to_one_set and returns them normalised (@{ field = Subject|Issuer; subfield; match;
    case_sensitive }). Two rules with the same field, subfield and match (in any case) are refused before anything is
    written: IIS keys rules by those three and refuses the second (AUTH-8).
    #>
    [CmdletBinding()]
    param ([AllowNull()][object]$Rules)

    if ($Rules -isnot [System.Collections.IList]) {
        throw 'rules must be a list of {field, subfield, match, case_sensitive}'
    }
    $seen = @{}
    for ($position = 0; $position -lt $Rules.Count; $position++) {
        $rule = $Rules[$position]
        if ($rule -isnot [System.Collections.IDictionary]) {
            throw "rule $position is not a dictionary of field, subfield, match, case_sensitive"
        }
        $keys = @($rule.Keys | ForEach-Object { [string]$_ })
        $unknown = @($keys | Where-Object { $script:RuleKeys -cnotcontains $_ } | Sort-Object)
        if ($unknown.Count -gt 0) {
            throw "rule $position has unknown key(s) $($unknown -join ', '); a rule has field, subfield, match, case_sensitive"
        }
        $missing = @($script:RuleKeys | Where-Object { $keys -cnotcontains $_ })
        if ($missing.Count -gt 0) {
            throw "rule $position lacks $($missing -join ', ')"
        }
        $field = $null
        try {
            $field = ConvertTo-MtlsIisEnumArgument -Value $rule['field'] -Names $script:CertificateFieldNames -What "rule $position field"
        }
        catch {
            throw "rule $position field '$($rule['field'])' is not Subject or Issuer; IIS many-to-one rules match only those two certificate fields"
        }
        if ($rule['subfield'] -isnot [string] -or [string]::IsNullOrWhiteSpace($rule['subfield'])) {
            throw "rule $position has no subfield (CN, O, OU, L, S, C...)"
        }
        if ($rule['match'] -isnot [string] -or $rule['match'] -eq '') {
            throw "rule $position has no match text (wildcards allowed, e.g. 'Fabrikam*')"
        }
        Assert-MtlsIisBool -Value $rule['case_sensitive'] -What "rule $position case_sensitive"
        $key = "$field|$($rule['subfield'])|$($rule['match'])".ToLowerInvariant()
        if ($seen.ContainsKey($key)) {
            throw "rule $position repeats rule $($seen[$key]) ($field $($rule['subfield']) = $($rule['match'])); IIS keys many-to-one rules by field, subfield and match, so list each once"
        }
        $seen[$key] = $position
        @{ field = $field; subfield = $rule['subfield']; match = $rule['match']; case_sensitive = $rule['case_sensitive'] }
    }
}

Function Test-MtlsIisMappingRuleEqual {
    <# .SYNOPSIS Whether stored rules equal the wanted ones in order: field by name, subfield and match exactly, case_sensitive. #>
    [CmdletBinding()]
    [OutputType([bool])]
    param (
        [Parameter(Mandatory = $true)][AllowEmptyCollection()][object[]]$Current,
        [Parameter(Mandatory = $true)][AllowEmptyCollection()][object[]]$Wanted
    )

    if ($Current.Count -ne $Wanted.Count) {
        return $false
    }
    for ($i = 0; $i -lt $Current.Count; $i++) {
        $have = $Current[$i]
        $want = $Wanted[$i]
        if ($have.field -cne $want.field -or $have.subfield -cne $want.subfield -or $have.match -cne $want.match -or $have.case_sensitive -ne $want.case_sensitive) {
            return $false
        }
    }
    $true
}

Function New-MtlsIisRuleEdit {
    <# .SYNOPSIS The edits that add the rules to a mapping (field by name, as Microsoft's samples write enum attributes). #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)][string]$Site,
        [Parameter(Mandatory = $true)][string]$Name,
        [Parameter(Mandatory = $true)][AllowEmptyCollection()][object[]]$Rules
    )

    $section = Get-MtlsIisAuthSectionPath -Section 'iis_mapping'
    foreach ($rule in $Rules) {
        @{
            action = 'add'; section = $section; location = $Site; element = @('manyToOneMappings', @{ key = @{ name = $Name } }, 'rules')
            attributes = @{ certificateField = $rule.field; certificateSubField = $rule.subfield; matchCriteria = $rule.match; compareCaseSensitive = [bool]$rule.case_sensitive }
        }
    }
}

Function Set-MtlsIisManyToOneMapping {
    <#
    .SYNOPSIS
    Op many_to_one_set: adds or updates the many-to-one mapping with this name (any case) at a site, rewriting the name
    when only its case differs and replacing the rules when they differ. A new mapping's rules are added without a
    clear. The password is written only when given, and then the op reports changed.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Session,
        [Parameter(Mandatory = $true)][AllowEmptyString()][string]$Location,
        [AllowNull()][object]$Name,
        [AllowNull()][object]$Description,
        [AllowNull()][object]$Enabled,
        [AllowNull()][object]$Permission,
        [AllowNull()][object]$UserName,
        [AllowNull()][object]$Rules,
        [AllowNull()][object]$Password
    )

    if ($Name -isnot [string] -or [string]::IsNullOrWhiteSpace($Name)) {
        throw 'name is empty; a many-to-one mapping is keyed by its name'
    }
    if ($null -eq $Description) {
        $Description = ''
    }
    if ($Description -isnot [string]) {
        throw 'description must be text'
    }
    Assert-MtlsIisMappingUser -UserName $UserName -What "many-to-one mapping '$Name'"
    Assert-MtlsIisBool -Value $Enabled -What 'enabled'
    $permissionName = ConvertTo-MtlsIisEnumArgument -Value $Permission -Names $script:PermissionModeNames -What 'permission'
    $wantedRules = @(ConvertTo-MtlsIisMappingRule -Rules $Rules)
    Assert-MtlsIisMappingPassword -Password $Password
    $target = Get-MtlsIisMappingSection -Session $Session -Site (Get-MtlsIisAuthTarget -Session $Session -Location $Location)
    $section = Get-MtlsIisAuthSectionPath -Section 'iis_mapping'
    $wanted = @{ name = $Name; description = $Description; enabled = $Enabled; permissionMode = $permissionName; userName = $UserName }
    $found = @(Get-MtlsIisNodeEntry -Node (Get-MtlsIisNodeChild -Node $target.section -Name 'manyToOneMappings') -Attribute 'name' -Value $Name)
    if ($found.Count -eq 0) {
        if ($null -ne $Password) {
            $wanted.password = $Password
        }
        $edits = @(@{ action = 'add'; section = $section; location = $target.site; element = @('manyToOneMappings'); attributes = $wanted }) + @(New-MtlsIisRuleEdit -Site $target.site -Name $Name -Rules $wantedRules)
        Add-MtlsIisMappingEdit -Session $Session -Edit $edits -Password $Password
        Add-MtlsIisAuthChangedSite -Session $Session -Site $target.site
        return @{ changed = $true }
    }
    $entry = $found[0]
    $current = @{
        name = [string]$entry.attributes['name']; description = [string]$entry.attributes['description']; enabled = [bool]$entry.attributes['enabled']
        permissionMode = ConvertTo-MtlsIisEnumName -Value $entry.attributes['permissionMode'] -Names $script:PermissionModeNames
        userName = [string]$entry.attributes['userName']
    }
    $updates = @{}
    foreach ($attribute in @($wanted.Keys)) {
        if ([string]$current[$attribute] -cne [string]$wanted[$attribute]) {
            $updates[$attribute] = $wanted[$attribute]
        }
    }
    $rulesDiffer = -not (Test-MtlsIisMappingRuleEqual -Current @(ConvertTo-MtlsIisRuleSnapshot -Mapping $entry) -Wanted $wantedRules)
    if ($updates.Count -eq 0 -and -not $rulesDiffer -and $null -eq $Password) {
        return @{ changed = $false }
    }
    if (-not $entry.locally_stored) {
        throw "many-to-one mapping '$($current.name)' $($script:Inherited -f $target.site, 'manyToOneMappings')"
    }
    if ($null -ne $Password) {
        $updates.password = $Password
    }
    $edits = New-Object -TypeName System.Collections.Generic.List[object]
    if ($updates.Count -gt 0) {
        $null = $edits.Add(@{ action = 'set'; section = $section; location = $target.site; element = @('manyToOneMappings', @{ key = @{ name = $current.name } }); attributes = $updates })
    }
    if ($rulesDiffer) {
        $null = $edits.Add(@{ action = 'clear'; section = $section; location = $target.site; element = @('manyToOneMappings', @{ key = @{ name = $Name } }, 'rules') })
        foreach ($edit in @(New-MtlsIisRuleEdit -Site $target.site -Name $Name -Rules $wantedRules)) {
            $null = $edits.Add($edit)
        }
    }
    Add-MtlsIisMappingEdit -Session $Session -Edit $edits.ToArray() -Password $Password
    Add-MtlsIisAuthChangedSite -Session $Session -Site $target.site
    @{ changed = $true }
}

Function Remove-MtlsIisManyToOneMapping {
    <#
    .SYNOPSIS
    Op many_to_one_remove: removes the many-to-one mapping with this name (any case) at a site (no-op when absent, or
    when the site no longer exists).
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Session,
        [Parameter(Mandatory = $true)][AllowEmptyString()][string]$Location,
        [AllowNull()][object]$Name
    )

    if ($Name -isnot [string] -or [string]::IsNullOrWhiteSpace($Name)) {
        throw 'name is empty; a many-to-one mapping is keyed by its name'
    }
    $site = Find-MtlsIisExistingSite -Session $Session -Location $Location
    if ($null -eq $site) {
        return @{ changed = $false }
    }
    $target = Get-MtlsIisMappingSection -Session $Session -Site $site
    $found = @(Get-MtlsIisNodeEntry -Node (Get-MtlsIisNodeChild -Node $target.section -Name 'manyToOneMappings') -Attribute 'name' -Value $Name)
    if ($found.Count -eq 0) {
        return @{ changed = $false }
    }
    $stored = [string]$found[0].attributes['name']
    if (-not $found[0].locally_stored) {
        throw "many-to-one mapping '$stored' $($script:Inherited -f $site, 'manyToOneMappings')"
    }
    Add-MtlsIisEdit -Session $Session -Edit @(@{ action = 'remove'; section = (Get-MtlsIisAuthSectionPath -Section 'iis_mapping'); location = $site; element = @('manyToOneMappings', @{ key = @{ name = $stored } }) })
    Add-MtlsIisAuthChangedSite -Session $Session -Site $site
    @{ changed = $true }
}

Export-ModuleMember -Function Set-MtlsIisOneToOneMapping
Export-ModuleMember -Function Remove-MtlsIisOneToOneMapping
Export-ModuleMember -Function Set-MtlsIisManyToOneMapping
Export-ModuleMember -Function Remove-MtlsIisManyToOneMapping
