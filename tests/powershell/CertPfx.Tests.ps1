# CertPfx.psm1 (pfx_import) above the certificate store boundary, with real certificates and PFX files. The store is
# read through CertStore.psm1 (mocked there), the PFX through WinCertStore (mocked in CertPfx), the OS build through
# WindowsFeature (mocked in CertPfx). The mocks answer as X509Certificate2Collection.Import and X509Store do.

BeforeAll {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'Common.ps1')
    . (Join-Path -Path $PSScriptRoot -ChildPath 'Certificates.ps1')
    Initialize-MtlsPesterSession

    $script:Password = 'Pfx-Passw0rd-Never-Shown'
    $script:Issuing = New-TestCertificate -Subject 'Contoso Issuing' -Ca
    $script:Server = New-TestCertificate -Subject 'www.contoso.com' -Issuer $Issuing
    $script:AesPfx = New-TestPfx -Keyed $Server -Chain @($Issuing) -Password $Password -Encryption Aes
    $script:TripleDesPfx = New-TestPfx -Keyed $Server -Chain @($Issuing) -Password $Password -Encryption TripleDes

    # The store My of the test: its certificates as Get-MtlsWinCertStore returns them (WINDOWS_FACTS CERT-14), and
    # what the PFX import adds to it. The OS build of the test host and the error the PFX import meets.
    Function Set-TestHost {
        param ([hashtable[]]$My = @(), [string]$Version = '10.0.20348', [object]$ImportError = $null, [switch]$ImportLosesKey)

        $script:My = New-Object -TypeName System.Collections.Generic.List[hashtable]
        foreach ($entry in $My) {
            $script:My.Add($entry)
        }
        $script:Version = $Version
        $script:ImportError = $ImportError
        $script:ImportLosesKey = [bool]$ImportLosesKey
        $script:Opened = New-Object -TypeName System.Collections.Generic.List[string]
    }

    # WINDOWS_FACTS CERT-12, CERT-14: an existing store with its certificates as DER and has_private_key.
    Mock -ModuleName CertStore Get-MtlsWinCertStore { @{ exists = $true; certificates = @($script:My) } }
    # WINDOWS_FACTS CERT-8, CERT-17: every certificate of the PFX in file order, the keyed one with has_private_key;
    # a PFX this build cannot decrypt, or a wrong password, fails the import (CERT-9, CERT-19).
    Mock -ModuleName CertPfx Read-MtlsWinPfx {
        $script:Opened.Add("read $($KeyStorageFlags -join ',')")
        if ($null -ne $script:ImportError) {
            throw $script:ImportError
        }
        $collection = [System.Security.Cryptography.X509Certificates.X509Certificate2Collection]::new()
        $collection.Import($Pfx, $Password, [System.Security.Cryptography.X509Certificates.X509KeyStorageFlags]::EphemeralKeySet)
        , @(foreach ($certificate in $collection) { @{ der = [byte[]]$certificate.RawData; has_private_key = $certificate.HasPrivateKey } })
    }
    # WINDOWS_FACTS CERT-15, CERT-17: the certificate with that thumbprint joins the store linked to its key.
    Mock -ModuleName CertPfx Add-MtlsWinCertStorePfx {
        $script:Opened.Add("add $Name $Thumbprint $($KeyStorageFlags -join ',')")
        foreach ($entry in @($script:My)) {
            if ([System.Security.Cryptography.X509Certificates.X509Certificate2]::new($entry.der).Thumbprint -eq $Thumbprint) {
                $null = $script:My.Remove($entry)
            }
        }
        $script:My.Add(@{ der = $Server.der; has_private_key = -not $script:ImportLosesKey })
    }
    # WINDOWS_FACTS HOST-1: major.minor.build from the registry.
    Mock -ModuleName CertPfx Get-MtlsWindowsVersion { $script:Version }

    Function Invoke-Import {
        param ([byte[]]$Pfx = $AesPfx, [string]$Thumbprint = $Server.thumbprint)

        Import-MtlsPfxCertificate -StoreName 'My' -Pfx ([System.Convert]::ToBase64String($Pfx)) -Password $Password -Thumbprint $Thumbprint
    }

    Function Get-ErrorText {
        param ([scriptblock]$Action)

        try {
            $null = & $Action
        }
        catch {
            return $_.Exception.Message
        }
        throw 'the action did not fail'
    }

    # WINDOWS_FACTS CERT-19: what X509Certificate2Collection.Import throws for a wrong password on every build, and
    # for a PBES2/AES PFX on a build before 17763 (CERT-9).
    $script:InvalidPassword = New-WindowsError -HResult 0x80070056 -Message 'The specified network password is not correct.' -Method 'Import'
}

Describe 'Import-MtlsPfxCertificate' {
    It 'looks at the PFX without persisting its key, then imports the certificate with a persisted machine key' {
        Set-TestHost
        (Invoke-Import).changed | Should -BeTrue
        @($script:Opened) | Should -Be @('read MachineKeySet', "add My $($Server.thumbprint) MachineKeySet,PersistKeySet")
    }

    It 'passes the PFX bytes and the password only to the boundary' {
        Set-TestHost
        $null = Invoke-Import
        Should -Invoke -ModuleName CertPfx Add-MtlsWinCertStorePfx -Times 1 -Exactly -ParameterFilter {
            $Password -ceq $script:Password -and [System.Convert]::ToBase64String($Pfx) -eq [System.Convert]::ToBase64String($AesPfx)
        }
    }

    It 'imports only the certificate with the key, never the chain the PFX carries (the controller plans it)' {
        Set-TestHost
        $null = Invoke-Import
        Should -Invoke -ModuleName CertPfx Add-MtlsWinCertStorePfx -Times 1 -Exactly
        Should -Invoke -ModuleName CertPfx Add-MtlsWinCertStorePfx -Times 0 -Exactly -ParameterFilter { $Thumbprint -eq $Issuing.thumbprint }
    }

    It 'changes nothing and opens no PFX when the store holds the certificate with its key' {
        Set-TestHost -My @(@{ der = $Server.der; has_private_key = $true })
        (Invoke-Import -Thumbprint $Server.thumbprint.ToLowerInvariant()).changed | Should -BeFalse
        $script:Opened | Should -HaveCount 0
    }

    It 'gives the key to a copy of the certificate the store holds without one' {
        Set-TestHost -My @(@{ der = $Server.der; has_private_key = $false })
        (Invoke-Import).changed | Should -BeTrue
        $script:My | Should -HaveCount 1
        $script:My[0].has_private_key | Should -BeTrue
    }

    It 'refuses a PFX that does not hold the op certificate, persisting nothing' {
        Set-TestHost
        $other = New-TestCertificate -Subject 'other.contoso.com' -Issuer $Issuing
        { Invoke-Import -Thumbprint $other.thumbprint } |
            Should -Throw "the PFX holds certificate(s) $($Server.thumbprint), $($Issuing.thumbprint) but the op says $($other.thumbprint), so the op was damaged on its way"
        Should -Invoke -ModuleName CertPfx Add-MtlsWinCertStorePfx -Times 0 -Exactly
    }

    It 'refuses when the op names a certificate of the PFX that has no key' {
        Set-TestHost
        { Invoke-Import -Thumbprint $Issuing.thumbprint } |
            Should -Throw "the PFX holds certificate $($Issuing.thumbprint) without its private key; import a certificate without a key with cert_import"
        Should -Invoke -ModuleName CertPfx Add-MtlsWinCertStorePfx -Times 0 -Exactly
    }

    It 'names the build and the remedy when a build before 17763 cannot decrypt an AES PFX (issue 10 item 2)' {
        Set-TestHost -Version '10.0.14393' -ImportError $InvalidPassword
        $message = Get-ErrorText { Invoke-Import -Pfx $AesPfx }
        $message | Should -BeLike 'the PFX could not be opened (System.Security.Cryptography.CryptographicException 0x80070056 - The specified network password is not correct.): this Windows build (14393) cannot open PFX files encrypted with PBES2/AES-256*'
        $message | Should -BeLike '*supports from build 17763 (Windows Server 2019); re-export the PFX with TripleDES-SHA1 (''openssl pkcs12 -export -legacy'')*'
        $message | Should -BeLike '*mtls.iis re-encodes a PFX automatically when the os_version it gathered is below 17763'
    }

    It 'says the password is wrong for <Case>' -ForEach @(
        @{ Case = 'an AES PFX on build 17763 and later'; Version = '10.0.17763'; Encryption = 'Aes' }
        @{ Case = 'a 3DES PFX on build 14393, which opens those'; Version = '10.0.14393'; Encryption = 'TripleDes' }
        @{ Case = 'an AES PFX when the build cannot be read'; Version = $null; Encryption = 'Aes' }
    ) {
        Set-TestHost -Version $Version -ImportError $InvalidPassword
        if ($null -eq $Version) {
            Mock -ModuleName CertPfx Get-MtlsWindowsVersion { throw 'the registry key does not exist' }
        }
        $pfx = $AesPfx
        if ($Encryption -eq 'TripleDes') {
            $pfx = $TripleDesPfx
        }
        Get-ErrorText { Invoke-Import -Pfx $pfx } |
            Should -Be 'the PFX could not be opened (System.Security.Cryptography.CryptographicException 0x80070056 - The specified network password is not correct.); check that password_ref names the right password and that the PFX is not damaged'
    }

    It 'asks for the build only to explain a failure' {
        Set-TestHost
        $null = Invoke-Import
        Should -Invoke -ModuleName CertPfx Get-MtlsWindowsVersion -Times 0 -Exactly
    }

    It 'masks the password should a Windows message ever carry it' {
        # Windows' messages do not carry the password (WINDOWS_FACTS CERT-16): this checks the guard behind that.
        Set-TestHost -ImportError (New-WindowsError -HResult 0x80092002 -Message "Bad data near $Password." -Method 'Import')
        $message = Get-ErrorText { Invoke-Import }
        $message | Should -BeLike '*0x80092002 - Bad data near ********.)*'
        $message | Should -Not -BeLike "*$Password*"
    }

    It 'refuses a PFX that is not base64 without showing it' {
        Set-TestHost
        $message = Get-ErrorText { Import-MtlsPfxCertificate -StoreName 'My' -Pfx 'MIIK not base64 at all' -Password $Password -Thumbprint $Server.thumbprint }
        $message | Should -Be 'pfx is not valid base64 (or is empty)'
        Should -Invoke -ModuleName CertPfx Read-MtlsWinPfx -Times 0 -Exactly
    }

    It 'fails saying what to do when Windows denies the import' {
        Set-TestHost
        Mock -ModuleName CertPfx Add-MtlsWinCertStorePfx { throw (New-WindowsError -HResult 0x80070005 -Message 'Access is denied.' -Method 'Add') }
        $message = Get-ErrorText { Invoke-Import }
        $message | Should -Be "importing certificate $($Server.thumbprint) with its private key into LocalMachine\My was denied (0x80070005 access denied - Access is denied.): changing LocalMachine certificate stores needs a local administrator; connect as one or use become"
    }

    It 'fails when the store does not show the certificate with a key after the import' {
        Set-TestHost -ImportLosesKey
        { Invoke-Import } | Should -Throw "certificate $($Server.thumbprint) is not in LocalMachine\My with a private key after importing the PFX"
    }

    It 'never puts the password or the PFX in a result or an error' {
        Set-TestHost -Version '10.0.14393' -ImportError $InvalidPassword
        $message = Get-ErrorText { Invoke-Import }
        $message | Should -Not -BeLike "*$Password*"
        $message | Should -Not -BeLike "*$([System.Convert]::ToBase64String($AesPfx).Substring(0, 40))*"
        Set-TestHost
        $result = Invoke-Import
        ($result | ConvertTo-Json -Compress) | Should -Not -BeLike "*$Password*"
        @($result.Keys) | Should -Be @('changed')
    }
}
