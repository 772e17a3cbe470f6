# HttpSys.psm1 (httpsys_set, httpsys_remove) above the netsh and registry boundaries. The registry answers as HTTP.sys
# left it (WINDOWS_FACTS HTTPSYS-6, -7; REG-3): a test sets the records before netsh runs and, where the read-back
# matters, the records netsh leaves behind. Every netsh argument array is recorded.

BeforeAll {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'Common.ps1')
    . (Join-Path -Path $PSScriptRoot -ChildPath 'HttpSysFixtures.ps1')
    Initialize-MtlsPesterSession

    $script:Hash = 'AB' * 20
    $script:OtherHash = 'CD' * 20

    # Before: the records before netsh runs; After: the records netsh leaves (default: unchanged).
    Function Set-TestHttpSys {
        param ([hashtable]$Before = @{}, [hashtable]$After = $null, [int]$ExitCode = 0, [string]$Output = 'SSL Certificate successfully added')

        $script:Registry = New-HttpSysRegistry -Records $Before
        $script:AfterRegistry = $null
        if ($null -ne $After) {
            $script:AfterRegistry = New-HttpSysRegistry -Records $After
        }
        $script:ExitCode = $ExitCode
        $script:Output = $Output
        $script:Netsh = New-Object -TypeName System.Collections.Generic.List[string]
    }
    Mock -ModuleName HttpSysRecord Get-MtlsWinRegistryKey { $script:Registry[$Path] }
    # WINDOWS_FACTS HTTPSYS-2: netsh exits 0 on success, non-zero on failure, with localized text (HTTPSYS-1).
    Mock -ModuleName HttpSys Invoke-MtlsWinNetsh {
        $script:Netsh.Add($Arguments -join ' ')
        if ($script:ExitCode -eq 0 -and $null -ne $script:AfterRegistry) {
            $script:Registry = $script:AfterRegistry
        }
        @{ exit_code = $script:ExitCode; output = $script:Output }
    }

    # The httpsys_set arguments of a record, as host_state passes them; -Change overrides some.
    Function Invoke-Set {
        param ([string]$Key = '0.0.0.0:443', [string]$Kind = 'ipport', [hashtable]$Change = @{})

        $arguments = @{
            Key = $Key; Kind = $Kind; CertificateHash = $Hash; CertificateStore = 'MY'; AppId = $IisAppId
            NegotiateClientCertificate = $true; CtlStoreName = 'ClientAuthIssuer'; DsMapper = $false; Revocation = 'online'
            RevocationFreshnessSeconds = 0; DisableTls13 = $false; DisableLegacyTls = $false; DisableHttp2 = $false
            DisableQuic = $false; DisableOcspStapling = $false
        }
        foreach ($name in $Change.Keys) {
            $arguments[$name] = $Change[$name]
        }
        Set-MtlsHttpSysBinding @arguments
    }

    # The record Invoke-Set asks for, as HTTP.sys stores it (DefaultFlags 0x2: negotiate client certificate).
    Function New-WantedKey {
        param ([long]$Flags = 0x2, [long]$CheckMode = 0, [long]$UrlTimeout = -1, [string]$CtlIdentifier = '', [string]$Hash = $script:Hash, [string]$Store = 'MY')

        New-HttpSysKey -Hash $Hash -Store $Store -Flags $Flags -CheckMode $CheckMode -CtlStore 'ClientAuthIssuer' -UrlTimeout $UrlTimeout -CtlIdentifier $CtlIdentifier
    }

    $script:BaseArguments = "certhash=$Hash appid=$IisAppId certstorename=MY clientcertnegotiation=enable sslctlstorename=ClientAuthIssuer dsmapperusage=disable verifyclientcertrevocation=enable verifyrevocationwithcachedclientcertonly=disable"
}

Describe 'Set-MtlsHttpSysBinding' {
    It 'adds a missing record with netsh add, every argument one array element' {
        Set-TestHttpSys -After @{ 'SslBindingInfo\0.0.0.0:443' = New-WantedKey }
        (Invoke-Set).changed | Should -BeTrue
        @($script:Netsh) | Should -Be @("http add sslcert ipport=0.0.0.0:443 $BaseArguments")
        Should -Invoke -ModuleName HttpSys Invoke-MtlsWinNetsh -Times 1 -Exactly -ParameterFilter { $Arguments.Count -eq 12 -and $Arguments[3] -ceq 'ipport=0.0.0.0:443' }
    }

    It 'updates an existing record with netsh update' {
        Set-TestHttpSys -Before @{ 'SslBindingInfo\0.0.0.0:443' = New-WantedKey -Hash $OtherHash } -After @{ 'SslBindingInfo\0.0.0.0:443' = New-WantedKey }
        (Invoke-Set).changed | Should -BeTrue
        @($script:Netsh) | Should -Be @("http update sslcert ipport=0.0.0.0:443 $BaseArguments")
    }

    It 'changes nothing and runs no netsh when the record is as asked' {
        Set-TestHttpSys -Before @{ 'SslBindingInfo\0.0.0.0:443' = New-WantedKey -Store 'my' }
        (Invoke-Set -Change @{ CertificateHash = $Hash.ToLowerInvariant() }).changed | Should -BeFalse
        $script:Netsh | Should -HaveCount 0
    }

    It 'writes an SNI record by host name and port' {
        Set-TestHttpSys -After @{ 'SslSniBindingInfo\www.contoso.com:443' = New-WantedKey }
        $null = Invoke-Set -Key 'www.contoso.com:443' -Kind 'hostnameport'
        @($script:Netsh) | Should -Be @("http add sslcert hostnameport=www.contoso.com:443 $BaseArguments")
    }

    It 'writes a ccs record by port, without certhash and certstorename (WINDOWS_FACTS HTTPSYS-10)' {
        Set-TestHttpSys -After @{ 'SslCcsBindingInfo\0.0.0.0:443' = New-WantedKey -Hash '' -Store '' }
        (Invoke-Set -Key '443' -Kind 'ccs' -Change @{ CertificateHash = ''; CertificateStore = '' }).changed | Should -BeTrue
        @($script:Netsh) | Should -Be @("http add sslcert ccs=443 appid=$IisAppId clientcertnegotiation=enable sslctlstorename=ClientAuthIssuer dsmapperusage=disable verifyclientcertrevocation=enable verifyrevocationwithcachedclientcertonly=disable")
    }

    It 'changes nothing on a ccs record that is as asked' {
        Set-TestHttpSys -Before @{ 'SslCcsBindingInfo\0.0.0.0:443' = New-WantedKey -Hash '' -Store '' }
        (Invoke-Set -Key '443' -Kind 'ccs' -Change @{ CertificateHash = ''; CertificateStore = '' }).changed | Should -BeFalse
        $script:Netsh | Should -HaveCount 0
    }

    It 'passes back the DefaultFlags bits it does not manage, <Name> (issue 10 item 5)' -ForEach @(
        @{ Name = 'reject'; Bit = 0x8; Parameter = 'reject=enable' }
        @{ Name = 'enable_token_binding'; Bit = 0x100; Parameter = 'enabletokenbinding=enable' }
        @{ Name = 'log_extended_events'; Bit = 0x200; Parameter = 'logextendedevents=enable' }
        @{ Name = 'enable_session_ticket'; Bit = 0x800; Parameter = 'enablesessionticket=enable' }
        @{ Name = 'disable_tls12'; Bit = 0x1000; Parameter = 'disabletls12=enable' }
        @{ Name = 'disable_session_id'; Bit = 0x4000; Parameter = 'disablesessionid=enable' }
    ) {
        # WINDOWS_FACTS HTTPSYS-8 (the bit), HTTPSYS-11 (the netsh parameter).
        Set-TestHttpSys -Before @{ 'SslBindingInfo\0.0.0.0:443' = New-WantedKey -Flags $Bit } -After @{ 'SslBindingInfo\0.0.0.0:443' = New-WantedKey -Flags (0x2 -bor $Bit) }
        (Invoke-Set).changed | Should -BeTrue
        @($script:Netsh) | Should -Be @("http update sslcert ipport=0.0.0.0:443 $BaseArguments $Parameter")
    }

    It 'passes back the usage check, the URL retrieval timeout and the CTL identifier it does not manage (issue 10 item 5)' {
        $before = New-WantedKey -Flags 0 -CheckMode 0x10000 -UrlTimeout 15000 -CtlIdentifier 'Partners'
        $after = New-WantedKey -CheckMode 0x10000 -UrlTimeout 15000 -CtlIdentifier 'Partners'
        Set-TestHttpSys -Before @{ 'SslBindingInfo\0.0.0.0:443' = $before } -After @{ 'SslBindingInfo\0.0.0.0:443' = $after }
        $null = Invoke-Set
        $script:Netsh[0] | Should -BeLike '* sslctlidentifier=Partners sslctlstorename=ClientAuthIssuer *'
        $script:Netsh[0] | Should -BeLike '* urlretrievaltimeout=15000 usagecheck=disable'
    }

    It 'restores the settings it does not manage from the saved copy, which holds what IIS dropped' {
        # The record as IIS rewrote it (WINDOWS_FACTS HTTPSYS-4): no reject, disabletls12, usage check setting, URL
        # retrieval timeout or CTL identifier; the copy httpsys_save kept has them.
        $saved = @{
            reject = $true; enable_token_binding = $false; log_extended_events = $false; enable_session_ticket = $false
            disable_tls12 = $true; disable_session_id = $false; usage_check_disabled = $true; url_retrieval_timeout = 15000
            ctl_identifier = 'Partners'
        }
        $after = New-WantedKey -Flags 0x100A -CheckMode 0x10000 -UrlTimeout 15000 -CtlIdentifier 'Partners'
        Set-TestHttpSys -Before @{ 'SslBindingInfo\0.0.0.0:443' = New-WantedKey } -After @{ 'SslBindingInfo\0.0.0.0:443' = $after }
        (Invoke-Set -Change @{ Saved = $saved }).changed | Should -BeTrue
        @($script:Netsh) | Should -Be @("http update sslcert ipport=0.0.0.0:443 certhash=$Hash appid=$IisAppId certstorename=MY clientcertnegotiation=enable sslctlidentifier=Partners sslctlstorename=ClientAuthIssuer dsmapperusage=disable verifyclientcertrevocation=enable verifyrevocationwithcachedclientcertonly=disable urlretrievaltimeout=15000 usagecheck=disable reject=enable disabletls12=enable")
    }

    It 'keeps the current record''s settings when the saved copy has none (a copy of an older engine)' {
        Set-TestHttpSys -Before @{ 'SslBindingInfo\0.0.0.0:443' = New-WantedKey -Flags 0xA }
        (Invoke-Set -Change @{ Saved = @{ certificate_hash = $Hash } }).changed | Should -BeFalse
        $script:Netsh | Should -HaveCount 0
    }

    It 'changes nothing for settings it does not manage when the managed ones are as asked' {
        Set-TestHttpSys -Before @{ 'SslBindingInfo\0.0.0.0:443' = New-WantedKey -Flags 0x5B0A -CheckMode 0x10000 -UrlTimeout 100 -CtlIdentifier 'X' }
        (Invoke-Set).changed | Should -BeFalse
        $script:Netsh | Should -HaveCount 0
    }

    It 'fails naming a kept setting the record lost in the read-back (issue 10 item 5)' {
        Set-TestHttpSys -Before @{ 'SslBindingInfo\0.0.0.0:443' = New-WantedKey -Flags 0x1008 } -After @{ 'SslBindingInfo\0.0.0.0:443' = New-WantedKey }
        { Invoke-Set -Change @{ DsMapper = $true } } |
            Should -Throw 'netsh http update sslcert ipport=0.0.0.0:443 exited 0 but the record read back differs in ds_mapper, reject, disable_tls12; *'
    }

    It 'clears a disable flag the record has by passing it disabled, and leaves unset ones out' {
        $before = New-WantedKey -Flags (0x2 -bor 0x40)
        Set-TestHttpSys -Before @{ 'SslBindingInfo\0.0.0.0:443' = $before } -After @{ 'SslBindingInfo\0.0.0.0:443' = New-WantedKey -Flags (0x2 -bor 0x10) }
        $null = Invoke-Set -Change @{ DisableHttp2 = $true }
        @($script:Netsh) | Should -Be @("http update sslcert ipport=0.0.0.0:443 $BaseArguments disabletls13=disable disablehttp2=enable")
    }

    It 'sets every disable flag it is asked for' {
        Set-TestHttpSys -After @{ 'SslBindingInfo\0.0.0.0:443' = New-WantedKey -Flags (0x2 -bor 0x4F0) }
        $null = Invoke-Set -Change @{ DisableTls13 = $true; DisableLegacyTls = $true; DisableHttp2 = $true; DisableQuic = $true; DisableOcspStapling = $true }
        $script:Netsh[0] | Should -BeLike '* disabletls13=enable disablelegacytls=enable disablehttp2=enable disablequic=enable disableocspstapling=enable'
    }

    It 'writes revocation <Revocation> as <Expected>' -ForEach @(
        @{ Revocation = 'off'; Mode = 1; Expected = 'verifyclientcertrevocation=disable' }
        @{ Revocation = 'cached_only'; Mode = 2; Expected = 'verifyclientcertrevocation=enable verifyrevocationwithcachedclientcertonly=enable' }
    ) {
        Set-TestHttpSys -After @{ 'SslBindingInfo\0.0.0.0:443' = New-WantedKey -CheckMode $Mode }
        $null = Invoke-Set -Change @{ Revocation = $Revocation }
        $script:Netsh[0] | Should -BeLike "* dsmapperusage=disable $Expected"
    }

    It 'writes a freshness time, and 0 only to clear one the record has' {
        $withFreshness = New-HttpSysKey -Hash $Hash -Store 'MY' -Flags 0x2 -CheckMode 4 -Freshness 600 -CtlStore 'ClientAuthIssuer'
        Set-TestHttpSys -After @{ 'SslBindingInfo\0.0.0.0:443' = $withFreshness }
        $null = Invoke-Set -Change @{ RevocationFreshnessSeconds = 600 }
        $script:Netsh[0] | Should -BeLike '* revocationfreshnesstime=600'
        Set-TestHttpSys -Before @{ 'SslBindingInfo\0.0.0.0:443' = $withFreshness } -After @{ 'SslBindingInfo\0.0.0.0:443' = New-WantedKey }
        $null = Invoke-Set
        $script:Netsh[0] | Should -BeLike '* revocationfreshnesstime=0'
        Set-TestHttpSys -After @{ 'SslBindingInfo\0.0.0.0:443' = New-WantedKey }
        $null = Invoke-Set
        $script:Netsh[0] | Should -Not -BeLike '*revocationfreshnesstime*'
    }

    It 'writes no CTL store when the op has none' {
        Set-TestHttpSys -After @{ 'SslBindingInfo\0.0.0.0:443' = New-HttpSysKey -Hash $Hash -Store 'MY' -Flags 0x2 }
        $null = Invoke-Set -Change @{ CtlStoreName = $null }
        $script:Netsh[0] | Should -Not -BeLike '*sslctlstorename*'
    }

    It 'fails with the exit code and netsh''s text as a diagnostic when netsh fails' {
        Set-TestHttpSys -ExitCode 1 -Output ("SSL Certificate add failed, Error: 183`nCannot create a file when that file already exists.`n`n" + ('x' * 600))
        $message = try { Invoke-Set } catch { $_.Exception.Message }
        $message | Should -BeLike 'netsh http add sslcert ipport=0.0.0.0:443 failed with exit code 1 (netsh said, localized: SSL Certificate add failed, Error: 183 Cannot create a file when that file already exists. xxx*'
        $message.Length | Should -BeLessThan 620
    }

    It 'fails when netsh exits 0 but the record is not in the registry' {
        Set-TestHttpSys
        { Invoke-Set } | Should -Throw 'netsh http add sslcert ipport=0.0.0.0:443 exited 0 but no ipport record with that key is in the registry afterwards; this Windows build may not know one of the parameters*'
    }

    It 'refuses <Case> before running netsh' -ForEach @(
        @{ Case = 'an unknown kind'; Key = '0.0.0.0:443'; Kind = 'scopedccs'; Change = @{}; Message = "kind 'scopedccs' is not supported; use ipport, hostnameport or ccs" }
        @{ Case = 'a ccs key that is not a port'; Key = '0.0.0.0:443'; Kind = 'ccs'; Change = @{ CertificateHash = ''; CertificateStore = '' }; Message = "key '0.0.0.0:443' is not a port from 1 to 65535 (ccs*" }
        @{ Case = 'a ccs port out of range'; Key = '65536'; Kind = 'ccs'; Change = @{ CertificateHash = ''; CertificateStore = '' }; Message = "key '65536' is not a port*" }
        @{ Case = 'a ccs record naming a certificate'; Key = '443'; Kind = 'ccs'; Change = @{ CertificateStore = '' }; Message = 'a ccs record names no certificate*' }
        @{ Case = 'a ccs record naming a store'; Key = '443'; Kind = 'ccs'; Change = @{ CertificateHash = '' }; Message = 'a ccs record names no certificate*' }
        @{ Case = 'a key without a port'; Key = 'www.contoso.com'; Kind = 'hostnameport'; Change = @{}; Message = "key 'www.contoso.com' is not address:port*" }
        @{ Case = 'a key with a space'; Key = 'a b:443'; Kind = 'ipport'; Change = @{}; Message = "key 'a b:443' is not address:port*" }
        @{ Case = 'a hash that is not SHA-1 hex'; Key = '0.0.0.0:443'; Kind = 'ipport'; Change = @{ CertificateHash = 'xyz' }; Message = "certificate_hash 'xyz' is not 40 hexadecimal characters*" }
        @{ Case = 'an empty store'; Key = '0.0.0.0:443'; Kind = 'ipport'; Change = @{ CertificateStore = '' }; Message = "certificate_store '' is empty or has spaces*" }
        @{ Case = 'an app id that is not a GUID'; Key = '0.0.0.0:443'; Kind = 'ipport'; Change = @{ AppId = 'IIS' }; Message = "app_id 'IIS' is not a GUID" }
        @{ Case = 'a CTL store with a space'; Key = '0.0.0.0:443'; Kind = 'ipport'; Change = @{ CtlStoreName = 'Client Auth' }; Message = "ctl_store_name 'Client Auth' is empty or has spaces*" }
        @{ Case = 'an unknown revocation'; Key = '0.0.0.0:443'; Kind = 'ipport'; Change = @{ Revocation = 'Online' }; Message = "revocation 'Online' is not one of online, cached_only, off" }
        @{ Case = 'a freshness time as text'; Key = '0.0.0.0:443'; Kind = 'ipport'; Change = @{ RevocationFreshnessSeconds = '60' }; Message = "revocation_freshness_seconds '60' is not an integer*" }
        @{ Case = 'a negative freshness time'; Key = '0.0.0.0:443'; Kind = 'ipport'; Change = @{ RevocationFreshnessSeconds = -1 }; Message = "revocation_freshness_seconds '-1' is not an integer*" }
    ) {
        Set-TestHttpSys
        { Invoke-Set -Key $Key -Kind $Kind -Change $Change } | Should -Throw $Message
        $script:Netsh | Should -HaveCount 0
    }
}

Describe 'Remove-MtlsHttpSysBinding' {
    It 'deletes a record with netsh delete, <Kind> <Key>' -ForEach @(
        @{ Kind = 'ipport'; Key = '0.0.0.0:443'; Path = 'SslBindingInfo\0.0.0.0:443' }
        @{ Kind = 'hostnameport'; Key = 'WWW.contoso.com:443'; Path = 'SslSniBindingInfo\www.contoso.com:443' }
        @{ Kind = 'ccs'; Key = '443'; Path = 'SslCcsBindingInfo\0.0.0.0:443' }
    ) {
        Set-TestHttpSys -Before @{ $Path = New-HttpSysKey -Hash $Hash } -After @{}
        (Remove-MtlsHttpSysBinding -Key $Key -Kind $Kind).changed | Should -BeTrue
        @($script:Netsh) | Should -Be @("http delete sslcert $Kind=$Key")
    }

    It 'changes nothing and runs no netsh when there is no such record' {
        Set-TestHttpSys -Before @{ 'SslSniBindingInfo\www.contoso.com:443' = New-HttpSysKey -Hash $Hash }
        (Remove-MtlsHttpSysBinding -Key '0.0.0.0:443' -Kind 'ipport').changed | Should -BeFalse
        $script:Netsh | Should -HaveCount 0
    }

    It 'fails when the record is still there after netsh exits 0' {
        Set-TestHttpSys -Before @{ 'SslBindingInfo\0.0.0.0:443' = New-HttpSysKey -Hash $Hash }
        { Remove-MtlsHttpSysBinding -Key '0.0.0.0:443' -Kind 'ipport' } |
            Should -Throw 'netsh http delete sslcert ipport=0.0.0.0:443 exited 0 but the record is still in the registry'
    }

    It 'refuses an unknown kind before running netsh' {
        Set-TestHttpSys
        { Remove-MtlsHttpSysBinding -Key '0.0.0.0:443' -Kind 'IPPORT' } | Should -Throw "kind 'IPPORT' is not supported*"
        $script:Netsh | Should -HaveCount 0
    }
}
