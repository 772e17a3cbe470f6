# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# SSL settings of the host_state engine: system.webServer/security/access@sslFlags per location path, gathered and
# written through the IIS session of IisConfig.psm1 (docs/ENGINE.md, "IIS bindings, HTTP.sys and SSL settings").
#
# Three views of one path (WINDOWS_FACTS IISCONFIG-3, IISCONFIG-12..14):
# - effective: what IIS enforces there, the merged view with web.config files. The section is locked by default
#   (overrideModeDefault="Deny"), but when SSL Settings delegation is unlocked a web.config value wins;
# - application_host: what applicationHost.config alone gives there (what this collection writes; not returned);
# - explicit: the flags text written at exactly that <location path> of applicationHost.config, or $null.
# When effective and application_host differ, web_config names the shallowest path of the site where they start to
# differ: the web.config there holds the override, and writing applicationHost.config cannot change what IIS enforces.
# Its writers are in IisAccessWrite.psm1: the gather run (host_state_gather) sends the readers only, the apply
# run (host_state_apply) both (docs/ENGINE.md, "Two modules").

#AnsibleRequires -PowerShell ..module_utils.IisConfig

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

$script:AccessSection = 'system.webServer/security/access'

# sslFlags names of the IIS 10 schema (WINDOWS_FACTS IISCONFIG-12). SslMapCert=128 is known only to read a file that has
# it: access_set never writes it.
$script:AccessFlagBits = @{ None = 0; Ssl = 8; SslNegotiateCert = 32; SslRequireCert = 64; SslMapCert = 128; Ssl128 = 256 }

Function Get-MtlsIisExplicitAccess {
    <#
    .SYNOPSIS
    Whether a location has an explicit sslFlags, as changed earlier in this run or else as written in
    applicationHost.config: @{ explicit = bool; value = the integer ($null when the text cannot be read); text; path =
    the location as written }. Several <location> elements for one path: the last one counts (IISCONFIG-14).
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Session,
        [Parameter(Mandatory = $true)][string]$Location
    )

    $key = Get-MtlsIisLocationKey -Path $Location
    if ($Session.explicit.ContainsKey($key)) {
        $value = $Session.explicit[$key]
        return @{ explicit = ($null -ne $value); value = $value; text = [string]$value; path = $Location }
    }
    $found = @{ explicit = $false; value = $null; text = $null; path = $Location }
    foreach ($entry in @(Get-MtlsIisConfiguredLocation -Session $Session -Section $script:AccessSection)) {
        if ((Get-MtlsIisLocationKey -Path $entry.path) -ne $key -or -not $entry.element.HasAttribute('sslFlags')) {
            continue
        }
        $text = $entry.element.GetAttribute('sslFlags')
        $value = $null
        try {
            $value = ConvertFrom-MtlsIisFlag -Value $text -Bits $script:AccessFlagBits -What 'sslFlags'
        }
        catch {
            # Unreadable text is a mismatch: access_set rewrites it.
            Write-Verbose -Message "sslFlags at '$($entry.path)': $($_.Exception.Message)"
        }
        $found = @{ explicit = $true; value = $value; text = $text; path = $entry.path }
    }
    $found
}

Function Get-MtlsIisAccessSnapshot {
    <#
    .SYNOPSIS
    The access entries of location paths: path (as asked) -> @{ effective; explicit; web_config (only when set) }.
    Reads applicationHost.config's and the merged view of every path and of its parent paths up to the site in one
    batch. A path under a site that does not exist has only applicationHost.config's view (IIS answers any path).
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Session,
        [Parameter(Mandatory = $true)][AllowEmptyCollection()][object[]]$Paths
    )

    $entries = @{}
    if ($Paths.Count -eq 0) {
        return $entries
    }
    # Every path to read: each asked path and its parents up to the site, written with the site's own name.
    $chains = @{}
    $requests = New-Object -TypeName System.Collections.Generic.List[object]
    $index = @{}
    foreach ($path in $Paths) {
        $resolved = Resolve-MtlsIisLocation -Session $Session -Location ([string]$path)
        $segments = $resolved.path.Split('/')
        $chain = @(for ($depth = 1; $depth -le $segments.Count; $depth++) { ($segments[0..($depth - 1)]) -join '/' })
        $chains[[string]$path] = @{ chain = $chain; exists = ($null -ne $resolved.site) }
        foreach ($link in $chain) {
            foreach ($merged in @($false, ($null -ne $resolved.site))) {
                $id = "$merged|$(Get-MtlsIisLocationKey -Path $link)"
                if (-not $index.ContainsKey($id)) {
                    $index[$id] = $requests.Count
                    $requests.Add(@{ section = $script:AccessSection; location = $link; merged = $merged })
                }
            }
        }
    }
    $trees = @(Read-MtlsIisSection -Session $Session -Request $requests.ToArray())
    foreach ($path in $Paths) {
        $info = $chains[[string]$path]
        $values = foreach ($link in $info.chain) {
            $key = Get-MtlsIisLocationKey -Path $link
            $applicationHost = ConvertFrom-MtlsIisFlag -Value $trees[$index["False|$key"]].attributes['sslFlags'] -Bits $script:AccessFlagBits -What 'sslFlags'
            $merged = $applicationHost
            if ($info.exists) {
                $merged = ConvertFrom-MtlsIisFlag -Value $trees[$index["True|$key"]].attributes['sslFlags'] -Bits $script:AccessFlagBits -What 'sslFlags'
            }
            @{ path = $link; application_host = $applicationHost; merged = $merged }
        }
        $values = @($values)
        $last = $values[$values.Count - 1]
        $webConfig = $null
        if ($last.merged -ne $last.application_host) {
            $webConfig = @($values | Where-Object { $_.merged -ne $_.application_host })[0].path
        }
        $explicit = Get-MtlsIisExplicitAccess -Session $Session -Location $last.path
        # The entry of docs/ENGINE.md: web_config only when a web.config overrides (application_host stays internal).
        $entry = @{ effective = $last.merged; explicit = $explicit.text }
        if ($null -ne $webConfig) {
            $entry.web_config = $webConfig
        }
        $entries[[string]$path] = $entry
    }
    $entries
}

Function Get-MtlsIisSiteAccessPath {
    <#
    .SYNOPSIS
    The location paths gather reports for a site: the site itself (as asked) and every path below it with an explicit
    sslFlags in applicationHost.config (as written there).
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)][hashtable]$Session,
        [Parameter(Mandatory = $true)][string]$Site
    )

    $prefix = (Get-MtlsIisLocationKey -Path $Site) + '/'
    $paths = @($Site) + @(
        foreach ($entry in @(Get-MtlsIisConfiguredLocation -Session $Session -Section $script:AccessSection)) {
            if ($entry.element.HasAttribute('sslFlags') -and (Get-MtlsIisLocationKey -Path $entry.path).StartsWith($prefix)) {
                $entry.path
            }
        }
    )
    $paths | Sort-Object -Unique
}

Function Get-MtlsIisAccessConstant {
    <#
    .SYNOPSIS
    A constant of this util by its variable name, for its writers in IisAccessWrite.psm1 (a module's script
    variables are its own): each Windows name is defined once.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $Name
    )

    , (Get-Variable -Name $Name -Scope Script -ValueOnly)
}

Export-ModuleMember -Function Get-MtlsIisAccessSnapshot
Export-ModuleMember -Function Get-MtlsIisSiteAccessPath
Export-ModuleMember -Function Get-MtlsIisAccessConstant
Export-ModuleMember -Function Get-MtlsIisExplicitAccess
