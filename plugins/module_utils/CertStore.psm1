# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# LocalMachine certificate stores for the host_state engine: gather a store, store_create, cert_import, cert_move and
# cert_remove (pfx_import is CertPfx.psm1, which uses the store helpers exported at the end). Windows is reached only
# through the boundary util WinCertStore; certificates cross it as DER bytes and this file computes their thumbprints
# itself, the SHA-1 of the DER (WINDOWS_FACTS CERT-1).
#
# A store that does not exist is not an error: gather reports it, cert_remove has nothing to remove. Every other
# failure of Windows is, and access denied says what to do (issue 10 item 4): the boundary tells the two apart
# (WINDOWS_FACTS CERT-12), this file never reads a failure as "missing".

#AnsibleRequires -PowerShell ..module_utils.WinCertStore

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

# HRESULT_FROM_WIN32(ERROR_ACCESS_DENIED) (WINDOWS_FACTS CERT-12). As text: a hex literal above 0x7FFFFFFF is a
# negative Int32 in PowerShell.
$script:AccessDenied = '0x80070005'

Function ConvertTo-MtlsThumbprint {
    <#
    .SYNOPSIS
    Validates an op's SHA-1 thumbprint and returns it as upper-case hex.
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

Function Get-MtlsDerThumbprint {
    <#
    .SYNOPSIS
    The Windows thumbprint of a certificate: the SHA-1 of its DER as upper-case hex (WINDOWS_FACTS CERT-1).
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param (
        [Parameter(Mandatory = $true)]
        [byte[]]
        $Der
    )

    # SHA1.Create() is the CryptoAPI implementation on .NET Framework, which FIPS mode allows.
    $sha1 = [System.Security.Cryptography.SHA1]::Create()
    try {
        [System.BitConverter]::ToString($sha1.ComputeHash($Der)).Replace('-', '')
    }
    finally {
        $sha1.Dispose()
    }
}

Function ConvertFrom-MtlsBase64 {
    <#
    .SYNOPSIS
    Decodes an op's base64 argument; the error names the argument, never its content.
    #>
    [CmdletBinding()]
    [OutputType([byte[]])]
    param (
        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Text,

        [Parameter(Mandatory = $true)]
        [string]
        $Argument
    )

    $bytes = $null
    try {
        $bytes = [System.Convert]::FromBase64String($Text)
    }
    catch {
        $bytes = $null
    }
    if ($null -eq $bytes -or $bytes.Length -eq 0) {
        throw "$Argument is not valid base64 (or is empty)"
    }
    , $bytes
}

Function Get-MtlsErrorCause {
    <#
    .SYNOPSIS
    The innermost exception of an error record, where Windows' own error is: @{ type; code = '0x8007xxxx'; message }.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [System.Management.Automation.ErrorRecord]
        $ErrorRecord
    )

    # A .NET method's exception reaches PowerShell wrapped in a MethodInvocationException.
    $exception = $ErrorRecord.Exception
    while ($null -ne $exception.InnerException) {
        $exception = $exception.InnerException
    }
    @{ type = $exception.GetType().FullName; code = '0x{0:X8}' -f $exception.HResult; message = $exception.Message }
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

Function Format-MtlsStoreFailure {
    <#
    .SYNOPSIS
    The message of a failed store call: what was being done, Windows' reason (a secret masked), and for access denied
    what to do about it.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param (
        [Parameter(Mandatory = $true)]
        [System.Management.Automation.ErrorRecord]
        $ErrorRecord,

        # What failed, e.g. "removing certificate <thumbprint> from LocalMachine\CA".
        [Parameter(Mandatory = $true)]
        [string]
        $Doing,

        [AllowNull()]
        [string]
        $Secret
    )

    $cause = Get-MtlsErrorCause -ErrorRecord $ErrorRecord
    $reason = Hide-MtlsSecretText -Text $cause.message -Secret $Secret
    if ($cause.code -eq $script:AccessDenied) {
        return "$Doing was denied ($($cause.code) access denied - $reason): changing LocalMachine certificate stores needs a local administrator; connect as one or use become"
    }
    "$Doing failed ($($cause.type) $($cause.code) - $reason)"
}

Function Read-MtlsCertStore {
    <#
    .SYNOPSIS
    Reads one LocalMachine store without creating it: @{ exists; certificates = @(@{ thumbprint; der = [byte[]];
    has_private_key }) }. A store that does not exist has exists = $false; any other failure is an error.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $Name
    )

    try {
        $store = Get-MtlsWinCertStore -Name $Name
    }
    catch {
        throw (Format-MtlsStoreFailure -ErrorRecord $_ -Doing "reading LocalMachine\$Name")
    }
    $certificates = @(
        foreach ($certificate in @($store.certificates)) {
            @{
                thumbprint = Get-MtlsDerThumbprint -Der $certificate.der
                der = $certificate.der
                has_private_key = [bool]$certificate.has_private_key
            }
        }
    )
    @{ exists = [bool]$store.exists; certificates = $certificates }
}

Function Find-MtlsStoreCertificate {
    <#
    .SYNOPSIS
    The certificate with this upper-case thumbprint in a store read by Read-MtlsCertStore, or $null.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [hashtable]
        $Store,

        [Parameter(Mandatory = $true)]
        [string]
        $Thumbprint
    )

    foreach ($certificate in $Store.certificates) {
        if ($certificate.thumbprint -ceq $Thumbprint) {
            return $certificate
        }
    }
    $null
}

Function Remove-MtlsStoreCertificate {
    <#
    .SYNOPSIS
    Removes a certificate the store holds, then reads the store again and fails if it is still there.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $StoreName,

        [Parameter(Mandatory = $true)]
        [string]
        $Thumbprint,

        # Said after the failure, e.g. where else the certificate is.
        [string]
        $Consequence = 'it is still there'
    )

    try {
        Remove-MtlsWinCertStoreCertificate -Name $StoreName -Thumbprint $Thumbprint
    }
    catch {
        throw "$(Format-MtlsStoreFailure -ErrorRecord $_ -Doing "removing certificate $Thumbprint from LocalMachine\$StoreName"); $Consequence"
    }
    # A system store such as LocalMachine\Root also shows certificates of other physical stores (Group Policy,
    # Enterprise); removing one of those through the system store may not take effect, or it may come back at the
    # next policy refresh (WINDOWS_FACTS CERT-20). Check instead of assuming.
    if ($null -ne (Find-MtlsStoreCertificate -Store (Read-MtlsCertStore -Name $StoreName) -Thumbprint $Thumbprint)) {
        throw "certificate $Thumbprint is still in LocalMachine\$StoreName after removing it; it may be deployed by Group Policy or another physical store - remove it at its source"
    }
}

Function Get-MtlsCertStoreSnapshot {
    <#
    .SYNOPSIS
    Gather of one store: exists, and thumbprint, base64 DER and has_private_key of each certificate (docs/ENGINE.md).
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $Name
    )

    $store = Read-MtlsCertStore -Name $Name
    $certificates = @(
        foreach ($certificate in $store.certificates) {
            @{
                thumbprint = $certificate.thumbprint
                der = [System.Convert]::ToBase64String($certificate.der)
                has_private_key = $certificate.has_private_key
            }
        }
    )
    @{ exists = $store.exists; certificates = $certificates }
}

Function New-MtlsCertStore {
    <#
    .SYNOPSIS
    Op store_create: creates the LocalMachine store when it does not exist.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $Name
    )

    if ((Read-MtlsCertStore -Name $Name).exists) {
        return @{ changed = $false }
    }
    try {
        New-MtlsWinCertStore -Name $Name
    }
    catch {
        throw (Format-MtlsStoreFailure -ErrorRecord $_ -Doing "creating LocalMachine\$Name")
    }
    @{ changed = $true }
}

Function Add-MtlsCertificate {
    <#
    .SYNOPSIS
    Op cert_import: adds a certificate (base64 DER) to a LocalMachine store, created when missing (WINDOWS_FACTS
    CERT-13), unless the store holds it. The thumbprint is the controller's SHA-1 of the DER; a mismatch means the op
    was damaged and nothing is added.
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
    $bytes = ConvertFrom-MtlsBase64 -Text $Der -Argument 'der'
    $actual = Get-MtlsDerThumbprint -Der $bytes
    if ($actual -cne $wanted) {
        throw "der has thumbprint $actual but the op says $wanted, so the op was damaged on its way"
    }
    if ($null -ne (Find-MtlsStoreCertificate -Store (Read-MtlsCertStore -Name $StoreName) -Thumbprint $wanted)) {
        return @{ changed = $false }
    }
    try {
        Add-MtlsWinCertStoreCertificate -Name $StoreName -Der $bytes
    }
    catch {
        throw (Format-MtlsStoreFailure -ErrorRecord $_ -Doing "adding certificate $wanted to LocalMachine\$StoreName")
    }
    @{ changed = $true }
}

Function Move-MtlsCertificate {
    <#
    .SYNOPSIS
    Op cert_move: copies the certificate with its properties (key link included) into the target store, checks it is
    there, then removes it from the source; returns its base64 DER. Nothing is lost on a failure midway: the
    certificate is then in both stores, and a rerun finishes the move.
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
        # -eq is case-insensitive, like store names (WINDOWS_FACTS CERT-11); copying then removing would delete it.
        throw "from_store and to_store are the same store '$FromStore'"
    }
    $certificate = Find-MtlsStoreCertificate -Store (Read-MtlsCertStore -Name $FromStore) -Thumbprint $wanted
    if ($null -eq $certificate) {
        if ($null -ne (Find-MtlsStoreCertificate -Store (Read-MtlsCertStore -Name $ToStore) -Thumbprint $wanted)) {
            return @{ changed = $false }
        }
        throw "certificate $wanted is in neither LocalMachine\$FromStore nor LocalMachine\$ToStore; gather again and re-plan"
    }
    try {
        Copy-MtlsWinCertStoreCertificate -Name $ToStore -SourceName $FromStore -Thumbprint $wanted
    }
    catch {
        throw "$(Format-MtlsStoreFailure -ErrorRecord $_ -Doing "copying certificate $wanted from LocalMachine\$FromStore to LocalMachine\$ToStore"); it is still in $FromStore"
    }
    if ($null -eq (Find-MtlsStoreCertificate -Store (Read-MtlsCertStore -Name $ToStore) -Thumbprint $wanted)) {
        throw "certificate $wanted was not found in LocalMachine\$ToStore after copying it there; it was left in $FromStore"
    }
    Remove-MtlsStoreCertificate -StoreName $FromStore -Thumbprint $wanted -Consequence "it is in both $FromStore and $ToStore; run the task again to finish the move"
    @{ changed = $true; der = [System.Convert]::ToBase64String($certificate.der) }
}

Function Remove-MtlsCertificate {
    <#
    .SYNOPSIS
    Op cert_remove: removes a certificate from a LocalMachine store and returns its base64 DER; changed=false only
    when the store does not exist or does not hold it (never because Windows refused to open it).
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
    $certificate = Find-MtlsStoreCertificate -Store (Read-MtlsCertStore -Name $StoreName) -Thumbprint $wanted
    if ($null -eq $certificate) {
        return @{ changed = $false }
    }
    Remove-MtlsStoreCertificate -StoreName $StoreName -Thumbprint $wanted
    @{ changed = $true; der = [System.Convert]::ToBase64String($certificate.der) }
}

Export-ModuleMember -Function Get-MtlsCertStoreSnapshot
Export-ModuleMember -Function New-MtlsCertStore
Export-ModuleMember -Function Add-MtlsCertificate
Export-ModuleMember -Function Move-MtlsCertificate
Export-ModuleMember -Function Remove-MtlsCertificate
# For CertPfx.psm1, which imports PFX files into the same stores.
Export-ModuleMember -Function ConvertTo-MtlsThumbprint
Export-ModuleMember -Function Get-MtlsDerThumbprint
Export-ModuleMember -Function ConvertFrom-MtlsBase64
Export-ModuleMember -Function Get-MtlsErrorCause
Export-ModuleMember -Function Hide-MtlsSecretText
Export-ModuleMember -Function Format-MtlsStoreFailure
Export-ModuleMember -Function Read-MtlsCertStore
Export-ModuleMember -Function Find-MtlsStoreCertificate
