# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The part of IisAccess.psm1 only the apply run uses: its writers and their helpers; that file's header says what
# they act on and which Windows facts they rely on. The gather run (host_state_gather) does not send this file
# (docs/ENGINE.md, "Two modules").

#AnsibleRequires -PowerShell ..module_utils.IisAccess
#AnsibleRequires -PowerShell ..module_utils.IisConfigWrite
#AnsibleRequires -PowerShell ..module_utils.IisConfig

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

# Bits access_set writes: Ssl, SslNegotiateCert, SslRequireCert, Ssl128.
$script:AccessWritableMask = 0x168

Function Assert-MtlsIisAccessFlag {
    <# .SYNOPSIS Validates access_set's ssl_flags: a JSON integer with bits of Ssl, SslNegotiateCert, SslRequireCert, Ssl128 only. #>
    [CmdletBinding()]
    param ([AllowNull()][object]$Value)

    # JSON integers arrive as Int32 or Int64; a bool, a string or a float is a damaged op, not something to coerce.
    if ($Value -isnot [int] -and $Value -isnot [long]) {
        throw "ssl_flags must be an integer, got '$Value'"
    }
    if ($Value -lt 0 -or ([long]$Value -band (-bnot [long]$script:AccessWritableMask)) -ne 0) {
        throw "ssl_flags $Value has bits outside Ssl (8), SslNegotiateCert (32), SslRequireCert (64) and Ssl128 (256)"
    }
}

Function Set-MtlsIisAccessSslFlag {
    <#
    .SYNOPSIS
    Op access_set: sslFlags at a location path of applicationHost.config (the section is locked: never web.config),
    written under the site's own name; changed only when the location did not already have exactly these flags.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Session,
        [Parameter(Mandatory = $true)][AllowEmptyString()][string]$Location,
        [AllowNull()][object]$SslFlags
    )

    Assert-MtlsIisLocation -Location $Location
    Assert-MtlsIisAccessFlag -Value $SslFlags
    $resolved = Resolve-MtlsIisLocation -Session $Session -Location $Location
    if ($null -eq $resolved.site) {
        throw "IIS site '$($Location.Split('/')[0])' does not exist on this host; create the site first or correct its name"
    }
    $current = Get-MtlsIisExplicitAccess -Session $Session -Location $resolved.path
    if ($current.explicit -and $current.value -eq $SslFlags) {
        return @{ changed = $false }
    }
    # An integer for the flags attribute, as for bindings; IIS writes it as names (WINDOWS_FACTS IISCONFIG-12).
    Add-MtlsIisEdit -Session $Session -Edit @(@{ action = 'set'; section = (Get-MtlsIisAccessConstant -Name 'AccessSection'); location = $resolved.path; attributes = @{ sslFlags = [int]$SslFlags } })
    $Session.explicit[(Get-MtlsIisLocationKey -Path $resolved.path)] = [long]$SslFlags
    @{ changed = $true }
}

Function Remove-MtlsIisAccessSslFlag {
    <#
    .SYNOPSIS
    Op access_unset: removes the explicit sslFlags at a location so that it inherits (no-op when not explicit there).
    No site check: a location left behind by a deleted site can still be cleaned up.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Session,
        [Parameter(Mandatory = $true)][AllowEmptyString()][string]$Location
    )

    Assert-MtlsIisLocation -Location $Location
    Assert-MtlsIisAvailable -Session $Session
    $current = Get-MtlsIisExplicitAccess -Session $Session -Location $Location
    if (-not $current.explicit) {
        return @{ changed = $false }
    }
    # Delete: the value at this path goes, the path inherits (WINDOWS_FACTS IISCONFIG-8).
    Add-MtlsIisEdit -Session $Session -Edit @(@{ action = 'delete'; section = (Get-MtlsIisAccessConstant -Name 'AccessSection'); location = $current.path; attributes = @('sslFlags') })
    $Session.explicit[(Get-MtlsIisLocationKey -Path $Location)] = $null
    @{ changed = $true }
}

Export-ModuleMember -Function Set-MtlsIisAccessSslFlag
Export-ModuleMember -Function Remove-MtlsIisAccessSslFlag
