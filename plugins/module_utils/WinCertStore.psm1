# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Windows boundary: LocalMachine certificate stores and PFX files, through X509Store and X509Certificate2Collection
# (docs/POWERSHELL.md). Only plain data crosses it: certificates as DER bytes, never an X509Certificate2. Pester
# tests replace it with a stub that fails unless mocked, and the pwsh test host of issue 20 with a fake.
#
# Store names are case-insensitive (WINDOWS_FACTS CERT-11). A store that does not exist is told apart from every
# other failure by its HRESULT (WINDOWS_FACTS CERT-12); any other failure (access denied, ...) is thrown as it is.
# A PFX password only ever reaches X509Certificate2Collection.Import; the .NET messages of a failed import do not
# contain it (WINDOWS_FACTS CERT-16), and callers still mask it.

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

# HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND) and (ERROR_PATH_NOT_FOUND): the store does not exist (WINDOWS_FACTS CERT-12).
# As text: a hex literal above 0x7FFFFFFF is a negative Int32 in PowerShell, which is easy to misread.
$script:StoreMissingResults = @('0x80070002', '0x80070003')

Function Test-MtlsWinStoreMissingError {
    <#
    .SYNOPSIS
    Tells whether an error of X509Store.Open with OpenExistingOnly means "the store does not exist".
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param (
        [Parameter(Mandatory = $true)]
        [System.Management.Automation.ErrorRecord]
        $ErrorRecord
    )

    # A .NET method's exception reaches PowerShell wrapped in a MethodInvocationException.
    $exception = $ErrorRecord.Exception
    while ($null -ne $exception) {
        if ($exception -is [System.Security.Cryptography.CryptographicException]) {
            return ($script:StoreMissingResults -contains ('0x{0:X8}' -f $exception.HResult))
        }
        $exception = $exception.InnerException
    }
    $false
}

Function Open-MtlsWinCertStore {
    <#
    .SYNOPSIS
    Opens a LocalMachine store; the caller closes it. -ExistingOnly: $null when the store does not exist (never
    created). -Write without -ExistingOnly creates a missing store (WINDOWS_FACTS CERT-13).
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $Name,

        [switch]
        $Write,

        [switch]
        $ExistingOnly
    )

    $flags = [System.Security.Cryptography.X509Certificates.OpenFlags]::ReadOnly
    if ($Write) {
        $flags = [System.Security.Cryptography.X509Certificates.OpenFlags]::ReadWrite
    }
    if ($ExistingOnly) {
        $flags = $flags -bor [System.Security.Cryptography.X509Certificates.OpenFlags]::OpenExistingOnly
    }
    $location = [System.Security.Cryptography.X509Certificates.StoreLocation]::LocalMachine
    $store = New-Object -TypeName System.Security.Cryptography.X509Certificates.X509Store -ArgumentList $Name, $location
    try {
        $store.Open($flags)
    }
    catch {
        $store.Close()
        if ($ExistingOnly -and (Test-MtlsWinStoreMissingError -ErrorRecord $_)) {
            return $null
        }
        throw
    }
    $store
}

Function ConvertTo-MtlsWinKeyStorageFlag {
    <#
    .SYNOPSIS
    X509KeyStorageFlags from names such as MachineKeySet, PersistKeySet, Exportable.
    #>
    [CmdletBinding()]
    [OutputType([System.Security.Cryptography.X509Certificates.X509KeyStorageFlags])]
    param (
        [Parameter(Mandatory = $true)]
        [string[]]
        $Name
    )

    [System.Security.Cryptography.X509Certificates.X509KeyStorageFlags]($Name -join ', ')
}

Function Get-MtlsWinCertStore {
    <#
    .SYNOPSIS
    Reads one LocalMachine store without creating it: @{ exists = bool; certificates = @(@{ der = [byte[]];
    has_private_key = bool }) } in the store's order. has_private_key is X509Certificate2.HasPrivateKey
    (WINDOWS_FACTS CERT-14).
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $Name
    )

    $store = Open-MtlsWinCertStore -Name $Name -ExistingOnly
    if ($null -eq $store) {
        return @{ exists = $false; certificates = @() }
    }
    try {
        $certificates = @(
            foreach ($certificate in $store.Certificates) {
                @{ der = [byte[]]$certificate.RawData; has_private_key = [bool]$certificate.HasPrivateKey }
            }
        )
        @{ exists = $true; certificates = $certificates }
    }
    finally {
        $store.Close()
    }
}

Function New-MtlsWinCertStore {
    <#
    .SYNOPSIS
    Creates a LocalMachine store when it does not exist (WINDOWS_FACTS CERT-13); an existing store is left as it is.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $Name
    )

    $store = Open-MtlsWinCertStore -Name $Name -Write
    $store.Close()
}

Function Add-MtlsWinCertStoreCertificate {
    <#
    .SYNOPSIS
    Adds a certificate (DER) to a LocalMachine store, creating the store when it does not exist. A certificate the
    store already holds is replaced, keeping its properties such as the private key link (WINDOWS_FACTS CERT-15).
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $Name,

        [Parameter(Mandatory = $true)]
        [byte[]]
        $Der
    )

    $certificate = New-Object -TypeName System.Security.Cryptography.X509Certificates.X509Certificate2 -ArgumentList @(, $Der)
    $store = Open-MtlsWinCertStore -Name $Name -Write
    try {
        $store.Add($certificate)
    }
    finally {
        $store.Close()
        $certificate.Reset()
    }
}

Function Copy-MtlsWinCertStoreCertificate {
    <#
    .SYNOPSIS
    Copies the certificate with this SHA-1 thumbprint (any case) from the LocalMachine store -SourceName into the store
    -Name (created when missing) with its properties, such as the private key link and the friendly name
    (WINDOWS_FACTS CERT-18). Fails when the source store does not exist or does not hold the certificate.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $Name,

        [Parameter(Mandatory = $true)]
        [string]
        $SourceName,

        [Parameter(Mandatory = $true)]
        [string]
        $Thumbprint
    )

    $source = Open-MtlsWinCertStore -Name $SourceName -ExistingOnly
    if ($null -eq $source) {
        throw "the store '$SourceName' does not exist"
    }
    try {
        $found = @($source.Certificates | Where-Object {
                [string]::Equals($_.Thumbprint, $Thumbprint, [System.StringComparison]::OrdinalIgnoreCase)
            })
        if ($found.Count -eq 0) {
            throw "the store '$SourceName' holds no certificate with thumbprint $Thumbprint"
        }
        $target = Open-MtlsWinCertStore -Name $Name -Write
        try {
            # The certificate object read from a store carries that store's properties of it: X509Store.Add copies
            # them with the certificate (CertAddCertificateContextToStore).
            $target.Add($found[0])
        }
        finally {
            $target.Close()
        }
    }
    finally {
        $source.Close()
    }
}

Function Remove-MtlsWinCertStoreCertificate {
    <#
    .SYNOPSIS
    Removes the certificate with this SHA-1 thumbprint (any case) from a LocalMachine store; a store that does not
    exist or does not hold it is left as it is (never created).
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $Name,

        [Parameter(Mandatory = $true)]
        [string]
        $Thumbprint
    )

    $store = Open-MtlsWinCertStore -Name $Name -Write -ExistingOnly
    if ($null -eq $store) {
        return
    }
    try {
        foreach ($certificate in @($store.Certificates)) {
            if ([string]::Equals($certificate.Thumbprint, $Thumbprint, [System.StringComparison]::OrdinalIgnoreCase)) {
                $store.Remove($certificate)
            }
        }
    }
    finally {
        $store.Close()
    }
}

Function Read-MtlsWinPfx {
    <#
    .SYNOPSIS
    Opens a PFX with the given key storage flags (names of X509KeyStorageFlags, e.g. MachineKeySet) and returns every
    certificate in it as @(@{ der = [byte[]]; has_private_key = bool }), in the file's order. The certificate objects
    are reset before returning, which deletes a key that was not persisted (WINDOWS_FACTS CERT-17).
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [byte[]]
        $Pfx,

        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Password,

        [Parameter(Mandatory = $true)]
        [string[]]
        $KeyStorageFlags
    )

    $collection = New-Object -TypeName System.Security.Cryptography.X509Certificates.X509Certificate2Collection
    $collection.Import($Pfx, $Password, (ConvertTo-MtlsWinKeyStorageFlag -Name $KeyStorageFlags))
    try {
        $contents = @(
            foreach ($certificate in $collection) {
                @{ der = [byte[]]$certificate.RawData; has_private_key = [bool]$certificate.HasPrivateKey }
            }
        )
        , $contents
    }
    finally {
        foreach ($certificate in $collection) {
            $certificate.Reset()
        }
    }
}

Function Add-MtlsWinCertStorePfx {
    <#
    .SYNOPSIS
    Opens a PFX with the given key storage flags and adds its certificate with this SHA-1 thumbprint, linked to its
    private key, to a LocalMachine store (created when missing). With PersistKeySet the key outlives this process
    (WINDOWS_FACTS CERT-17). Fails, adding nothing, when the PFX holds no certificate with that thumbprint.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $Name,

        [Parameter(Mandatory = $true)]
        [byte[]]
        $Pfx,

        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Password,

        [Parameter(Mandatory = $true)]
        [string]
        $Thumbprint,

        [Parameter(Mandatory = $true)]
        [string[]]
        $KeyStorageFlags
    )

    $collection = New-Object -TypeName System.Security.Cryptography.X509Certificates.X509Certificate2Collection
    $collection.Import($Pfx, $Password, (ConvertTo-MtlsWinKeyStorageFlag -Name $KeyStorageFlags))
    try {
        $wanted = @($collection | Where-Object {
                [string]::Equals($_.Thumbprint, $Thumbprint, [System.StringComparison]::OrdinalIgnoreCase)
            })
        if ($wanted.Count -eq 0) {
            throw "the PFX holds no certificate with thumbprint $Thumbprint"
        }
        $store = Open-MtlsWinCertStore -Name $Name -Write
        try {
            $store.Add($wanted[0])
        }
        finally {
            $store.Close()
        }
    }
    finally {
        foreach ($certificate in $collection) {
            $certificate.Reset()
        }
    }
}

Export-ModuleMember -Function Get-MtlsWinCertStore
Export-ModuleMember -Function New-MtlsWinCertStore
Export-ModuleMember -Function Add-MtlsWinCertStoreCertificate
Export-ModuleMember -Function Copy-MtlsWinCertStoreCertificate
Export-ModuleMember -Function Remove-MtlsWinCertStoreCertificate
Export-ModuleMember -Function Read-MtlsWinPfx
Export-ModuleMember -Function Add-MtlsWinCertStorePfx
