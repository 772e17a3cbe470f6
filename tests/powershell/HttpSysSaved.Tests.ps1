# HttpSysSaved.psm1 (httpsys_save, the saved copies gather reports and httpsys_set/_remove forget) above the registry
# boundary. The registry answers as Windows does (WINDOWS_FACTS REG-2, REG-3, HTTPSYS-5): one REG_SZ per copy under
# HKLM\SOFTWARE\mtls.iis\HttpSysSaved, names as stored, looked up case-insensitively.

BeforeAll {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'Common.ps1')
    Initialize-MtlsPesterSession

    $script:SavedPath = 'SOFTWARE\mtls.iis\HttpSysSaved'
    $script:Settings = @{
        certificate_hash = 'AB' * 20; certificate_store = 'MY'; app_id = '{4dc3e181-e14b-4a21-b022-59fc669b0914}'
        negotiate_client_certificate = $true; ctl_store_name = 'ClientAuthIssuer'; ds_mapper = $false
        revocation = 'online'; revocation_freshness_seconds = 0; disable_tls13 = $false; disable_legacy_tls = $false
        disable_http2 = $false; disable_quic = $false; disable_ocsp_stapling = $false
    }
    # The JSON Save-MtlsHttpSysRecord stores for $Settings: keys sorted, compressed.
    $script:SettingsJson = '{"app_id":"{4dc3e181-e14b-4a21-b022-59fc669b0914}","certificate_hash":"' + ('AB' * 20) +
    '","certificate_store":"MY","ctl_store_name":"ClientAuthIssuer","disable_http2":false,"disable_legacy_tls":false,' +
    '"disable_ocsp_stapling":false,"disable_quic":false,"disable_tls13":false,"ds_mapper":false,' +
    '"negotiate_client_certificate":true,"revocation":"online","revocation_freshness_seconds":0}'

    # The saved key of a test ($null: the key does not exist); Values: name -> @(kind, data). Writes are recorded.
    Function Set-TestSaved {
        param ([AllowNull()][hashtable]$Values)

        $script:SavedKey = $null
        if ($null -ne $Values) {
            $script:SavedKey = New-RegistryKeyAnswer -Values $Values
        }
        $script:Writes = New-Object -TypeName System.Collections.Generic.List[string]
    }
    foreach ($module in 'HttpSysSaved', 'HttpSysSavedWrite') {
        Mock -ModuleName $module Get-MtlsWinRegistryKey -ParameterFilter { $Path -eq $SavedPath } { $script:SavedKey }
    }
    Mock -ModuleName HttpSysSavedWrite Set-MtlsWinRegistryValue { $script:Writes.Add("set $Path|$Name|$Kind|$Data") }
    Mock -ModuleName HttpSysSavedWrite Remove-MtlsWinRegistryValue { $script:Writes.Add("delete $Path|$Name") }
}

Describe 'Save-MtlsHttpSysRecord' {
    It 'writes the settings as one REG_SZ of sorted JSON named "kind key" under the engine key' {
        Set-TestSaved -Values $null
        $result = Save-MtlsHttpSysRecord -Key 'www.contoso.com:443' -Kind 'hostnameport' -Settings $Settings
        $result.changed | Should -BeTrue
        @($Writes) | Should -Be @("set $SavedPath|hostnameport www.contoso.com:443|REG_SZ|$SettingsJson")
    }

    It 'keys the copy of a ccs record by its port (a CCS binding switched, WINDOWS_FACTS HTTPSYS-10)' {
        Set-TestSaved -Values $null
        (Save-MtlsHttpSysRecord -Key '443' -Kind 'ccs' -Settings $Settings).changed | Should -BeTrue
        @($Writes) | Should -Be @("set $SavedPath|ccs 443|REG_SZ|$SettingsJson")
    }

    It 'writes nothing and reports no change when the same copy is stored' {
        Set-TestSaved -Values @{ 'ipport 0.0.0.0:443' = @('REG_SZ', $SettingsJson) }
        $result = Save-MtlsHttpSysRecord -Key '0.0.0.0:443' -Kind 'ipport' -Settings $Settings
        $result.changed | Should -BeFalse
        $Writes.Count | Should -Be 0
    }

    It 'replaces a stored copy whose settings differ' {
        $older = $SettingsJson.Replace('"negotiate_client_certificate":true', '"negotiate_client_certificate":false')
        Set-TestSaved -Values @{ 'ipport 0.0.0.0:443' = @('REG_SZ', $older) }
        $result = Save-MtlsHttpSysRecord -Key '0.0.0.0:443' -Kind 'ipport' -Settings $Settings
        $result.changed | Should -BeTrue
        @($Writes) | Should -Be @("set $SavedPath|ipport 0.0.0.0:443|REG_SZ|$SettingsJson")
    }

    It 'refuses an unknown kind before writing anything' {
        Set-TestSaved -Values $null
        { Save-MtlsHttpSysRecord -Key '0.0.0.0:443' -Kind 'sni' -Settings $Settings } |
            Should -Throw "kind 'sni' is not supported; use ipport, hostnameport or ccs"
        $Writes.Count | Should -Be 0
    }
}

Describe 'Get-MtlsHttpSysSavedRecord' {
    It 'returns nothing when the key does not exist' {
        Set-TestSaved -Values $null
        @(Get-MtlsHttpSysSavedRecord).Count | Should -Be 0
    }

    It 'returns each copy with its kind, key and settings' {
        Set-TestSaved -Values @{ 'hostnameport www.contoso.com:443' = @('REG_SZ', $SettingsJson) }
        $saved = @(Get-MtlsHttpSysSavedRecord)
        $saved.Count | Should -Be 1
        $saved[0].kind | Should -Be 'hostnameport'
        $saved[0].key | Should -Be 'www.contoso.com:443'
        $saved[0].record.ctl_store_name | Should -Be 'ClientAuthIssuer'
        $saved[0].record.negotiate_client_certificate | Should -BeTrue
        $saved[0].record.Keys.Count | Should -Be $Settings.Count
    }

    It 'leaves out values that are not a REG_SZ named "kind key"' {
        Set-TestSaved -Values @{
            'ipport 0.0.0.0:443' = @('REG_SZ', $SettingsJson)
            'nospace' = @('REG_SZ', $SettingsJson)
            'ipport 0.0.0.0:8443' = @('REG_DWORD', 1L)
        }
        $saved = @(Get-MtlsHttpSysSavedRecord)
        $saved.Count | Should -Be 1
        $saved[0].key | Should -Be '0.0.0.0:443'
    }
}

Describe 'Get-MtlsHttpSysSavedSetting' {
    It 'returns the settings of the copy kept for the record, its key found in another casing' {
        Set-TestSaved -Values @{ 'hostnameport WWW.Contoso.com:443' = @('REG_SZ', $SettingsJson); 'ipport 0.0.0.0:443' = @('REG_SZ', '{"other":1}') }
        $settings = Get-MtlsHttpSysSavedSetting -Key 'www.contoso.com:443' -Kind 'hostnameport'
        $settings.ctl_store_name | Should -Be 'ClientAuthIssuer'
        $settings.Keys.Count | Should -Be $Settings.Count
    }

    It 'returns $null when no copy of that kind and key is kept' {
        Set-TestSaved -Values @{ 'hostnameport 0.0.0.0:443' = @('REG_SZ', $SettingsJson) }
        Get-MtlsHttpSysSavedSetting -Key '0.0.0.0:443' -Kind 'ipport' | Should -BeNullOrEmpty
    }
}

Describe 'Clear-MtlsHttpSysSavedRecord' {
    It 'deletes the copy and reports that one was there' {
        Set-TestSaved -Values @{ 'ipport 0.0.0.0:443' = @('REG_SZ', $SettingsJson) }
        Clear-MtlsHttpSysSavedRecord -Key '0.0.0.0:443' -Kind 'ipport' | Should -BeTrue
        @($Writes) | Should -Be @("delete $SavedPath|ipport 0.0.0.0:443")
    }

    It 'finds a copy stored under another casing, as the registry does' {
        # WINDOWS_FACTS REG-2: value names are case-insensitive; a host name may come back in another casing.
        Set-TestSaved -Values @{ 'hostnameport WWW.Contoso.com:443' = @('REG_SZ', $SettingsJson) }
        Clear-MtlsHttpSysSavedRecord -Key 'www.contoso.com:443' -Kind 'hostnameport' | Should -BeTrue
        $Writes.Count | Should -Be 1
    }

    It 'deletes nothing and reports false when no copy is kept' {
        Set-TestSaved -Values @{ 'ipport 0.0.0.0:8443' = @('REG_SZ', $SettingsJson) }
        Clear-MtlsHttpSysSavedRecord -Key '0.0.0.0:443' -Kind 'ipport' | Should -BeFalse
        $Writes.Count | Should -Be 0
    }

    It 'deletes nothing and reports false when the key does not exist' {
        Set-TestSaved -Values $null
        Clear-MtlsHttpSysSavedRecord -Key '0.0.0.0:443' -Kind 'ipport' | Should -BeFalse
        $Writes.Count | Should -Be 0
    }
}
