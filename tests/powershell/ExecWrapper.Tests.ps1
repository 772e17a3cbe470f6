# The utils loaded the way Ansible's exec wrapper loads them: each util's source text becomes a dynamic module with
# New-Module, named after the util's full collection name, imported globally (ansible-core 2.16
# module_wrapper.ps1 and 2.19+ exec_wrapper.ps1). host_state_gather.ps1 and host_state_apply.ps1 then run on them.
# The boundary utils are stubs loaded the same way; the tests mock them inside the engine utils' dynamic modules.

BeforeAll {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'Common.ps1')
    Initialize-MtlsAnsibleBasic

    $script:Prefix = 'ansible_collections.mtls.iis.plugins.module_utils.'
    # Every util module of the suite goes; the engine utils come back from their source text.
    foreach ($path in @(Get-MtlsEngineUtilPath) + @(Get-MtlsBoundaryPath)) {
        Get-Module -Name ([System.IO.Path]::GetFileNameWithoutExtension($path)) | Remove-Module -Force
    }
    foreach ($path in Get-MtlsBoundaryPath) {
        $name = $Prefix + [System.IO.Path]::GetFileNameWithoutExtension($path)
        $null = New-Module -Name $name -ScriptBlock ([ScriptBlock]::Create((New-MtlsBoundaryStubSource -Path $path))) |
            Import-Module -Global -WarningAction SilentlyContinue
    }
    foreach ($path in Get-MtlsEngineUtilPath) {
        $name = $Prefix + [System.IO.Path]::GetFileNameWithoutExtension($path)
        $source = [System.Text.Encoding]::UTF8.GetString([System.IO.File]::ReadAllBytes($path))
        $null = New-Module -Name $name -ScriptBlock ([ScriptBlock]::Create($source)) | Import-Module -Global -WarningAction SilentlyContinue
    }

    $script:Schannel = $Prefix + 'Schannel'
    $script:SchannelWrite = $Prefix + 'SchannelWrite'
    $script:WindowsFeature = $Prefix + 'WindowsFeature'
    $script:Registry = @{
        'SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL' = New-RegistryKeyAnswer -Values @{ EventLogging = @('REG_DWORD', 1L) }
        'SOFTWARE\Microsoft\Windows NT\CurrentVersion' = New-RegistryKeyAnswer -Values @{
            CurrentMajorVersionNumber = @('REG_DWORD', 10L)
            CurrentMinorVersionNumber = @('REG_DWORD', 0L)
            CurrentBuildNumber = @('REG_SZ', '17763')
        }
    }
    $script:Writes = New-Object -TypeName System.Collections.Generic.List[string]
    foreach ($module in @($Schannel, $SchannelWrite, $WindowsFeature)) {
        # WINDOWS_FACTS REG-3: Get-MtlsWinRegistryKey answers $null for a key that does not exist.
        Mock -ModuleName $module Get-MtlsWinRegistryKey { $script:Registry[$Path] }
    }
    Mock -ModuleName $SchannelWrite New-MtlsWinRegistryKey { $script:Writes.Add("key $Path") }
    Mock -ModuleName $SchannelWrite Set-MtlsWinRegistryValue { $script:Writes.Add("set $Name=$Data") }
    Mock -ModuleName $WindowsFeature Get-MtlsWinComputerName { 'WEB02' }
}

AfterAll {
    # Later test files import the utils from their files again.
    Get-Module -Name "$Prefix*" | Remove-Module -Force
}

Describe 'the utils loaded as Ansible exec wrapper loads them' {
    It 'are dynamic modules under the names the exec wrapper gives them' {
        $module = Get-Module -Name $Schannel
        $module | Should -Not -BeNullOrEmpty
        # A dynamic module has no file: its Path is a made-up name.
        Test-Path -LiteralPath $module.Path | Should -BeFalse
        (Get-Command -Name 'Get-MtlsSchannelSnapshot').Source | Should -Be $Schannel
    }

    It 'run a host_state gather' {
        $run = Invoke-HostStateModule -Engine gather -Arguments @{ scope = @{ schannel = $true } }
        $run.rc | Should -Be 0
        $run.result.snapshot.host.os_version | Should -Be '10.0.17763'
        $run.result.snapshot.host.computer_name | Should -Be 'WEB02'
        $run.result.snapshot.schannel.ClientAuthTrustMode | Should -BeNullOrEmpty
        $run.result.snapshot.schannel.pending_reboot | Should -BeFalse
    }

    It 'run a host_state apply' {
        $run = Invoke-HostStateModule -Engine apply -Arguments @{ ops = @(@{ op = 'schannel_set'; name = 'ClientAuthTrustMode'; value = 1 }) }
        $run.rc | Should -Be 0
        $run.result.changed | Should -BeTrue
        @($script:Writes) | Should -Be @('key SOFTWARE\mtls.iis', 'key SOFTWARE\mtls.iis\SchannelRebootPending', 'set ClientAuthTrustMode=1')
    }
}
