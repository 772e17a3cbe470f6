# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# LocalMachine certificate stores for the host_state engine: gather one store, create a store, import (DER, or
# PFX with its private key), move and remove certificates. Every function opens and closes its own X509Store
# handles.

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

Function Open-MtlsCertStore {
    <#
    .SYNOPSIS
    Opens a LocalMachine store; the caller closes it. With -ExistingOnly a missing store gives $null.
    #>
    [CmdletBinding()]
    [OutputType([System.Security.Cryptography.X509Certificates.X509Store])]
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $Name,

        [switch]
        $Write,

        [switch]
        $ExistingOnly
    )

    $openFlags = [System.Security.Cryptography.X509Certificates.OpenFlags]::ReadOnly
    if ($Write) {
        # Without OpenExistingOnly, opening ReadWrite creates a missing store (documented X509Store.Open behaviour).
        $openFlags = [System.Security.Cryptography.X509Certificates.OpenFlags]::ReadWrite
    }
    if ($ExistingOnly) {
        $openFlags = $openFlags -bor [System.Security.Cryptography.X509Certificates.OpenFlags]::OpenExistingOnly
    }

    $location = [System.Security.Cryptography.X509Certificates.StoreLocation]::LocalMachine
    $store = New-Object -TypeName System.Security.Cryptography.X509Certificates.X509Store -ArgumentList $Name, $location
    try {
        $store.Open($openFlags)
    }
    catch [System.Security.Cryptography.CryptographicException] {
        # PowerShell matches catch types against the inner exception of the MethodInvocationException that
        # wraps an exception thrown by a .NET method.
        $store.Close()
        if (-not $ExistingOnly) {
            throw
        }
        # X509Store.Open raises CryptographicException when CertOpenStore fails: with OpenExistingOnly that
        # is a missing store. Access denied lands here too, but reading LocalMachine stores needs no
        # administrator rights, so it is not expected for a module running over WinRM.
        return $null
    }
    catch {
        $store.Close()
        throw
    }
    $store
}

Function ConvertTo-MtlsThumbprint {
    <#
    .SYNOPSIS
    Validates a SHA-1 thumbprint and returns it as upper-case hex.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param (
        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Thumbprint
    )

    $normalised = $Thumbprint.Trim().ToUpperInvariant()
    if ($normalised -notmatch '^[0-9A-F]{40}$') {
        throw "thumbprint '$Thumbprint' is not 40 hexadecimal characters (a SHA-1 thumbprint)"
    }
    $normalised
}

Function ConvertFrom-MtlsDer {
    <#
    .SYNOPSIS
    Builds an X509Certificate2 from base64 DER.
    #>
    [CmdletBinding()]
    [OutputType([System.Security.Cryptography.X509Certificates.X509Certificate2])]
    param (
        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Der
    )

    try {
        $bytes = [System.Convert]::FromBase64String($Der)
    }
    catch {
        throw "der is not valid base64: $($_.Exception.Message)"
    }
    try {
        [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($bytes)
    }
    catch {
        throw "der does not decode to an X.509 certificate: $($_.Exception.Message)"
    }
}

Function ConvertTo-MtlsDerString {
    <#
    .SYNOPSIS
    Returns the base64 DER of a certificate.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param (
        [Parameter(Mandatory = $true)]
        [System.Security.Cryptography.X509Certificates.X509Certificate2]
        $Certificate
    )

    [System.Convert]::ToBase64String($Certificate.RawData)
}

Function Find-MtlsCertificate {
    <#
    .SYNOPSIS
    Returns the certificate with this thumbprint from an open store, or $null.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [System.Security.Cryptography.X509Certificates.X509Store]
        $Store,

        [Parameter(Mandatory = $true)]
        [string]
        $Thumbprint
    )

    foreach ($certificate in $Store.Certificates) {
        if ($certificate.Thumbprint -eq $Thumbprint) {
            return $certificate
        }
    }
    return $null
}

Function Test-MtlsCertificatePresent {
    <#
    .SYNOPSIS
    Opens the named store afresh (read-only, never creating it) and tells whether it holds the thumbprint.
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $StoreName,

        [Parameter(Mandatory = $true)]
        [string]
        $Thumbprint
    )

    $store = Open-MtlsCertStore -Name $StoreName -ExistingOnly
    if ($null -eq $store) {
        return $false
    }
    try {
        return ($null -ne (Find-MtlsCertificate -Store $store -Thumbprint $Thumbprint))
    }
    finally {
        $store.Close()
    }
}

Function Assert-MtlsCertificateGone {
    <#
    .SYNOPSIS
    Re-opens a store after a removal and fails if the certificate is still there.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $StoreName,

        [Parameter(Mandatory = $true)]
        [string]
        $Thumbprint
    )

    # A system store such as LocalMachine\Root also shows certificates of other physical stores (Group Policy,
    # Enterprise); removing one of those through the system store may not take effect, or it may come back at
    # the next policy refresh (uncertain: not verified on a real host). Check instead of assuming.
    if (Test-MtlsCertificatePresent -StoreName $StoreName -Thumbprint $Thumbprint) {
        throw "certificate $Thumbprint is still in '$StoreName' after removing it; it may be deployed by Group Policy or another physical store - remove it at its source"
    }
}

Function Add-MtlsCertificateToStore {
    <#
    .SYNOPSIS
    Adds a certificate to a LocalMachine store unless it is already there; tells whether it added it.
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $StoreName,

        [Parameter(Mandatory = $true)]
        [System.Security.Cryptography.X509Certificates.X509Certificate2]
        $Certificate
    )

    # ReadWrite without OpenExistingOnly: a missing store is created, as store_create would.
    $store = Open-MtlsCertStore -Name $StoreName -Write
    try {
        if ($null -ne (Find-MtlsCertificate -Store $store -Thumbprint $Certificate.Thumbprint)) {
            return $false
        }
        $store.Add($Certificate)
        return $true
    }
    finally {
        $store.Close()
    }
}

Function Get-MtlsCertStoreSnapshot {
    <#
    .SYNOPSIS
    Reads one LocalMachine store without creating it: exists, and thumbprint/der/has_private_key per certificate.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $Name
    )

    $store = Open-MtlsCertStore -Name $Name -ExistingOnly
    if ($null -eq $store) {
        return @{ exists = $false; certificates = @() }
    }
    try {
        $certificates = @(
            foreach ($certificate in $store.Certificates) {
                @{
                    thumbprint = $certificate.Thumbprint.ToUpperInvariant()
                    der = ConvertTo-MtlsDerString -Certificate $certificate
                    has_private_key = $certificate.HasPrivateKey
                }
            }
        )
        return @{ exists = $true; certificates = $certificates }
    }
    finally {
        $store.Close()
    }
}

Function New-MtlsCertStore {
    <#
    .SYNOPSIS
    Op store_create: creates the LocalMachine store when it is missing.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $Name
    )

    $existing = Open-MtlsCertStore -Name $Name -ExistingOnly
    if ($null -ne $existing) {
        $existing.Close()
        return @{ changed = $false }
    }
    $created = Open-MtlsCertStore -Name $Name -Write
    $created.Close()
    @{ changed = $true }
}

Function Add-MtlsCertificate {
    <#
    .SYNOPSIS
    Op cert_import: adds a certificate (base64 DER) to a LocalMachine store unless it is already there. The
    thumbprint is the controller's SHA-1 of the DER; a mismatch means the op was damaged and nothing is added.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $StoreName,

        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Der,

        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Thumbprint
    )

    $wanted = ConvertTo-MtlsThumbprint -Thumbprint $Thumbprint
    $certificate = ConvertFrom-MtlsDer -Der $Der
    $actual = $certificate.Thumbprint.ToUpperInvariant()
    if ($actual -ne $wanted) {
        throw "der has thumbprint $actual but the op says $wanted, so the op was damaged on its way"
    }
    $added = Add-MtlsCertificateToStore -StoreName $StoreName -Certificate $certificate
    @{ changed = $added }
}

Function Move-MtlsCertificate {
    <#
    .SYNOPSIS
    Op cert_move: adds the certificate to the target store, checks it is there, then removes it from the source.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $FromStore,

        [Parameter(Mandatory = $true)]
        [string]
        $ToStore,

        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Thumbprint
    )

    $wanted = ConvertTo-MtlsThumbprint -Thumbprint $Thumbprint
    if ($FromStore -eq $ToStore) {
        # -eq is case-insensitive, like store names; adding then removing would delete the certificate.
        throw "from_store and to_store are the same store '$FromStore'"
    }

    $source = Open-MtlsCertStore -Name $FromStore -Write -ExistingOnly
    try {
        $certificate = $null
        if ($null -ne $source) {
            $certificate = Find-MtlsCertificate -Store $source -Thumbprint $wanted
        }
        if ($null -eq $certificate) {
            if (Test-MtlsCertificatePresent -StoreName $ToStore -Thumbprint $wanted) {
                return @{ changed = $false }
            }
            throw "certificate $wanted is in neither '$FromStore' nor '$ToStore'; gather again and re-plan"
        }

        $null = Add-MtlsCertificateToStore -StoreName $ToStore -Certificate $certificate
        if (-not (Test-MtlsCertificatePresent -StoreName $ToStore -Thumbprint $wanted)) {
            throw "certificate $wanted was not found in '$ToStore' after adding it; it was left in '$FromStore'"
        }
        $der = ConvertTo-MtlsDerString -Certificate $certificate
        $source.Remove($certificate)
        Assert-MtlsCertificateGone -StoreName $FromStore -Thumbprint $wanted
        return @{ changed = $true; der = $der }
    }
    finally {
        if ($null -ne $source) {
            $source.Close()
        }
    }
}

Function Remove-MtlsCertificate {
    <#
    .SYNOPSIS
    Op cert_remove: removes a certificate from a LocalMachine store and returns its base64 DER.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $StoreName,

        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Thumbprint
    )

    $wanted = ConvertTo-MtlsThumbprint -Thumbprint $Thumbprint
    $store = Open-MtlsCertStore -Name $StoreName -Write -ExistingOnly
    if ($null -eq $store) {
        return @{ changed = $false }
    }
    try {
        $certificate = Find-MtlsCertificate -Store $store -Thumbprint $wanted
        if ($null -eq $certificate) {
            return @{ changed = $false }
        }
        $der = ConvertTo-MtlsDerString -Certificate $certificate
        $store.Remove($certificate)
        Assert-MtlsCertificateGone -StoreName $StoreName -Thumbprint $wanted
        return @{ changed = $true; der = $der }
    }
    finally {
        $store.Close()
    }
}

Function Test-MtlsPrivateKeyPresent {
    <#
    .SYNOPSIS
    Opens the named store afresh (read-only, never creating it) and tells whether it holds the thumbprint with a
    private key.
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $StoreName,

        [Parameter(Mandatory = $true)]
        [string]
        $Thumbprint
    )

    $store = Open-MtlsCertStore -Name $StoreName -ExistingOnly
    if ($null -eq $store) {
        return $false
    }
    try {
        $certificate = Find-MtlsCertificate -Store $store -Thumbprint $Thumbprint
        # HasPrivateKey tells that the certificate is linked to a key (its key provider property), not that the key
        # file is readable; that is what Windows tools show as "You have a private key".
        return ($null -ne $certificate -and $certificate.HasPrivateKey)
    }
    finally {
        $store.Close()
    }
}

Function Hide-MtlsSecretText {
    <#
    .SYNOPSIS
    Replaces every occurrence of a secret in a text (a belt-and-braces guard for exception messages).
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param (
        [AllowNull()]
        [string]
        $Text,

        [AllowNull()]
        [string]
        $Secret
    )

    if ([string]::IsNullOrEmpty($Text)) {
        return ''
    }
    if ([string]::IsNullOrEmpty($Secret)) {
        return $Text
    }
    $Text.Replace($Secret, '********')
}

Function Open-MtlsPfx {
    <#
    .SYNOPSIS
    Opens a PFX into an X509Certificate2 (the certificate that has the private key). Errors never carry the password.
    #>
    [CmdletBinding()]
    [OutputType([System.Security.Cryptography.X509Certificates.X509Certificate2])]
    param (
        [Parameter(Mandatory = $true)]
        [byte[]]
        $Bytes,

        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Password,

        [Parameter(Mandatory = $true)]
        [System.Security.Cryptography.X509Certificates.X509KeyStorageFlags]
        $Flags
    )

    try {
        return [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($Bytes, $Password, $Flags)
    }
    catch {
        # A new message instead of the original error record: the .NET messages ("The specified network password
        # is not correct.") do not contain the password, but nothing of the original record is passed on unchecked.
        $exception = $_.Exception
        while ($null -ne $exception.InnerException) {
            $exception = $exception.InnerException
        }
        $reason = Hide-MtlsSecretText -Text $exception.Message -Secret $Password
        $code = '0x{0:X8}' -f $exception.HResult
        throw "the PFX could not be opened ($($exception.GetType().FullName) $code - $reason); check that password_ref names the right password and that the PFX is not damaged"
    }
}

Function Add-MtlsPfxToStore {
    <#
    .SYNOPSIS
    Adds a certificate with its persisted private key to a LocalMachine store (creating a missing store).
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $StoreName,

        [Parameter(Mandatory = $true)]
        [System.Security.Cryptography.X509Certificates.X509Certificate2]
        $Certificate
    )

    $store = Open-MtlsCertStore -Name $StoreName -Write
    try {
        # Also when the store already holds the certificate without its key: X509Store.Add replaces an existing
        # copy and keeps its properties unless the new one sets them, so the key link is added (the .NET Framework
        # uses CERT_STORE_ADD_REPLACE_EXISTING_INHERIT_PROPERTIES; not verified on a host).
        $store.Add($Certificate)
    }
    finally {
        $store.Close()
    }
}

Function Import-MtlsPfxCertificate {
    <#
    .SYNOPSIS
    Op pfx_import: imports the certificate and private key of a PFX into a LocalMachine store (machine key set,
    persisted); no-op when the store already has the certificate with a key. The thumbprint is the controller's;
    a PFX holding another certificate fails before anything is persisted. The password never reaches a result,
    a message or an error.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $StoreName,

        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Pfx,

        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Password,

        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Thumbprint
    )

    $wanted = ConvertTo-MtlsThumbprint -Thumbprint $Thumbprint
    # Checked before the PFX is opened: opening it with PersistKeySet writes a key file every time, so a repeated
    # run would leave orphaned keys behind.
    if (Test-MtlsPrivateKeyPresent -StoreName $StoreName -Thumbprint $wanted) {
        return @{ changed = $false }
    }
    try {
        $bytes = [System.Convert]::FromBase64String($Pfx)
    }
    catch {
        throw "pfx is not valid base64"
    }

    $machineKeySet = [System.Security.Cryptography.X509Certificates.X509KeyStorageFlags]::MachineKeySet
    $persistKeySet = [System.Security.Cryptography.X509Certificates.X509KeyStorageFlags]::PersistKeySet

    # First look without persisting: without PersistKeySet the key is not kept (the documented meaning of the
    # flag; that Reset deletes it at once is .NET Framework behaviour, not verified on a host), so a PFX with the
    # wrong certificate leaves nothing behind.
    $probe = Open-MtlsPfx -Bytes $bytes -Password $Password -Flags $machineKeySet
    try {
        $actual = $probe.Thumbprint.ToUpperInvariant()
        $hasKey = $probe.HasPrivateKey
    }
    finally {
        $probe.Reset()
    }
    if ($actual -ne $wanted) {
        throw "the PFX holds certificate $actual but the op says $wanted, so the op was damaged on its way"
    }
    if (-not $hasKey) {
        throw "the PFX certificate $actual has no private key; import a certificate without a key with cert_import"
    }

    # MachineKeySet: the key goes to the machine key store, readable by IIS; PersistKeySet: it outlives this
    # process. The key is not marked exportable.
    $certificate = Open-MtlsPfx -Bytes $bytes -Password $Password -Flags ($machineKeySet -bor $persistKeySet)
    try {
        Add-MtlsPfxToStore -StoreName $StoreName -Certificate $certificate
    }
    finally {
        $certificate.Reset()
    }
    if (-not (Test-MtlsPrivateKeyPresent -StoreName $StoreName -Thumbprint $wanted)) {
        throw "certificate $wanted is not in '$StoreName' with a private key after importing the PFX"
    }
    @{ changed = $true }
}

Export-ModuleMember -Function Get-MtlsCertStoreSnapshot
Export-ModuleMember -Function New-MtlsCertStore
Export-ModuleMember -Function Add-MtlsCertificate
Export-ModuleMember -Function Move-MtlsCertificate
Export-ModuleMember -Function Remove-MtlsCertificate
Export-ModuleMember -Function Import-MtlsPfxCertificate
