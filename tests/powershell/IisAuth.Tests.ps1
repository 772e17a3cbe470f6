# IisAuth.psm1: gather of the authentication sections (always read: their presence says nothing about features, issue 10
# item 9), auth_set, the many-to-one/AD check before a commit, and section_clear, above the mocked IIS boundary.

BeforeAll {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'Common.ps1')
    . (Join-Path -Path $PSScriptRoot -ChildPath 'IisTestHost.ps1')
    . (Join-Path -Path $PSScriptRoot -ChildPath 'IisAuthTestData.ps1')
    Initialize-MtlsPesterSession
    Register-IisTestHost

    $key = [System.Security.Cryptography.RSA]::Create(2048)
    $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=alice, O=Fabrikam', $key, 'SHA256', [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
    $script:Alice = [System.Convert]::ToBase64String($request.CreateSelfSigned([datetime]::UtcNow, [datetime]::UtcNow.AddYears(1)).RawData)
    # Line breaks as IIS Manager or a hand edit may store them (WINDOWS_FACTS AUTH-6).
    $script:AliceWrapped = ($Alice -split '(.{64})' | Where-Object { $_ -ne '' }) -join "`r`n"
    $script:Tracing = 'system.webServer/tracing/traceFailedRequests'
}

Describe 'IisAuth.psm1' {
    BeforeEach {
        Initialize-IisTestHost -Sites @((New-IisSite -Name 'Contoso' -Id 2), (New-IisSite -Name 'Contoso2' -Id 3))
        $script:IisHost.config = New-IisConfig -Locations ([ordered]@{
                'Contoso/api' = '<system.webServer><security><authentication><iisClientCertificateMappingAuthentication enabled="true" /></authentication></security></system.webServer>'
                'Contoso2/x' = '<system.webServer><security><authentication><iisClientCertificateMappingAuthentication enabled="true" /></authentication></security></system.webServer>'
                'Contoso/app/dir' = '<system.webServer><security><authentication><iisClientCertificateMappingAuthentication /></authentication></security><tracing><traceFailedRequests /></tracing></system.webServer>'
            })
        Set-AuthSections -Site 'Contoso' -Mapping (New-MappingTree -Attributes @{ enabled = $true; logonMethod = 2L } -OneToOne @(
                (New-OneToOneNode -Certificate $AliceWrapped -User 'CONTOSO\alice')
                (New-OneToOneNode -Certificate 'MIIBserver' -User 'CONTOSO\ops' -Enabled $false -Local $false)
            ) -ManyToOne @(
                (New-ManyToOneNode -Name 'Partners' -Permission 2 -Rules @((New-RuleNode -Field 2 -SubField 'CN' -Match 'Fabrikam CA' -CaseSensitive $false)))
            )) -Ad $true -Anonymous $false
        $script:Session = New-MtlsIisSession
    }

    Context 'gather' {
        It 'returns the sections of each site that exists, keyed as requested, with enum values by name' {
            $snapshot = Get-MtlsIisAuthSnapshot -Session $Session -SiteNames @('contoso', 'Gone')
            @($snapshot.Keys) | Should -Be @('contoso')
            $mapping = $snapshot['contoso'].iis_mapping
            $mapping.enabled | Should -BeTrue
            $mapping.logon_method | Should -Be 'Network'
            $mapping.one_to_one_enabled | Should -BeTrue
            $mapping.default_logon_domain | Should -Be ''
            $snapshot['contoso'].ad_mapping.enabled | Should -BeTrue
            $snapshot['contoso'].anonymous.enabled | Should -BeFalse
            $partners = $mapping.many_to_one[0]
            $partners.permission | Should -Be 'Deny'
            $partners.rules[0].field | Should -Be 'Issuer'
            $partners.rules[0].subfield | Should -Be 'CN'
            $partners.rules[0].case_sensitive | Should -BeFalse
        }

        It 'keeps a stored one-to-one certificate exactly as stored, line breaks included, so the controller sees the drift' {
            $mapping = (Get-MtlsIisAuthSnapshot -Session $Session -SiteNames @('Contoso'))['Contoso'].iis_mapping
            $mapping.one_to_one[0].certificate | Should -BeExactly $AliceWrapped
        }

        It 'tells a mapping inherited from the server level from the site''s own' {
            $mapping = (Get-MtlsIisAuthSnapshot -Session $Session -SiteNames @('Contoso'))['Contoso'].iis_mapping
            @($mapping.one_to_one | ForEach-Object { $_.inherited }) | Should -Be @($false, $true)
            $mapping.many_to_one[0].inherited | Should -BeFalse
        }

        It 'never returns a password' {
            $snapshot = Get-MtlsIisAuthSnapshot -Session $Session -SiteNames @('Contoso')
            ($snapshot | ConvertTo-Json -Depth 10) | Should -Not -BeLike '*password*'
        }

        It 'lists the paths below the site that configure mappings, as written, and none of another site' {
            @((Get-MtlsIisAuthSnapshot -Session $Session -SiteNames @('Contoso'))['Contoso'].below_site) | Should -Be @('Contoso/api', 'Contoso/app/dir')
        }

        It 'returns every section whatever features are installed (the schema declares them all)' {
            # WINDOWS_FACTS AUTH-1: the sections are in IIS's own schema; features add modules, not declarations.
            Set-AuthSections -Site 'Contoso2'
            $entry = (Get-MtlsIisAuthSnapshot -Session $Session -SiteNames @('Contoso2'))['Contoso2']
            $entry.iis_mapping.enabled | Should -BeFalse
            $entry.iis_mapping.logon_method | Should -Be 'ClearText'
            $entry.ad_mapping.enabled | Should -BeFalse
            $entry.anonymous.enabled | Should -BeTrue
        }

        It 'fails when IIS refuses to read a section, never taking it for a missing feature' {
            # Contoso2 has no answers: the fake fails the read as IIS fails it.
            { Get-MtlsIisAuthSnapshot -Session $Session -SiteNames @('Contoso2') } | Should -Throw '*no answer for*iisClientCertificateMappingAuthentication*'
        }

        It 'is empty without IIS, and refuses an empty site name' {
            (Get-MtlsIisAuthSnapshot -Session $Session -SiteNames @()).Count | Should -Be 0
            { Get-MtlsIisAuthSnapshot -Session $Session -SiteNames @('') } | Should -Throw '*scope.auth_sites contains an empty site name*'
            Initialize-IisTestHost -Available $false
            (Get-MtlsIisAuthSnapshot -Session (New-MtlsIisSession) -SiteNames @('Contoso')).Count | Should -Be 0
        }

        It 'writes nothing' {
            $null = Get-MtlsIisAuthSnapshot -Session $Session -SiteNames @('Contoso')
            @($script:IisHost.calls | Where-Object { $_.edit.Count -gt 0 -or -not $_.no_commit }) | Should -HaveCount 0
        }
    }

    Context 'auth_set' {
        It 'sets, under the site''s own name and in one edit, only the attributes that differ' {
            $attributes = @{ enabled = $true; logonMethod = 'cleartext'; defaultLogonDomain = 'CONTOSO' }
            (Set-MtlsIisAuthSection -Session $Session -Location 'contoso' -Section 'iis_mapping' -Attributes $attributes).changed | Should -BeTrue
            $edits = Get-IisEdit
            $edits | Should -HaveCount 1
            $edits[0].action | Should -Be 'set'
            $edits[0].section | Should -Be $MappingSection
            $edits[0].location | Should -Be 'Contoso'
            @($edits[0].attributes.Keys | Sort-Object) | Should -Be @('defaultLogonDomain', 'logonMethod')
            $edits[0].attributes.logonMethod | Should -BeExactly 'ClearText'
            $Session.auth_sites.ContainsKey('Contoso') | Should -BeTrue
        }

        It 'changes nothing when every attribute has its value (logonMethod read as a number)' {
            (Set-MtlsIisAuthSection -Session $Session -Location 'Contoso' -Section 'iis_mapping' -Attributes @{ enabled = $true; logonMethod = 'Network' }).changed | Should -BeFalse
            (Set-MtlsIisAuthSection -Session $Session -Location 'Contoso' -Section 'anonymous' -Attributes @{ enabled = $false }).changed | Should -BeFalse
            $Session.edits | Should -HaveCount 0
            $Session.auth_sites.Count | Should -Be 0
        }

        It 'sets AD mapping and anonymous authentication in their sections' {
            $null = Set-MtlsIisAuthSection -Session $Session -Location 'Contoso' -Section 'ad_mapping' -Attributes @{ enabled = $false }
            (Get-IisEdit)[0].section | Should -Be $AdSection
        }

        It 'refuses <Case> before reading anything' -ForEach @(
            @{ Case = 'an unknown section'; Section = 'IIS_Mapping'; Attributes = @{ enabled = $true }; Message = "*unknown section 'IIS_Mapping'; auth_set knows ad_mapping, anonymous, iis_mapping*" }
            @{ Case = 'an attribute in another case'; Section = 'iis_mapping'; Attributes = @{ Enabled = $true }; Message = "*section iis_mapping has no attribute 'Enabled' that auth_set writes*" }
            @{ Case = 'a boolean as text'; Section = 'ad_mapping'; Attributes = @{ enabled = 'true' }; Message = "*ad_mapping attribute enabled must be true or false, got 'true'*" }
            @{ Case = 'an unknown logon method'; Section = 'iis_mapping'; Attributes = @{ logonMethod = 'Kerberos' }; Message = "*iis_mapping attribute logonMethod 'Kerberos' is not one of Interactive, Batch, Network, ClearText*" }
            @{ Case = 'a domain that is not text'; Section = 'iis_mapping'; Attributes = @{ defaultLogonDomain = 5 }; Message = "*iis_mapping attribute defaultLogonDomain must be text, got '5'*" }
            @{ Case = 'attributes that are not a dictionary'; Section = 'iis_mapping'; Attributes = 'enabled'; Message = '*attributes must be a dictionary*' }
        ) {
            { Set-MtlsIisAuthSection -Session $Session -Location 'Contoso' -Section $Section -Attributes $Attributes } | Should -Throw $Message
            $script:IisHost.calls | Should -HaveCount 0
        }

        It 'refuses a location below site level, where IIS ignores mappings, and a site that does not exist' {
            { Set-MtlsIisAuthSection -Session $Session -Location 'Contoso/api' -Section 'iis_mapping' -Attributes @{ enabled = $true } } |
                Should -Throw "*'Contoso/api' is not a site name; IIS honours client certificate mappings at site level only*"
            { Set-MtlsIisAuthSection -Session $Session -Location 'Gone' -Section 'iis_mapping' -Attributes @{ enabled = $true } } |
                Should -Throw "*IIS site 'Gone' does not exist*"
        }
    }

    Context 'the check before a commit' {
        It 'refuses many-to-one mapping with AD mapping on a site the run changed, read after the run''s edits' {
            # WINDOWS_FACTS AUTH-5: IIS refuses both on one site.
            $Session.edits.Add(@{ action = 'set'; section = $AdSection; location = 'Contoso'; attributes = @{ enabled = $true } })
            $Session.auth_sites['Contoso'] = $true
            { Assert-MtlsIisAuthConsistent -Session $Session } |
                Should -Throw "*IIS refuses many-to-one client certificate mappings together with Active Directory client certificate mapping on one site, and these ops would enable both on site(s) 'Contoso' (1 many-to-one mapping(s))*"
            $script:IisHost.calls[0].edit | Should -HaveCount 1
            $script:IisHost.calls[0].no_commit | Should -BeTrue
            $Session.auth_sites.Count | Should -Be 0
        }

        It 'passes when <Case>' -ForEach @(
            @{ Case = 'AD mapping is off'; Mapping = @{ enabled = $true }; ManyToOne = 1; Ad = $false }
            @{ Case = 'many-to-one mapping is off'; Mapping = @{ enabled = $true; manyToOneCertificateMappingsEnabled = $false }; ManyToOne = 1; Ad = $true }
            @{ Case = 'IIS mapping is off'; Mapping = @{ enabled = $false }; ManyToOne = 1; Ad = $true }
            @{ Case = 'there is no many-to-one mapping'; Mapping = @{ enabled = $true }; ManyToOne = 0; Ad = $true }
        ) {
            $mappings = @(for ($i = 0; $i -lt $ManyToOne; $i++) { New-ManyToOneNode -Name "m$i" })
            Set-AuthSections -Site 'Contoso' -Mapping (New-MappingTree -Attributes $Mapping -ManyToOne $mappings) -Ad $Ad
            $Session.auth_sites['Contoso'] = $true
            Assert-MtlsIisAuthConsistent -Session $Session
        }

        It 'reads nothing when no op changed authentication' {
            Assert-MtlsIisAuthConsistent -Session $Session
            $script:IisHost.calls | Should -HaveCount 0
        }
    }

    Context 'section_clear' {
        It 'reverts the mapping section at a path below the site, as the path is written' {
            # WINDOWS_FACTS IISCONFIG-10: RevertToParent removes what the section has at exactly that path.
            (Clear-MtlsIisSection -Session $Session -Location 'contoso/API' -Section 'iis_mapping').changed | Should -BeTrue
            $edits = Get-IisEdit
            $edits | Should -HaveCount 1
            $edits[0].action | Should -Be 'revert'
            $edits[0].section | Should -Be $MappingSection
            $edits[0].location | Should -Be 'Contoso/api'
        }

        It 'reverts the tracing rules of a path' {
            (Clear-MtlsIisSection -Session $Session -Location 'Contoso/app/dir' -Section 'tracing').changed | Should -BeTrue
            (Get-IisEdit)[0].section | Should -Be $Tracing
        }

        It 'changes nothing where the section is not written' {
            (Clear-MtlsIisSection -Session $Session -Location 'Contoso/api' -Section 'tracing').changed | Should -BeFalse
            $script:IisHost.calls | Should -HaveCount 0
        }

        It 'sees what earlier ops of the run wrote there, and a revert of them' {
            $Session.edits.Add(@{ action = 'set'; section = $MappingSection; location = 'Contoso'; attributes = @{ enabled = $true } })
            (Clear-MtlsIisSection -Session $Session -Location 'Contoso' -Section 'iis_mapping').changed | Should -BeTrue
            (Clear-MtlsIisSection -Session $Session -Location 'CONTOSO' -Section 'iis_mapping').changed | Should -BeFalse
        }

        It 'refuses <Case>' -ForEach @(
            @{ Case = 'an unknown section'; Location = 'Contoso/api'; Section = 'anonymous'; Message = "*unknown section 'anonymous'; section_clear knows iis_mapping, tracing*" }
            @{ Case = 'the server level'; Location = ''; Section = 'iis_mapping'; Message = '*location is empty (the server level)*' }
        ) {
            { Clear-MtlsIisSection -Session $Session -Location $Location -Section $Section } | Should -Throw $Message
        }
    }
}
