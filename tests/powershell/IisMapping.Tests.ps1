# IisMapping.psm1: one-to-one and many-to-one mapping ops above the mocked IIS boundary: the edits they emit, names
# compared as the schema keys them (issue 10 item 13), stored line breaks replaced, inherited mappings refused (the
# collections have no <remove> element), duplicate rules refused before any edit, passwords never in an error.

BeforeAll {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'Common.ps1')
    . (Join-Path -Path $PSScriptRoot -ChildPath 'IisTestHost.ps1')
    . (Join-Path -Path $PSScriptRoot -ChildPath 'IisAuthTestData.ps1')
    Initialize-MtlsPesterSession
    Register-IisTestHost

    Function New-Certificate {
        param ([string]$Subject)

        $key = [System.Security.Cryptography.RSA]::Create(2048)
        $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new($Subject, $key, 'SHA256', [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
        [System.Convert]::ToBase64String($request.CreateSelfSigned([datetime]::UtcNow, [datetime]::UtcNow.AddYears(1)).RawData)
    }
    $script:Alice = New-Certificate -Subject 'CN=alice'
    $script:Bob = New-Certificate -Subject 'CN=bob'
    $script:AliceWrapped = ($Alice -split '(.{64})' | Where-Object { $_ -ne '' }) -join "`r`n"
    $script:Password = 'Map-Secret-Pw0rd!'
    $script:Rule = @{ field = 'Subject'; subfield = 'O'; match = 'Fabrikam*'; case_sensitive = $true }

    Function Get-Message {
        param ([scriptblock]$Action)

        try {
            & $Action
        }
        catch {
            return $_
        }
        throw 'expected an error'
    }
}

Describe 'IisMapping.psm1' {
    BeforeEach {
        Initialize-IisTestHost -Sites @(, (New-IisSite -Name 'Contoso' -Id 2))
        Set-AuthSections -Site 'Contoso' -Mapping (New-MappingTree -Attributes @{ enabled = $true } -OneToOne @(
                (New-OneToOneNode -Certificate $Alice -User 'CONTOSO\alice')
                (New-OneToOneNode -Certificate $Bob -User 'CONTOSO\bob' -Local $false)
            ) -ManyToOne @(
                (New-ManyToOneNode -Name 'partners' -Rules @(, (New-RuleNode -Field 1 -SubField 'O' -Match 'Fabrikam*')))
                (New-ManyToOneNode -Name 'Vendors' -Local $false)
            ))
        $script:Session = New-MtlsIisSession
    }

    Context 'one_to_one_set' {
        It 'adds a mapping at the site''s own name with its password, and records the site for the check' {
            $carol = New-Certificate -Subject 'CN=carol'
            (Set-MtlsIisOneToOneMapping -Session $Session -Location 'contoso' -Certificate $carol -UserName 'CONTOSO\carol' -Enabled $true -Password $Password).changed | Should -BeTrue
            $edits = Get-IisEdit
            $edits | Should -HaveCount 1
            $edits[0].action | Should -Be 'add'
            $edits[0].location | Should -Be 'Contoso'
            @($edits[0].element) | Should -Be @('oneToOneMappings')
            $edits[0].attributes.certificate | Should -BeExactly $carol
            $edits[0].attributes.userName | Should -Be 'CONTOSO\carol'
            $edits[0].attributes.enabled | Should -BeTrue
            $edits[0].attributes.password | Should -Be $Password
            $Session.auth_sites.ContainsKey('Contoso') | Should -BeTrue
        }

        It 'adds no password attribute when the op gives none' {
            $null = Set-MtlsIisOneToOneMapping -Session $Session -Location 'Contoso' -Certificate (New-Certificate -Subject 'CN=dave') -UserName 'CONTOSO\dave' -Enabled $true -Password $null
            (Get-IisEdit)[0].attributes.ContainsKey('password') | Should -BeFalse
        }

        It 'changes nothing when the mapping is there as wanted' {
            (Set-MtlsIisOneToOneMapping -Session $Session -Location 'Contoso' -Certificate $Alice -UserName 'CONTOSO\alice' -Enabled $true -Password $null).changed | Should -BeFalse
            $Session.edits | Should -HaveCount 0
        }

        It 'updates user and enabled of the mapping found by its certificate' {
            (Set-MtlsIisOneToOneMapping -Session $Session -Location 'Contoso' -Certificate $Alice -UserName 'CONTOSO\alice2' -Enabled $false -Password $null).changed | Should -BeTrue
            $edit = (Get-IisEdit)[0]
            $edit.action | Should -Be 'set'
            $edit.element[1].key.certificate | Should -BeExactly $Alice
            $edit.attributes.userName | Should -Be 'CONTOSO\alice2'
            $edit.attributes.enabled | Should -BeFalse
            $edit.attributes.ContainsKey('certificate') | Should -BeFalse
        }

        It 'writes a given password and reports changed, since a stored one cannot be compared' {
            (Set-MtlsIisOneToOneMapping -Session $Session -Location 'Contoso' -Certificate $Alice -UserName 'CONTOSO\alice' -Enabled $true -Password $Password).changed | Should -BeTrue
            (Get-IisEdit)[0].attributes.password | Should -Be $Password
        }

        It 'replaces a mapping stored with line breaks by one on one line, with the password' {
            # WINDOWS_FACTS AUTH-6: IIS compares the base64 on one line, so the stored one never matches.
            Set-AuthSections -Site 'Contoso' -Mapping (New-MappingTree -OneToOne @(, (New-OneToOneNode -Certificate $AliceWrapped -User 'CONTOSO\alice')))
            (Set-MtlsIisOneToOneMapping -Session $Session -Location 'Contoso' -Certificate $Alice -UserName 'CONTOSO\alice' -Enabled $true -Password $Password).changed | Should -BeTrue
            $edits = Get-IisEdit
            @($edits | ForEach-Object { $_.action }) | Should -Be @('add', 'remove')
            $edits[0].attributes.certificate | Should -BeExactly $Alice
            $edits[1].element[1].key.certificate | Should -BeExactly $AliceWrapped
        }

        It 'refuses to remove a copy with line breaks that the site inherits from the server level' {
            Set-AuthSections -Site 'Contoso' -Mapping (New-MappingTree -OneToOne @(
                    (New-OneToOneNode -Certificate $Alice -User 'CONTOSO\alice')
                    (New-OneToOneNode -Certificate $AliceWrapped -User 'CONTOSO\old' -Local $false)
                ))
            { Set-MtlsIisOneToOneMapping -Session $Session -Location 'Contoso' -Certificate $Alice -UserName 'CONTOSO\alice' -Enabled $true -Password $null } |
                Should -Throw '*is inherited by site ''Contoso'' from the server level*'
        }

        It 'refuses to replace a mapping stored with line breaks without the password it cannot read' {
            Set-AuthSections -Site 'Contoso' -Mapping (New-MappingTree -OneToOne @(, (New-OneToOneNode -Certificate $AliceWrapped -User 'CONTOSO\alice')))
            { Set-MtlsIisOneToOneMapping -Session $Session -Location 'Contoso' -Certificate $Alice -UserName 'CONTOSO\alice' -Enabled $true -Password $null } |
                Should -Throw '*is stored with line breaks or spaces in its certificate, so IIS never matches it; replacing it needs the account''s password*'
            $Session.edits | Should -HaveCount 0
        }

        It 'refuses to change a mapping the site inherits from the server level, saying where it is' {
            # WINDOWS_FACTS AUTH-7: oneToOneMappings has no <remove> element.
            { Set-MtlsIisOneToOneMapping -Session $Session -Location 'Contoso' -Certificate $Bob -UserName 'CONTOSO\bob2' -Enabled $true -Password $null } |
                Should -Throw "*the one-to-one mapping of user 'CONTOSO\bob2' is inherited by site 'Contoso' from the server level of applicationHost.config; the oneToOneMappings collection has no <remove> element*change it at the server level*"
        }

        It 'refuses <Case> before reading anything' -ForEach @(
            @{ Case = 'a PEM certificate'; Certificate = "-----BEGIN CERTIFICATE-----MIIB"; User = 'u'; Enabled = $true; Message = '*certificate is PEM*' }
            @{ Case = 'a certificate with a line break'; Certificate = "MIIB`nAAAA"; User = 'u'; Enabled = $true; Message = '*certificate contains line breaks or spaces*' }
            @{ Case = 'a certificate that is not base64'; Certificate = 'not*base64'; User = 'u'; Enabled = $true; Message = '*certificate is not valid base64*' }
            @{ Case = 'an empty certificate'; Certificate = ''; User = 'u'; Enabled = $true; Message = '*certificate is empty*' }
            @{ Case = 'no user'; Certificate = 'QUJD'; User = ' '; Enabled = $true; Message = '*the one-to-one mapping has no user; IIS refuses a certificate mapping without the Windows account*' }
            @{ Case = 'enabled as text'; Certificate = 'QUJD'; User = 'u'; Enabled = 'yes'; Message = "*enabled must be true or false, got 'yes'*" }
        ) {
            { Set-MtlsIisOneToOneMapping -Session $Session -Location 'Contoso' -Certificate $Certificate -UserName $User -Enabled $Enabled -Password $null } | Should -Throw $Message
            $script:IisHost.calls | Should -HaveCount 0
        }

        It 'refuses a password that is not text, without showing it' {
            { Set-MtlsIisOneToOneMapping -Session $Session -Location 'Contoso' -Certificate $Alice -UserName 'u' -Enabled $true -Password 12345 } |
                Should -Throw '*the mapping password (secrets entry of password_ref) must be text*'
        }

        It 'masks the password in an error IIS gives and drops the error record that could carry it' {
            $script:IisHost.refuse = { param($edit) $true }
            $script:IisHost.refuse_error = "System.ArgumentException 0x80070057: the value $Password is not valid for attribute password"
            $failure = Get-Message { Set-MtlsIisOneToOneMapping -Session $Session -Location 'Contoso' -Certificate (New-Certificate -Subject 'CN=eve') -UserName 'CONTOSO\eve' -Enabled $true -Password $Password }
            "$failure" | Should -BeLike "*IIS refused to add*the value ******** is not valid for attribute password*"
            $failure.Exception.ToString() | Should -Not -BeLike "*$Password*"
        }
    }

    Context 'one_to_one_remove' {
        It 'removes the mapping by its certificate as stored, copies with line breaks too' {
            Set-AuthSections -Site 'Contoso' -Mapping (New-MappingTree -OneToOne @(
                    (New-OneToOneNode -Certificate $Alice -User 'CONTOSO\alice')
                    (New-OneToOneNode -Certificate $AliceWrapped -User 'CONTOSO\old')
                ))
            (Remove-MtlsIisOneToOneMapping -Session $Session -Location 'Contoso' -Certificate $Alice).changed | Should -BeTrue
            $edits = Get-IisEdit
            @($edits | ForEach-Object { $_.action }) | Should -Be @('remove', 'remove')
            @($edits | ForEach-Object { $_.element[1].key.certificate }) | Should -Be @($Alice, $AliceWrapped)
        }

        It 'changes nothing for a mapping that is not there, or a site that does not exist' {
            (Remove-MtlsIisOneToOneMapping -Session $Session -Location 'Contoso' -Certificate (New-Certificate -Subject 'CN=x')).changed | Should -BeFalse
            (Remove-MtlsIisOneToOneMapping -Session $Session -Location 'Gone' -Certificate $Alice).changed | Should -BeFalse
            $Session.edits | Should -HaveCount 0
        }

        It 'refuses to remove a mapping the site inherits from the server level' {
            { Remove-MtlsIisOneToOneMapping -Session $Session -Location 'Contoso' -Certificate $Bob } |
                Should -Throw "*the one-to-one mapping of user 'CONTOSO\bob' is inherited by site 'Contoso'*has no <remove> element*"
        }
    }

    Context 'many_to_one_set' {
        It 'adds a new mapping and then its rules, without clearing the new mapping''s empty rule list' {
            $rules = @($Rule, @{ field = 'issuer'; subfield = 'CN'; match = 'Fabrikam CA'; case_sensitive = $false })
            (Set-MtlsIisManyToOneMapping -Session $Session -Location 'Contoso' -Name 'Suppliers' -Description $null -Enabled $true -Permission 'allow' -UserName 'CONTOSO\svc' -Rules $rules -Password $Password).changed | Should -BeTrue
            $edits = Get-IisEdit
            @($edits | ForEach-Object { $_.action }) | Should -Be @('add', 'add', 'add')
            $edits[0].attributes.name | Should -Be 'Suppliers'
            $edits[0].attributes.description | Should -Be ''
            $edits[0].attributes.permissionMode | Should -BeExactly 'Allow'
            $edits[0].attributes.password | Should -Be $Password
            $edits[1].element[1].key.name | Should -Be 'Suppliers'
            $edits[1].element[2] | Should -Be 'rules'
            $edits[2].attributes.certificateField | Should -BeExactly 'Issuer'
            $edits[2].attributes.compareCaseSensitive | Should -BeFalse
        }

        It 'changes nothing when the mapping is there as wanted (permission and field read as numbers)' {
            (Set-MtlsIisManyToOneMapping -Session $Session -Location 'Contoso' -Name 'partners' -Description '' -Enabled $true -Permission 'Allow' -UserName 'CONTOSO\svc-partners' -Rules @(, $Rule) -Password $null).changed | Should -BeFalse
            $Session.edits | Should -HaveCount 0
        }

        It 'finds the mapping by its name in any case and rewrites the name when only its case differs' {
            # WINDOWS_FACTS IISCONFIG-7: name is a key without caseSensitive.
            (Set-MtlsIisManyToOneMapping -Session $Session -Location 'Contoso' -Name 'Partners' -Description '' -Enabled $true -Permission 'Allow' -UserName 'CONTOSO\svc-partners' -Rules @(, $Rule) -Password $null).changed | Should -BeTrue
            $edits = Get-IisEdit
            $edits | Should -HaveCount 1
            $edits[0].action | Should -Be 'set'
            $edits[0].element[1].key.name | Should -BeExactly 'partners'
            $edits[0].attributes.name | Should -BeExactly 'Partners'
            @($edits[0].attributes.Keys) | Should -Be @('name')
        }

        It 'replaces the rules when there are more or fewer of them' {
            $null = Set-MtlsIisManyToOneMapping -Session $Session -Location 'Contoso' -Name 'partners' -Description '' -Enabled $true -Permission 'Allow' -UserName 'CONTOSO\svc-partners' -Rules @() -Password $null
            @((Get-IisEdit) | ForEach-Object { $_.action }) | Should -Be @('clear')
        }

        It 'replaces the rules when they differ: a clear of the mapping''s rules, then the new ones' {
            $other = @{ field = 'Subject'; subfield = 'O'; match = 'fabrikam*'; case_sensitive = $true }
            $null = Set-MtlsIisManyToOneMapping -Session $Session -Location 'Contoso' -Name 'partners' -Description '' -Enabled $true -Permission 'Allow' -UserName 'CONTOSO\svc-partners' -Rules @(, $other) -Password $null
            $edits = Get-IisEdit
            @($edits | ForEach-Object { $_.action }) | Should -Be @('clear', 'add')
            @($edits[0].element)[2] | Should -Be 'rules'
            $edits[1].attributes.matchCriteria | Should -BeExactly 'fabrikam*'
        }

        It 'refuses two rules with the same field, subfield and match before any edit' {
            $again = @{ field = 'SUBJECT'; subfield = 'o'; match = 'FABRIKAM*'; case_sensitive = $false }
            { Set-MtlsIisManyToOneMapping -Session $Session -Location 'Contoso' -Name 'partners' -Description '' -Enabled $true -Permission 'Allow' -UserName 'u' -Rules @($Rule, $again) -Password $null } |
                Should -Throw '*rule 1 repeats rule 0 (Subject o = FABRIKAM*); IIS keys many-to-one rules by field, subfield and match*'
            $script:IisHost.calls | Should -HaveCount 0
        }

        It 'refuses to change a mapping the site inherits from the server level' {
            { Set-MtlsIisManyToOneMapping -Session $Session -Location 'Contoso' -Name 'vendors' -Description 'd' -Enabled $true -Permission 'Allow' -UserName 'u' -Rules @() -Password $null } |
                Should -Throw "*many-to-one mapping 'Vendors' is inherited by site 'Contoso'*manyToOneMappings collection has no <remove> element*"
        }

        It 'refuses <Case> before reading anything' -ForEach @(
            @{ Case = 'an empty name'; Name = ' '; Description = ''; Permission = 'Allow'; Rules = @(); Message = '*name is empty; a many-to-one mapping is keyed by its name*' }
            @{ Case = 'a description that is not text'; Name = 'n'; Description = 5; Permission = 'Allow'; Rules = @(); Message = '*description must be text*' }
            @{ Case = 'an unknown permission'; Name = 'n'; Description = ''; Permission = 'Maybe'; Rules = @(); Message = "*permission 'Maybe' is not one of Allow, Deny*" }
            @{ Case = 'rules that are not a list'; Name = 'n'; Description = ''; Permission = 'Allow'; Rules = 'O=x'; Message = '*rules must be a list*' }
            @{ Case = 'a rule that is not a dictionary'; Name = 'n'; Description = ''; Permission = 'Allow'; Rules = @(, 'x'); Message = '*rule 0 is not a dictionary*' }
            @{ Case = 'a rule with an unknown key'; Name = 'n'; Description = ''; Permission = 'Allow'; Rules = @(, @{ field = 'Subject'; subfield = 'O'; match = 'x'; case_sensitive = $true; value = 'x' }); Message = '*rule 0 has unknown key(s) value*' }
            @{ Case = 'a rule without match'; Name = 'n'; Description = ''; Permission = 'Allow'; Rules = @(, @{ field = 'Subject'; subfield = 'O'; case_sensitive = $true }); Message = '*rule 0 lacks match*' }
            @{ Case = 'a rule on another field'; Name = 'n'; Description = ''; Permission = 'Allow'; Rules = @(, @{ field = 'SAN'; subfield = 'O'; match = 'x'; case_sensitive = $true }); Message = "*rule 0 field 'SAN' is not Subject or Issuer*" }
            @{ Case = 'a rule without subfield'; Name = 'n'; Description = ''; Permission = 'Allow'; Rules = @(, @{ field = 'Subject'; subfield = ''; match = 'x'; case_sensitive = $true }); Message = '*rule 0 has no subfield*' }
            @{ Case = 'a rule with an empty match'; Name = 'n'; Description = ''; Permission = 'Allow'; Rules = @(, @{ field = 'Subject'; subfield = 'O'; match = ''; case_sensitive = $true }); Message = '*rule 0 has no match text*' }
            @{ Case = 'case_sensitive as text'; Name = 'n'; Description = ''; Permission = 'Allow'; Rules = @(, @{ field = 'Subject'; subfield = 'O'; match = 'x'; case_sensitive = 'no' }); Message = "*rule 0 case_sensitive must be true or false, got 'no'*" }
        ) {
            { Set-MtlsIisManyToOneMapping -Session $Session -Location 'Contoso' -Name $Name -Description $Description -Enabled $true -Permission $Permission -UserName 'u' -Rules $Rules -Password $null } |
                Should -Throw $Message
            $script:IisHost.calls | Should -HaveCount 0
        }

        It 'masks the password in an error IIS gives' {
            $script:IisHost.refuse = { param($edit) $true }
            $script:IisHost.refuse_error = "System.ArgumentException 0x80070057: bad value $Password"
            $failure = Get-Message { Set-MtlsIisManyToOneMapping -Session $Session -Location 'Contoso' -Name 'partners' -Description '' -Enabled $true -Permission 'Allow' -UserName 'CONTOSO\svc-partners' -Rules @(, $Rule) -Password $Password }
            "$failure" | Should -BeLike "*IIS refused to set*manyToOneMappings*bad value ********"
            $failure.Exception.ToString() | Should -Not -BeLike "*$Password*"
        }
    }

    Context 'many_to_one_remove' {
        It 'removes the mapping found by its name in any case, by its stored name' {
            (Remove-MtlsIisManyToOneMapping -Session $Session -Location 'Contoso' -Name 'PARTNERS').changed | Should -BeTrue
            $edit = (Get-IisEdit)[0]
            $edit.action | Should -Be 'remove'
            $edit.element[1].key.name | Should -BeExactly 'partners'
            $Session.auth_sites.ContainsKey('Contoso') | Should -BeTrue
        }

        It 'changes nothing for a mapping that is not there, or a site that does not exist' {
            (Remove-MtlsIisManyToOneMapping -Session $Session -Location 'Contoso' -Name 'others').changed | Should -BeFalse
            (Remove-MtlsIisManyToOneMapping -Session $Session -Location 'Gone' -Name 'partners').changed | Should -BeFalse
        }

        It 'refuses an empty name, a path below the site and an inherited mapping' {
            { Remove-MtlsIisManyToOneMapping -Session $Session -Location 'Contoso' -Name '' } | Should -Throw '*name is empty*'
            { Remove-MtlsIisManyToOneMapping -Session $Session -Location 'Contoso/api' -Name 'p' } | Should -Throw "*'Contoso/api' is not a site name*"
            { Remove-MtlsIisManyToOneMapping -Session $Session -Location 'Contoso' -Name 'vendors' } | Should -Throw "*many-to-one mapping 'Vendors' is inherited*"
        }
    }
}
