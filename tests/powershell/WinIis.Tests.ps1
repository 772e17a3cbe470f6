# The plain-data conversions inside the IIS boundary (WinIis.psm1), which decide what crosses it: the section tree,
# encrypted attributes left out, collection entries found by their key as the schema keys them. Microsoft.Web.Administration
# does not load here, so its configuration elements are stood in for by objects with the members the boundary uses
# (ElementTagName, Attributes, ChildElements, IsLocallyStored, Schema, GetCollection, GetAttribute, GetChildElement;
# MWA documentation, WINDOWS_FACTS IISCONFIG-4..7). The rest of WinIis.psm1 runs only on Windows
# (tests/integration/targets).

BeforeAll {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'Common.ps1')
    Initialize-MtlsPesterSession
    # The real util as a module object whose functions stay inside it (the stub keeps the exported names).
    $script:WinIis = New-Module -Name RealWinIis -ScriptBlock ([ScriptBlock]::Create((Get-Content -LiteralPath (Join-Path $UtilsDir 'WinIis.psm1') -Raw))) -Function 'NoFunctionOfTheModule'

    Function New-TestAttribute {
        param ([string]$Name, [object]$Value, [switch]$Encrypted, [switch]$Key, [switch]$CaseSensitive)

        [pscustomobject]@{
            Name = $Name
            Value = $Value
            Schema = [pscustomobject]@{
                IsEncrypted = [bool]$Encrypted
                IsUniqueKey = [bool]$Key
                IsCombinedKey = $false
                IsCaseSensitive = [bool]$CaseSensitive
            }
        }
    }

    Function New-TestElement {
        param ([string]$Tag, [object[]]$Attributes = @(), [object[]]$Children = @(), [object[]]$Entries = $null)

        $collectionSchema = $null
        if ($null -ne $Entries) {
            $collectionSchema = 'a collection'
        }
        $element = [pscustomobject]@{
            ElementTagName = $Tag
            Attributes = $Attributes
            ChildElements = $Children
            IsLocallyStored = $true
            Schema = [pscustomobject]@{ CollectionSchema = $collectionSchema }
            Entries = $Entries
        }
        $element | Add-Member -MemberType ScriptMethod -Name GetCollection -Value { , @($this.Entries) }
        $element | Add-Member -MemberType ScriptMethod -Name GetAttribute -Value { param($name) $this.Attributes | Where-Object Name -EQ $name }
        $element | Add-Member -MemberType ScriptMethod -Name GetChildElement -Value { param($name) $this.ChildElements | Where-Object ElementTagName -EQ $name }
        $element
    }

    # iisClientCertificateMappingAuthentication with one many-to-one mapping whose password is encrypted (IISCONFIG-6).
    $script:Mapping = New-TestElement -Tag 'add' -Attributes @(
        (New-TestAttribute -Name 'name' -Value 'Partners' -Key)
        (New-TestAttribute -Name 'password' -Value 'decrypted-secret' -Encrypted)
        (New-TestAttribute -Name 'permissionMode' -Value ([int]1))
    )
    $script:Section = New-TestElement -Tag 'iisClientCertificateMappingAuthentication' -Attributes @(
        (New-TestAttribute -Name 'enabled' -Value $true)
        (New-TestAttribute -Name 'logonMethod' -Value ([int]3))
    ) -Children @(New-TestElement -Tag 'manyToOneMappings' -Entries @($script:Mapping))
}

Describe 'ConvertTo-MtlsWinIisValue' {
    It 'turns <Case> into <Expected>' -ForEach @(
        @{ Case = 'an Int32 enum value'; Value = [int]3; Expected = 3L }
        @{ Case = 'a UInt32'; Value = [uint32]4294967295; Expected = 4294967295L }
        @{ Case = 'an enum'; Value = [System.DayOfWeek]::Monday; Expected = 1L }
        @{ Case = 'a TimeSpan'; Value = [System.TimeSpan]::FromMinutes(2); Expected = '00:02:00' }
        @{ Case = 'a bool'; Value = $true; Expected = $true }
        @{ Case = 'a string'; Value = 'x'; Expected = 'x' }
    ) {
        $converted = & $WinIis { param($value) ConvertTo-MtlsWinIisValue -Value $value } $Value
        $converted | Should -Be $Expected
        $converted.GetType() | Should -Be $Expected.GetType()
    }
}

Describe 'ConvertTo-MtlsWinIisNode' {
    It 'turns a section into plain attributes, children and collection entries' {
        $tree = & $WinIis { param($section) ConvertTo-MtlsWinIisNode -Element $section } $Section
        $tree.name | Should -Be 'iisClientCertificateMappingAuthentication'
        $tree.attributes.enabled | Should -BeTrue
        $tree.attributes.logonMethod | Should -Be 3
        $tree.collection | Should -BeNullOrEmpty
        $entries = $tree.children.manyToOneMappings.collection
        $entries | Should -HaveCount 1
        $entries[0].attributes.name | Should -Be 'Partners'
        $entries[0].locally_stored | Should -BeTrue
    }

    It 'never reads an encrypted attribute (a mapping password)' {
        $tree = & $WinIis { param($section) ConvertTo-MtlsWinIisNode -Element $section } $Section
        $entry = $tree.children.manyToOneMappings.collection[0]
        $entry.attributes.ContainsKey('password') | Should -BeFalse
        ($tree | ConvertTo-Json -Depth 10) | Should -Not -BeLike '*decrypted-secret*'
    }
}

Describe 'Resolve-MtlsWinIisElement' {
    It 'finds a collection entry by a string key in any case, as the schema keys it' {
        $found = & $WinIis { param($section) Resolve-MtlsWinIisElement -Section $section -Steps @('manyToOneMappings', @{ key = @{ name = 'partners' } }) } $Section
        $found.GetAttribute('name').Value | Should -Be 'Partners'
    }

    It 'compares a caseSensitive key exactly' {
        $entry = New-TestElement -Tag 'add' -Attributes @(New-TestAttribute -Name 'path' -Value 'API/*' -Key -CaseSensitive)
        $section = New-TestElement -Tag 'traceFailedRequests' -Entries @($entry)
        { & $WinIis { param($section) Resolve-MtlsWinIisElement -Section $section -Steps @(@{ key = @{ path = 'api/*' } }) } $section } |
            Should -Throw "*no entry with path='api/*' in <traceFailedRequests>*"
    }

    It 'fails naming the key when no entry has it' {
        { & $WinIis { param($section) Resolve-MtlsWinIisElement -Section $section -Steps @('manyToOneMappings', @{ key = @{ name = 'others' } }) } $Section } |
            Should -Throw "*no entry with name='others' in <manyToOneMappings>*"
    }

    It 'refuses a key attribute the schema does not key by' {
        { & $WinIis { param($section) Resolve-MtlsWinIisElement -Section $section -Steps @('manyToOneMappings', @{ key = @{ permissionMode = 1 } }) } $Section } |
            Should -Throw "*'permissionMode' is not a key attribute of <add>*"
    }
}

Describe 'the binding and section edits inside the boundary' {
    BeforeAll {
        # Stand-ins for an MWA site's BindingCollection and its Binding elements, recording every call in order
        # (MWA BindingCollection.CreateElement/Add/Remove(binding, removeConfigOnly), Binding.SetAttributeValue,
        # CertificateHash, CertificateStoreName; WINDOWS_FACTS BINDING-2..4). The collection is enumerable, as MWA's is.
        Invoke-Expression @'
class MtlsTestBindings : System.Collections.ArrayList {
    static [System.Collections.Generic.List[string]] $Log = [System.Collections.Generic.List[string]]::new()
    static [scriptblock] $NewBinding
    [object] CreateElement([string]$name) {
        [MtlsTestBindings]::Log.Add("create $name")
        return (& ([MtlsTestBindings]::NewBinding) '')
    }
    [void] Remove([object]$binding, [bool]$configOnly) {
        [MtlsTestBindings]::Log.Add("remove $($binding.BindingInformation) configOnly=$configOnly")
    }
    [int] Add([object]$binding) {
        [MtlsTestBindings]::Log.Add("add $($binding.BindingInformation)")
        return 0
    }
}
'@
        [MtlsTestBindings]::NewBinding = {
            param ([string]$Information)

            $binding = [pscustomobject]@{ Protocol = 'https'; BindingInformation = $Information; Hash = $null; Store = $null }
            $binding | Add-Member -MemberType ScriptMethod -Name SetAttributeValue -Value {
                param($name, $value)
                [MtlsTestBindings]::Log.Add("set $name=$value")
                if ($name -eq 'bindingInformation') {
                    $this.BindingInformation = $value
                }
            }
            $binding | Add-Member -MemberType ScriptProperty -Name CertificateHash -Value { $this.Hash } -SecondValue {
                param($value)
                [MtlsTestBindings]::Log.Add("hash $([System.BitConverter]::ToString($value).Replace('-', ''))")
                $this.Hash = $value
            }
            $binding | Add-Member -MemberType ScriptProperty -Name CertificateStoreName -Value { $this.Store } -SecondValue {
                param($value)
                [MtlsTestBindings]::Log.Add("store $value")
                $this.Store = $value
            }
            $binding
        }

        Function New-TestManager {
            param ([string[]]$Bindings)

            $collection = [MtlsTestBindings]::new()
            foreach ($information in $Bindings) {
                $collection.Insert($collection.Count, (& ([MtlsTestBindings]::NewBinding) $information))
            }
            [pscustomobject]@{ Sites = @([pscustomobject]@{ Name = 'Contoso'; Bindings = $collection }) }
        }
    }

    BeforeEach {
        [MtlsTestBindings]::Log.Clear()
    }

    It 'binding_remove removes the element only, keeping its HTTP.sys record (removeConfigOnly)' {
        $manager = New-TestManager -Bindings @('*:443:')
        & $WinIis { param($manager) Invoke-MtlsWinIisBindingEdit -Manager $manager -Edit @{ action = 'binding_remove'; site = 'contoso'; protocol = 'HTTPS'; binding_information = '*:443:' } } $manager
        @([MtlsTestBindings]::Log) | Should -Be @('remove *:443: configOnly=True')
    }

    It 'binding_replace builds a new element, flags before certificate, then removes the old one keeping its record and adds the new' {
        $manager = New-TestManager -Bindings @('*:443:www.contoso.com')
        $edit = @{
            action = 'binding_replace'; site = 'Contoso'; protocol = 'https'; binding_information = '*:443:www.contoso.com'
            new_binding_information = '*:443:www.contoso.com'; ssl_flags = 33; certificate_hash = 'ABCD'; certificate_store = 'My'
        }
        & $WinIis { param($manager, $edit) Invoke-MtlsWinIisBindingEdit -Manager $manager -Edit $edit } $manager $edit
        @([MtlsTestBindings]::Log) | Should -Be @(
            'create binding', 'set protocol=https', 'set bindingInformation=*:443:www.contoso.com', 'set sslFlags=33', 'hash ABCD', 'store My'
            'remove *:443:www.contoso.com configOnly=True', 'add *:443:www.contoso.com'
        )
    }

    It 'binding_add adds a new element without a certificate when none is given' {
        $manager = New-TestManager -Bindings @()
        $edit = @{ action = 'binding_add'; site = 'Contoso'; protocol = 'https'; binding_information = '*:8443:'; ssl_flags = 2; certificate_hash = ''; certificate_store = '' }
        & $WinIis { param($manager, $edit) Invoke-MtlsWinIisBindingEdit -Manager $manager -Edit $edit } $manager $edit
        @([MtlsTestBindings]::Log) | Should -Be @('create binding', 'set protocol=https', 'set bindingInformation=*:8443:', 'set sslFlags=2', 'add *:8443:')
    }

    It 'fails naming a binding the site does not have, and a site IIS does not have' {
        $manager = New-TestManager -Bindings @()
        { & $WinIis { param($manager) Invoke-MtlsWinIisBindingEdit -Manager $manager -Edit @{ action = 'binding_remove'; site = 'Contoso'; protocol = 'https'; binding_information = '*:443:' } } $manager } |
            Should -Throw "*site 'Contoso' has no https binding '*:443:'*"
        { & $WinIis { param($manager) Invoke-MtlsWinIisBindingEdit -Manager $manager -Edit @{ action = 'binding_remove'; site = 'Gone'; protocol = 'https'; binding_information = '*:443:' } } $manager } |
            Should -Throw "*site 'Gone' does not exist*"
    }

    It 'revert reverts the section at the location to its parent' {
        $section = [pscustomobject]@{ Reverted = $false }
        $section | Add-Member -MemberType ScriptMethod -Name RevertToParent -Value { $this.Reverted = $true }
        $configuration = [pscustomobject]@{ Section = $section; Asked = '' }
        $configuration | Add-Member -MemberType ScriptMethod -Name GetSection -Value { param($name, $location) $this.Asked = "$name at $location"; $this.Section }
        $manager = [pscustomobject]@{ Configuration = $configuration }
        $manager | Add-Member -MemberType ScriptMethod -Name GetApplicationHostConfiguration -Value { $this.Configuration }
        $edit = @{ action = 'revert'; section = 'system.webServer/tracing/traceFailedRequests'; location = 'Contoso/api' }
        & $WinIis { param($manager, $edit) Invoke-MtlsWinIisConfigEdit -Manager $manager -Edit $edit } $manager $edit
        $section.Reverted | Should -BeTrue
        $configuration.Asked | Should -Be 'system.webServer/tracing/traceFailedRequests at Contoso/api'
    }
}
