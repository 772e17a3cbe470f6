# IisBinding.psm1: gather of sites and https bindings, and the binding ops, which replace a binding element rather than
# change it in place and never remove an HTTP.sys record themselves (issue 10 items 10-12), above the mocked IIS boundary
# (IisTestHost.ps1) and the registry boundary (the Windows build, WindowsFeature.psm1).

BeforeAll {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'Common.ps1')
    . (Join-Path -Path $PSScriptRoot -ChildPath 'IisTestHost.ps1')
    Initialize-MtlsPesterSession
    Register-IisTestHost

    $script:OldHash = 'A' * 40
    $script:NewHash = 'b' * 40
    $script:Access = 'system.webServer/security/access'
    # WINDOWS_FACTS HOST-1: the build is CurrentBuildNumber (REG_SZ) under CurrentVersion.
    $script:Build = '20348'
    Mock -ModuleName WindowsFeature Get-MtlsWinRegistryKey -ParameterFilter { $Path -eq 'SOFTWARE\Microsoft\Windows NT\CurrentVersion' } {
        New-RegistryKeyAnswer -Values @{
            CurrentMajorVersionNumber = @('REG_DWORD', 10L)
            CurrentMinorVersionNumber = @('REG_DWORD', 0L)
            CurrentBuildNumber = @('REG_SZ', $script:Build)
        }
    }

    Function Get-OnlyEdit {
        $edits = Get-IisEdit
        $edits | Should -HaveCount 1
        $edits[0]
    }
}

Describe 'IisBinding.psm1' {
    BeforeEach {
        $script:Build = '20348'
        # WINDOWS_FACTS BINDING-1: the certificate of an https binding as HTTP.sys has it; http bindings have none.
        Initialize-IisTestHost -Sites @(
            (New-IisSite -Name 'Contoso' -Id 2 -Bindings @(
                    @('http', '*:80:', 0, '', ''),
                    @('https', '*:443:', 0, $OldHash.ToLowerInvariant(), 'My'),
                    @('https', '*:443:www.contoso.com', 1, $OldHash, 'WebHosting')
                ))
            (New-IisSite -Name 'Fabrikam' -Id 3 -Bindings @(, @('https', '*:443:', 0, $OldHash, 'My')))
        )
        foreach ($merged in @($false, $true)) {
            foreach ($site in @('Contoso', 'Fabrikam')) {
                Set-IisSection -Section $Access -Location $site -Merged:$merged -Tree (New-IisNode -Name 'access' -Attributes @{ sslFlags = 0L })
            }
        }
        $script:Session = New-MtlsIisSession
    }

    Context 'gather' {
        It 'returns each site that exists keyed as requested, with its id and its https bindings' {
            $snapshot = Get-MtlsIisSnapshot -Session $Session -SiteNames @('contoso', 'Gone')
            $snapshot.available | Should -BeTrue
            @($snapshot.sites.Keys) | Should -Be @('contoso')
            $site = $snapshot.sites['contoso']
            @($site.Keys | Sort-Object) | Should -Be @('bindings', 'id')  # docs/ENGINE.md: no other key
            $site.id | Should -Be 2
            @($site.bindings | ForEach-Object { $_.binding_information }) | Should -Be @('*:443:', '*:443:www.contoso.com')
            $site.bindings[0].certificate_hash | Should -BeExactly $OldHash
            $site.bindings[1].certificate_store | Should -Be 'WebHosting'
            $site.bindings[1].ssl_flags | Should -Be 1
        }

        It 'lists every https binding of every site, for HTTP.sys records several sites share' {
            $snapshot = Get-MtlsIisSnapshot -Session $Session -SiteNames @('Contoso')
            @($snapshot.all_bindings | ForEach-Object { "$($_.site) $($_.binding_information) $($_.ssl_flags)" }) |
                Should -Be @('Contoso *:443: 0', 'Contoso *:443:www.contoso.com 1', 'Fabrikam *:443: 0')
        }

        It 'reads the access entries of each site and of the access paths' {
            Set-IisSection -Section $Access -Location 'Fabrikam/api' -Tree (New-IisNode -Name 'access' -Attributes @{ sslFlags = 8L })
            Set-IisSection -Section $Access -Location 'Fabrikam/api' -Merged -Tree (New-IisNode -Name 'access' -Attributes @{ sslFlags = 8L })
            $snapshot = Get-MtlsIisSnapshot -Session $Session -SiteNames @('Contoso') -AccessPaths @('Fabrikam/api')
            @($snapshot.access.Keys | Sort-Object) | Should -Be @('Contoso', 'Fabrikam/api')
            $snapshot.access['Fabrikam/api'].effective | Should -Be 8
        }

        It 'reads binding sslFlags IIS returns as text, DisableOCSPStp being Microsoft''s name for 8' {
            # WINDOWS_FACTS BINDING-6: the schema names bit 8 DisableOCSPStp.
            $script:IisHost.sites[1].bindings[0].ssl_flags = 'Sni, DisableOCSPStp, DisableTLS13'
            $snapshot = Get-MtlsIisSnapshot -Session $Session -SiteNames @('Fabrikam')
            $snapshot.sites['Fabrikam'].bindings[0].ssl_flags | Should -Be 41
        }

        It 'reads binding sslFlags given as <Case>' -ForEach @(
            @{ Case = 'digits and empty parts'; Value = '1, , 32'; Expected = 33 }
            @{ Case = 'nothing'; Value = $null; Expected = 0 }
        ) {
            $script:IisHost.sites[1].bindings[0].ssl_flags = $Value
            (Get-MtlsIisSnapshot -Session $Session -SiteNames @('Fabrikam')).sites['Fabrikam'].bindings[0].ssl_flags | Should -Be $Expected
        }

        It 'fails on a binding flag name IIS does not have' {
            $script:IisHost.sites[1].bindings[0].ssl_flags = 'Sni, DisableHTTP3'
            { Get-MtlsIisSnapshot -Session $Session -SiteNames @('Fabrikam') } | Should -Throw "*binding sslFlags 'Sni, DisableHTTP3' has the unknown flag 'DisableHTTP3'*"
        }

        It 'reads binding sslFlags as an unsigned 32-bit number' {
            $script:IisHost.sites[1].bindings[0].ssl_flags = 4294967295L
            (Get-MtlsIisSnapshot -Session $Session -SiteNames @('Fabrikam')).sites['Fabrikam'].bindings[0].ssl_flags | Should -Be 4294967295
        }

        It 'says IIS is not available, reading nothing else, when it is not installed' {
            Initialize-IisTestHost -Available $false
            $snapshot = Get-MtlsIisSnapshot -Session $Session -SiteNames @('Contoso') -AccessPaths @('Contoso/api')
            $snapshot.available | Should -BeFalse
            $snapshot.sites.Count | Should -Be 0
            Should -Invoke -ModuleName IisConfig Get-MtlsWinIisSite -Times 0 -Exactly
        }

        It 'refuses <Case> before reading IIS' -ForEach @(
            @{ Case = 'an empty site name'; Sites = @(' '); Paths = @(); Message = '*scope.sites contains an empty site name*' }
            @{ Case = 'an access path with a leading slash'; Sites = @(); Paths = @('/Contoso'); Message = "*location '/Contoso' must be a site name*" }
        ) {
            { Get-MtlsIisSnapshot -Session $Session -SiteNames $Sites -AccessPaths $Paths } | Should -Throw $Message
            Should -Invoke -ModuleName IisConfig Test-MtlsWinIis -Times 0 -Exactly
        }

        It 'writes nothing' {
            $null = Get-MtlsIisSnapshot -Session $Session -SiteNames @('Contoso') -AccessPaths @('Contoso')
            @($script:IisHost.calls | Where-Object { $_.edit.Count -gt 0 -or -not $_.no_commit }) | Should -HaveCount 0
        }
    }

    Context 'binding_add' {
        It 'adds a binding under the site''s own name, flags and certificate in one edit' {
            (Add-MtlsIisBinding -Session $Session -SiteName 'contoso' -BindingInformation '*:8443:' -SslFlags 32 -CertificateHash $NewHash -CertificateStore 'My').changed | Should -BeTrue
            $edit = Get-OnlyEdit
            $edit.action | Should -Be 'binding_add'
            $edit.site | Should -Be 'Contoso'
            $edit.protocol | Should -Be 'https'
            $edit.binding_information | Should -Be '*:8443:'
            $edit.ssl_flags | Should -Be 32
            $edit.certificate_hash | Should -BeExactly $NewHash.ToUpperInvariant()
            $edit.certificate_store | Should -Be 'My'
            $script:IisHost.commits | Should -HaveCount 0
        }

        It 'changes nothing when the binding has these flags and this certificate (hash and store in any case)' {
            (Add-MtlsIisBinding -Session $Session -SiteName 'Contoso' -BindingInformation '*:443:' -SslFlags 0 -CertificateHash $OldHash.ToLowerInvariant() -CertificateStore 'MY').changed | Should -BeFalse
            $script:IisHost.calls | Should -HaveCount 0
        }

        It 'replaces an existing binding that has another certificate' {
            (Add-MtlsIisBinding -Session $Session -SiteName 'Contoso' -BindingInformation '*:443:' -SslFlags 0 -CertificateHash $NewHash -CertificateStore 'My').changed | Should -BeTrue
            $edit = Get-OnlyEdit
            $edit.action | Should -Be 'binding_replace'
            $edit.new_binding_information | Should -Be '*:443:'
            $edit.certificate_hash | Should -Be $NewHash.ToUpperInvariant()
        }

        It 'refuses <Case> before any edit' -ForEach @(
            @{ Case = 'a malformed binding'; Binding = '443'; Flags = 0; Hash = ('A' * 40); Store = 'My'; Message = "*binding_information '443' is not ip:port:host*" }
            @{ Case = 'a short hash'; Binding = '*:443:'; Flags = 0; Hash = 'ABC'; Store = 'My'; Message = "*certificate_hash 'ABC' is not 40 hexadecimal characters*" }
            @{ Case = 'an empty store'; Binding = '*:443:'; Flags = 0; Hash = ('A' * 40); Store = ' '; Message = "*certificate_store is empty; IIS uses 'My' or 'WebHosting'*" }
            @{ Case = 'SNI without a host name'; Binding = '*:443:'; Flags = 1; Hash = ('A' * 40); Store = 'My'; Message = "*binding '*:443:' has no host name but ssl_flags has the SNI bit (1)*" }
            @{ Case = 'flags as text'; Binding = '*:443:'; Flags = '1'; Hash = ('A' * 40); Store = 'My'; Message = "*ssl_flags must be an unsigned 32-bit integer*got '1'*" }
            @{ Case = 'flags above the uint range'; Binding = '*:443:'; Flags = 4294967296L; Hash = ('A' * 40); Store = 'My'; Message = '*ssl_flags must be an unsigned 32-bit integer*' }
            @{ Case = 'a bit Server 2022 does not know'; Binding = '*:443:'; Flags = 128; Hash = ('A' * 40); Store = 'My'; Message = '*ssl_flags 128 has bits (128) that IIS on this host does not know (Windows Server 2022 knows 127)*' }
            @{ Case = 'a Central Certificate Store binding that names a certificate'; Binding = '*:443:shop.contoso.com'; Flags = 3; Hash = ('A' * 40); Store = ''; Message = '*Central Certificate Store (ssl_flags bit 2); certificate_hash and certificate_store must be empty*' }
        ) {
            { Add-MtlsIisBinding -Session $Session -SiteName 'Contoso' -BindingInformation $Binding -SslFlags $Flags -CertificateHash $Hash -CertificateStore $Store } |
                Should -Throw $Message
            $script:IisHost.calls | Should -HaveCount 0
        }

        It 'refuses the disable bits on <Build>, whose IIS does not know them, and takes them on Server 2022' -ForEach @(
            @{ Build = '14393' }
            @{ Build = '17763' }
        ) {
            # WINDOWS_FACTS BINDING-6: the disable bits came with Server 2022 (build 20348).
            $script:Build = $Build
            { Add-MtlsIisBinding -Session $Session -SiteName 'Contoso' -BindingInformation '*:8443:' -SslFlags 32 -CertificateHash $NewHash -CertificateStore 'My' } |
                Should -Throw '*ssl_flags 32 has bits (32) that IIS on this host does not know (Windows Server 2016 and 2019 knows 3)*'
            $script:Build = '20348'
            $script:Session = New-MtlsIisSession
            (Add-MtlsIisBinding -Session $Session -SiteName 'Contoso' -BindingInformation '*:8443:' -SslFlags 96 -CertificateHash $NewHash -CertificateStore 'My').changed | Should -BeTrue
        }

        It 'adds a Central Certificate Store binding without a certificate (WINDOWS_FACTS BINDING-9)' {
            (Add-MtlsIisBinding -Session $Session -SiteName 'Contoso' -BindingInformation '*:443:shop.contoso.com' -SslFlags 3 -CertificateHash '' -CertificateStore '').changed | Should -BeTrue
            $edit = Get-OnlyEdit
            $edit.action | Should -Be 'binding_add'
            $edit.ssl_flags | Should -Be 3
            $edit.certificate_hash | Should -BeExactly ''
            $edit.certificate_store | Should -BeExactly ''
        }

        It 'replaces a fixed-certificate binding by a Central Certificate Store one, and changes nothing once it is one' {
            (Add-MtlsIisBinding -Session $Session -SiteName 'Contoso' -BindingInformation '*:443:www.contoso.com' -SslFlags 3 -CertificateHash '' -CertificateStore '').changed | Should -BeTrue
            $edit = Get-OnlyEdit
            $edit.action | Should -Be 'binding_replace'
            $edit.ssl_flags | Should -Be 3
            $edit.certificate_hash | Should -BeExactly ''
            (Add-MtlsIisBinding -Session $Session -SiteName 'Contoso' -BindingInformation '*:443:www.contoso.com' -SslFlags 3 -CertificateHash '' -CertificateStore '').changed | Should -BeFalse
        }

        It 'takes NegotiateClientCert on Server 2025 and reads the build once per session' {
            $script:Build = '26100'
            $null = Add-MtlsIisBinding -Session $Session -SiteName 'Contoso' -BindingInformation '*:8443:' -SslFlags 128 -CertificateHash $NewHash -CertificateStore 'My'
            $null = Add-MtlsIisBinding -Session $Session -SiteName 'Contoso' -BindingInformation '*:9443:' -SslFlags 128 -CertificateHash $NewHash -CertificateStore 'My'
            Should -Invoke -ModuleName WindowsFeature Get-MtlsWinRegistryKey -Times 1 -Exactly
        }
    }

    Context 'binding_remove' {
        It 'removes the binding element only (the boundary keeps its HTTP.sys record)' {
            # WINDOWS_FACTS BINDING-2: binding_remove is Remove(binding, $true); the record stays for other sites.
            (Remove-MtlsIisBinding -Session $Session -SiteName 'fabrikam' -BindingInformation '*:443:').changed | Should -BeTrue
            $edit = Get-OnlyEdit
            $edit.action | Should -Be 'binding_remove'
            $edit.site | Should -Be 'Fabrikam'
            $edit.binding_information | Should -Be '*:443:'
        }

        It 'sees only the binding edits of its own site among the run''s edits' {
            $Session.edits.Add(@{ action = 'set'; section = 'system.webServer/security/access'; location = 'Contoso'; attributes = @{ sslFlags = 8 } })
            $null = Remove-MtlsIisBinding -Session $Session -SiteName 'Fabrikam' -BindingInformation '*:443:'
            (Remove-MtlsIisBinding -Session $Session -SiteName 'Contoso' -BindingInformation '*:443:').changed | Should -BeTrue
        }

        It 'changes nothing for a binding that is not there, also after an earlier op of the run removed it' {
            (Remove-MtlsIisBinding -Session $Session -SiteName 'Contoso' -BindingInformation '*:8443:').changed | Should -BeFalse
            $null = Remove-MtlsIisBinding -Session $Session -SiteName 'Contoso' -BindingInformation '*:443:'
            (Remove-MtlsIisBinding -Session $Session -SiteName 'Contoso' -BindingInformation '*:443:').changed | Should -BeFalse
            $Session.edits | Should -HaveCount 1
        }

        It 'fails naming a site that does not exist' {
            { Remove-MtlsIisBinding -Session $Session -SiteName 'Gone' -BindingInformation '*:443:' } | Should -Throw "*IIS site 'Gone' does not exist*"
        }
    }

    Context 'binding_set_cert (renewal)' {
        It 'replaces the binding element with one that keeps the flags and has the new certificate' {
            # WINDOWS_FACTS BINDING-4: renewal replaces the element; setting CertificateHash in place failed in prior art.
            (Set-MtlsIisBindingCertificate -Session $Session -SiteName 'Contoso' -BindingInformation '*:443:www.contoso.com' -CertificateHash $NewHash -CertificateStore 'My').changed | Should -BeTrue
            $edit = Get-OnlyEdit
            $edit.action | Should -Be 'binding_replace'
            $edit.binding_information | Should -Be '*:443:www.contoso.com'
            $edit.new_binding_information | Should -Be '*:443:www.contoso.com'
            $edit.ssl_flags | Should -Be 1
            $edit.certificate_hash | Should -Be $NewHash.ToUpperInvariant()
            $edit.certificate_store | Should -Be 'My'
        }

        It 'changes nothing when the binding already has the certificate' {
            (Set-MtlsIisBindingCertificate -Session $Session -SiteName 'Contoso' -BindingInformation '*:443:www.contoso.com' -CertificateHash $OldHash -CertificateStore 'webhosting').changed | Should -BeFalse
        }

        It 'refuses a Central Certificate Store binding' {
            $null = Add-MtlsIisBinding -Session $Session -SiteName 'Contoso' -BindingInformation '*:443:shop.contoso.com' -SslFlags 3 -CertificateHash '' -CertificateStore ''
            { Set-MtlsIisBindingCertificate -Session $Session -SiteName 'Contoso' -BindingInformation '*:443:shop.contoso.com' -CertificateHash $NewHash -CertificateStore 'My' } |
                Should -Throw '*takes its certificate from the Central Certificate Store*binding_add replaces it*'
        }

        It 'fails, saying to gather again, for a binding that is not there' {
            { Set-MtlsIisBindingCertificate -Session $Session -SiteName 'Contoso' -BindingInformation '*:8443:' -CertificateHash $NewHash -CertificateStore 'My' } |
                Should -Throw "*IIS site 'Contoso' has no https binding '*:8443:'; gather again and re-plan*"
        }
    }

    Context 'binding_set_flags' {
        It 'replaces the binding element with one that has the new flags and keeps the certificate' {
            (Set-MtlsIisBindingSslFlag -Session $Session -SiteName 'Contoso' -BindingInformation '*:443:www.contoso.com' -SslFlags 33).changed | Should -BeTrue
            $edit = Get-OnlyEdit
            $edit.action | Should -Be 'binding_replace'
            $edit.ssl_flags | Should -Be 33
            $edit.certificate_hash | Should -Be $OldHash
            $edit.certificate_store | Should -Be 'WebHosting'
        }

        It 'changes nothing when the flags are already these' {
            (Set-MtlsIisBindingSslFlag -Session $Session -SiteName 'Contoso' -BindingInformation '*:443:www.contoso.com' -SslFlags 1).changed | Should -BeFalse
        }

        It 'sees a binding an earlier op of the run added, with its certificate' {
            $null = Add-MtlsIisBinding -Session $Session -SiteName 'Contoso' -BindingInformation '*:443:api.contoso.com' -SslFlags 1 -CertificateHash $NewHash -CertificateStore 'My'
            (Set-MtlsIisBindingSslFlag -Session $Session -SiteName 'Contoso' -BindingInformation '*:443:api.contoso.com' -SslFlags 33).changed | Should -BeTrue
            $Session.edits[1].certificate_hash | Should -Be $NewHash.ToUpperInvariant()
            (Set-MtlsIisBindingSslFlag -Session $Session -SiteName 'Contoso' -BindingInformation '*:443:api.contoso.com' -SslFlags 33).changed | Should -BeFalse
        }

        It 'does not turn the Central Certificate Store bit on' {
            { Set-MtlsIisBindingSslFlag -Session $Session -SiteName 'Contoso' -BindingInformation '*:443:www.contoso.com' -SslFlags 3 } |
                Should -Throw '*does not turn the Central Certificate Store bit (2)*binding_add replaces the binding*'
        }

        It 'changes the other bits of a Central Certificate Store binding, which keeps no certificate' {
            $null = Add-MtlsIisBinding -Session $Session -SiteName 'Contoso' -BindingInformation '*:443:shop.contoso.com' -SslFlags 3 -CertificateHash '' -CertificateStore ''
            (Set-MtlsIisBindingSslFlag -Session $Session -SiteName 'Contoso' -BindingInformation '*:443:shop.contoso.com' -SslFlags 35).changed | Should -BeTrue
            $Session.edits[1].ssl_flags | Should -Be 35
            $Session.edits[1].certificate_hash | Should -BeExactly ''
        }

        It 'refuses the SNI bit on a binding without host name' {
            { Set-MtlsIisBindingSslFlag -Session $Session -SiteName 'Contoso' -BindingInformation '*:443:' -SslFlags 1 } | Should -Throw '*SNI needs a host name*'
        }
    }
}
