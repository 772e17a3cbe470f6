# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# IIS sites and https bindings of the host_state engine, through the IIS session of IisConfig.psm1: gather of scope
# sites / access_paths, and the binding ops (docs/ENGINE.md, "IIS bindings, HTTP.sys and SSL settings").
#
# How bindings are changed (issue 10 items 10-12):
# - binding_remove removes the element and keeps the HTTP.sys record (WINDOWS_FACTS BINDING-2): non-SNI bindings of
#   several sites share one 0.0.0.0:443 record, and the planner deletes a record (httpsys_remove) only when no binding
#   of any site uses it any more;
# - a new certificate or new sslFlags replace the binding element (WINDOWS_FACTS BINDING-4), never a change in place:
#   the new element gets its flags before its certificate (BINDING-3), and IIS writes the record of the binding's
#   (possibly new) key at commit; the planner then writes that record in full and removes the old key's record;
# - sslFlags bits are refused when the host's IIS does not know them (BINDING-6): IIS would store them silently.
# - a Central Certificate Store binding (sslFlags bit 2) names no certificate (BINDING-9): binding_add takes it with an
#   empty hash and store, and is the only op that turns the bit on or off (replacing the element with or without a
#   certificate); binding_set_cert and binding_set_flags refuse to.

#AnsibleRequires -PowerShell ..module_utils.IisConfig
#AnsibleRequires -PowerShell ..module_utils.IisAccess
#AnsibleRequires -PowerShell ..module_utils.WindowsFeature

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

# Binding sslFlags names, to read a value IIS returns as text (MWA returns numbers, WINDOWS_FACTS IISCONFIG-5).
# DisableOCSPStp is Microsoft's name for bit 8 (BINDING-6); DisableOCSPStapling is accepted as well.
$script:BindingFlagBits = @{
    None = 0; Sni = 1; CentralCertStore = 2; DisableHTTP2 = 4; DisableOCSPStp = 8; DisableOCSPStapling = 8
    DisableQUIC = 16; DisableTLS13 = 32; DisableLegacyTLS = 64; NegotiateClientCert = 128
}

$script:CentralCertStoreBit = 2

# The bits each IIS build knows, newest first (WINDOWS_FACTS BINDING-6): Sni and CentralCertStore since IIS 8; the
# disable bits since Server 2022 (build 20348); NegotiateClientCert since Server 2025 (build 26100, community).
$script:BindingFlagMasks = @(
    @{ build = 26100; mask = 0xFF; name = 'Windows Server 2025' }
    @{ build = 20348; mask = 0x7F; name = 'Windows Server 2022' }
    @{ build = 0; mask = 0x3; name = 'Windows Server 2016 and 2019' }
)

Function ConvertTo-MtlsIisBindingSnapshot {
    <# .SYNOPSIS One binding in the snapshot's shape (docs/ENGINE.md). #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param ([Parameter(Mandatory = $true)][hashtable]$Binding)

    @{
        protocol = [string]$Binding.protocol
        binding_information = [string]$Binding.binding_information
        ssl_flags = ConvertFrom-MtlsIisFlag -Value $Binding.ssl_flags -Bits $script:BindingFlagBits -What 'binding sslFlags'
        certificate_hash = ([string]$Binding.certificate_hash).ToUpperInvariant()
        certificate_store = [string]$Binding.certificate_store
    }
}

Function Get-MtlsIisSnapshot {
    <#
    .SYNOPSIS
    Gather of scope sites / access_paths: @{ available; sites; access; all_bindings }. sites: requested name -> @{ name
    (as IIS spells it); id; bindings (https) } for each site that exists; access: Get-MtlsIisAccessSnapshot of each
    site, the locations below it with explicit sslFlags, and access_paths; all_bindings: every https binding of every
    site (@{ site; binding_information; ssl_flags }), so the planner knows who else uses an HTTP.sys record.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Session,
        [AllowEmptyCollection()][object[]]$SiteNames = @(),
        [AllowEmptyCollection()][object[]]$AccessPaths = @()
    )

    foreach ($name in $SiteNames) {
        if ([string]::IsNullOrWhiteSpace([string]$name)) {
            throw 'scope.sites contains an empty site name'
        }
    }
    foreach ($path in $AccessPaths) {
        Assert-MtlsIisLocation -Location ([string]$path)
    }
    $snapshot = @{ available = $false; sites = @{}; access = @{}; all_bindings = @() }
    if (-not (Test-MtlsIisAvailable -Session $Session)) {
        return $snapshot
    }
    $snapshot.available = $true
    $sites = @(Get-MtlsIisSiteList -Session $Session)
    $snapshot.all_bindings = @(
        foreach ($site in $sites) {
            foreach ($binding in @($site.bindings | Where-Object { $_.protocol -eq 'https' })) {
                $converted = ConvertTo-MtlsIisBindingSnapshot -Binding $binding
                @{ site = [string]$site.name; binding_information = $converted.binding_information; ssl_flags = $converted.ssl_flags }
            }
        }
    )
    $paths = New-Object -TypeName System.Collections.Generic.List[object]
    foreach ($name in $SiteNames) {
        $site = Find-MtlsIisSite -Session $Session -Name ([string]$name)
        if ($null -eq $site) {
            continue
        }
        $bindings = @(foreach ($binding in @($site.bindings | Where-Object { $_.protocol -eq 'https' })) { ConvertTo-MtlsIisBindingSnapshot -Binding $binding })
        $snapshot.sites[[string]$name] = @{ id = [long]$site.id; bindings = $bindings }
        foreach ($path in @(Get-MtlsIisSiteAccessPath -Session $Session -Site ([string]$name))) {
            $paths.Add($path)
        }
    }
    foreach ($path in $AccessPaths) {
        $paths.Add([string]$path)
    }
    $snapshot.access = Get-MtlsIisAccessSnapshot -Session $Session -Paths $paths.ToArray()
    $snapshot
}

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

Export-ModuleMember -Function Get-MtlsIisSnapshot
Export-ModuleMember -Function Add-MtlsIisBinding
Export-ModuleMember -Function Remove-MtlsIisBinding
Export-ModuleMember -Function Set-MtlsIisBindingCertificate
Export-ModuleMember -Function Set-MtlsIisBindingSslFlag
