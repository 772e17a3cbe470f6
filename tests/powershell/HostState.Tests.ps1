# The functions of the engine's modules, host_state_gather.ps1 (scope handling) and host_state_apply.ps1 (dispatcher,
# op arguments, commit semantics of IIS runs, failure messages, secret masking), with the engine utils mocked: the
# utils have tests of their own, and the engine decides nothing about Windows.

BeforeAll {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'Common.ps1')
    Initialize-MtlsPesterSession
    . $HostStateLoader

    $script:Thumbprint = 'A' * 40
    $script:Context = @{ iis = @{ session = 'the IIS session' } }
    # Every engine util function a handler calls, answering changed=true unless a test says otherwise.
    $script:UtilFunctions = @(
        'New-MtlsCertStore', 'Add-MtlsCertificate', 'Move-MtlsCertificate', 'Remove-MtlsCertificate',
        'Set-MtlsSchannelValue', 'Remove-MtlsSchannelValue', 'Import-MtlsPfxCertificate', 'Add-MtlsIisBinding',
        'Remove-MtlsIisBinding', 'Set-MtlsIisBindingCertificate', 'Set-MtlsIisBindingSslFlag', 'Set-MtlsHttpSysBinding',
        'Remove-MtlsHttpSysBinding', 'Set-MtlsIisAccessSslFlag', 'Remove-MtlsIisAccessSslFlag', 'Install-MtlsWindowsFeature',
        'Set-MtlsIisAuthSection', 'Set-MtlsIisOneToOneMapping', 'Remove-MtlsIisOneToOneMapping', 'Set-MtlsIisManyToOneMapping',
        'Remove-MtlsIisManyToOneMapping', 'Set-MtlsIisTracing', 'Remove-MtlsIisTracing', 'Clear-MtlsIisSection',
        'Save-MtlsHttpSysRecord'
    )
    foreach ($function in $script:UtilFunctions) {
        Mock $function { @{ changed = $true } }
    }
    # The copies httpsys_save keeps (registry, HttpSys.psm1): none here, so httpsys_set/httpsys_remove forget none.
    Mock Clear-MtlsHttpSysSavedRecord { $false }
    Mock Get-MtlsHttpSysSavedRecord { }
    Mock Get-MtlsHttpSysSavedSetting { $null }
}

Describe 'Get-OpArgument' {
    It 'returns the argument' {
        Get-OpArgument -Op @{ op = 'x'; store = 'Root' } -Name 'store' | Should -Be 'Root'
    }

    It 'fails naming a missing argument' {
        { Get-OpArgument -Op @{ op = 'x' } -Name 'store' } | Should -Throw "*argument 'store' is missing*"
    }

    It 'fails naming a null argument unless null is allowed' {
        { Get-OpArgument -Op @{ store = $null } -Name 'store' } | Should -Throw "*argument 'store' is missing*"
        Get-OpArgument -Op @{ store = $null } -Name 'store' -AllowNull | Should -BeNullOrEmpty
    }

    It 'returns null for a missing optional argument' {
        Get-OpArgument -Op @{ op = 'x' } -Name 'password_ref' -Optional | Should -BeNullOrEmpty
    }

    It 'keeps an empty list and a one-element list a list' {
        $empty = Get-OpArgument -Op @{ rules = @() } -Name 'rules'
        , $empty | Should -BeOfType [object[]]
        $empty.Count | Should -Be 0
        $one = Get-OpArgument -Op @{ rules = @('a') } -Name 'rules'
        , $one | Should -BeOfType [object[]]
        $one.Count | Should -Be 1
    }
}

Describe 'Get-SecretValue' {
    It 'returns the secret the reference names' {
        Get-SecretValue -Secrets @{ p1 = 's3cret' } -Reference 'p1' | Should -Be 's3cret'
    }

    It 'fails naming the reference, never a value, when secrets lack it' {
        { Get-SecretValue -Secrets @{ other = 's3cret' } -Reference 'p1' } |
            Should -Throw "*secrets has no entry 'p1' (the op's password_ref)*"
        try {
            Get-SecretValue -Secrets @{ other = 's3cret' } -Reference 'p1'
        }
        catch {
            "$_" | Should -Not -BeLike '*s3cret*'
        }
    }

    It 'fails when no secrets were sent' {
        { Get-SecretValue -Secrets $null -Reference 'p1' } | Should -Throw "*secrets has no entry 'p1'*"
    }

    It 'fails when the entry is not text' {
        { Get-SecretValue -Secrets @{ p1 = 5 } -Reference 'p1' } | Should -Throw "*secrets entry 'p1' is not a string*"
    }
}

Describe 'the op dispatcher (Invoke-Op)' {
    It 'op <Op.op> calls <Function> with the op arguments' -ForEach @(
        @{ Op = @{ op = 'store_create'; store = 'ClientAuthIssuer' }; Function = 'New-MtlsCertStore'; Filter = { $Name -eq 'ClientAuthIssuer' } }
        @{ Op = @{ op = 'cert_import'; store = 'Root'; der = 'MIIB'; thumbprint = 'A' * 40 }; Function = 'Add-MtlsCertificate'
            Filter = { $StoreName -eq 'Root' -and $Der -eq 'MIIB' -and $Thumbprint -eq 'A' * 40 } }
        @{ Op = @{ op = 'cert_move'; from_store = 'Root'; to_store = 'CA'; thumbprint = 'B' * 40 }; Function = 'Move-MtlsCertificate'
            Filter = { $FromStore -eq 'Root' -and $ToStore -eq 'CA' -and $Thumbprint -eq 'B' * 40 } }
        @{ Op = @{ op = 'cert_remove'; store = 'CA'; thumbprint = 'C' * 40 }; Function = 'Remove-MtlsCertificate'
            Filter = { $StoreName -eq 'CA' -and $Thumbprint -eq 'C' * 40 } }
        @{ Op = @{ op = 'schannel_set'; name = 'ClientAuthTrustMode'; value = 2 }; Function = 'Set-MtlsSchannelValue'
            Filter = { $Name -eq 'ClientAuthTrustMode' -and $Value -eq 2 } }
        @{ Op = @{ op = 'schannel_unset'; name = 'SendTrustedIssuerList' }; Function = 'Remove-MtlsSchannelValue'
            Filter = { $Name -eq 'SendTrustedIssuerList' } }
        @{ Op = @{ op = 'pfx_import'; store = 'My'; pfx = 'MIIK'; password_ref = 'p0'; thumbprint = 'D' * 40 }; Function = 'Import-MtlsPfxCertificate'
            Filter = { $StoreName -eq 'My' -and $Pfx -eq 'MIIK' -and $Password -eq 'pfx-secret' -and $Thumbprint -eq 'D' * 40 } }
        @{ Op = @{ op = 'binding_add'; site = 'Contoso'; binding_information = '*:443:'; ssl_flags = 0; certificate_hash = 'E' * 40; certificate_store = 'My' }
            Function = 'Add-MtlsIisBinding'
            Filter = { $Session.session -eq 'the IIS session' -and $SiteName -eq 'Contoso' -and $BindingInformation -eq '*:443:' -and $SslFlags -eq 0 -and $CertificateHash -eq 'E' * 40 -and $CertificateStore -eq 'My' } }
        @{ Op = @{ op = 'binding_remove'; site = 'Contoso'; binding_information = '*:443:' }; Function = 'Remove-MtlsIisBinding'
            Filter = { $Session.session -eq 'the IIS session' -and $SiteName -eq 'Contoso' -and $BindingInformation -eq '*:443:' } }
        @{ Op = @{ op = 'binding_set_cert'; site = 'Contoso'; binding_information = '*:443:'; certificate_hash = 'F' * 40; certificate_store = 'WebHosting' }
            Function = 'Set-MtlsIisBindingCertificate'
            Filter = { $Session.session -eq 'the IIS session' -and $SiteName -eq 'Contoso' -and $CertificateHash -eq 'F' * 40 -and $CertificateStore -eq 'WebHosting' } }
        @{ Op = @{ op = 'binding_set_flags'; site = 'Contoso'; binding_information = '*:443:a'; ssl_flags = 33 }; Function = 'Set-MtlsIisBindingSslFlag'
            Filter = { $Session.session -eq 'the IIS session' -and $BindingInformation -eq '*:443:a' -and $SslFlags -eq 33 } }
        @{ Op = @{
                op = 'httpsys_set'; key = '0.0.0.0:443'; kind = 'ipport'; certificate_hash = 'A' * 40; certificate_store = 'MY'
                app_id = '{4dc3e181-e14b-4a21-b022-59fc669b0914}'; negotiate_client_certificate = $true; ctl_store_name = $null
                ds_mapper = $false; revocation = 'online'; revocation_freshness_seconds = 0; disable_tls13 = $true
                disable_legacy_tls = $false; disable_http2 = $true; disable_quic = $false; disable_ocsp_stapling = $true
            }
            Function = 'Set-MtlsHttpSysBinding'
            Filter = {
                $Key -eq '0.0.0.0:443' -and $Kind -eq 'ipport' -and $CertificateStore -eq 'MY' -and $NegotiateClientCertificate -and
                $null -eq $CtlStoreName -and -not $DsMapper -and $Revocation -eq 'online' -and $RevocationFreshnessSeconds -eq 0 -and
                $DisableTls13 -and -not $DisableLegacyTls -and $DisableHttp2 -and -not $DisableQuic -and $DisableOcspStapling -and
                $AppId -eq '{4dc3e181-e14b-4a21-b022-59fc669b0914}' -and $CertificateHash -eq 'A' * 40
            } }
        @{ Op = @{ op = 'httpsys_remove'; key = 'www.contoso.com:443'; kind = 'hostnameport' }; Function = 'Remove-MtlsHttpSysBinding'
            Filter = { $Key -eq 'www.contoso.com:443' -and $Kind -eq 'hostnameport' } }
        @{ Op = @{
                op = 'httpsys_save'; key = 'www.contoso.com:443'; kind = 'hostnameport'; certificate_hash = 'A' * 40
                certificate_store = 'My'; app_id = '{4dc3e181-e14b-4a21-b022-59fc669b0914}'; negotiate_client_certificate = $true
                ctl_store_name = 'ClientAuthIssuer'; ds_mapper = $false; revocation = 'cached_only'; revocation_freshness_seconds = 60
                disable_tls13 = $false; disable_legacy_tls = $false; disable_http2 = $true; disable_quic = $false; disable_ocsp_stapling = $false
                reject = $true; enable_token_binding = $false; log_extended_events = $false; enable_session_ticket = $false
                disable_tls12 = $true; disable_session_id = $false; usage_check_disabled = $true; url_retrieval_timeout = 15000
                ctl_identifier = $null
            }
            Function = 'Save-MtlsHttpSysRecord'
            Filter = {
                $Key -eq 'www.contoso.com:443' -and $Kind -eq 'hostnameport' -and $Settings.Count -eq 22 -and
                $Settings.reject -and $Settings.disable_tls12 -and -not $Settings.disable_session_id -and
                $Settings.usage_check_disabled -and $Settings.url_retrieval_timeout -eq 15000 -and
                $Settings.Contains('ctl_identifier') -and $null -eq $Settings.ctl_identifier -and
                $Settings.ctl_store_name -eq 'ClientAuthIssuer' -and $Settings.revocation -eq 'cached_only' -and
                $Settings.revocation_freshness_seconds -eq 60 -and $Settings.disable_http2 -and $Settings.certificate_store -eq 'My'
            } }
        @{ Op = @{ op = 'access_set'; location = 'Contoso/api'; ssl_flags = 104 }; Function = 'Set-MtlsIisAccessSslFlag'
            Filter = { $Session.session -eq 'the IIS session' -and $Location -eq 'Contoso/api' -and $SslFlags -eq 104 } }
        @{ Op = @{ op = 'access_unset'; location = 'Contoso/api' }; Function = 'Remove-MtlsIisAccessSslFlag'
            Filter = { $Session.session -eq 'the IIS session' -and $Location -eq 'Contoso/api' } }
        @{ Op = @{ op = 'feature_install'; name = 'Web-Cert-Auth' }; Function = 'Install-MtlsWindowsFeature'; Filter = { $Name -eq 'Web-Cert-Auth' } }
        @{ Op = @{ op = 'auth_set'; location = 'Contoso'; section = 'iis_mapping'; attributes = @{ enabled = $true } }; Function = 'Set-MtlsIisAuthSection'
            Filter = { $Session.session -eq 'the IIS session' -and $Location -eq 'Contoso' -and $Section -eq 'iis_mapping' -and $Attributes.enabled } }
        @{ Op = @{ op = 'one_to_one_set'; location = 'Contoso'; certificate = 'MIIC'; user = 'CONTOSO\a'; enabled = $true }
            Function = 'Set-MtlsIisOneToOneMapping'
            Filter = { $Location -eq 'Contoso' -and $Certificate -eq 'MIIC' -and $UserName -eq 'CONTOSO\a' -and $Enabled -and $null -eq $Password } }
        @{ Op = @{ op = 'one_to_one_set'; location = 'Contoso'; certificate = 'MIIC'; user = 'CONTOSO\a'; enabled = $true; password_ref = 'm1' }
            Function = 'Set-MtlsIisOneToOneMapping'; Filter = { $Password -eq 'mapping-secret' } }
        @{ Op = @{ op = 'one_to_one_remove'; location = 'Contoso'; certificate = 'MIIC' }; Function = 'Remove-MtlsIisOneToOneMapping'
            Filter = { $Session.session -eq 'the IIS session' -and $Location -eq 'Contoso' -and $Certificate -eq 'MIIC' } }
        @{ Op = @{
                op = 'many_to_one_set'; location = 'Contoso'; name = 'partners'; description = $null; enabled = $true; permission = 'Allow'
                user = 'CONTOSO\p'; rules = @(@{ field = 'Subject'; subfield = 'O'; match = 'F*'; case_sensitive = $true })
            }
            Function = 'Set-MtlsIisManyToOneMapping'
            Filter = {
                $Name -eq 'partners' -and $null -eq $Description -and $Enabled -and $Permission -eq 'Allow' -and $UserName -eq 'CONTOSO\p' -and
                @($Rules).Count -eq 1 -and $Rules[0].match -eq 'F*' -and $null -eq $Password
            } }
        @{ Op = @{
                op = 'many_to_one_set'; location = 'Contoso'; name = 'partners'; description = 'd'; enabled = $true; permission = 'Deny'
                user = 'CONTOSO\p'; rules = @(); password_ref = 'm1'
            }
            Function = 'Set-MtlsIisManyToOneMapping'; Filter = { @($Rules).Count -eq 0 -and $Password -eq 'mapping-secret' } }
        @{ Op = @{ op = 'many_to_one_remove'; location = 'Contoso'; name = 'partners' }; Function = 'Remove-MtlsIisManyToOneMapping'
            Filter = { $Location -eq 'Contoso' -and $Name -eq 'partners' } }
        @{ Op = @{ op = 'tracing_set'; site = 'Contoso'; enabled = $true; directory = 'D:\freb'; max_log_files = 50; path = '*'; status_codes = @('403.16') }
            Function = 'Set-MtlsIisTracing'
            Filter = {
                $SiteName -eq 'Contoso' -and $Enabled -and $Directory -eq 'D:\freb' -and $MaxLogFiles -eq 50 -and $Path -eq '*' -and
                @($StatusCodes) -join ',' -eq '403.16'
            } }
        @{ Op = @{ op = 'tracing_remove'; site = 'Contoso'; path = '*' }; Function = 'Remove-MtlsIisTracing'
            Filter = { $Session.session -eq 'the IIS session' -and $SiteName -eq 'Contoso' -and $Path -eq '*' } }
        @{ Op = @{ op = 'section_clear'; location = 'Contoso/api'; section = 'iis_mapping' }; Function = 'Clear-MtlsIisSection'
            Filter = { $Session.session -eq 'the IIS session' -and $Location -eq 'Contoso/api' -and $Section -eq 'iis_mapping' } }
    ) {
        $secrets = @{ p0 = 'pfx-secret'; m1 = 'mapping-secret' }
        $outcome = Invoke-Op -Op $Op -Secrets $secrets -Context $Context -Name $Op.op
        $outcome.changed | Should -BeTrue
        Should -Invoke $Function -Times 1 -Exactly -ParameterFilter $Filter
    }

    It 'httpsys_set passes the copy httpsys_save kept for its record, which holds what IIS dropped' {
        Mock Get-MtlsHttpSysSavedSetting -ParameterFilter { $Key -eq '0.0.0.0:443' -and $Kind -eq 'ipport' } { @{ reject = $true } }
        $op = @{
            op = 'httpsys_set'; key = '0.0.0.0:443'; kind = 'ipport'; certificate_hash = 'A' * 40; certificate_store = 'MY'
            app_id = '{4dc3e181-e14b-4a21-b022-59fc669b0914}'; negotiate_client_certificate = $true; ctl_store_name = $null
            ds_mapper = $false; revocation = 'online'; revocation_freshness_seconds = 0; disable_tls13 = $false
            disable_legacy_tls = $false; disable_http2 = $false; disable_quic = $false; disable_ocsp_stapling = $false
        }
        $null = Invoke-Op -Op $op -Secrets $null -Context $Context -Name 'httpsys_set'
        Should -Invoke Set-MtlsHttpSysBinding -Times 1 -Exactly -ParameterFilter { $Saved.reject -eq $true }
    }

    It 'knows exactly the ops of its argument table' {
        @($OpHandlers.Keys | Sort-Object) | Should -Be @($OpArguments.Keys | Sort-Object)
    }

    It 'refuses an unknown op, listing the ops it knows' {
        { Invoke-Op -Op @{ op = 'cert_nuke' } -Secrets $null -Context $Context -Name 'cert_nuke' } |
            Should -Throw '*unknown op; this host_state knows access_set, access_unset, auth_set,*use the same mtls.iis version*'
    }

    It 'refuses an argument the op does not take before running it' {
        { Invoke-Op -Op @{ op = 'schannel_unset'; name = 'ClientAuthTrustMode'; value = 1 } -Secrets $null -Context $Context -Name 'schannel_unset' } |
            Should -Throw '*unsupported argument(s): value*'
        Should -Invoke Remove-MtlsSchannelValue -Times 0 -Exactly
    }

    It 'refuses a handler result that is not exactly one hashtable (a bug in host_state)' {
        Mock Remove-MtlsSchannelValue { @{ changed = $true }; 'stray output' }
        { Invoke-Op -Op @{ op = 'schannel_unset'; name = 'ClientAuthTrustMode' } -Secrets $null -Context $Context -Name 'schannel_unset' } |
            Should -Throw '*the handler returned 2 objects instead of one result (a bug in host_state)*'
    }
}

Describe 'Get-OpName' {
    It 'reads the op name, and ? for an entry without one' {
        Get-OpName -Op @{ op = 'cert_remove' } | Should -Be 'cert_remove'
        Get-OpName -Op @{ store = 'x' } | Should -Be '?'
        Get-OpName -Op 'not a dict' | Should -Be '?'
        Get-OpName -Op @{ op = $null } | Should -Be '?'
    }
}

Describe 'Invoke-OpList' {
    BeforeAll {
        $script:Calls = New-Object -TypeName System.Collections.Generic.List[string]
        Mock New-MtlsIisSession { $script:Calls.Add('new session'); @{ session = 'the IIS session' } }
        Mock Save-MtlsIisSession { $script:Calls.Add('commit') }
        Mock Close-MtlsIisSession { $script:Calls.Add('close') }
        Mock Assert-MtlsIisAuthConsistent { $script:Calls.Add('check') }
        Mock Set-MtlsSchannelValue { $script:Calls.Add("schannel_set $Name"); @{ changed = $true } }
        Mock Set-MtlsIisAccessSslFlag { $script:Calls.Add("access_set $Location"); @{ changed = $true } }
        Mock Remove-MtlsCertificate { $script:Calls.Add("cert_remove $StoreName"); @{ changed = $true; der = 'MIIDER' } }
        Mock Install-MtlsWindowsFeature { $script:Calls.Add("feature_install $Name"); @{ changed = $true; reboot_required = $true } }

        $script:SchannelOp = @{ op = 'schannel_set'; name = 'ClientAuthTrustMode'; value = 2 }
        Function New-AccessOp([string]$Location) {
            @{ op = 'access_set'; location = $Location; ssl_flags = 8 }
        }
    }

    BeforeEach {
        $script:Calls.Clear()
    }

    It 'returns an empty run without opening an IIS session when there are no ops' {
        $run = Invoke-OpList -Ops $null -Secrets $null
        $run.results.Count | Should -Be 0
        $run.changed | Should -BeFalse
        $script:Calls | Should -HaveCount 0
    }

    It 'runs the ops in order and reports one result per op' {
        $run = Invoke-OpList -Ops @($SchannelOp, @{ op = 'cert_remove'; store = 'Root'; thumbprint = $Thumbprint }) -Secrets $null
        @($run.results | ForEach-Object { "$($_.index) $($_.op) $($_.changed)" }) | Should -Be @('0 schannel_set True', '1 cert_remove True')
        $run.changed | Should -BeTrue
        $null -eq $run.failed_index | Should -BeTrue
    }

    It 'returns the DER of a certificate that left a store' {
        $run = Invoke-OpList -Ops @(@{ op = 'cert_remove'; store = 'Root'; thumbprint = $Thumbprint }) -Secrets $null
        $run.results[0].returned.der | Should -Be 'MIIDER'
    }

    It 'passes on reboot_required of feature_install' {
        $run = Invoke-OpList -Ops @(@{ op = 'feature_install'; name = 'Web-Cert-Auth' }) -Secrets $null
        $run.results[0].reboot_required | Should -BeTrue
    }

    It 'reports changed=false when no op changed anything' {
        Mock Set-MtlsSchannelValue { @{ changed = $false } }
        $run = Invoke-OpList -Ops @($SchannelOp) -Secrets $null
        $run.changed | Should -BeFalse
        $run.results[0].changed | Should -BeFalse
    }

    It 'commits a contiguous run of IIS ops once, before the next other op runs, and again at the end' {
        $ops = @((New-AccessOp 'A'), (New-AccessOp 'B'), $SchannelOp, (New-AccessOp 'C'))
        $null = Invoke-OpList -Ops $ops -Secrets $null
        @($script:Calls) | Should -Be @(
            'new session', 'access_set A', 'access_set B', 'check', 'commit', "schannel_set ClientAuthTrustMode",
            'access_set C', 'check', 'commit', 'close'
        )
    }

    It 'does not commit a run of IIS ops that changed nothing' {
        Mock Set-MtlsIisAccessSslFlag { $script:Calls.Add("access_set $Location"); @{ changed = $false } }
        $null = Invoke-OpList -Ops @((New-AccessOp 'A'), $SchannelOp) -Secrets $null
        @($script:Calls) | Should -Be @('new session', 'access_set A', 'close', 'schannel_set ClientAuthTrustMode', 'close')
    }

    It 'stops at the first failing op and reports it failed, running nothing after it' {
        Mock Remove-MtlsCertificate { throw 'Access is denied.' }
        $run = Invoke-OpList -Ops @($SchannelOp, @{ op = 'cert_remove'; store = 'Root'; thumbprint = $Thumbprint }, (New-AccessOp 'A')) -Secrets $null
        $run.failed_index | Should -Be 1
        $run.failed_name | Should -Be 'cert_remove'
        $run.results[1].failed | Should -BeTrue
        $run.results | Should -HaveCount 2
        $script:Calls | Should -Not -Contain 'access_set A'
        $run.changed | Should -BeTrue
    }

    It 'reports the IIS changes of a run that an op failure discards as unchanged and uncommitted' {
        Mock Set-MtlsIisAccessSslFlag -ParameterFilter { $Location -eq 'B' } { throw 'boom' }
        $run = Invoke-OpList -Ops @($SchannelOp, (New-AccessOp 'A'), (New-AccessOp 'B')) -Secrets $null
        $run.results[1].changed | Should -BeFalse
        @($run.uncommitted) | Should -Be @(1)
        $run.results[0].changed | Should -BeTrue
        $script:Calls | Should -Not -Contain 'commit'
        $script:Calls[$script:Calls.Count - 1] | Should -Be 'close'
    }

    It 'fails the last op of a run whose edits IIS refuses at commit, and reports the run unchanged' {
        Mock Save-MtlsIisSession { throw 'IIS refused to set ... when committing, so nothing was committed' }
        $run = Invoke-OpList -Ops @((New-AccessOp 'A'), (New-AccessOp 'B'), $SchannelOp) -Secrets $null
        $run.failed_index | Should -Be 1
        $run.commit_failed | Should -BeTrue
        $run.commit_refused | Should -BeFalse
        $run.commit_partial | Should -BeFalse
        $run.run_start | Should -Be 0
        @($run.results | ForEach-Object { $_.changed }) | Should -Be @($false, $false)
        $run.results[1].failed | Should -BeTrue
        @($run.uncommitted) | Should -Be @(0, 1)
        $script:Calls | Should -Not -Contain 'schannel_set ClientAuthTrustMode'
    }

    It 'keeps the results of a run whose commit failed after IIS may have written part of it' {
        Mock New-MtlsIisSession { $script:Calls.Add('new session'); @{ session = 'the IIS session'; partly_written = $false } }
        Mock Save-MtlsIisSession { $Session.partly_written = $true; throw 'IIS failed to commit the configuration changes' }
        $run = Invoke-OpList -Ops @((New-AccessOp 'A'), (New-AccessOp 'B')) -Secrets $null
        $run.commit_partial | Should -BeTrue
        @($run.results | ForEach-Object { $_.changed }) | Should -Be @($true, $true)
        $run.uncommitted | Should -HaveCount 0
        $run.changed | Should -BeTrue
    }

    It 'reports a run refused by the pre-commit check as refused, not as a failed commit' {
        Mock Assert-MtlsIisAuthConsistent { throw 'IIS refuses many-to-one client certificate mappings together with AD' }
        $run = Invoke-OpList -Ops @((New-AccessOp 'A')) -Secrets $null
        $run.commit_failed | Should -BeTrue
        $run.commit_refused | Should -BeTrue
        Should -Invoke Save-MtlsIisSession -Times 0 -Exactly
    }

    It 'fails an entry without an op name as an unknown op' {
        $run = Invoke-OpList -Ops @(@{ store = 'Root' }) -Secrets $null
        $run.failed_index | Should -Be 0
        $run.failed_name | Should -Be '?'
        "$($run.error)" | Should -BeLike '*unknown op*'
    }
}

Describe 'Get-FailureMessage' {
    BeforeAll {
        Function New-Run {
            param ([hashtable]$Extra = @{})

            $run = @{
                error = New-Object -TypeName System.Management.Automation.ErrorRecord -ArgumentList @(
                    (New-Object -TypeName System.Exception -ArgumentList 'Access is denied.'), 'x', 'NotSpecified', $null
                )
                failed_index = 3
                failed_name = 'cert_remove'
                commit_failed = $false
                commit_refused = $false
                commit_partial = $false
                run_start = $null
                uncommitted = New-Object -TypeName System.Collections.Generic.List[int]
            }
            foreach ($key in $Extra.Keys) {
                $run[$key] = $Extra[$key]
            }
            $run
        }
    }

    It 'names the failed op and its reason, says the earlier changed ops were applied and a rerun converges' {
        Get-FailureMessage -Run (New-Run) |
            Should -Be 'op 3 (cert_remove) failed: Access is denied. - the ops before it that report changed=true were applied (see results) and every op is safe to repeat: fix the cause and run the task again'
    }

    It 'names the ops of a run whose commit failed' {
        Get-FailureMessage -Run (New-Run @{ commit_failed = $true; run_start = 1; failed_name = 'access_set' }) |
            Should -BeLike 'committing the IIS configuration changes of ops 1 to 3 failed after op 3 (access_set) ran: Access is denied.*'
    }

    It 'says the configuration may be partly written when the commit failed after IIS began writing' {
        Get-FailureMessage -Run (New-Run @{ commit_failed = $true; commit_partial = $true; run_start = 1; failed_name = 'access_set' }) |
            Should -BeLike 'committing the IIS configuration changes of ops 1 to 3 failed after op 3 (access_set) ran: Access is denied. - the configuration may be partly written*gather again*'
    }

    It 'names the ops of a run refused before committing' {
        Get-FailureMessage -Run (New-Run @{ commit_failed = $true; commit_refused = $true; run_start = 2 }) |
            Should -BeLike 'the IIS configuration changes of ops 2 to 3 were refused before committing, after op 3 (cert_remove) ran:*'
    }

    It 'lists the ops whose IIS changes were not committed' {
        $uncommitted = New-Object -TypeName System.Collections.Generic.List[int]
        $uncommitted.Add(1)
        $uncommitted.Add(2)
        Get-FailureMessage -Run (New-Run @{ uncommitted = $uncommitted }) |
            Should -BeLike '*the IIS configuration changes of op(s) 1, 2 were not committed, so they did not happen and are reported changed=false - the ops before it*'
    }
}

Describe 'secret masking' {
    It 'Hide-SecretValue replaces every secret value in a text' {
        Hide-SecretValue -Text 'pw=s3cret and again s3cret; m=other' -Secrets @{ a = 's3cret'; b = 'other' } |
            Should -Be 'pw=******** and again ********; m=********'
    }

    It 'Hide-SecretValue leaves a text alone when there are no secrets, and ignores empty and non-text values' {
        Hide-SecretValue -Text 'plain' -Secrets $null | Should -Be 'plain'
        Hide-SecretValue -Text 'plain 5' -Secrets @{ a = ''; b = 5 } | Should -Be 'plain 5'
        Hide-SecretValue -Text '' -Secrets @{ a = 'x' } | Should -Be ''
    }

    It 'Test-SecretInError finds a secret in an inner exception message' {
        $inner = New-Object -TypeName System.Exception -ArgumentList 'bad password s3cret'
        $outer = New-Object -TypeName System.Exception -ArgumentList 'outer', $inner
        $record = New-Object -TypeName System.Management.Automation.ErrorRecord -ArgumentList $outer, 'x', 'NotSpecified', $null
        Test-SecretInError -ErrorRecord $record -Secrets @{ a = 's3cret' } | Should -BeTrue
    }

    It 'Test-SecretInError is false for an error without secrets, and for no error' {
        $record = New-Object -TypeName System.Management.Automation.ErrorRecord -ArgumentList (New-Object -TypeName System.Exception -ArgumentList 'clean'), 'x', 'NotSpecified', $null
        Test-SecretInError -ErrorRecord $record -Secrets @{ a = 's3cret' } | Should -BeFalse
        Test-SecretInError -ErrorRecord $null -Secrets @{ a = 's3cret' } | Should -BeFalse
    }
}

Describe 'scope handling' {
    It 'Test-ScopeFlag reads a boolean scope key, absent and null meaning false' {
        Test-ScopeFlag -Scope @{ schannel = $true } -Name 'schannel' | Should -BeTrue
        Test-ScopeFlag -Scope @{ schannel = 'no' } -Name 'schannel' | Should -BeFalse
        Test-ScopeFlag -Scope @{ schannel = $null } -Name 'schannel' | Should -BeFalse
        Test-ScopeFlag -Scope @{} -Name 'schannel' | Should -BeFalse
    }

    It 'Get-ScopeList returns a list, or null when the key is absent or null' {
        $one = Get-ScopeList -Scope @{ stores = 'Root' } -Name 'stores'
        , $one | Should -BeOfType [object[]]
        $one | Should -Be @('Root')
        Get-ScopeList -Scope @{} -Name 'stores' | Should -BeNullOrEmpty
        Get-ScopeList -Scope @{ stores = $null } -Name 'stores' | Should -BeNullOrEmpty
    }

    It 'Join-CtlStoreName adds each CTL store of the HTTP.sys records once, keeping the first spelling and the requested names' {
        $bindings = @(
            @{ ctl_store_name = 'ClientAuthIssuer' }
            @{ ctl_store_name = 'clientauthissuer' }
            @{ ctl_store_name = 'Root' }
            @{ ctl_store_name = '' }
            @{ ctl_store_name = $null }
            'not a record'
        )
        $names = Join-CtlStoreName -Names @('root', $null) -Bindings $bindings
        $names | Should -Be @('root', 'ClientAuthIssuer')
    }

    It 'Join-CtlStoreName returns an empty list when nothing is requested or named' {
        $none = Join-CtlStoreName -Names $null -Bindings @()
        , $none | Should -BeOfType [object[]]
        $none.Count | Should -Be 0
    }

    It 'Get-StoreSnapshotMap keys each store as requested' {
        Mock Get-MtlsCertStoreSnapshot { @{ exists = ($Name -eq 'Root'); certificates = @() } }
        $stores = Get-StoreSnapshotMap -Names @('Root', 'ClientAuthIssuer')
        $stores.Root.exists | Should -BeTrue
        $stores.ClientAuthIssuer.exists | Should -BeFalse
    }

    It 'Get-StoreSnapshotMap refuses an empty store name' {
        { Get-StoreSnapshotMap -Names @(' ') } | Should -Throw '*scope.stores contains an empty store name*'
    }
}

Describe 'Get-HostSnapshot' {
    BeforeAll {
        Mock Get-MtlsHostIdentity { @{ os_version = '10.0.20348'; computer_name = 'WEB01' } }
        Mock Get-MtlsHttpSysBinding { @{ key = '0.0.0.0:443'; kind = 'ipport'; ctl_store_name = 'ClientAuthIssuer' } }
        Mock Get-MtlsHttpSysSavedRecord { @{ kind = 'ipport'; key = '0.0.0.0:443'; record = @{ ctl_store_name = 'ClientAuthIssuer' } } }
        Mock Get-MtlsCertStoreSnapshot { @{ exists = $true; certificates = @() } }
        Mock Get-MtlsSchannelSnapshot { @{ ClientAuthTrustMode = 2; SendTrustedIssuerList = $null; pending_reboot = $false } }
        Mock Get-MtlsIisSnapshot { @{ available = $true; sites = @{}; access = @{} } }
        Mock Get-MtlsIisAuthSnapshot { @{} }
        Mock Get-MtlsWindowsFeatureSnapshot { @{ 'Web-Cert-Auth' = $true } }
        Mock Get-MtlsIisTracingSnapshot { @{} }
    }

    It 'reads only the host part when there is no scope' {
        $snapshot = Get-HostSnapshot -Scope $null
        @($snapshot.Keys) | Should -Be @('host')
        $snapshot.host.os_version | Should -Be '10.0.20348'
    }

    It 'reads exactly the parts the scope names' {
        $snapshot = Get-HostSnapshot -Scope @{ schannel = $true; features = @('Web-Cert-Auth') }
        @($snapshot.Keys | Sort-Object) | Should -Be @('features', 'host', 'schannel')
        Should -Invoke Get-MtlsHttpSysBinding -Times 0 -Exactly
        Should -Invoke Get-MtlsCertStoreSnapshot -Times 0 -Exactly
        Should -Invoke Get-MtlsWindowsFeatureSnapshot -Times 1 -Exactly -ParameterFilter { ($Names -join ',') -eq 'Web-Cert-Auth' }
    }

    It 'reads the CTL stores of the HTTP.sys records with ctl_stores, which implies httpsys' {
        $snapshot = Get-HostSnapshot -Scope @{ ctl_stores = $true; stores = @('Root') }
        $snapshot.httpsys | Should -HaveCount 1
        $snapshot.httpsys_saved | Should -HaveCount 1
        @($snapshot.stores.Keys | Sort-Object) | Should -Be @('ClientAuthIssuer', 'Root')
    }

    It 'reads sites and access paths together, an absent one as an empty list' {
        $null = Get-HostSnapshot -Scope @{ access_paths = @('Contoso/api') }
        Should -Invoke Get-MtlsIisSnapshot -Times 1 -Exactly -ParameterFilter { $SiteNames.Count -eq 0 -and ($AccessPaths -join ',') -eq 'Contoso/api' }
        $null = Get-HostSnapshot -Scope @{ sites = @('Contoso') }
        Should -Invoke Get-MtlsIisSnapshot -Times 1 -Exactly -ParameterFilter { ($SiteNames -join ',') -eq 'Contoso' -and $AccessPaths.Count -eq 0 }
    }

    It 'reads auth and tracing sites' {
        $snapshot = Get-HostSnapshot -Scope @{ auth_sites = @('Contoso'); tracing_sites = @('Contoso'); httpsys = $false }
        @($snapshot.Keys | Sort-Object) | Should -Be @('auth', 'host', 'tracing')
    }

    It 'refuses a scope key it does not know, in any case' {
        { Get-HostSnapshot -Scope @{ Stores = @('Root') } } | Should -Throw "*unknown scope key 'Stores'; known keys are stores, schannel,*"
    }
}
