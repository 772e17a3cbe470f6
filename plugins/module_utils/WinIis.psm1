# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Windows boundary: IIS configuration through Microsoft.Web.Administration (MWA), and applicationHost.config as
# written on disk (docs/POWERSHELL.md). Only plain data crosses it: sites as hashtables, configuration sections as trees
# of hashtables, and changes as a list of plain edits applied in one ServerManager and committed once. No MWA object
# leaves this file and nothing here decides anything for the collection. Pester tests replace it with a stub that
# fails unless mocked; the pwsh test host of issue 20 replaces it with a fake.
#
# Encrypted attributes (mapping passwords) are never read: a tree leaves them out (WINDOWS_FACTS IISCONFIG-6). They can
# be written through an edit.

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

Function Import-MtlsWinIisAssembly {
    <# .SYNOPSIS Loads Microsoft.Web.Administration; tells whether it is loaded (WINDOWS_FACTS IISCONFIG-1). #>
    [CmdletBinding()]
    [OutputType([bool])]
    param ()

    if ($null -ne ('Microsoft.Web.Administration.ServerManager' -as [type])) {
        return $true
    }
    try {
        Add-Type -AssemblyName 'Microsoft.Web.Administration, Version=7.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35' -ErrorAction Stop
        return $true
    }
    catch {
        Write-Verbose -Message "Microsoft.Web.Administration is not in the GAC: $($_.Exception.Message)"
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
        Write-Verbose -Message "Microsoft.Web.Administration does not load from ${path}: $($_.Exception.Message)"
        return $false
    }
}

Function Get-MtlsWinIisConfigPath {
    <# .SYNOPSIS applicationHost.config as this process opens it: Sysnative from a 32-bit process (WINDOWS_FACTS IISCONFIG-2). #>
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
    param ([AllowNull()][object]$Value)

    if ($null -eq $Value -or $Value -is [bool] -or $Value -is [string]) {
        return $Value
    }
    if ($Value -is [System.TimeSpan]) {
        return $Value.ToString('c', [System.Globalization.CultureInfo]::InvariantCulture)
    }
    $integral = @('SByte', 'Byte', 'Int16', 'UInt16', 'Int32', 'UInt32', 'Int64', 'UInt64')
    if ($integral -contains [string][System.Type]::GetTypeCode($Value.GetType())) {
        return [System.Convert]::ToInt64($Value, [System.Globalization.CultureInfo]::InvariantCulture)
    }
    [string]$Value
}

Function ConvertTo-MtlsWinIisNode {
    <#
    .SYNOPSIS
    One configuration element as a plain tree: @{ name; attributes = @{ name = value }; locally_stored = bool;
    children = @{ name = node }; collection = @(node) or $null }. Encrypted attributes are left out.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param ([Parameter(Mandatory = $true)][object]$Element)

    $attributes = @{}
    foreach ($attribute in $Element.Attributes) {
        if ($null -eq $attribute.Schema -or -not $attribute.Schema.IsEncrypted) {
            $attributes[$attribute.Name] = ConvertTo-MtlsWinIisValue -Value $attribute.Value
        }
    }
    $children = @{}
    foreach ($child in $Element.ChildElements) {
        $children[$child.ElementTagName] = ConvertTo-MtlsWinIisNode -Element $child
    }
    $collection = $null
    if ($null -ne $Element.Schema -and $null -ne $Element.Schema.CollectionSchema) {
        $collection = @(foreach ($entry in $Element.GetCollection()) { ConvertTo-MtlsWinIisNode -Element $entry })
    }
    @{
        name = [string]$Element.ElementTagName
        attributes = $attributes
        # IsLocallyStored: defined where it was read, not inherited (WINDOWS_FACTS IISCONFIG-4; unverified for entries).
        locally_stored = [bool]$Element.IsLocallyStored
        children = $children
        collection = $collection
    }
}

Function Get-MtlsWinIisSectionObject {
    <#
    .SYNOPSIS
    The MWA section at a location path ('' = server level) of a ServerManager: applicationHost.config's view, or with
    -Merged the view IIS enforces there, web.config files included (WINDOWS_FACTS IISCONFIG-3).
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)][object]$Manager,
        [Parameter(Mandatory = $true)][string]$Section,
        [AllowEmptyString()][string]$Location = '',
        [switch]$Merged
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
        [Parameter(Mandatory = $true)][object]$Entry,
        [Parameter(Mandatory = $true)][System.Collections.IDictionary]$Key
    )

    foreach ($name in @($Key.Keys)) {
        $attribute = $Entry.GetAttribute([string]$name)
        $schema = $attribute.Schema
        if (-not ($schema.IsUniqueKey -or $schema.IsCombinedKey)) {
            throw "'$name' is not a key attribute of <$($Entry.ElementTagName)>"
        }
        $current = ConvertTo-MtlsWinIisValue -Value $attribute.Value
        $comparison = [System.StringComparison]::OrdinalIgnoreCase
        if ($schema.IsCaseSensitive -or $current -isnot [string]) {
            $comparison = [System.StringComparison]::Ordinal
        }
        if (-not [string]::Equals([string]$current, [string]$Key[$name], $comparison)) {
            return $false
        }
    }
    $true
}

Function Resolve-MtlsWinIisElement {
    <#
    .SYNOPSIS
    Walks from a section to the element an edit names: each step is a child element name, or @{ key = @{...} } for the
    entry of the current collection with those key attribute values. A step that finds nothing is an error.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)][object]$Section,
        [AllowNull()][object[]]$Steps
    )

    $element = $Section
    foreach ($step in @($Steps | Where-Object { $null -ne $_ })) {
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

Function Get-MtlsWinIisSiteObject {
    <# .SYNOPSIS The MWA site with this name (IIS compares site names case-insensitively); an error when there is none. #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)][object]$Manager,
        [Parameter(Mandatory = $true)][string]$Name
    )

    foreach ($site in $Manager.Sites) {
        if ([string]::Equals([string]$site.Name, $Name, [System.StringComparison]::OrdinalIgnoreCase)) {
            return $site
        }
    }
    throw "site '$Name' does not exist"
}

Function New-MtlsWinIisBindingElement {
    <#
    .SYNOPSIS
    Creates (does not add) a binding element of a site: protocol and bindingInformation, then sslFlags, then the
    certificate (WINDOWS_FACTS BINDING-3: flags before the certificate).
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)][object]$Site,
        [Parameter(Mandatory = $true)][hashtable]$Edit,
        [Parameter(Mandatory = $true)][string]$BindingInformation
    )

    $binding = $Site.Bindings.CreateElement('binding')
    $binding.SetAttributeValue('protocol', [string]$Edit.protocol)
    $binding.SetAttributeValue('bindingInformation', $BindingInformation)
    # sslFlags is a flags attribute (a uint in the schema, WINDOWS_FACTS BINDING-5), written as Int32 like prior art.
    $binding.SetAttributeValue('sslFlags', [int]$Edit.ssl_flags)
    $hex = [string]$Edit.certificate_hash
    if ($hex -ne '') {
        $bytes = New-Object -TypeName byte[] -ArgumentList ($hex.Length / 2)
        for ($position = 0; $position -lt $bytes.Length; $position++) {
            $bytes[$position] = [System.Convert]::ToByte($hex.Substring($position * 2, 2), 16)
        }
        $binding.CertificateHash = $bytes
        $binding.CertificateStoreName = [string]$Edit.certificate_store
    }
    $binding
}

Function Invoke-MtlsWinIisBindingEdit {
    <#
    .SYNOPSIS
    Applies binding_add, binding_remove or binding_replace to a ServerManager. Removing keeps the HTTP.sys record
    (Remove(binding, $true), WINDOWS_FACTS BINDING-2); replacing removes the old element that way and adds a new one
    (WINDOWS_FACTS BINDING-4).
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)][object]$Manager,
        [Parameter(Mandatory = $true)][hashtable]$Edit
    )

    $site = Get-MtlsWinIisSiteObject -Manager $Manager -Name ([string]$Edit.site)
    if ($Edit.action -eq 'binding_add') {
        $null = $site.Bindings.Add((New-MtlsWinIisBindingElement -Site $site -Edit $Edit -BindingInformation ([string]$Edit.binding_information)))
        return
    }
    $old = $null
    foreach ($binding in $site.Bindings) {
        # Protocol and bindingInformation are the binding's combined key, compared case-insensitively (IISCONFIG-7).
        if ([string]::Equals([string]$binding.Protocol, [string]$Edit.protocol, [System.StringComparison]::OrdinalIgnoreCase) -and
            [string]::Equals([string]$binding.BindingInformation, [string]$Edit.binding_information, [System.StringComparison]::OrdinalIgnoreCase)) {
            $old = $binding
        }
    }
    if ($null -eq $old) {
        throw "site '$($site.Name)' has no $($Edit.protocol) binding '$($Edit.binding_information)'"
    }
    if ($Edit.action -eq 'binding_replace') {
        $new = New-MtlsWinIisBindingElement -Site $site -Edit $Edit -BindingInformation ([string]$Edit.new_binding_information)
        $site.Bindings.Remove($old, $true)
        $null = $site.Bindings.Add($new)
        return
    }
    $site.Bindings.Remove($old, $true)
}

Function Invoke-MtlsWinIisConfigEdit {
    <#
    .SYNOPSIS
    Applies one configuration edit (set, delete, add, remove, clear, revert) to a section of a ServerManager's
    applicationHost.config.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)][object]$Manager,
        [Parameter(Mandatory = $true)][hashtable]$Edit
    )

    $section = Get-MtlsWinIisSectionObject -Manager $Manager -Section ([string]$Edit.section) -Location ([string]$Edit.location)
    $steps = @()
    if ($Edit.ContainsKey('element')) {
        $steps = @($Edit.element)
    }
    $element = Resolve-MtlsWinIisElement -Section $section -Steps $steps
    switch ([string]$Edit.action) {
        'set' {
            foreach ($name in @($Edit.attributes.Keys | Sort-Object)) {
                $element.SetAttributeValue([string]$name, $Edit.attributes[$name])
            }
        }
        'delete' {
            # The value set at this path goes, the path inherits again (WINDOWS_FACTS IISCONFIG-8).
            foreach ($name in @($Edit.attributes)) {
                $element.GetAttribute([string]$name).Delete()
            }
        }
        'add' {
            $collection = $element.GetCollection()
            $entry = $collection.CreateElement()
            foreach ($name in @($Edit.attributes.Keys | Sort-Object)) {
                $entry.SetAttributeValue([string]$name, $Edit.attributes[$name])
            }
            $null = $collection.Add($entry)
        }
        'remove' {
            if ($steps.Count -eq 0 -or $steps[$steps.Count - 1] -is [string]) {
                throw "edit 'remove' needs the entry's key as the last step of element"
            }
            $parent = Resolve-MtlsWinIisElement -Section $section -Steps @($steps | Select-Object -First ($steps.Count - 1))
            $parent.GetCollection().Remove($element)
        }
        'clear' {
            $element.GetCollection().Clear()
        }
        'revert' {
            # Everything this section has at exactly this path goes; the path inherits (WINDOWS_FACTS IISCONFIG-10).
            $section.RevertToParent()
        }
        default {
            throw "unknown edit action '$($Edit.action)'"
        }
    }
}

Function Get-MtlsWinIisErrorText {
    <# .SYNOPSIS The innermost exception of an error as text: its type, HRESULT and message. #>
    [CmdletBinding()]
    [OutputType([string])]
    param ([Parameter(Mandatory = $true)][System.Management.Automation.ErrorRecord]$ErrorRecord)

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

    (Import-MtlsWinIisAssembly) -and (Test-Path -LiteralPath (Get-MtlsWinIisConfigPath) -PathType Leaf)
}

Function Get-MtlsWinIisSite {
    <#
    .SYNOPSIS
    Every IIS site: @(@{ name; id; bindings = @(@{ protocol; binding_information; ssl_flags = [long];
    certificate_hash = upper-case hex or ''; certificate_store = name or '' }) }). The certificate of an https binding
    comes from HTTP.sys, not from applicationHost.config (WINDOWS_FACTS BINDING-1).
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
        (Get-MtlsWinIisConfigPath), [System.IO.FileMode]::Open, [System.IO.FileAccess]::Read, [System.IO.FileShare]::ReadWrite
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
    Applies a list of plain edits in order in one ServerManager, reads the sections listed in -Read as they are after
    the edits (uncommitted), then commits everything with one CommitChanges unless -NoCommit (WINDOWS_FACTS
    IISCONFIG-9). Without edits it is a batch of reads. Returns @{ committed = bool; failed_edit = index or $null;
    error = text or $null; sections = @(trees) }: an edit that fails stops the batch and nothing is committed; a failed
    commit has failed_edit $null and an error; a read that fails throws. The edits are listed in docs/POWERSHELL.md.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)][AllowEmptyCollection()][object[]]$Edit,
        [AllowEmptyCollection()][object[]]$Read = @(),
        [switch]$NoCommit
    )

    $outcome = @{ committed = $false; failed_edit = $null; error = $null; sections = @() }
    $manager = New-Object -TypeName Microsoft.Web.Administration.ServerManager
    try {
        for ($index = 0; $index -lt $Edit.Count; $index++) {
            try {
                if ([string]$Edit[$index].action -like 'binding_*') {
                    Invoke-MtlsWinIisBindingEdit -Manager $manager -Edit $Edit[$index]
                }
                else {
                    Invoke-MtlsWinIisConfigEdit -Manager $manager -Edit $Edit[$index]
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
        if ($NoCommit -or $Edit.Count -eq 0) {
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
Export-ModuleMember -Function Read-MtlsWinIisConfigFile
Export-ModuleMember -Function Invoke-MtlsWinIisEdit
