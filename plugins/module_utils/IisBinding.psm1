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
# Its writers are in IisBindingWrite.psm1: the gather run (host_state_gather) sends the readers only, the apply
# run (host_state_apply) both (docs/ENGINE.md, "Two modules").

#AnsibleRequires -PowerShell ..module_utils.IisConfig
#AnsibleRequires -PowerShell ..module_utils.IisAccess

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

# Binding sslFlags names, to read a value IIS returns as text (MWA returns numbers, WINDOWS_FACTS IISCONFIG-5).
# DisableOCSPStp is Microsoft's name for bit 8 (BINDING-6); DisableOCSPStapling is accepted as well.
$script:BindingFlagBits = @{
    None = 0; Sni = 1; CentralCertStore = 2; DisableHTTP2 = 4; DisableOCSPStp = 8; DisableOCSPStapling = 8
    DisableQUIC = 16; DisableTLS13 = 32; DisableLegacyTLS = 64; NegotiateClientCert = 128
}

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

Export-ModuleMember -Function Get-MtlsIisSnapshot
Export-ModuleMember -Function ConvertTo-MtlsIisBindingSnapshot
