# Schannel.psm1 above the registry boundary. Mocks answer as the registry does (WINDOWS_FACTS REG-*).

BeforeAll {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'Common.ps1')
    Initialize-MtlsPesterSession

    $script:SchannelPath = 'SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL'
    $script:MarkerParent = 'SOFTWARE\mtls.iis'
    $script:MarkerPath = 'SOFTWARE\mtls.iis\SchannelRebootPending'

    # The registry of the test, set by Set-TestRegistry: Get-MtlsWinRegistryKey's answer for the SCHANNEL key and the
    # marker key ($null = the key does not exist); every write is recorded in $Writes, in order.
    Function Set-TestRegistry {
        param ([hashtable]$Schannel, [switch]$Marker)

        $script:SchannelKey = $Schannel
        $script:MarkerKey = $null
        if ($Marker) {
            # A volatile key without values exists until the next restart (WINDOWS_FACTS REG-6).
            $script:MarkerKey = New-RegistryKeyAnswer
        }
        $script:Writes = New-Object -TypeName System.Collections.Generic.List[string]
    }
    foreach ($module in 'Schannel', 'SchannelWrite') {
        Mock -ModuleName $module Get-MtlsWinRegistryKey -ParameterFilter { $Path -eq $SchannelPath } { $script:SchannelKey }
        Mock -ModuleName $module Get-MtlsWinRegistryKey -ParameterFilter { $Path -eq $MarkerPath } { $script:MarkerKey }
    }
    Mock -ModuleName SchannelWrite New-MtlsWinRegistryKey { $script:Writes.Add("key $Path volatile=$([bool](Get-Variable -Name Volatile -ValueOnly -ErrorAction SilentlyContinue))") }
    Mock -ModuleName SchannelWrite Set-MtlsWinRegistryValue { $script:Writes.Add("set $Path $Name $Kind $Data") }
    Mock -ModuleName SchannelWrite Remove-MtlsWinRegistryValue { $script:Writes.Add("delete $Path $Name") }
}

Describe 'Get-MtlsSchannelSnapshot' {
    It 'reports both owned REG_DWORD values as numbers and leaves sibling values out' {
        # WINDOWS_FACTS REG-3: a REG_DWORD arrives as its unsigned number.
        Set-TestRegistry -Schannel (New-RegistryKeyAnswer -Values @{
                ClientAuthTrustMode = @('REG_DWORD', 2L)
                SendTrustedIssuerList = @('REG_DWORD', 0L)
                EventLogging = @('REG_DWORD', 1L)
            })
        $snapshot = Get-MtlsSchannelSnapshot
        $snapshot.Keys | Sort-Object | Should -Be @('ClientAuthTrustMode', 'pending_reboot', 'SendTrustedIssuerList')
        $snapshot.ClientAuthTrustMode | Should -Be 2
        $snapshot.SendTrustedIssuerList | Should -Be 0
    }

    It 'reports an absent value as null' {
        Set-TestRegistry -Schannel (New-RegistryKeyAnswer -Values @{ ClientAuthTrustMode = @('REG_DWORD', 1L) })
        $snapshot = Get-MtlsSchannelSnapshot
        $snapshot.SendTrustedIssuerList | Should -BeNullOrEmpty
        $snapshot.ContainsKey('SendTrustedIssuerList') | Should -BeTrue
    }

    It 'reports both values null when the SCHANNEL key does not exist' {
        Set-TestRegistry -Schannel $null
        $snapshot = Get-MtlsSchannelSnapshot
        $snapshot.ClientAuthTrustMode | Should -BeNullOrEmpty
        $snapshot.SendTrustedIssuerList | Should -BeNullOrEmpty
    }

    It 'finds a value stored under another casing, as the registry does' {
        # WINDOWS_FACTS REG-2: value names are case-insensitive; Get-MtlsWinRegistryKey returns them as stored.
        Set-TestRegistry -Schannel (New-RegistryKeyAnswer -Values @{ clientauthtrustmode = @('REG_DWORD', 1L) })
        (Get-MtlsSchannelSnapshot).ClientAuthTrustMode | Should -Be 1
    }

    It 'reports the full unsigned range of a REG_DWORD' {
        Set-TestRegistry -Schannel (New-RegistryKeyAnswer -Values @{ ClientAuthTrustMode = @('REG_DWORD', 4294967295L) })
        (Get-MtlsSchannelSnapshot).ClientAuthTrustMode | Should -Be 4294967295
    }

    It 'reports a REG_SZ value as its text, which the controller treats as a mismatch' {
        Set-TestRegistry -Schannel (New-RegistryKeyAnswer -Values @{ ClientAuthTrustMode = @('REG_SZ', '2') })
        $value = (Get-MtlsSchannelSnapshot).ClientAuthTrustMode
        $value | Should -BeOfType [string]
        $value | Should -Be '2'
    }

    It 'reports REG_BINARY data as upper-case hex' {
        Set-TestRegistry -Schannel (New-RegistryKeyAnswer -Values @{ ClientAuthTrustMode = @('REG_BINARY', [byte[]](0x02, 0xAB)) })
        (Get-MtlsSchannelSnapshot).ClientAuthTrustMode | Should -Be '02AB'
    }

    It 'reports REG_MULTI_SZ data as lines' {
        Set-TestRegistry -Schannel (New-RegistryKeyAnswer -Values @{ SendTrustedIssuerList = @('REG_MULTI_SZ', [string[]]('1', '2')) })
        (Get-MtlsSchannelSnapshot).SendTrustedIssuerList | Should -Be "1`n2"
    }

    It 'reports pending_reboot while the volatile marker key exists' {
        Set-TestRegistry -Schannel (New-RegistryKeyAnswer) -Marker
        (Get-MtlsSchannelSnapshot).pending_reboot | Should -BeTrue
    }

    It 'reports no pending reboot when the marker key does not exist (the host restarted since)' {
        # WINDOWS_FACTS REG-6: a volatile key is gone after a restart.
        Set-TestRegistry -Schannel (New-RegistryKeyAnswer)
        (Get-MtlsSchannelSnapshot).pending_reboot | Should -BeFalse
    }

    It 'writes nothing' {
        Set-TestRegistry -Schannel (New-RegistryKeyAnswer -Values @{ ClientAuthTrustMode = @('REG_DWORD', 1L) }) -Marker
        $null = Get-MtlsSchannelSnapshot
        $script:Writes | Should -HaveCount 0
    }
}

Describe 'Set-MtlsSchannelValue' {
    It 'writes the value as a REG_DWORD under the SCHANNEL key and reports changed' {
        Set-TestRegistry -Schannel (New-RegistryKeyAnswer)
        (Set-MtlsSchannelValue -Name 'ClientAuthTrustMode' -Value 2).changed | Should -BeTrue
        $script:Writes | Should -Contain "set $SchannelPath ClientAuthTrustMode REG_DWORD 2"
    }

    It 'creates the marker as a volatile key under an ordinary parent before writing the value' {
        Set-TestRegistry -Schannel (New-RegistryKeyAnswer)
        $null = Set-MtlsSchannelValue -Name 'SendTrustedIssuerList' -Value 1
        @($script:Writes) | Should -Be @(
            "key $MarkerParent volatile=False"
            "key $MarkerPath volatile=True"
            "set $SchannelPath SendTrustedIssuerList REG_DWORD 1"
        )
    }

    It 'changes nothing and writes no marker when the REG_DWORD already has the value' {
        Set-TestRegistry -Schannel (New-RegistryKeyAnswer -Values @{ ClientAuthTrustMode = @('REG_DWORD', 2L) })
        (Set-MtlsSchannelValue -Name 'ClientAuthTrustMode' -Value 2).changed | Should -BeFalse
        $script:Writes | Should -HaveCount 0
    }

    It 'rewrites a value of another type as a REG_DWORD even when its text is the number' {
        # WINDOWS_FACTS REG-4: the write replaces type and data.
        Set-TestRegistry -Schannel (New-RegistryKeyAnswer -Values @{ ClientAuthTrustMode = @('REG_SZ', '2') })
        (Set-MtlsSchannelValue -Name 'ClientAuthTrustMode' -Value 2).changed | Should -BeTrue
        $script:Writes | Should -Contain "set $SchannelPath ClientAuthTrustMode REG_DWORD 2"
    }

    It 'writes the largest REG_DWORD as its unsigned number' {
        Set-TestRegistry -Schannel (New-RegistryKeyAnswer)
        $null = Set-MtlsSchannelValue -Name 'ClientAuthTrustMode' -Value 4294967295L
        $script:Writes | Should -Contain "set $SchannelPath ClientAuthTrustMode REG_DWORD 4294967295"
    }

    It 'refuses <Case> before touching the registry' -ForEach @(
        @{ Case = 'a negative value'; Value = -1; Message = '*outside the REG_DWORD range*' }
        @{ Case = 'a value above the REG_DWORD range'; Value = 4294967296L; Message = '*outside the REG_DWORD range*' }
        @{ Case = 'a string'; Value = '2'; Message = "*value '2' is not an integer*" }
        @{ Case = 'a boolean'; Value = $true; Message = '*is not an integer*' }
        @{ Case = 'null'; Value = $null; Message = '*is not an integer*' }
        @{ Case = 'a fraction'; Value = 1.5; Message = '*is not an integer*' }
    ) {
        Set-TestRegistry -Schannel (New-RegistryKeyAnswer)
        { Set-MtlsSchannelValue -Name 'ClientAuthTrustMode' -Value $Value } | Should -Throw $Message
        $script:Writes | Should -HaveCount 0
    }

    It 'refuses a value name the collection does not own, <Name>' -ForEach @(
        @{ Name = 'EventLogging' }
        @{ Name = 'clientauthtrustmode' }
        @{ Name = '' }
    ) {
        Set-TestRegistry -Schannel (New-RegistryKeyAnswer)
        { Set-MtlsSchannelValue -Name $Name -Value 1 } | Should -Throw "*'$Name' is not a Schannel value this collection manages*"
        $script:Writes | Should -HaveCount 0
    }
}

Describe 'Remove-MtlsSchannelValue' {
    It 'deletes a present value after creating the marker and reports changed' {
        Set-TestRegistry -Schannel (New-RegistryKeyAnswer -Values @{ SendTrustedIssuerList = @('REG_DWORD', 1L) })
        (Remove-MtlsSchannelValue -Name 'SendTrustedIssuerList').changed | Should -BeTrue
        @($script:Writes) | Should -Be @(
            "key $MarkerParent volatile=False"
            "key $MarkerPath volatile=True"
            "delete $SchannelPath SendTrustedIssuerList"
        )
    }

    It 'deletes a value of any type' {
        Set-TestRegistry -Schannel (New-RegistryKeyAnswer -Values @{ ClientAuthTrustMode = @('REG_SZ', 'x') })
        (Remove-MtlsSchannelValue -Name 'ClientAuthTrustMode').changed | Should -BeTrue
        $script:Writes | Should -Contain "delete $SchannelPath ClientAuthTrustMode"
    }

    It 'changes nothing and writes no marker when the value is absent' {
        Set-TestRegistry -Schannel (New-RegistryKeyAnswer -Values @{ EventLogging = @('REG_DWORD', 1L) })
        (Remove-MtlsSchannelValue -Name 'ClientAuthTrustMode').changed | Should -BeFalse
        $script:Writes | Should -HaveCount 0
    }

    It 'changes nothing when the SCHANNEL key does not exist' {
        Set-TestRegistry -Schannel $null
        (Remove-MtlsSchannelValue -Name 'ClientAuthTrustMode').changed | Should -BeFalse
        $script:Writes | Should -HaveCount 0
    }

    It 'refuses a value name the collection does not own' {
        Set-TestRegistry -Schannel (New-RegistryKeyAnswer -Values @{ EventLogging = @('REG_DWORD', 1L) })
        { Remove-MtlsSchannelValue -Name 'EventLogging' } | Should -Throw "*'EventLogging' is not a Schannel value*"
        $script:Writes | Should -HaveCount 0
    }
}
