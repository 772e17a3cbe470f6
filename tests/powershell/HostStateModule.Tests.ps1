# The engine's modules (host_state_gather.ps1, host_state_apply.ps1) run as Ansible runs them: the real Ansible.Basic
# of the ansible-core under test, the arguments in $complex_args, the result read from what the module writes. The
# engine utils are mocked.

BeforeAll {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'Common.ps1')
    Initialize-MtlsPesterSession

    $script:Secret = 'S3cret-Pfx-Passw0rd'
    $script:PfxBase64 = 'MIIKPFXBASE64CONTENTTHATMUSTNOTECHO'
    Mock Get-MtlsHostIdentity { @{ os_version = '10.0.20348'; computer_name = 'WEB01' } }
    Mock Get-MtlsSchannelSnapshot { @{ ClientAuthTrustMode = 2; SendTrustedIssuerList = $null; pending_reboot = $true } }
    Mock Set-MtlsSchannelValue { @{ changed = $true } }
    Mock Import-MtlsPfxCertificate { @{ changed = $true } }
    Mock New-MtlsIisSession { @{} }
    Mock Close-MtlsIisSession { }
}

Describe 'the engine modules with the real Ansible.Basic' {
    It 'sets no_log at the root of the <engine> spec, so Ansible.Basic writes no arguments to the Windows event log' -ForEach @(
        @{ engine = 'gather'; arguments = @{ scope = @{ schannel = $true } } }
        @{ engine = 'apply'; arguments = @{ ops = @() } }
    ) {
        # WINDOWS_FACTS ANSIBLE-1: Ansible.Basic logs "Invoked with" and every argument unless NoLog.
        $run = Invoke-HostStateModule -Engine $engine -Arguments $arguments
        $run.rc | Should -Be 0
        $run.module.NoLog | Should -BeTrue
    }

    It 'gathers the scope asked for and reports changed=false' {
        $run = Invoke-HostStateModule -Engine gather -Arguments @{ scope = @{ schannel = $true } }
        $run.rc | Should -Be 0
        $run.result.changed | Should -BeFalse
        $run.result.snapshot.host.os_version | Should -Be '10.0.20348'
        $run.result.snapshot.host.computer_name | Should -Be 'WEB01'
        $run.result.snapshot.schannel.ClientAuthTrustMode | Should -Be 2
        $run.result.snapshot.schannel.pending_reboot | Should -BeTrue
        $run.result.invocation.module_args.scope.schannel | Should -BeTrue
    }

    It 'gathers in check mode' {
        $run = Invoke-HostStateModule -Engine gather -Arguments @{ scope = @{ schannel = $true } } -CheckMode
        $run.rc | Should -Be 0
        $run.result.snapshot.schannel.ClientAuthTrustMode | Should -Be 2
    }

    It 'fails a gather naming the cause and saying nothing was changed' {
        Mock Get-MtlsSchannelSnapshot { throw 'Requested registry access is not allowed.' }
        $run = Invoke-HostStateModule -Engine gather -Arguments @{ scope = @{ schannel = $true } }
        $run.rc | Should -Be 1
        $run.result.failed | Should -BeTrue
        $run.result.msg | Should -BeLike 'gather failed: Requested registry access is not allowed. - nothing was changed;*local administrator'
    }

    It 'fails a gather with a scope key it does not know' {
        $run = Invoke-HostStateModule -Engine gather -Arguments @{ scope = @{ certificates = @('Root') } }
        $run.rc | Should -Be 1
        $run.result.msg | Should -BeLike "gather failed: unknown scope key 'certificates'*"
    }

    It 'refuses an option it does not know, as Ansible.Basic does' {
        $run = Invoke-HostStateModule -Engine gather -Arguments @{ force = $true }
        $run.rc | Should -Be 1
        $run.result.msg | Should -BeLike '*Unsupported parameters*force*'
    }

    It 'refuses ops on the gather module: a gather runs no op' {
        $run = Invoke-HostStateModule -Engine gather -Arguments @{ ops = @(@{ op = 'schannel_set'; name = 'ClientAuthTrustMode'; value = 2 }) }
        $run.rc | Should -Be 1
        $run.result.msg | Should -BeLike '*Unsupported parameters*ops*'
        Should -Invoke Set-MtlsSchannelValue -Times 0 -Exactly
    }

    It 'refuses a scope on the apply module: an apply reads no snapshot' {
        $run = Invoke-HostStateModule -Engine apply -Arguments @{ scope = @{ schannel = $true } }
        $run.rc | Should -Be 1
        $run.result.msg | Should -BeLike '*Unsupported parameters*scope*'
    }

    It 'refuses to apply in check mode, running no op' {
        $run = Invoke-HostStateModule -Engine apply -Arguments @{ ops = @(@{ op = 'schannel_set'; name = 'ClientAuthTrustMode'; value = 2 }) } -CheckMode
        $run.rc | Should -Be 1
        $run.result.msg | Should -BeLike 'host_state_apply does not run in check mode*'
        Should -Invoke Set-MtlsSchannelValue -Times 0 -Exactly
    }

    It 'applies the ops and reports changed and one result per op' {
        $run = Invoke-HostStateModule -Engine apply -Arguments @{ ops = @(@{ op = 'schannel_set'; name = 'ClientAuthTrustMode'; value = 2 }) }
        $run.rc | Should -Be 0
        $run.result.changed | Should -BeTrue
        $run.result.results | Should -HaveCount 1
        $run.result.results[0].op | Should -Be 'schannel_set'
        $run.result.results[0].changed | Should -BeTrue
        $run.result.invocation.module_args.ops | Should -Be '1 op(s)'
    }

    It 'changes nothing when apply has no ops' {
        $run = Invoke-HostStateModule -Engine apply -Arguments @{}
        $run.rc | Should -Be 0
        $run.result.changed | Should -BeFalse
        $run.result.results | Should -HaveCount 0
    }

    It 'fails an apply naming the failed op, with the results of the ops that ran' {
        Mock Set-MtlsSchannelValue -ParameterFilter { $Name -eq 'SendTrustedIssuerList' } { throw 'Access is denied.' }
        $ops = @(
            @{ op = 'schannel_set'; name = 'ClientAuthTrustMode'; value = 2 }
            @{ op = 'schannel_set'; name = 'SendTrustedIssuerList'; value = 0 }
        )
        # At verbosity 3 Ansible.Basic returns the error record as exception.
        $run = Invoke-HostStateModule -Engine apply -Arguments @{ ops = $ops; _ansible_verbosity = 3 }
        $run.rc | Should -Be 1
        $run.result.failed_index | Should -Be 1
        $run.result.results | Should -HaveCount 2
        $run.result.results[1].failed | Should -BeTrue
        $run.result.changed | Should -BeTrue
        $run.result.msg | Should -BeLike 'op 1 (schannel_set) failed: Access is denied. - the ops before it*'
        $run.result.ContainsKey('exception') | Should -BeTrue
    }

    It 'never echoes a secret or the PFX: invocation masks secrets and summarises ops' {
        $ops = @(@{ op = 'pfx_import'; store = 'My'; pfx = $PfxBase64; password_ref = 'p0'; thumbprint = 'A' * 40 })
        $run = Invoke-HostStateModule -Engine apply -Arguments @{ ops = $ops; secrets = @{ p0 = $Secret } }
        $run.rc | Should -Be 0
        Should -Invoke Import-MtlsPfxCertificate -Times 1 -Exactly -ParameterFilter { $Password -eq $Secret -and $Pfx -eq $PfxBase64 }
        $run.result.invocation.module_args.secrets | Should -Be 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
        $run.json | Should -Not -BeLike "*$Secret*"
        $run.json | Should -Not -BeLike "*$PfxBase64*"
    }

    It 'masks a secret that reaches a failure message and does not return the error that carries it' {
        Mock Import-MtlsPfxCertificate { throw "the password $Secret is wrong" }
        $ops = @(@{ op = 'pfx_import'; store = 'My'; pfx = $PfxBase64; password_ref = 'p0'; thumbprint = 'A' * 40 })
        $run = Invoke-HostStateModule -Engine apply -Arguments @{ ops = $ops; secrets = @{ p0 = $Secret }; _ansible_verbosity = 3 }
        $run.rc | Should -Be 1
        $run.result.msg | Should -BeLike '*the password ******** is wrong*'
        $run.result.ContainsKey('exception') | Should -BeFalse
        $run.json | Should -Not -BeLike "*$Secret*"
    }
}
