# WindowsFeature.psm1 above the boundary: features (WinFeature), the OS build (WinRegistry), the computer name (WinHost).

BeforeAll {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'Common.ps1')
    Initialize-MtlsPesterSession

    $script:CurrentVersionPath = 'SOFTWARE\Microsoft\Windows NT\CurrentVersion'

    # Get-WindowsFeature as the boundary returns it: one entry per feature Windows knows, in Windows' spelling
    # (WINDOWS_FACTS FEATURE-2); a name it does not know gives no entry.
    Function New-FeatureAnswer {
        param ([hashtable]$Installed)

        $features = @(
            foreach ($name in $Installed.Keys) {
                $state = 'Available'
                if ($Installed[$name]) {
                    $state = 'Installed'
                }
                @{ name = $name; installed = [bool]$Installed[$name]; install_state = $state }
            }
        )
        @{ available = $true; features = $features }
    }
    $script:Features = New-FeatureAnswer -Installed @{}
    Mock -ModuleName WindowsFeature Get-MtlsWinFeature {
        $known = @($script:Features.features | Where-Object { $Name -contains $_.name })
        @{ available = $script:Features.available; features = $known }
    }
}

Describe 'Get-MtlsWindowsFeatureSnapshot' {
    It 'reports each requested feature installed or not, keyed as requested' {
        $script:Features = New-FeatureAnswer -Installed @{ 'Web-Cert-Auth' = $true; 'Web-Client-Auth' = $false }
        $snapshot = Get-MtlsWindowsFeatureSnapshot -Names @('web-cert-auth', 'Web-Client-Auth')
        @($snapshot.Keys | Sort-Object) | Should -Be @('web-cert-auth', 'Web-Client-Auth')
        $snapshot['web-cert-auth'] | Should -BeTrue
        $snapshot['Web-Client-Auth'] | Should -BeFalse
    }

    It 'asks Windows once for all requested features' {
        $script:Features = New-FeatureAnswer -Installed @{ 'Web-Cert-Auth' = $true; 'Web-Http-Tracing' = $true }
        $null = Get-MtlsWindowsFeatureSnapshot -Names @('Web-Cert-Auth', 'Web-Http-Tracing')
        Should -Invoke -ModuleName WindowsFeature Get-MtlsWinFeature -Times 1 -Exactly -ParameterFilter {
            ($Name -join ',') -eq 'Web-Cert-Auth,Web-Http-Tracing'
        }
    }

    It 'returns an empty snapshot without asking Windows when no feature is requested' {
        (Get-MtlsWindowsFeatureSnapshot -Names @()).Count | Should -Be 0
        Should -Invoke -ModuleName WindowsFeature Get-MtlsWinFeature -Times 0 -Exactly
    }

    It 'fails naming a feature Windows does not know' {
        $script:Features = New-FeatureAnswer -Installed @{ 'Web-Cert-Auth' = $true }
        { Get-MtlsWindowsFeatureSnapshot -Names @('Web-Cert-Auth', 'Web-Nonsense') } |
            Should -Throw "*Windows has no feature named 'Web-Nonsense' on this host*"
    }

    It 'refuses a wildcard before asking Windows' {
        { Get-MtlsWindowsFeatureSnapshot -Names @('Web-*') } | Should -Throw "*scope.features entry 'Web-*' is not a Windows feature name*"
        Should -Invoke -ModuleName WindowsFeature Get-MtlsWinFeature -Times 0 -Exactly
    }

    It 'refuses an entry that is not text' {
        { Get-MtlsWindowsFeatureSnapshot -Names @(7) } | Should -Throw "*scope.features entry '7' is not a Windows feature name*"
    }

    It 'fails saying why on a host without the ServerManager module' {
        # WINDOWS_FACTS FEATURE-1: Get-WindowsFeature exists on Windows Server only.
        $script:Features = @{ available = $false; features = @() }
        { Get-MtlsWindowsFeatureSnapshot -Names @('Web-Cert-Auth') } |
            Should -Throw '*this host has no ServerManager PowerShell module*client editions*'
    }
}

Describe 'Install-MtlsWindowsFeature' {
    BeforeAll {
        $script:Installs = New-Object -TypeName System.Collections.Generic.List[string]
        $script:InstallAnswer = $null
        Mock -ModuleName WindowsFeatureWrite Install-MtlsWinFeature { $script:Installs.Add($Name); $script:InstallAnswer }
    }

    BeforeEach {
        $script:Installs.Clear()
    }

    It 'installs a feature that is not installed, in Windows spelling, and reports no reboot when Windows needs none' {
        $script:Features = New-FeatureAnswer -Installed @{ 'Web-Cert-Auth' = $false }
        # WINDOWS_FACTS FEATURE-3: Success, ExitCode and RestartNeeded (No, Yes, Maybe).
        $script:InstallAnswer = @{ success = $true; exit_code = 'Success'; restart_needed = 'No' }
        $outcome = Install-MtlsWindowsFeature -Name 'web-cert-auth'
        $outcome.changed | Should -BeTrue
        $outcome.reboot_required | Should -BeFalse
        @($script:Installs) | Should -Be @('Web-Cert-Auth')
    }

    It 'reports reboot_required when Windows answers RestartNeeded <Restart>' -ForEach @(
        @{ Restart = 'Yes' }
        @{ Restart = 'Maybe' }
    ) {
        $script:Features = New-FeatureAnswer -Installed @{ 'Web-Client-Auth' = $false }
        $script:InstallAnswer = @{ success = $true; exit_code = 'SuccessRestartRequired'; restart_needed = $Restart }
        (Install-MtlsWindowsFeature -Name 'Web-Client-Auth').reboot_required | Should -BeTrue
    }

    It 'changes nothing when the feature is installed' {
        $script:Features = New-FeatureAnswer -Installed @{ 'Web-Http-Tracing' = $true }
        $outcome = Install-MtlsWindowsFeature -Name 'Web-Http-Tracing'
        $outcome.changed | Should -BeFalse
        $outcome.reboot_required | Should -BeFalse
        $script:Installs | Should -HaveCount 0
    }

    It 'fails with the exit code when Install-WindowsFeature does not succeed' {
        $script:Features = New-FeatureAnswer -Installed @{ 'Web-Cert-Auth' = $false }
        $script:InstallAnswer = @{ success = $false; exit_code = 'FailedRestartRequired'; restart_needed = 'No' }
        { Install-MtlsWindowsFeature -Name 'Web-Cert-Auth' } |
            Should -Throw '*Install-WindowsFeature Web-Cert-Auth did not succeed (exit code FailedRestartRequired)*'
    }

    It 'refuses an empty name before asking Windows' {
        { Install-MtlsWindowsFeature -Name '' } | Should -Throw "*name '' is not a Windows feature name*"
        Should -Invoke -ModuleName WindowsFeature Get-MtlsWinFeature -Times 0 -Exactly
        $script:Installs | Should -HaveCount 0
    }

    It 'fails naming a feature Windows does not know, installing nothing' {
        $script:Features = New-FeatureAnswer -Installed @{}
        { Install-MtlsWindowsFeature -Name 'Web-Nonsense' } | Should -Throw "*no feature named 'Web-Nonsense'*"
        $script:Installs | Should -HaveCount 0
    }
}

Describe 'Get-MtlsHostIdentity' {
    BeforeAll {
        $script:CurrentVersion = $null
        Mock -ModuleName WindowsFeature Get-MtlsWinRegistryKey -ParameterFilter { $Path -eq $CurrentVersionPath } { $script:CurrentVersion }
        # WINDOWS_FACTS HOST-3: the NetBIOS name.
        Mock -ModuleName WindowsFeature Get-MtlsWinComputerName { 'WEB01' }
    }

    It 'reports major.minor.build from the CurrentVersion key and the computer name' {
        # WINDOWS_FACTS HOST-1: Server 2022 as its CurrentVersion key holds it.
        $script:CurrentVersion = New-RegistryKeyAnswer -Values @{
            CurrentMajorVersionNumber = @('REG_DWORD', 10L)
            CurrentMinorVersionNumber = @('REG_DWORD', 0L)
            CurrentBuildNumber = @('REG_SZ', '20348')
            CurrentBuild = @('REG_SZ', '20348')
            UBR = @('REG_DWORD', 2227L)
            CurrentVersion = @('REG_SZ', '6.3')
        }
        $identity = Get-MtlsHostIdentity
        $identity.os_version | Should -Be '10.0.20348'
        $identity.computer_name | Should -Be 'WEB01'
    }

    It 'does not take the version CurrentVersion (6.3) that Windows keeps for old programs' {
        # WINDOWS_FACTS HOST-1: CurrentVersion stays 6.3 on Windows 10 and later.
        $script:CurrentVersion = New-RegistryKeyAnswer -Values @{
            CurrentMajorVersionNumber = @('REG_DWORD', 10L)
            CurrentMinorVersionNumber = @('REG_DWORD', 0L)
            CurrentBuildNumber = @('REG_SZ', '14393')
            CurrentVersion = @('REG_SZ', '6.3')
        }
        (Get-MtlsHostIdentity).os_version | Should -Be '10.0.14393'
    }

    It 'fails saying the version is unknown when the build is not a number' {
        $script:CurrentVersion = New-RegistryKeyAnswer -Values @{
            CurrentMajorVersionNumber = @('REG_DWORD', 10L)
            CurrentMinorVersionNumber = @('REG_DWORD', 0L)
            CurrentBuildNumber = @('REG_SZ', 'x')
        }
        { Get-MtlsHostIdentity } | Should -Throw "*numeric CurrentBuildNumber (REG_SZ) (build 'x')*Windows Server 2016 and later*"
    }

    It 'fails on a Windows older than 10 (no CurrentMajorVersionNumber)' {
        $script:CurrentVersion = New-RegistryKeyAnswer -Values @{
            CurrentBuildNumber = @('REG_SZ', '9600')
            CurrentVersion = @('REG_SZ', '6.3')
        }
        { Get-MtlsHostIdentity } | Should -Throw '*has no CurrentMajorVersionNumber*'
    }

    It 'fails when the CurrentVersion key does not exist' {
        $script:CurrentVersion = $null
        { Get-MtlsHostIdentity } | Should -Throw '*does not exist, so the Windows version is unknown*'
    }
}
