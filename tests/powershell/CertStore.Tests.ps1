# CertStore.psm1 above the certificate store boundary (WinCertStore), with real certificates. The mocks keep a small
# picture of the LocalMachine stores and answer as X509Store does (WINDOWS_FACTS CERT-*); every write is recorded.

BeforeAll {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'Common.ps1')
    . (Join-Path -Path $PSScriptRoot -ChildPath 'Certificates.ps1')
    Initialize-MtlsPesterSession

    $script:Root = New-TestCertificate -Subject 'Contoso Root' -Ca
    $script:Issuing = New-TestCertificate -Subject 'Contoso Issuing' -Issuer $Root -Ca
    $script:Server = New-TestCertificate -Subject 'www.contoso.com' -Issuer $Issuing

    # The stores of the test: name -> list of @{ der; has_private_key; thumbprint }. A PowerShell hashtable compares
    # keys case-insensitively, as Windows compares store names (WINDOWS_FACTS CERT-11). $Denied: stores whose every
    # call fails with access denied; $DeniedWrites: stores that can be read but not changed (reading LocalMachine
    # stores needs no administrator rights, changing them does).
    Function Set-TestStore {
        param ([hashtable]$Stores = @{}, [string[]]$Denied = @(), [string[]]$DeniedWrites = @())

        $script:Stores = @{}
        foreach ($name in $Stores.Keys) {
            $script:Stores[$name] = New-Object -TypeName System.Collections.Generic.List[hashtable]
            foreach ($entry in $Stores[$name]) {
                $script:Stores[$name].Add(@{ der = $entry.der; thumbprint = $entry.thumbprint; has_private_key = ($entry.ContainsKey('key') -and [bool]$entry['key']) })
            }
        }
        $script:Denied = $Denied
        $script:DeniedWrites = $Denied + $DeniedWrites
        $script:Writes = New-Object -TypeName System.Collections.Generic.List[string]
        # Certificates a removal leaves in place (another physical store shows them, WINDOWS_FACTS CERT-20).
        $script:Sticky = @()
    }

    Function Assert-Allowed {
        param ([string]$Name, [string]$Method, [switch]$Write)

        $refused = $script:Denied
        if ($Write) {
            $refused = $script:DeniedWrites
        }
        if ($refused -contains $Name) {
            # WINDOWS_FACTS CERT-12: access denied is HRESULT 0x80070005, not the "store missing" codes.
            throw (New-WindowsError -HResult 0x80070005 -Message 'Access is denied.' -Method $Method)
        }
    }

    Function Get-TestEntry {
        param ([string]$Name, [string]$Thumbprint)

        if (-not $script:Stores.ContainsKey($Name)) {
            return $null
        }
        @($script:Stores[$Name] | Where-Object { $_.thumbprint -eq $Thumbprint })[0]
    }

    Function Add-TestEntry {
        param ([string]$Name, [hashtable]$Entry)

        # WINDOWS_FACTS CERT-13: opening ReadWrite without OpenExistingOnly creates a missing store.
        if (-not $script:Stores.ContainsKey($Name)) {
            $script:Stores[$Name] = New-Object -TypeName System.Collections.Generic.List[hashtable]
        }
        $existing = Get-TestEntry -Name $Name -Thumbprint $Entry.thumbprint
        if ($null -eq $existing) {
            $script:Stores[$Name].Add($Entry)
        }
        elseif ($Entry.has_private_key) {
            # WINDOWS_FACTS CERT-15: a re-add keeps the existing properties and adds the new ones.
            $existing.has_private_key = $true
        }
    }

    # WINDOWS_FACTS CERT-12, CERT-14: a missing store reads as exists=false and is never created.
    Mock -ModuleName CertStore Get-MtlsWinCertStore {
        Assert-Allowed -Name $Name -Method 'Open'
        if (-not $script:Stores.ContainsKey($Name)) {
            return @{ exists = $false; certificates = @() }
        }
        $certificates = @(foreach ($entry in $script:Stores[$Name]) { @{ der = $entry.der; has_private_key = $entry.has_private_key } })
        @{ exists = $true; certificates = $certificates }
    }
    Mock -ModuleName CertStoreWrite New-MtlsWinCertStore {
        Assert-Allowed -Name $Name -Method 'Open' -Write
        $script:Writes.Add("create $Name")
        if (-not $script:Stores.ContainsKey($Name)) {
            $script:Stores[$Name] = New-Object -TypeName System.Collections.Generic.List[hashtable]
        }
    }
    Mock -ModuleName CertStoreWrite Add-MtlsWinCertStoreCertificate {
        Assert-Allowed -Name $Name -Method 'Add' -Write
        $thumbprint = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($Der).Thumbprint
        $script:Writes.Add("add $Name $thumbprint")
        Add-TestEntry -Name $Name -Entry @{ der = $Der; thumbprint = $thumbprint; has_private_key = $false }
    }
    # WINDOWS_FACTS CERT-18: the copy carries the source's properties, the key link among them.
    Mock -ModuleName CertStoreWrite Copy-MtlsWinCertStoreCertificate {
        Assert-Allowed -Name $Name -Method 'Add' -Write
        $script:Writes.Add("copy $SourceName $Name $Thumbprint")
        $source = Get-TestEntry -Name $SourceName -Thumbprint $Thumbprint
        Add-TestEntry -Name $Name -Entry @{ der = $source.der; thumbprint = $source.thumbprint; has_private_key = $source.has_private_key }
    }
    Mock -ModuleName CertStoreWrite Remove-MtlsWinCertStoreCertificate {
        Assert-Allowed -Name $Name -Method 'Remove' -Write
        $script:Writes.Add("remove $Name $Thumbprint")
        if ($script:Stores.ContainsKey($Name) -and $script:Sticky -notcontains $Thumbprint) {
            $null = $script:Stores[$Name].RemoveAll([Predicate[hashtable]] { param($entry) $entry.thumbprint -eq $Thumbprint })
        }
    }

    Function Get-ErrorText {
        param ([scriptblock]$Action)

        try {
            & $Action
        }
        catch {
            return $_.Exception.Message
        }
        throw 'the action did not fail'
    }
}

Describe 'Get-MtlsCertStoreSnapshot' {
    It 'reports each certificate with its SHA-1 thumbprint in upper case, its base64 DER and whether it has a key' {
        # WINDOWS_FACTS CERT-1: the thumbprint is the SHA-1 of the DER.
        Set-TestStore -Stores @{ My = @(@{ der = $Server.der; thumbprint = $Server.thumbprint; key = $true }) }
        $snapshot = Get-MtlsCertStoreSnapshot -Name 'My'
        $snapshot.exists | Should -BeTrue
        $snapshot.certificates | Should -HaveCount 1
        $snapshot.certificates[0].thumbprint | Should -BeExactly $Server.thumbprint
        $snapshot.certificates[0].der | Should -BeExactly $Server.base64
        $snapshot.certificates[0].has_private_key | Should -BeTrue
    }

    It 'reports every certificate of the store in its order' {
        Set-TestStore -Stores @{ Root = @($Root, $Issuing) }
        @((Get-MtlsCertStoreSnapshot -Name 'Root').certificates.thumbprint) | Should -Be @($Root.thumbprint, $Issuing.thumbprint)
    }

    It 'reports a store that does not exist as exists=false and never creates it' {
        Set-TestStore
        $snapshot = Get-MtlsCertStoreSnapshot -Name 'ClientAuthIssuer'
        $snapshot.exists | Should -BeFalse
        $snapshot.certificates | Should -HaveCount 0
        $script:Writes | Should -HaveCount 0
    }

    It 'fails naming the store when Windows denies reading it, instead of reporting it missing' {
        Set-TestStore -Stores @{ Secret = @() } -Denied 'Secret'
        { Get-MtlsCertStoreSnapshot -Name 'Secret' } |
            Should -Throw 'reading LocalMachine\Secret was denied (0x80070005 access denied - Access is denied.): changing LocalMachine certificate stores needs a local administrator*'
    }

    It 'fails with an empty reason when Windows gives an exception without a message' {
        Set-TestStore
        Mock -ModuleName CertStore Get-MtlsWinCertStore { throw (New-WindowsError -HResult 0x80004005 -Message '') }
        { Get-MtlsCertStoreSnapshot -Name 'My' } |
            Should -Throw 'reading LocalMachine\My failed (System.Security.Cryptography.CryptographicException 0x80004005 - )'
    }

    It 'fails with the type, code and text of any other Windows error' {
        Set-TestStore
        Mock -ModuleName CertStore Get-MtlsWinCertStore { throw (New-WindowsError -HResult 0x8009200D -Message 'Cannot find the requested object.') }
        { Get-MtlsCertStoreSnapshot -Name 'My' } |
            Should -Throw 'reading LocalMachine\My failed (System.Security.Cryptography.CryptographicException 0x8009200D - Cannot find the requested object.)'
    }
}

Describe 'New-MtlsCertStore' {
    It 'creates a store that does not exist and reports changed' {
        Set-TestStore
        (New-MtlsCertStore -Name 'ClientAuthIssuer').changed | Should -BeTrue
        @($script:Writes) | Should -Be @('create ClientAuthIssuer')
    }

    It 'leaves an existing store alone, in any case of its name' {
        Set-TestStore -Stores @{ ClientAuthIssuer = @() }
        (New-MtlsCertStore -Name 'clientauthissuer').changed | Should -BeFalse
        $script:Writes | Should -HaveCount 0
    }

    It 'fails saying what to do when Windows denies creating it' {
        Set-TestStore -DeniedWrites 'ClientAuthIssuer'
        { New-MtlsCertStore -Name 'ClientAuthIssuer' } | Should -Throw 'creating LocalMachine\ClientAuthIssuer was denied (0x80070005*connect as one or use become'
    }
}

Describe 'Add-MtlsCertificate' {
    It 'adds the DER to the store and reports changed' {
        Set-TestStore
        (Add-MtlsCertificate -StoreName 'Root' -Der $Root.base64 -Thumbprint $Root.thumbprint).changed | Should -BeTrue
        @($script:Writes) | Should -Be @("add Root $($Root.thumbprint)")
        Should -Invoke -ModuleName CertStoreWrite Add-MtlsWinCertStoreCertificate -Times 1 -Exactly -ParameterFilter {
            [System.Convert]::ToBase64String($Der) -eq $Root.base64
        }
    }

    It 'changes nothing when the store holds the certificate' {
        Set-TestStore -Stores @{ Root = @($Root) }
        (Add-MtlsCertificate -StoreName 'ROOT' -Der $Root.base64 -Thumbprint $Root.thumbprint.ToLowerInvariant()).changed | Should -BeFalse
        $script:Writes | Should -HaveCount 0
    }

    It 'refuses a DER whose SHA-1 is not the op thumbprint, adding nothing' {
        Set-TestStore
        { Add-MtlsCertificate -StoreName 'Root' -Der $Root.base64 -Thumbprint $Issuing.thumbprint } |
            Should -Throw "der has thumbprint $($Root.thumbprint) but the op says $($Issuing.thumbprint), so the op was damaged on its way"
        $script:Writes | Should -HaveCount 0
    }

    It 'refuses <Case> before touching a store' -ForEach @(
        @{ Case = 'DER that is not base64'; Der = 'not base64!'; Thumbprint = 'A' * 40; Message = 'der is not valid base64 (or is empty)' }
        @{ Case = 'empty DER'; Der = ''; Thumbprint = 'A' * 40; Message = 'der is not valid base64 (or is empty)' }
        @{ Case = 'a thumbprint that is not SHA-1 hex'; Der = 'AAAA'; Thumbprint = 'xyz'; Message = "thumbprint 'xyz' is not 40 hexadecimal characters (a SHA-1 thumbprint)" }
        @{ Case = 'a thumbprint one character short'; Der = 'AAAA'; Thumbprint = 'A' * 39; Message = "thumbprint '$('A' * 39)' is not 40 hexadecimal characters (a SHA-1 thumbprint)" }
    ) {
        Set-TestStore
        { Add-MtlsCertificate -StoreName 'Root' -Der $Der -Thumbprint $Thumbprint } | Should -Throw $Message
        Should -Invoke -ModuleName CertStore Get-MtlsWinCertStore -Times 0 -Exactly
    }

    It 'fails saying what to do when Windows denies the add' {
        Set-TestStore -Stores @{ Root = @() } -DeniedWrites 'Root'
        { Add-MtlsCertificate -StoreName 'Root' -Der $Root.base64 -Thumbprint $Root.thumbprint } |
            Should -Throw "adding certificate $($Root.thumbprint) to LocalMachine\Root was denied (0x80070005*"
    }
}

Describe 'Move-MtlsCertificate' {
    It 'copies the certificate into the target store before removing it from the source, and returns its DER' {
        Set-TestStore -Stores @{ Root = @($Issuing) }
        $outcome = Move-MtlsCertificate -FromStore 'Root' -ToStore 'CA' -Thumbprint $Issuing.thumbprint
        $outcome.changed | Should -BeTrue
        $outcome.der | Should -BeExactly $Issuing.base64
        @($script:Writes) | Should -Be @("copy Root CA $($Issuing.thumbprint)", "remove Root $($Issuing.thumbprint)")
        (Get-TestEntry -Name 'CA' -Thumbprint $Issuing.thumbprint) | Should -Not -BeNullOrEmpty
        (Get-TestEntry -Name 'Root' -Thumbprint $Issuing.thumbprint) | Should -BeNullOrEmpty
    }

    It 'keeps the private key link: the certificate is copied with its properties, not added as DER' {
        Set-TestStore -Stores @{ Root = @(@{ der = $Server.der; thumbprint = $Server.thumbprint; key = $true }) }
        $null = Move-MtlsCertificate -FromStore 'Root' -ToStore 'My' -Thumbprint $Server.thumbprint
        (Get-TestEntry -Name 'My' -Thumbprint $Server.thumbprint).has_private_key | Should -BeTrue
        Should -Invoke -ModuleName CertStoreWrite Add-MtlsWinCertStoreCertificate -Times 0 -Exactly
    }

    It 'changes nothing when the certificate is already in the target store only (a finished move)' {
        Set-TestStore -Stores @{ Root = @(); CA = @($Issuing) }
        (Move-MtlsCertificate -FromStore 'Root' -ToStore 'CA' -Thumbprint $Issuing.thumbprint).changed | Should -BeFalse
        $script:Writes | Should -HaveCount 0
    }

    It 'fails when the certificate is in neither store' {
        Set-TestStore -Stores @{ Root = @($Root) }
        { Move-MtlsCertificate -FromStore 'Root' -ToStore 'CA' -Thumbprint $Issuing.thumbprint } |
            Should -Throw "certificate $($Issuing.thumbprint) is in neither LocalMachine\Root nor LocalMachine\CA; gather again and re-plan"
    }

    It 'refuses to move a certificate into the store it is in, in any case of the names' {
        Set-TestStore -Stores @{ Root = @($Issuing) }
        { Move-MtlsCertificate -FromStore 'Root' -ToStore 'ROOT' -Thumbprint $Issuing.thumbprint } |
            Should -Throw "from_store and to_store are the same store 'Root'"
        $script:Writes | Should -HaveCount 0
    }

    It 'leaves the certificate in the source when the copy is denied' {
        Set-TestStore -Stores @{ Root = @($Issuing) } -DeniedWrites 'CA'
        { Move-MtlsCertificate -FromStore 'Root' -ToStore 'CA' -Thumbprint $Issuing.thumbprint } |
            Should -Throw "copying certificate $($Issuing.thumbprint) from LocalMachine\Root to LocalMachine\CA was denied*; it is still in Root"
        Should -Invoke -ModuleName CertStoreWrite Remove-MtlsWinCertStoreCertificate -Times 0 -Exactly
    }

    It 'removes nothing when the target does not show the certificate after the copy' {
        Set-TestStore -Stores @{ Root = @($Issuing) }
        Mock -ModuleName CertStoreWrite Copy-MtlsWinCertStoreCertificate { $script:Writes.Add('copy lost') }
        { Move-MtlsCertificate -FromStore 'Root' -ToStore 'CA' -Thumbprint $Issuing.thumbprint } |
            Should -Throw "certificate $($Issuing.thumbprint) was not found in LocalMachine\CA after copying it there; it was left in Root"
        Should -Invoke -ModuleName CertStoreWrite Remove-MtlsWinCertStoreCertificate -Times 0 -Exactly
    }

    It 'says the certificate is in both stores when the removal from the source is denied' {
        Set-TestStore -Stores @{ Root = @($Issuing) } -DeniedWrites 'Root'
        { Move-MtlsCertificate -FromStore 'Root' -ToStore 'CA' -Thumbprint $Issuing.thumbprint } |
            Should -Throw "removing certificate $($Issuing.thumbprint) from LocalMachine\Root was denied*; it is in both Root and CA; run the task again to finish the move"
    }
}

Describe 'Remove-MtlsCertificate' {
    It 'removes the certificate and returns its DER' {
        Set-TestStore -Stores @{ CA = @($Issuing, $Root) }
        $outcome = Remove-MtlsCertificate -StoreName 'CA' -Thumbprint $Issuing.thumbprint.ToLowerInvariant()
        $outcome.changed | Should -BeTrue
        $outcome.der | Should -BeExactly $Issuing.base64
        @($script:Writes) | Should -Be @("remove CA $($Issuing.thumbprint)")
        @($script:Stores['CA'].thumbprint) | Should -Be @($Root.thumbprint)
    }

    It 'changes nothing when the store does not exist, and does not create it' {
        Set-TestStore
        (Remove-MtlsCertificate -StoreName 'ClientAuthIssuer' -Thumbprint $Root.thumbprint).changed | Should -BeFalse
        $script:Writes | Should -HaveCount 0
        $script:Stores.ContainsKey('ClientAuthIssuer') | Should -BeFalse
    }

    It 'changes nothing when the store does not hold the certificate' {
        Set-TestStore -Stores @{ CA = @($Root) }
        (Remove-MtlsCertificate -StoreName 'CA' -Thumbprint $Issuing.thumbprint).changed | Should -BeFalse
        $script:Writes | Should -HaveCount 0
    }

    It 'fails with a clear message, not changed=false, when Windows denies opening the store (issue 10 item 4)' {
        Set-TestStore -Stores @{ CA = @($Issuing) } -Denied 'CA'
        { Remove-MtlsCertificate -StoreName 'CA' -Thumbprint $Issuing.thumbprint } |
            Should -Throw 'reading LocalMachine\CA was denied (0x80070005 access denied - Access is denied.): changing LocalMachine certificate stores needs a local administrator; connect as one or use become'
    }

    It 'fails naming the certificate and the store when Windows denies the removal (issue 10 item 4)' {
        Set-TestStore -Stores @{ CA = @($Issuing) } -DeniedWrites 'CA'
        { Remove-MtlsCertificate -StoreName 'CA' -Thumbprint $Issuing.thumbprint } |
            Should -Throw "removing certificate $($Issuing.thumbprint) from LocalMachine\CA was denied (0x80070005*; it is still there"
    }

    It 'fails when the certificate is still in the store after the removal (another physical store shows it)' {
        Set-TestStore -Stores @{ Root = @($Root) }
        $script:Sticky = @($Root.thumbprint)
        { Remove-MtlsCertificate -StoreName 'Root' -Thumbprint $Root.thumbprint } |
            Should -Throw "certificate $($Root.thumbprint) is still in LocalMachine\Root after removing it; it may be deployed by Group Policy or another physical store - remove it at its source"
    }

    It 'refuses a thumbprint that is not SHA-1 hex before touching a store' {
        Set-TestStore -Stores @{ CA = @($Issuing) }
        { Remove-MtlsCertificate -StoreName 'CA' -Thumbprint 'ZZ' } | Should -Throw "thumbprint 'ZZ' is not 40 hexadecimal characters*"
        Should -Invoke -ModuleName CertStore Get-MtlsWinCertStore -Times 0 -Exactly
    }
}
