# HttpSysRecord.psm1 above the registry boundary: HTTP.sys records read from where HTTP.sys persists them (WINDOWS_FACTS
# HTTPSYS-6, -7, -10), and the same records as httpsys_set settings. Mocks answer as the registry does (REG-*).

BeforeAll {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'Common.ps1')
    . (Join-Path -Path $PSScriptRoot -ChildPath 'HttpSysFixtures.ps1')
    Initialize-MtlsPesterSession

    $script:Hash = 'AB' * 20
    $script:Registry = @{}
    # WINDOWS_FACTS REG-3: $null for a key that does not exist; subkeys by name; values with Windows' type names.
    Mock -ModuleName HttpSysRecord Get-MtlsWinRegistryKey { $script:Registry[$Path] }

    Function Get-Record {
        param ([hashtable]$Records)

        $script:Registry = New-HttpSysRegistry -Records $Records
        # The comma keeps a one-record answer a list.
        , @(Get-MtlsHttpSysBinding)
    }

    # One ipport record, read and converted to the settings of httpsys_set.
    Function ConvertFrom-Key {
        param ([hashtable]$RegistryKey)

        $record = (Get-Record -Records @{ 'SslBindingInfo\0.0.0.0:443' = $RegistryKey })[0]
        ConvertFrom-MtlsHttpSysRecord -Record $record
    }
}

Describe 'Get-MtlsHttpSysBinding' {
    It 'reads an ipport record with every setting HTTP.sys keeps' {
        $records = Get-Record -Records @{
            'SslBindingInfo\0.0.0.0:443' = New-HttpSysKey -Hash $Hash.ToLowerInvariant() -Store 'My' -Flags 0x1003 -CheckMode 0x10006 `
                -Freshness 3600 -UrlTimeout 5000 -CtlStore 'ClientAuthIssuer' -CtlIdentifier 'Partners'
        }
        $records | Should -HaveCount 1
        $record = $records[0]
        $record.key | Should -Be '0.0.0.0:443'
        $record.kind | Should -Be 'ipport'
        $record.cert_hash | Should -BeExactly $Hash
        $record.cert_store | Should -Be 'My'
        $record.app_id | Should -Be $IisAppId
        $record.ctl_store_name | Should -Be 'ClientAuthIssuer'
        $record.ctl_identifier | Should -Be 'Partners'
        $record.default_flags | Should -Be 0x1003
        $record.cert_check_mode | Should -Be 0x10006
        $record.revocation_freshness_time | Should -Be 3600
        $record.revocation_url_retrieval_timeout | Should -Be 5000
    }

    It 'reads ipport, then hostnameport, then ccs records' {
        $records = Get-Record -Records @{
            'SslCcsBindingInfo\0.0.0.0:443' = New-HttpSysKey
            'SslSniBindingInfo\www.contoso.com:443' = New-HttpSysKey -Hash $Hash -Store 'WebHosting'
            'SslBindingInfo\10.0.0.5:8443' = New-HttpSysKey -Hash $Hash
        }
        @($records | ForEach-Object { "$($_.kind) $($_.key)" }) | Should -Be @('ipport 10.0.0.5:8443', 'hostnameport www.contoso.com:443', 'ccs 443')
    }

    It 'keys a ccs record by its port, from a subkey <SubKey>' -ForEach @(
        @{ SubKey = '0.0.0.0:443' }
        @{ SubKey = '443' }
    ) {
        # WINDOWS_FACTS HTTPSYS-10: the CCS key is the port (HTTP_SERVICE_CONFIG_SSL_CCS_KEY, address 0.0.0.0).
        $record = (Get-Record -Records @{ "SslCcsBindingInfo\$SubKey" = New-HttpSysKey -Flags 2 })[0]
        $record.key | Should -Be '443'
        $record.kind | Should -Be 'ccs'
    }

    It 'reports a ccs record without certificate or store, and other records in MY when they name no store' {
        $records = Get-Record -Records @{
            'SslCcsBindingInfo\0.0.0.0:443' = New-HttpSysKey
            'SslBindingInfo\0.0.0.0:443' = New-HttpSysKey -Hash $Hash
        }
        $ccs = $records | Where-Object { $_.kind -eq 'ccs' }
        $ccs.cert_hash | Should -BeExactly ''
        $ccs.cert_store | Should -BeExactly ''
        ($records | Where-Object { $_.kind -eq 'ipport' }).cert_store | Should -Be 'MY'
    }

    It 'reports absent optional settings as none and 0' {
        $record = (Get-Record -Records @{ 'SslBindingInfo\0.0.0.0:443' = New-HttpSysKey -Hash $Hash })[0]
        $record.ctl_store_name | Should -BeNullOrEmpty
        $record.ctl_identifier | Should -BeNullOrEmpty
        $record.default_flags | Should -Be 0
        $record.cert_check_mode | Should -Be 0
        $record.revocation_freshness_time | Should -Be 0
        $record.revocation_url_retrieval_timeout | Should -Be 0
    }

    It 'reads nothing when no table exists, and one registry read per table' {
        (Get-Record -Records @{}) | Should -HaveCount 0
        Should -Invoke -ModuleName HttpSysRecord Get-MtlsWinRegistryKey -Times 3 -Exactly
    }

    It 'skips a record that is gone between reading its table and reading it' {
        $script:Registry = New-HttpSysRegistry -Records @{ 'SslBindingInfo\0.0.0.0:443' = New-HttpSysKey -Hash $Hash }
        $script:Registry.Remove("$HttpParameters\SslBindingInfo\0.0.0.0:443")
        @(Get-MtlsHttpSysBinding) | Should -HaveCount 0
    }

    It 'finds value names in any case, as the registry does' {
        # WINDOWS_FACTS REG-2
        $key = New-RegistryKeyAnswer -Values @{ sslcerthash = @('REG_BINARY', [byte[]](1..20)); DEFAULTFLAGS = @('REG_DWORD', 2L) }
        $record = (Get-Record -Records @{ 'SslBindingInfo\0.0.0.0:443' = $key })[0]
        $record.cert_hash | Should -Be '0102030405060708090A0B0C0D0E0F1011121314'
        $record.default_flags | Should -Be 2
    }

    It 'takes the host:port of an SNI record from its HostnamePort value when it has one' {
        $key = New-HttpSysKey -Hash $Hash -Extra @{ HostnamePort = @('REG_SZ', 'WWW.Contoso.com:443') }
        (Get-Record -Records @{ 'SslSniBindingInfo\www.contoso.com:443' = $key })[0].key | Should -Be 'WWW.Contoso.com:443'
    }

    It 'reads the CTL store under its alternative name SslCtlStoreName' {
        $key = New-HttpSysKey -Hash $Hash -Extra @{ SslCtlStoreName = @('REG_SZ', 'Partners') }
        (Get-Record -Records @{ 'SslBindingInfo\0.0.0.0:443' = $key })[0].ctl_store_name | Should -Be 'Partners'
    }

    It 'reads a REG_QWORD number and ignores a number stored as text' {
        $key = New-HttpSysKey -Hash $Hash -Extra @{ DefaultFlags = @('REG_QWORD', [uint64]64); DefaultSslCertCheckMode = @('REG_SZ', '1') }
        $record = (Get-Record -Records @{ 'SslBindingInfo\0.0.0.0:443' = $key })[0]
        $record.default_flags | Should -Be 64
        $record.cert_check_mode | Should -Be 0
    }

    It 'reports an app id that is not a 16-byte GUID as its <Case>' -ForEach @(
        @{ Case = 'hex'; Data = @('REG_BINARY', [byte[]](1, 2, 3)); Expected = '010203' }
        @{ Case = 'text'; Data = @('REG_SZ', '{AAAA}'); Expected = '{AAAA}' }
        @{ Case = 'lines'; Data = @('REG_MULTI_SZ', [string[]]('a', 'b')); Expected = 'a b' }
    ) {
        $key = New-HttpSysKey -Hash $Hash -AppId '' -Extra @{ AppId = $Data }
        (Get-Record -Records @{ 'SslBindingInfo\0.0.0.0:443' = $key })[0].app_id | Should -Be $Expected
    }

    It 'ignores an empty value' {
        $key = New-HttpSysKey -Hash $Hash -Extra @{ DefaultSslCtlStoreName = @('REG_SZ', '  '); SslCtlStoreName = @('REG_SZ', $null) }
        (Get-Record -Records @{ 'SslBindingInfo\0.0.0.0:443' = $key })[0].ctl_store_name | Should -BeNullOrEmpty
    }
}

Describe 'ConvertFrom-MtlsHttpSysRecord' {
    It 'reads revocation <Expected> from check mode <Mode>' -ForEach @(
        @{ Mode = 0; Expected = 'online' }
        @{ Mode = 1; Expected = 'off' }
        @{ Mode = 2; Expected = 'cached_only' }
        @{ Mode = 3; Expected = 'off' }
        @{ Mode = 0x10004; Expected = 'online' }
    ) {
        # WINDOWS_FACTS HTTPSYS-9
        (ConvertFrom-Key -RegistryKey (New-HttpSysKey -Hash $Hash -CheckMode $Mode)).revocation | Should -Be $Expected
    }

    It 'reads every managed and kept DefaultFlags bit by its name' {
        # WINDOWS_FACTS HTTPSYS-8
        $settings = ConvertFrom-Key -RegistryKey (New-HttpSysKey -Hash $Hash -Flags 0x5FFB)
        foreach ($name in @('ds_mapper', 'negotiate_client_certificate', 'disable_http2', 'disable_quic', 'disable_tls13',
                'disable_ocsp_stapling', 'disable_legacy_tls', 'reject', 'enable_token_binding', 'log_extended_events',
                'enable_session_ticket', 'disable_tls12', 'disable_session_id')) {
            $settings[$name] | Should -BeTrue -Because $name
        }
        $none = ConvertFrom-Key -RegistryKey (New-HttpSysKey -Hash $Hash -Flags 0x4)
        @($none.Values | Where-Object { $_ -is [bool] -and $_ }) | Should -HaveCount 0
    }

    It 'reads the usage check, the URL retrieval timeout and the CTL identifier' {
        $settings = ConvertFrom-Key -RegistryKey (New-HttpSysKey -Hash $Hash -CheckMode 0x10000 -UrlTimeout 15000 -CtlIdentifier 'Partners')
        $settings.usage_check_disabled | Should -BeTrue
        $settings.url_retrieval_timeout | Should -Be 15000
        $settings.ctl_identifier | Should -Be 'Partners'
    }

    It 'normalises the hash to upper case and the app id to braced lower case' {
        $settings = ConvertFrom-Key -RegistryKey (New-HttpSysKey -Hash $Hash.ToLowerInvariant() -AppId '{4DC3E181-E14B-4A21-B022-59FC669B0914}')
        $settings.certificate_hash | Should -BeExactly $Hash
        $settings.app_id | Should -BeExactly $IisAppId
    }
}

Describe 'Compare-MtlsHttpSysSetting' {
    It 'names the settings that differ, comparing text case-insensitively and null as empty' {
        $current = [ordered]@{ certificate_store = 'MY'; ctl_store_name = $null; reject = $true; url_retrieval_timeout = 0 }
        $wanted = [ordered]@{ certificate_store = 'my'; ctl_store_name = ''; reject = $false; url_retrieval_timeout = 5000 }
        $differences = Compare-MtlsHttpSysSetting -Current $current -Wanted $wanted
        $differences | Should -Be @('reject', 'url_retrieval_timeout')
    }

    It 'returns an empty list when nothing differs' {
        $same = [ordered]@{ app_id = $IisAppId }
        $differences = Compare-MtlsHttpSysSetting -Current $same -Wanted $same
        , $differences | Should -BeOfType [object[]]
        $differences.Count | Should -Be 0
    }
}

Describe 'ConvertTo-MtlsGuidText' {
    It 'keeps text that is not a GUID, trimmed' {
        ConvertTo-MtlsGuidText -Value ' not-a-guid ' | Should -Be 'not-a-guid'
    }
}
