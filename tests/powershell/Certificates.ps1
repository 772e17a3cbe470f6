# Real certificates and PFX files for the certificate store tests, made with .NET at test time (the test machine's
# PowerShell 7; never a host). Thumbprints come from .NET's X509Certificate2.Thumbprint, independently of the code
# under test. Dot-source it in a test file's BeforeAll after Common.ps1.

Set-StrictMode -Version 2.0

Function New-TestCertificate {
    <#
    .SYNOPSIS
    A certificate with its RSA key: self-signed (a root) without -Issuer, else issued by -Issuer (a result of this
    function). -Ca makes it a CA. Returns @{ certificate (X509Certificate2 with key); der; thumbprint; base64 }.
    #>
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $Subject,

        [hashtable]
        $Issuer,

        [switch]
        $Ca
    )

    $key = [System.Security.Cryptography.RSA]::Create(2048)
    $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new(
        "CN=$Subject", $key, [System.Security.Cryptography.HashAlgorithmName]::SHA256,
        [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
    $request.CertificateExtensions.Add(
        [System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new([bool]($Ca -or $null -eq $Issuer), $false, 0, $true))
    $notBefore = [DateTimeOffset]::UtcNow.AddDays(-1)
    $notAfter = [DateTimeOffset]::UtcNow.AddDays(365)
    if ($null -eq $Issuer) {
        $certificate = $request.CreateSelfSigned($notBefore, $notAfter)
    }
    else {
        $serial = [byte[]](1..16 | ForEach-Object { Get-Random -Minimum 1 -Maximum 255 })
        # Within the issuer's validity, as CertificateRequest.Create requires.
        $signed = $request.Create($Issuer.certificate, $notBefore, [DateTimeOffset]$Issuer.certificate.NotAfter.ToUniversalTime().AddDays(-1), $serial)
        $certificate = [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::CopyWithPrivateKey($signed, $key)
    }
    @{
        certificate = $certificate
        der = [byte[]]$certificate.RawData
        thumbprint = $certificate.Thumbprint
        base64 = [System.Convert]::ToBase64String($certificate.RawData)
    }
}

Function New-TestPfx {
    <#
    .SYNOPSIS
    A PKCS#12 file of a certificate with its key, followed by -Chain certificates without keys. -Encryption Aes is
    PBES2/AES-256 with a SHA-256 MAC (OpenSSL 3's and cryptography's default); TripleDes is PBES1 3DES with a SHA-1
    MAC (openssl pkcs12 -export -legacy). Returns the bytes.
    #>
    param (
        [Parameter(Mandatory = $true)]
        [hashtable]
        $Keyed,

        [hashtable[]]
        $Chain = @(),

        [Parameter(Mandatory = $true)]
        [string]
        $Password,

        [ValidateSet('Aes', 'TripleDes')]
        [string]
        $Encryption = 'Aes'
    )

    $collection = [System.Security.Cryptography.X509Certificates.X509Certificate2Collection]::new()
    $null = $collection.Add($Keyed.certificate)
    foreach ($ca in $Chain) {
        $null = $collection.Add([System.Security.Cryptography.X509Certificates.X509Certificate2]::new($ca.der))
    }
    $parameters = [System.Security.Cryptography.X509Certificates.Pkcs12ExportPbeParameters]::Pbes2Aes256Sha256
    if ($Encryption -eq 'TripleDes') {
        $parameters = [System.Security.Cryptography.X509Certificates.Pkcs12ExportPbeParameters]::Pkcs12TripleDesSha1
    }
    , [byte[]]$collection.ExportPkcs12($parameters, $Password)
}
