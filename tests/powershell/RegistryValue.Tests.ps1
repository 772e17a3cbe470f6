# RegistryValue.psm1: a value of a key as Get-MtlsWinRegistryKey returns it (WINDOWS_FACTS REG-2, REG-3).

BeforeAll {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'Common.ps1')
    Initialize-MtlsPesterSession

    $script:Key = New-RegistryKeyAnswer -Values @{ CurrentBuildNumber = @('REG_SZ', '14393'); UBR = @('REG_DWORD', 7L) }
}

Describe 'Find-MtlsRegistryValue' {
    It 'finds a value by its name in any case, as the registry does' {
        (Find-MtlsRegistryValue -Key $Key -Name 'currentbuildnumber').data | Should -Be '14393'
    }

    It 'returns the value only when it has the asked type' {
        (Find-MtlsRegistryValue -Key $Key -Name 'UBR' -Kind 'REG_DWORD').data | Should -Be 7
        Find-MtlsRegistryValue -Key $Key -Name 'CurrentBuildNumber' -Kind 'REG_DWORD' | Should -BeNullOrEmpty
    }

    It 'returns nothing for a value or a key that does not exist' {
        Find-MtlsRegistryValue -Key $Key -Name 'CurrentVersion' | Should -BeNullOrEmpty
        Find-MtlsRegistryValue -Key $null -Name 'UBR' | Should -BeNullOrEmpty
    }
}
