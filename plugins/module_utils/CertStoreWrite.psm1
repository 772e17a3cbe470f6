# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The part of CertStore.psm1 only the apply run uses: its writers and their helpers; that file's header says what
# they act on and which Windows facts they rely on. The gather run (host_state_gather) does not send this file
# (docs/ENGINE.md, "Two modules").

#AnsibleRequires -PowerShell ..module_utils.CertStore
#AnsibleRequires -PowerShell ..module_utils.WinCertStore

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

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

Export-ModuleMember -Function ConvertTo-MtlsThumbprint
Export-ModuleMember -Function ConvertFrom-MtlsBase64
Export-ModuleMember -Function Find-MtlsStoreCertificate
Export-ModuleMember -Function New-MtlsCertStore
Export-ModuleMember -Function Add-MtlsCertificate
Export-ModuleMember -Function Move-MtlsCertificate
Export-ModuleMember -Function Remove-MtlsCertificate
