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
# Its writers are in CertStoreWrite.psm1: the gather run (host_state_gather) sends the readers only, the apply
# run (host_state_apply) both (docs/ENGINE.md, "Two modules").

#AnsibleRequires -PowerShell ..module_utils.WinCertStore

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

# HRESULT_FROM_WIN32(ERROR_ACCESS_DENIED) (WINDOWS_FACTS CERT-12). As text: a hex literal above 0x7FFFFFFF is a
# negative Int32 in PowerShell.
$script:AccessDenied = '0x80070005'

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

Export-ModuleMember -Function Get-MtlsCertStoreSnapshot
# For CertPfx.psm1, which imports PFX files into the same stores.
Export-ModuleMember -Function Get-MtlsDerThumbprint
Export-ModuleMember -Function Get-MtlsErrorCause
Export-ModuleMember -Function Hide-MtlsSecretText
Export-ModuleMember -Function Format-MtlsStoreFailure
Export-ModuleMember -Function Read-MtlsCertStore
