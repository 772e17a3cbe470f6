# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Windows boundary: IIS configuration through Microsoft.Web.Administration (MWA), and applicationHost.config as
# written on disk (docs/POWERSHELL.md). Only plain data crosses it: a configuration section is returned as a tree of
# hashtables, changes arrive as a list of plain edits applied in one ServerManager and committed once. No MWA object
# ever leaves this file. Pester tests replace it with a stub that fails unless mocked, and the pwsh test host of
# issue 20 with a fake.
#
# Encrypted attributes (mapping passwords) are never read: a tree leaves them out (WINDOWS_FACTS IISCONFIG-6). They can
# be written through an edit.

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

Function Import-MtlsWinIisAssembly {
    <#
    .SYNOPSIS
    Loads Microsoft.Web.Administration; tells whether it is loaded (WINDOWS_FACTS IISCONFIG-1).
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param ()

    if ($null -ne ('Microsoft.Web.Administration.ServerManager' -as [type])) {
        return $true
    }
    try {
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

Function Get-MtlsWinIisConfigPath {
    <#
    .SYNOPSIS
    The path of applicationHost.config as this process must open it (Sysnative from a 32-bit process, WINDOWS_FACTS
    IISCONFIG-2).
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param ()

    $systemDirectory = 'System32'
    if ([System.Environment]::Is64BitOperatingSystem -and -not [System.Environment]::Is64BitProcess) {
        $systemDirectory = 'Sysnative'
    }
    Join-Path -Path $env:windir -ChildPath "$systemDirectory\inetsrv\config\applicationHost.config"
}

Function ConvertTo-MtlsWinIisValue {
    <#
    .SYNOPSIS
    An attribute value as plain data: bool and string as they are, every integer, enum and flags value as [long]
    (WINDOWS_FACTS IISCONFIG-5), a TimeSpan as its invariant text (hh:mm:ss), anything else as text.
    #>
    [CmdletBinding()]
    param (
        [AllowNull()]
        [object]
        $Value
    )

    if ($null -eq $Value -or $Value -is [bool] -or $Value -is [string]) {
        return $Value
    }
    if ($Value -is [System.TimeSpan]) {
        return $Value.ToString('c', [System.Globalization.CultureInfo]::InvariantCulture)
    }
    $code = [System.Type]::GetTypeCode($Value.GetType())
    $integral = @('SByte', 'Byte', 'Int16', 'UInt16', 'Int32', 'UInt32', 'Int64', 'UInt64')
    if ($integral -contains [string]$code) {
        return [System.Convert]::ToInt64($Value, [System.Globalization.CultureInfo]::InvariantCulture)
    }
    [string]$Value
}

Function Test-MtlsWinIisCollection {
    <#
    .SYNOPSIS
    Tells whether a configuration element is a collection (its schema has a collection schema).
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Element
    )

    $null -ne $Element.Schema -and $null -ne $Element.Schema.CollectionSchema
}

Function ConvertTo-MtlsWinIisNode {
    <#
    .SYNOPSIS
    One configuration element as a plain tree: @{ name; attributes = @{ name = value }; locally_stored = bool;
    children = @{ name = node }; collection = @(node) or $null }. Encrypted attributes are left out.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Element
    )

    $attributes = @{}
    foreach ($attribute in $Element.Attributes) {
        if ($null -ne $attribute.Schema -and $attribute.Schema.IsEncrypted) {
            continue
        }
        $attributes[$attribute.Name] = ConvertTo-MtlsWinIisValue -Value $attribute.Value
    }
    $children = @{}
    foreach ($child in $Element.ChildElements) {
        $children[$child.ElementTagName] = ConvertTo-MtlsWinIisNode -Element $child
    }
    $collection = $null
    if (Test-MtlsWinIisCollection -Element $Element) {
        $collection = @(
            foreach ($entry in $Element.GetCollection()) {
                ConvertTo-MtlsWinIisNode -Element $entry
            }
        )
    }
    @{
        name = [string]$Element.ElementTagName
        attributes = $attributes
        # IsLocallyStored: defined in the file or location it was read from, not inherited (WINDOWS_FACTS IISCONFIG-4).
        locally_stored = [bool]$Element.IsLocallyStored
        children = $children
        collection = $collection
    }
}

Function Get-MtlsWinIisSectionObject {
    <#
    .SYNOPSIS
    The MWA section object at a location path of a ServerManager: applicationHost.config's view, or with -Merged the
    view IIS enforces there, web.config files included (WINDOWS_FACTS IISCONFIG-3).
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Manager,

        [Parameter(Mandatory = $true)]
        [string]
        $Section,

        [AllowEmptyString()]
        [string]
        $Location = '',

        [switch]
        $Merged
    )

    if (-not $Merged -or $Location -eq '') {
        $configuration = $Manager.GetApplicationHostConfiguration()
        if ($Location -eq '') {
            return $configuration.GetSection($Section)
        }
        return $configuration.GetSection($Section, $Location)
    }
    # 'Site/app/dir' -> site 'Site', virtual path '/app/dir'.
    $slash = $Location.IndexOf('/')
    if ($slash -lt 0) {
        return $Manager.GetWebConfiguration($Location).GetSection($Section)
    }
    $Manager.GetWebConfiguration($Location.Substring(0, $slash), $Location.Substring($slash)).GetSection($Section)
}

Function Test-MtlsWinIisKeyMatch {
    <#
    .SYNOPSIS
    Tells whether a collection entry has the given key attribute values, compared as the schema keys them: strings
    case-insensitively unless the attribute is caseSensitive (WINDOWS_FACTS IISCONFIG-7). A name that is not a key
    attribute of the entry is an error.
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Entry,

        [Parameter(Mandatory = $true)]
        [System.Collections.IDictionary]
        $Key
    )

    foreach ($name in @($Key.Keys)) {
        $attribute = $Entry.GetAttribute([string]$name)
        $schema = $attribute.Schema
        if (-not ($schema.IsUniqueKey -or $schema.IsCombinedKey)) {
            throw "'$name' is not a key attribute of <$($Entry.ElementTagName)>"
        }
        $current = ConvertTo-MtlsWinIisValue -Value $attribute.Value
        $wanted = $Key[$name]
        if ($current -is [string] -and $wanted -is [string]) {
            $comparison = [System.StringComparison]::OrdinalIgnoreCase
            if ($schema.IsCaseSensitive) {
                $comparison = [System.StringComparison]::Ordinal
            }
            if (-not [string]::Equals($current, $wanted, $comparison)) {
                return $false
            }
        }
        elseif ([string]$current -cne [string]$wanted) {
            return $false
        }
    }
    $true
}

Function Resolve-MtlsWinIisElement {
    <#
    .SYNOPSIS
    Walks from a section to the element an edit names: each step is a child element name, or @{ key = @{...} } for
    the entry of the current collection with those key attribute values. A step that finds nothing is an error.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Section,

        [AllowNull()]
        [object[]]
        $Steps
    )

    $element = $Section
    foreach ($step in @($Steps)) {
        if ($null -eq $step) {
            continue
        }
        if ($step -is [string]) {
            $element = $element.GetChildElement($step)
            continue
        }
        $found = $null
        foreach ($entry in $element.GetCollection()) {
            if (Test-MtlsWinIisKeyMatch -Entry $entry -Key $step.key) {
                $found = $entry
                break
            }
        }
        if ($null -eq $found) {
            $described = (@($step.key.Keys | Sort-Object | ForEach-Object { "$_='$($step.key[$_])'" }) -join ', ')
            throw "no entry with $described in <$($element.ElementTagName)>"
        }
        $element = $found
    }
    $element
}

Function Find-MtlsWinIisBinding {
    <#
    .SYNOPSIS
    The binding of a site with this protocol and bindingInformation (both compared case-insensitively), or $null.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Site,

        [Parameter(Mandatory = $true)]
        [string]
        $Protocol,

        [Parameter(Mandatory = $true)]
        [string]
        $BindingInformation
    )

    foreach ($binding in $Site.Bindings) {
        $sameProtocol = [string]::Equals([string]$binding.Protocol, $Protocol, [System.StringComparison]::OrdinalIgnoreCase)
        $sameInformation = [string]::Equals([string]$binding.BindingInformation, $BindingInformation, [System.StringComparison]::OrdinalIgnoreCase)
        if ($sameProtocol -and $sameInformation) {
            return $binding
        }
    }
    $null
}

Function Get-MtlsWinIisSiteObject {
    <#
    .SYNOPSIS
    The MWA site with this name (case-insensitive); an error when there is none.
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
        if ([string]::Equals([string]$site.Name, $Name, [System.StringComparison]::OrdinalIgnoreCase)) {
            return $site
        }
    }
    throw "site '$Name' does not exist"
}

Function ConvertFrom-MtlsWinIisHex {
    <#
    .SYNOPSIS
    The bytes of a hex text (a certificate hash).
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $Hex
    )

    $bytes = New-Object -TypeName byte[] -ArgumentList ($Hex.Length / 2)
    for ($position = 0; $position -lt $bytes.Length; $position++) {
        $bytes[$position] = [System.Convert]::ToByte($Hex.Substring($position * 2, 2), 16)
    }
    , $bytes
}

Function New-MtlsWinIisBindingElement {
    <#
    .SYNOPSIS
    Creates (does not add) a binding element of a site: protocol and bindingInformation, then sslFlags, then the
    certificate (WINDOWS_FACTS BINDING-3: flags before the certificate).
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Site,

        [Parameter(Mandatory = $true)]
        [hashtable]
        $Edit,

        [Parameter(Mandatory = $true)]
        [string]
        $BindingInformation
    )

    $binding = $Site.Bindings.CreateElement('binding')
    $binding.SetAttributeValue('protocol', [string]$Edit.protocol)
    $binding.SetAttributeValue('bindingInformation', $BindingInformation)
    $binding.SetAttributeValue('sslFlags', [int]$Edit.ssl_flags)
    if (-not [string]::IsNullOrEmpty([string]$Edit.certificate_hash)) {
        $binding.CertificateHash = ConvertFrom-MtlsWinIisHex -Hex ([string]$Edit.certificate_hash)
        $binding.CertificateStoreName = [string]$Edit.certificate_store
    }
    $binding
}

Function Invoke-MtlsWinIisBindingEdit {
    <#
    .SYNOPSIS
    Applies one binding edit (binding_add, binding_remove, binding_replace) to a ServerManager. Removing keeps the
    HTTP.sys record (Remove(binding, $true), WINDOWS_FACTS BINDING-2); replacing removes the old element that way and adds
    a new one (WINDOWS_FACTS BINDING-4).
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Manager,

        [Parameter(Mandatory = $true)]
        [hashtable]
        $Edit
    )

    $site = Get-MtlsWinIisSiteObject -Manager $Manager -Name ([string]$Edit.site)
    if ($Edit.action -eq 'binding_add') {
        $binding = New-MtlsWinIisBindingElement -Site $site -Edit $Edit -BindingInformation ([string]$Edit.binding_information)
        $null = $site.Bindings.Add($binding)
        return
    }
    $old = Find-MtlsWinIisBinding -Site $site -Protocol ([string]$Edit.protocol) -BindingInformation ([string]$Edit.binding_information)
    if ($null -eq $old) {
        throw "site '$($site.Name)' has no $($Edit.protocol) binding '$($Edit.binding_information)'"
    }
    if ($Edit.action -eq 'binding_remove') {
        $site.Bindings.Remove($old, $true)
        return
    }
    $new = New-MtlsWinIisBindingElement -Site $site -Edit $Edit -BindingInformation ([string]$Edit.new_binding_information)
    $site.Bindings.Remove($old, $true)
    $null = $site.Bindings.Add($new)
}

Function Invoke-MtlsWinIisConfigEdit {
    <#
    .SYNOPSIS
    Applies one configuration edit (set, delete, add, remove, clear) to a section of a ServerManager's
    applicationHost.config.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Manager,

        [Parameter(Mandatory = $true)]
        [hashtable]
        $Edit
    )

    $location = ''
    if ($Edit.ContainsKey('location') -and $null -ne $Edit.location) {
        $location = [string]$Edit.location
    }
    $section = Get-MtlsWinIisSectionObject -Manager $Manager -Section ([string]$Edit.section) -Location $location
    $steps = @()
    if ($Edit.ContainsKey('element')) {
        $steps = @($Edit.element)
    }
    $element = Resolve-MtlsWinIisElement -Section $section -Steps $steps
    $action = [string]$Edit.action
    if ($action -eq 'set') {
        foreach ($name in @($Edit.attributes.Keys | Sort-Object)) {
            $element.SetAttributeValue([string]$name, $Edit.attributes[$name])
        }
    }
    elseif ($action -eq 'delete') {
        foreach ($name in @($Edit.attributes)) {
            # ConfigurationAttribute.Delete: the value set at this path goes, the path inherits (WINDOWS_FACTS IISCONFIG-8).
            $element.GetAttribute([string]$name).Delete()
        }
    }
    elseif ($action -eq 'add') {
        $collection = $element.GetCollection()
        $entry = $collection.CreateElement()
        if ($Edit.ContainsKey('element_name') -and $null -ne $Edit.element_name) {
            $entry = $collection.CreateElement([string]$Edit.element_name)
        }
        foreach ($name in @($Edit.attributes.Keys | Sort-Object)) {
            $entry.SetAttributeValue([string]$name, $Edit.attributes[$name])
        }
        $null = $collection.Add($entry)
    }
    elseif ($action -eq 'remove') {
        # The element is an entry of its parent collection; the last step found it by key.
        if ($steps.Count -eq 0 -or $steps[$steps.Count - 1] -is [string]) {
            throw "edit 'remove' needs the entry's key as the last step of element"
        }
        $parent = Resolve-MtlsWinIisElement -Section $section -Steps @($steps | Select-Object -First ($steps.Count - 1))
        $parent.GetCollection().Remove($element)
    }
    elseif ($action -eq 'clear') {
        $element.GetCollection().Clear()
    }
    else {
        throw "unknown edit action '$action'"
    }
}

Function Get-MtlsWinIisErrorText {
    <#
    .SYNOPSIS
    The innermost exception of an error as text: its type, HRESULT and message.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param (
        [Parameter(Mandatory = $true)]
        [System.Management.Automation.ErrorRecord]
        $ErrorRecord
    )

    $exception = $ErrorRecord.Exception
    while ($null -ne $exception.InnerException) {
        $exception = $exception.InnerException
    }
    '{0} 0x{1:X8}: {2}' -f $exception.GetType().FullName, $exception.HResult, $exception.Message
}

Function Test-MtlsWinIis {
    <#
    .SYNOPSIS
    Tells whether IIS can be read here: Microsoft.Web.Administration loads and applicationHost.config exists
    (WINDOWS_FACTS IISCONFIG-1, IISCONFIG-2).
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param ()

    if (-not (Import-MtlsWinIisAssembly)) {
        return $false
    }
    Test-Path -LiteralPath (Get-MtlsWinIisConfigPath) -PathType Leaf
}

Function Get-MtlsWinIisSite {
    <#
    .SYNOPSIS
    Every IIS site: @(@{ name; id; bindings = @(@{ protocol; binding_information; ssl_flags = [long];
    certificate_hash = upper-case hex or ''; certificate_store = name or '' }) }). The certificate of an https
    binding comes from HTTP.sys, not from applicationHost.config (WINDOWS_FACTS BINDING-1).
    #>
    [CmdletBinding()]
    param ()

    $manager = New-Object -TypeName Microsoft.Web.Administration.ServerManager
    try {
        $sites = @(
            foreach ($site in $manager.Sites) {
                $bindings = @(
                    foreach ($binding in $site.Bindings) {
                        $hash = ''
                        if ($null -ne $binding.CertificateHash) {
                            $hash = [System.BitConverter]::ToString([byte[]]$binding.CertificateHash).Replace('-', '')
                        }
                        @{
                            protocol = [string]$binding.Protocol
                            binding_information = [string]$binding.BindingInformation
                            ssl_flags = ConvertTo-MtlsWinIisValue -Value $binding.GetAttributeValue('sslFlags')
                            certificate_hash = $hash
                            certificate_store = [string]$binding.CertificateStoreName
                        }
                    }
                )
                @{ name = [string]$site.Name; id = [long]$site.Id; bindings = $bindings }
            }
        )
        , $sites
    }
    finally {
        $manager.Dispose()
    }
}

Function Get-MtlsWinIisSection {
    <#
    .SYNOPSIS
    One configuration section at a location path ('' = server level, 'Site', 'Site/app/dir') as a plain tree (see
    ConvertTo-MtlsWinIisNode): applicationHost.config's view, or with -Merged the view IIS enforces there, web.config
    files included. A section the IIS schema does not declare is an error.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $Section,

        [AllowEmptyString()]
        [string]
        $Location = '',

        [switch]
        $Merged
    )

    $manager = New-Object -TypeName Microsoft.Web.Administration.ServerManager
    try {
        $object = Get-MtlsWinIisSectionObject -Manager $manager -Section $Section -Location $Location -Merged:$Merged
        ConvertTo-MtlsWinIisNode -Element $object
    }
    finally {
        $manager.Dispose()
    }
}

Function Read-MtlsWinIisConfigFile {
    <#
    .SYNOPSIS
    The text of applicationHost.config as committed on disk, read while IIS may hold it open (FileShare.ReadWrite,
    WINDOWS_FACTS IISCONFIG-2).
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param ()

    $stream = New-Object -TypeName System.IO.FileStream -ArgumentList @(
        (Get-MtlsWinIisConfigPath),
        [System.IO.FileMode]::Open,
        [System.IO.FileAccess]::Read,
        [System.IO.FileShare]::ReadWrite
    )
    try {
        # The reader detects a byte order mark; without one the file is read as UTF-8.
        $reader = New-Object -TypeName System.IO.StreamReader -ArgumentList $stream, ([System.Text.Encoding]::UTF8), $true
        try {
            $reader.ReadToEnd()
        }
        finally {
            $reader.Dispose()
        }
    }
    finally {
        $stream.Dispose()
    }
}

Function Invoke-MtlsWinIisEdit {
    <#
    .SYNOPSIS
    Applies a list of plain edits in order in one ServerManager, then reads the sections listed in -Read as they are
    after the edits (uncommitted), then commits them all with one CommitChanges unless -NoCommit (WINDOWS_FACTS
    IISCONFIG-9). Returns @{ committed = bool; failed_edit = index or $null; error = text or $null; sections = @(trees) }:
    an edit that fails stops the batch and nothing is committed; a failed commit has failed_edit $null and an error.
    Edits (section/location/element address a configuration element, see Resolve-MtlsWinIisElement):
      @{ action = 'set'; section; location; element; attributes = @{ name = value } }
      @{ action = 'delete'; section; location; element; attributes = @(names) }
      @{ action = 'add'; section; location; element (the collection); attributes; element_name (optional) }
      @{ action = 'remove'; section; location; element (ends with the entry's key step) }
      @{ action = 'clear'; section; location; element (the collection) }
      @{ action = 'binding_add'; site; protocol; binding_information; ssl_flags; certificate_hash; certificate_store }
      @{ action = 'binding_remove'; site; protocol; binding_information }
      @{ action = 'binding_replace'; site; protocol; binding_information; new_binding_information; ssl_flags;
         certificate_hash; certificate_store }
    -Read: @(@{ section; location; merged = bool }).
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [AllowEmptyCollection()]
        [object[]]
        $Edit,

        [AllowEmptyCollection()]
        [object[]]
        $Read = @(),

        [switch]
        $NoCommit
    )

    $outcome = @{ committed = $false; failed_edit = $null; error = $null; sections = @() }
    $manager = New-Object -TypeName Microsoft.Web.Administration.ServerManager
    try {
        for ($index = 0; $index -lt $Edit.Count; $index++) {
            $change = $Edit[$index]
            try {
                if ([string]$change.action -like 'binding_*') {
                    Invoke-MtlsWinIisBindingEdit -Manager $manager -Edit $change
                }
                else {
                    Invoke-MtlsWinIisConfigEdit -Manager $manager -Edit $change
                }
            }
            catch {
                $outcome.failed_edit = $index
                $outcome.error = Get-MtlsWinIisErrorText -ErrorRecord $_
                return $outcome
            }
        }
        $outcome.sections = @(
            foreach ($request in $Read) {
                $object = Get-MtlsWinIisSectionObject -Manager $manager -Section ([string]$request.section) -Location ([string]$request.location) -Merged:([bool]$request.merged)
                ConvertTo-MtlsWinIisNode -Element $object
            }
        )
        if ($NoCommit) {
            return $outcome
        }
        try {
            $manager.CommitChanges()
            $outcome.committed = $true
        }
        catch {
            $outcome.error = Get-MtlsWinIisErrorText -ErrorRecord $_
        }
        $outcome
    }
    finally {
        $manager.Dispose()
    }
}

Export-ModuleMember -Function Test-MtlsWinIis
Export-ModuleMember -Function Get-MtlsWinIisSite
Export-ModuleMember -Function Get-MtlsWinIisSection
Export-ModuleMember -Function Read-MtlsWinIisConfigFile
Export-ModuleMember -Function Invoke-MtlsWinIisEdit
