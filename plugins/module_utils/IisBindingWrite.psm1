# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The part of IisBinding.psm1 only the apply run uses: its writers and their helpers; that file's header says what
# they act on and which Windows facts they rely on. The gather run (host_state_gather) does not send this file
# (docs/ENGINE.md, "Two modules").

#AnsibleRequires -PowerShell ..module_utils.IisBinding
#AnsibleRequires -PowerShell ..module_utils.IisConfigWrite
#AnsibleRequires -PowerShell ..module_utils.WindowsFeature

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

$script:CentralCertStoreBit = 2

# The bits each IIS build knows, newest first (WINDOWS_FACTS BINDING-6): Sni and CentralCertStore since IIS 8; the
# disable bits since Server 2022 (build 20348); NegotiateClientCert since Server 2025 (build 26100, community).
$script:BindingFlagMasks = @(
    @{ build = 26100; mask = 0xFF; name = 'Windows Server 2025' }
    @{ build = 20348; mask = 0x7F; name = 'Windows Server 2022' }
    @{ build = 0; mask = 0x3; name = 'Windows Server 2016 and 2019' }
)

Function Get-MtlsIisPendingBinding {
    <#
    .SYNOPSIS
    The bindings of a site as they are after the session's pending binding edits (the committed list from
    Get-MtlsWinIisSite, then each binding_add, binding_remove and binding_replace of this run in order).
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Session,
        [Parameter(Mandatory = $true)][hashtable]$Site
    )

    $bindings = New-Object -TypeName System.Collections.Generic.List[object]
    foreach ($binding in @($Site.bindings)) {
        $bindings.Add($binding)
    }
    foreach ($edit in $Session.edits) {
        if ([string]$edit.action -notlike 'binding_*' -or -not [string]::Equals([string]$edit.site, [string]$Site.name, [System.StringComparison]::OrdinalIgnoreCase)) {
            continue
        }
        $position = -1
        for ($i = 0; $i -lt $bindings.Count; $i++) {
            if ($bindings[$i].protocol -eq $edit.protocol -and $bindings[$i].binding_information -eq $edit.binding_information) {
                $position = $i
            }
        }
        $new = @{
            protocol = $edit.protocol
            binding_information = $edit['new_binding_information']
            ssl_flags = $edit['ssl_flags']
            certificate_hash = $edit['certificate_hash']
            certificate_store = $edit['certificate_store']
        }
        if ($edit.action -eq 'binding_add') {
            $new.binding_information = $edit.binding_information
            $bindings.Add($new)
        }
        elseif ($position -ge 0) {
            $bindings.RemoveAt($position)
            if ($edit.action -eq 'binding_replace') {
                $bindings.Insert($position, $new)
            }
        }
    }
    $bindings.ToArray()
}

Function Find-MtlsIisHttpsBinding {
    <#
    .SYNOPSIS
    A site's https binding with this bindingInformation as it is after the pending edits, or $null (protocol and
    bindingInformation are the binding's key, compared case-insensitively, WINDOWS_FACTS IISCONFIG-7).
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Session,
        [Parameter(Mandatory = $true)][hashtable]$Site,
        [Parameter(Mandatory = $true)][string]$BindingInformation
    )

    foreach ($binding in @(Get-MtlsIisPendingBinding -Session $Session -Site $Site)) {
        if ($binding.protocol -eq 'https' -and $binding.binding_information -eq $BindingInformation) {
            return (ConvertTo-MtlsIisBindingSnapshot -Binding $binding)
        }
    }
    $null
}

Function Get-MtlsIisBindingFlagMask {
    <# .SYNOPSIS @{ mask; name } of the binding sslFlags bits this host's IIS knows, from the Windows build (BINDING-6). #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param ([Parameter(Mandatory = $true)][hashtable]$Session)

    if (-not $Session.ContainsKey('binding_flags')) {
        $build = [long](([string](Get-MtlsWindowsVersion)).Split('.')[2])
        $Session['binding_flags'] = @($script:BindingFlagMasks | Where-Object { $build -ge $_.build })[0]
    }
    $Session['binding_flags']
}

Function Assert-MtlsIisBindingArgument {
    <#
    .SYNOPSIS
    Validates a binding op's arguments that are given (bindingInformation ip:port:host; ssl_flags a JSON integer with
    bits this host's IIS knows and SNI only with a host name; a SHA-1 certificate hash; a store name).
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Session,
        [Parameter(Mandatory = $true)][AllowEmptyString()][string]$BindingInformation,
        [AllowNull()][object]$SslFlags,
        [AllowNull()][object]$CertificateHash,
        [AllowNull()][object]$CertificateStore,
        [switch]$CheckFlags,
        [switch]$CheckCertificate
    )

    if ($BindingInformation -notmatch '^.+:[0-9]{1,5}:[^:]*$') {
        throw "binding_information '$BindingInformation' is not ip:port:host (for example '*:443:' or '*:443:www.contoso.com')"
    }
    if ($CheckCertificate) {
        if ($CertificateHash -isnot [string] -or $CertificateHash -notmatch '^[0-9A-Fa-f]{40}$') {
            throw "certificate_hash '$CertificateHash' is not 40 hexadecimal characters (a SHA-1 thumbprint)"
        }
        if ($CertificateStore -isnot [string] -or [string]::IsNullOrWhiteSpace($CertificateStore)) {
            throw "certificate_store is empty; IIS uses 'My' or 'WebHosting'"
        }
    }
    if (-not $CheckFlags) {
        return
    }
    # JSON integers arrive as Int32 or Int64; a bool, a string or a float is a damaged op, not something to coerce.
    if (($SslFlags -isnot [int] -and $SslFlags -isnot [long]) -or $SslFlags -lt 0 -or $SslFlags -gt [uint32]::MaxValue) {
        throw "ssl_flags must be an unsigned 32-bit integer (the binding's sslFlags), got '$SslFlags'"
    }
    $known = Get-MtlsIisBindingFlagMask -Session $Session
    $unknown = [long]$SslFlags -band (-bnot [long]$known.mask)
    if ($unknown -ne 0) {
        throw "ssl_flags $SslFlags has bits ($unknown) that IIS on this host does not know ($($known.name) knows $($known.mask)); IIS would store them without effect"
    }
    if (($SslFlags -band 1) -ne 0 -and $BindingInformation.EndsWith(':')) {
        throw "binding '$BindingInformation' has no host name but ssl_flags has the SNI bit (1); SNI needs a host name"
    }
}

Function New-MtlsIisBindingReplacement {
    <# .SYNOPSIS The edit that replaces a binding element by one with these flags and this certificate (BINDING-4). #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Site,
        [Parameter(Mandatory = $true)][hashtable]$Binding,
        [Parameter(Mandatory = $true)][long]$SslFlags,
        [Parameter(Mandatory = $true)][AllowEmptyString()][string]$CertificateHash,
        [Parameter(Mandatory = $true)][AllowEmptyString()][string]$CertificateStore
    )

    @{
        action = 'binding_replace'; site = [string]$Site.name; protocol = 'https'
        binding_information = $Binding.binding_information; new_binding_information = $Binding.binding_information
        ssl_flags = $SslFlags; certificate_hash = $CertificateHash.ToUpperInvariant(); certificate_store = $CertificateStore
    }
}

Function Test-MtlsIisSameCertificate {
    <# .SYNOPSIS Whether a binding has this certificate: hash as hex in any case, store name case-insensitively (CERT-11). #>
    [CmdletBinding()]
    [OutputType([bool])]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Binding,
        # Both empty for a Central Certificate Store binding (BINDING-9).
        [Parameter(Mandatory = $true)][AllowEmptyString()][string]$CertificateHash,
        [Parameter(Mandatory = $true)][AllowEmptyString()][string]$CertificateStore
    )

    $Binding.certificate_hash -eq $CertificateHash -and $Binding.certificate_store -eq $CertificateStore
}

Function Add-MtlsIisBinding {
    <#
    .SYNOPSIS
    Op binding_add: adds an https binding with its flags and certificate; an existing binding with this
    bindingInformation is replaced by one with the op's certificate and flags when they differ.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Session,
        [Parameter(Mandatory = $true)][AllowEmptyString()][string]$SiteName,
        [Parameter(Mandatory = $true)][AllowEmptyString()][string]$BindingInformation,
        [AllowNull()][object]$SslFlags,
        [AllowNull()][object]$CertificateHash,
        [AllowNull()][object]$CertificateStore
    )

    Assert-MtlsIisBindingArgument -Session $Session -BindingInformation $BindingInformation -SslFlags $SslFlags -CheckFlags
    if (($SslFlags -band $script:CentralCertStoreBit) -ne 0) {
        if (-not [string]::IsNullOrEmpty([string]$CertificateHash) -or -not [string]::IsNullOrEmpty([string]$CertificateStore)) {
            throw "binding '$BindingInformation' takes its certificate from the Central Certificate Store (ssl_flags bit 2); certificate_hash and certificate_store must be empty"
        }
        $CertificateHash = ''
        $CertificateStore = ''
    }
    else {
        Assert-MtlsIisBindingArgument -Session $Session -BindingInformation $BindingInformation -CertificateHash $CertificateHash -CertificateStore $CertificateStore -CheckCertificate
    }
    $site = Get-MtlsIisSite -Session $Session -Name $SiteName
    $current = Find-MtlsIisHttpsBinding -Session $Session -Site $site -BindingInformation $BindingInformation
    if ($null -eq $current) {
        Add-MtlsIisEdit -Session $Session -Edit @(@{
                action = 'binding_add'; site = [string]$site.name; protocol = 'https'; binding_information = $BindingInformation
                ssl_flags = [long]$SslFlags; certificate_hash = $CertificateHash.ToUpperInvariant(); certificate_store = $CertificateStore
            })
        return @{ changed = $true }
    }
    if ($current.ssl_flags -eq $SslFlags -and (Test-MtlsIisSameCertificate -Binding $current -CertificateHash $CertificateHash -CertificateStore $CertificateStore)) {
        return @{ changed = $false }
    }
    Add-MtlsIisEdit -Session $Session -Edit @(New-MtlsIisBindingReplacement -Site $site -Binding $current -SslFlags $SslFlags -CertificateHash $CertificateHash -CertificateStore $CertificateStore)
    @{ changed = $true }
}

Function Remove-MtlsIisBinding {
    <#
    .SYNOPSIS
    Op binding_remove: removes the site's https binding with this bindingInformation (no-op when absent); its HTTP.sys
    record stays (BINDING-2).
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Session,
        [Parameter(Mandatory = $true)][AllowEmptyString()][string]$SiteName,
        [Parameter(Mandatory = $true)][AllowEmptyString()][string]$BindingInformation
    )

    Assert-MtlsIisBindingArgument -Session $Session -BindingInformation $BindingInformation
    $site = Get-MtlsIisSite -Session $Session -Name $SiteName
    $current = Find-MtlsIisHttpsBinding -Session $Session -Site $site -BindingInformation $BindingInformation
    if ($null -eq $current) {
        return @{ changed = $false }
    }
    Add-MtlsIisEdit -Session $Session -Edit @(@{ action = 'binding_remove'; site = [string]$site.name; protocol = 'https'; binding_information = $current.binding_information })
    @{ changed = $true }
}

Function Get-MtlsIisExistingBinding {
    <# .SYNOPSIS The site and its https binding an op changes; a missing one is an error saying to gather again. #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Session,
        [Parameter(Mandatory = $true)][string]$SiteName,
        [Parameter(Mandatory = $true)][string]$BindingInformation
    )

    $site = Get-MtlsIisSite -Session $Session -Name $SiteName
    $binding = Find-MtlsIisHttpsBinding -Session $Session -Site $site -BindingInformation $BindingInformation
    if ($null -eq $binding) {
        throw "IIS site '$($site.name)' has no https binding '$BindingInformation'; gather again and re-plan"
    }
    @{ site = $site; binding = $binding }
}

Function Set-MtlsIisBindingCertificate {
    <#
    .SYNOPSIS
    Op binding_set_cert: gives an existing https binding another certificate by replacing the binding element with one
    that has the same flags and the new certificate (issue 10 item 11, BINDING-4).
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Session,
        [Parameter(Mandatory = $true)][AllowEmptyString()][string]$SiteName,
        [Parameter(Mandatory = $true)][AllowEmptyString()][string]$BindingInformation,
        [AllowNull()][object]$CertificateHash,
        [AllowNull()][object]$CertificateStore
    )

    Assert-MtlsIisBindingArgument -Session $Session -BindingInformation $BindingInformation -CertificateHash $CertificateHash -CertificateStore $CertificateStore -CheckCertificate
    $found = Get-MtlsIisExistingBinding -Session $Session -SiteName $SiteName -BindingInformation $BindingInformation
    if (($found.binding.ssl_flags -band $script:CentralCertStoreBit) -ne 0) {
        throw "binding '$BindingInformation' takes its certificate from the Central Certificate Store (sslFlags bit 2); binding_add replaces it with one that has a certificate"
    }
    if (Test-MtlsIisSameCertificate -Binding $found.binding -CertificateHash $CertificateHash -CertificateStore $CertificateStore) {
        return @{ changed = $false }
    }
    Add-MtlsIisEdit -Session $Session -Edit @(New-MtlsIisBindingReplacement -Site $found.site -Binding $found.binding -SslFlags $found.binding.ssl_flags -CertificateHash $CertificateHash -CertificateStore $CertificateStore)
    @{ changed = $true }
}

Function Set-MtlsIisBindingSslFlag {
    <#
    .SYNOPSIS
    Op binding_set_flags: gives an existing https binding another sslFlags integer by replacing the binding element with
    one that has the new flags and the same certificate (issue 10 item 12): IIS writes the record of the binding's key,
    which moves when the SNI bit changes.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Session,
        [Parameter(Mandatory = $true)][AllowEmptyString()][string]$SiteName,
        [Parameter(Mandatory = $true)][AllowEmptyString()][string]$BindingInformation,
        [AllowNull()][object]$SslFlags
    )

    Assert-MtlsIisBindingArgument -Session $Session -BindingInformation $BindingInformation -SslFlags $SslFlags -CheckFlags
    $found = Get-MtlsIisExistingBinding -Session $Session -SiteName $SiteName -BindingInformation $BindingInformation
    if ($found.binding.ssl_flags -eq $SslFlags) {
        return @{ changed = $false }
    }
    if ((([long]$found.binding.ssl_flags -bxor [long]$SslFlags) -band $script:CentralCertStoreBit) -ne 0) {
        throw "binding_set_flags does not turn the Central Certificate Store bit (2) of binding '$BindingInformation' on or off (the certificate goes or comes with it); binding_add replaces the binding"
    }
    Add-MtlsIisEdit -Session $Session -Edit @(New-MtlsIisBindingReplacement -Site $found.site -Binding $found.binding -SslFlags $SslFlags -CertificateHash $found.binding.certificate_hash -CertificateStore $found.binding.certificate_store)
    @{ changed = $true }
}

Export-ModuleMember -Function Add-MtlsIisBinding
Export-ModuleMember -Function Remove-MtlsIisBinding
Export-ModuleMember -Function Set-MtlsIisBindingCertificate
Export-ModuleMember -Function Set-MtlsIisBindingSslFlag
