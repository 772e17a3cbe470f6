#!powershell

# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The gather run of the host_state engine (docs/ENGINE.md): reads exactly the scope asked for and changes nothing.
# It requires the reader utils only, so a gather sends no writer code (host_state_apply holds the op run).

#AnsibleRequires -CSharpUtil Ansible.Basic
#AnsibleRequires -PowerShell ..module_utils.CertStore
#AnsibleRequires -PowerShell ..module_utils.Schannel
#AnsibleRequires -PowerShell ..module_utils.HttpSysRecord
#AnsibleRequires -PowerShell ..module_utils.HttpSysSaved
#AnsibleRequires -PowerShell ..module_utils.IisConfig
#AnsibleRequires -PowerShell ..module_utils.IisBinding
#AnsibleRequires -PowerShell ..module_utils.IisAuth
#AnsibleRequires -PowerShell ..module_utils.IisTracing
#AnsibleRequires -PowerShell ..module_utils.WindowsFeature

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

$spec = @{
    # Root no_log, as the engine had before it was two modules: Ansible.Basic writes "Invoked with" and every argument
    # to the Windows Application event log unless the spec sets no_log at its root (WINDOWS_FACTS ANSIBLE-1). A scope
    # holds no secret, but a gather per host per converge needs no event log entry either. The module sets its own
    # invocation below.
    no_log = $true
    options = @{
        scope = @{ type = 'dict' }
    }
    supports_check_mode = $true
}

$ScopeKeys = @(
    'stores', 'schannel', 'httpsys', 'ctl_stores', 'sites', 'access_paths', 'auth_sites', 'features', 'tracing_sites'
)

Function Get-StoreSnapshotMap {
    <#
    .SYNOPSIS
    Gathers each requested store, keyed by the name as requested.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [AllowEmptyCollection()]
        [object[]]
        $Names
    )

    $stores = @{}
    foreach ($name in $Names) {
        if ([string]::IsNullOrWhiteSpace([string]$name)) {
            throw "scope.stores contains an empty store name"
        }
        $stores[[string]$name] = Get-MtlsCertStoreSnapshot -Name ([string]$name)
    }
    $stores
}

Function Join-CtlStoreName {
    <#
    .SYNOPSIS
    The store names to read for scope ctl_stores: the requested ones as they are, then every distinct non-empty
    ctl_store_name of the HTTP.sys records that is not among them (compared case-insensitively, as Windows compares
    store names), first spelling kept.
    #>
    [CmdletBinding()]
    param (
        [AllowNull()]
        [object[]]
        $Names,

        [AllowNull()]
        [AllowEmptyCollection()]
        [object[]]
        $Bindings
    )

    $all = New-Object -TypeName System.Collections.Generic.List[object]
    # PowerShell hashtables compare string keys case-insensitively.
    $seen = @{}
    foreach ($name in @($Names)) {
        if ($null -eq $name) {
            continue
        }
        $all.Add($name)
        $seen[[string]$name] = $true
    }
    foreach ($binding in @($Bindings)) {
        if ($binding -isnot [System.Collections.IDictionary]) {
            continue
        }
        $ctl = [string]$binding['ctl_store_name']
        if ([string]::IsNullOrWhiteSpace($ctl) -or $seen.ContainsKey($ctl)) {
            continue
        }
        $all.Add($ctl)
        $seen[$ctl] = $true
    }
    # The comma keeps an empty or one-element list an array for the caller.
    , $all.ToArray()
}

Function Test-ScopeFlag {
    <#
    .SYNOPSIS
    Tells whether a boolean scope key is present and true.
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Scope,

        [Parameter(Mandatory = $true)]
        [string]
        $Name
    )

    if (-not $Scope.ContainsKey($Name) -or $null -eq $Scope[$Name]) {
        return $false
    }
    [Ansible.Basic.AnsibleModule]::ParseBool($Scope[$Name])
}

Function Get-ScopeList {
    <#
    .SYNOPSIS
    A list-valued scope key as an array, or $null when the key is absent or null.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Scope,

        [Parameter(Mandatory = $true)]
        [string]
        $Name
    )

    if (-not $Scope.ContainsKey($Name) -or $null -eq $Scope[$Name]) {
        return $null
    }
    # The comma keeps an empty or one-element list an array for the caller.
    , @($Scope[$Name])
}

Function Get-HostSnapshot {
    <#
    .SYNOPSIS
    Reads exactly the parts of the host that the scope asks for.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [AllowNull()]
        [object]
        $Scope
    )

    $snapshot = @{ host = Get-MtlsHostIdentity }
    if ($null -eq $Scope) {
        return $snapshot
    }
    foreach ($key in @($Scope.Keys)) {
        # Case-sensitive like the ContainsKey lookups below: a 'Stores' key must not be silently ignored.
        if ($ScopeKeys -cnotcontains $key) {
            throw "unknown scope key '$key'; known keys are $($ScopeKeys -join ', ')"
        }
    }
    # ctl_stores implies httpsys: the HTTP.sys records are read first, then the stores they name are read with the
    # requested ones (never created).
    $readCtlStores = Test-ScopeFlag -Scope $Scope -Name 'ctl_stores'
    if ($readCtlStores -or (Test-ScopeFlag -Scope $Scope -Name 'httpsys')) {
        $snapshot.httpsys = @(Get-MtlsHttpSysBinding)
        $snapshot.httpsys_saved = @(Get-MtlsHttpSysSavedRecord)
    }
    $storeNames = Get-ScopeList -Scope $Scope -Name 'stores'
    if ($readCtlStores) {
        $storeNames = Join-CtlStoreName -Names $storeNames -Bindings $snapshot.httpsys
    }
    if ($null -ne $storeNames) {
        $snapshot.stores = Get-StoreSnapshotMap -Names $storeNames
    }
    if (Test-ScopeFlag -Scope $Scope -Name 'schannel') {
        $snapshot.schannel = Get-MtlsSchannelSnapshot
    }
    # One IIS session for the whole gather: the site list and applicationHost.config are read once.
    $iis = New-MtlsIisSession
    $siteNames = Get-ScopeList -Scope $Scope -Name 'sites'
    $accessPaths = Get-ScopeList -Scope $Scope -Name 'access_paths'
    if ($null -ne $siteNames -or $null -ne $accessPaths) {
        # @($null) would be a list holding one null: an absent key becomes an empty list instead.
        if ($null -eq $siteNames) {
            $siteNames = @()
        }
        if ($null -eq $accessPaths) {
            $accessPaths = @()
        }
        $snapshot.iis = Get-MtlsIisSnapshot -Session $iis -SiteNames $siteNames -AccessPaths $accessPaths
    }
    $authSites = Get-ScopeList -Scope $Scope -Name 'auth_sites'
    if ($null -ne $authSites) {
        $snapshot.auth = Get-MtlsIisAuthSnapshot -Session $iis -SiteNames $authSites
    }
    $featureNames = Get-ScopeList -Scope $Scope -Name 'features'
    if ($null -ne $featureNames) {
        $snapshot.features = Get-MtlsWindowsFeatureSnapshot -Names $featureNames
    }
    $tracingSites = Get-ScopeList -Scope $Scope -Name 'tracing_sites'
    if ($null -ne $tracingSites) {
        $snapshot.tracing = Get-MtlsIisTracingSnapshot -Session $iis -SiteNames $tracingSites
    }
    $snapshot
}

$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)
$module.Result.invocation = @{ module_args = @{ scope = $module.Params.scope } }

$snapshot = $null
try {
    $snapshot = Get-HostSnapshot -Scope $module.Params.scope
}
catch {
    $module.FailJson("gather failed: $($_.Exception.Message) - nothing was changed; check the scope the action plugin sent and that the connection user is a local administrator", $_)
}
$module.Result.snapshot = $snapshot
$module.ExitJson()
