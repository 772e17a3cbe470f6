# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# pfx_import for the host_state engine: a certificate with its private key from a PFX into a LocalMachine store. The
# PFX is opened through the boundary util WinCertStore (Read-MtlsWinPfx, Add-MtlsWinCertStorePfx); the stores are read
# with CertStore.psm1's helpers; the OS build, only to explain a PFX this Windows cannot decrypt, comes from
# WindowsFeature.psm1. The password reaches only the boundary: never a result, a message or an error.

#AnsibleRequires -PowerShell ..module_utils.WinCertStore
#AnsibleRequires -PowerShell ..module_utils.CertStore
#AnsibleRequires -PowerShell ..module_utils.CertStoreWrite
#AnsibleRequires -PowerShell ..module_utils.WindowsFeature

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

# HRESULT_FROM_WIN32(ERROR_INVALID_PASSWORD), "The specified network password is not correct.": a wrong password, and
# also what a build before 17763 answers for a PFX it cannot decrypt (WINDOWS_FACTS CERT-9, CERT-19).
$script:InvalidPassword = '0x80070056'

# The first build that decrypts PKCS#12 with PBES2/AES-256 and a SHA-2 MAC (WINDOWS_FACTS CERT-9), and the DER of the
# object identifiers that mark such a file: PBES2 (1.2.840.113549.1.5.13) and SHA-256/384/512 (as
# plugins/plugin_utils/certs.py, which re-encodes a PFX for older builds). Dashed hex: BitConverter's format, in which
# a match is always byte-aligned.
$script:FirstAesPfxBuild = 17763
$script:ModernPfxOids = @(
    '06-09-2A-86-48-86-F7-0D-01-05-0D'
    '06-09-60-86-48-01-65-03-04-02-01'
    '06-09-60-86-48-01-65-03-04-02-02'
    '06-09-60-86-48-01-65-03-04-02-03'
)

Function Test-MtlsModernPfx {
    <#
    .SYNOPSIS
    Tells whether a PKCS#12 file names PBES2 or a SHA-2 MAC digest, which builds before 17763 cannot decrypt
    (WINDOWS_FACTS CERT-9).
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param (
        [Parameter(Mandatory = $true)]
        [byte[]]
        $Pfx
    )

    $dashed = [System.BitConverter]::ToString($Pfx)
    foreach ($oid in $script:ModernPfxOids) {
        if ($dashed.Contains($oid)) {
            return $true
        }
    }
    $false
}

Function Get-MtlsWindowsBuild {
    <#
    .SYNOPSIS
    The build number of this Windows (14393 for Server 2016), or $null when it cannot be read.
    #>
    [CmdletBinding()]
    param ()

    try {
        [int](([string](Get-MtlsWindowsVersion)).Split('.')[2])
    }
    catch {
        # Only used to explain another failure, which must not be hidden by this one.
        $null
    }
}

Function Format-MtlsPfxFailure {
    <#
    .SYNOPSIS
    The message of a PFX that Windows could not open. ERROR_INVALID_PASSWORD for an AES-encrypted PFX on a build before
    17763 names that cause (issue 10 item 2, WINDOWS_FACTS CERT-9); the password never appears.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param (
        [Parameter(Mandatory = $true)]
        [System.Management.Automation.ErrorRecord]
        $ErrorRecord,

        [Parameter(Mandatory = $true)]
        [byte[]]
        $Pfx,

        [AllowNull()]
        [string]
        $Password
    )

    $cause = Get-MtlsErrorCause -ErrorRecord $ErrorRecord
    $reason = Hide-MtlsSecretText -Text $cause.message -Secret $Password
    $opened = "the PFX could not be opened ($($cause.type) $($cause.code) - $reason)"
    if ($cause.code -eq $script:InvalidPassword -and (Test-MtlsModernPfx -Pfx $Pfx)) {
        $build = Get-MtlsWindowsBuild
        if ($null -ne $build -and $build -lt $script:FirstAesPfxBuild) {
            return "${opened}: this Windows build ($build) cannot open PFX files encrypted with PBES2/AES-256, which Windows supports from build 17763 (Windows Server 2019); re-export the PFX with TripleDES-SHA1 ('openssl pkcs12 -export -legacy') - mtls.iis re-encodes a PFX automatically when the os_version it gathered is below 17763"
        }
    }
    "$opened; check that password_ref names the right password and that the PFX is not damaged"
}

Function Read-MtlsPfxCertificate {
    <#
    .SYNOPSIS
    Opens a PFX without persisting its key (WINDOWS_FACTS CERT-17) and returns the certificate with this thumbprint
    that has the private key; fails, leaving nothing behind, when the PFX has no such certificate.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [byte[]]
        $Pfx,

        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Password,

        [Parameter(Mandatory = $true)]
        [string]
        $Thumbprint
    )

    try {
        # The boundary returns the list as one object (docs/POWERSHELL.md): @() would wrap it once more.
        $contents = Read-MtlsWinPfx -Pfx $Pfx -Password $Password -KeyStorageFlags @('MachineKeySet')
    }
    catch {
        throw (Format-MtlsPfxFailure -ErrorRecord $_ -Pfx $Pfx -Password $Password)
    }
    $held = @(foreach ($certificate in $contents) { Get-MtlsDerThumbprint -Der $certificate.der })
    $index = [array]::IndexOf($held, $Thumbprint)
    if ($index -lt 0) {
        throw "the PFX holds certificate(s) $($held -join ', ') but the op says $Thumbprint, so the op was damaged on its way"
    }
    if (-not [bool]$contents[$index].has_private_key) {
        throw "the PFX holds certificate $Thumbprint without its private key; import a certificate without a key with cert_import"
    }
    $contents[$index]
}

Function Import-MtlsPfxCertificate {
    <#
    .SYNOPSIS
    Op pfx_import: imports the certificate with this thumbprint and its private key from a PFX into a LocalMachine
    store (machine key set, persisted, not exportable); no-op when the store holds it with a key. The PFX's other
    certificates are not imported: the controller plans them (WINDOWS_FACTS CERT-8). The password never reaches a
    result, a message or an error.
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
    # Checked before the PFX is opened: opening it with PersistKeySet writes a key file every time, so a repeated run
    # would leave orphaned keys behind.
    $present = Find-MtlsStoreCertificate -Store (Read-MtlsCertStore -Name $StoreName) -Thumbprint $wanted
    if ($null -ne $present -and $present.has_private_key) {
        return @{ changed = $false }
    }
    $bytes = ConvertFrom-MtlsBase64 -Text $Pfx -Argument 'pfx'
    # First a look without persisting the key, so a PFX with the wrong certificate leaves nothing behind.
    $null = Read-MtlsPfxCertificate -Pfx $bytes -Password $Password -Thumbprint $wanted
    # MachineKeySet: the key goes to the machine key store, readable by IIS, also where WinRM loads no user profile;
    # PersistKeySet: it outlives this process (WINDOWS_FACTS CERT-17). Never Exportable.
    try {
        Add-MtlsWinCertStorePfx -Name $StoreName -Pfx $bytes -Password $Password -Thumbprint $wanted -KeyStorageFlags @('MachineKeySet', 'PersistKeySet')
    }
    catch {
        throw (Format-MtlsStoreFailure -ErrorRecord $_ -Doing "importing certificate $wanted with its private key into LocalMachine\$StoreName" -Secret $Password)
    }
    # Over a copy without a key, the add keeps the certificate and gains the key link (WINDOWS_FACTS CERT-15).
    $imported = Find-MtlsStoreCertificate -Store (Read-MtlsCertStore -Name $StoreName) -Thumbprint $wanted
    if ($null -eq $imported -or -not $imported.has_private_key) {
        throw "certificate $wanted is not in LocalMachine\$StoreName with a private key after importing the PFX"
    }
    @{ changed = $true }
}

Export-ModuleMember -Function Import-MtlsPfxCertificate
