#!powershell

# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The host_state engine (docs/ENGINE.md): gather reads exactly the scope asked for, apply runs ops in order.
# No desired-state logic lives here; the action plugins plan on the controller.

#AnsibleRequires -CSharpUtil Ansible.Basic
#AnsibleRequires -PowerShell ..module_utils.CertStore
#AnsibleRequires -PowerShell ..module_utils.Schannel
#AnsibleRequires -PowerShell ..module_utils.HttpSys

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

$spec = @{
    options = @{
        mode = @{ type = 'str'; required = $true; choices = 'gather', 'apply' }
        scope = @{ type = 'dict' }
        ops = @{ type = 'list'; elements = 'dict' }
        secrets = @{ type = 'dict'; no_log = $true }
    }
    supports_check_mode = $true
}

$ScopeKeys = @('stores', 'schannel', 'httpsys')

# The arguments each op takes besides 'op'; any other argument fails the op before it touches the host, so a
# controller and an engine of different versions cannot silently disagree.
$OpArguments = @{
    store_create = @('store')
    cert_import = @('store', 'der', 'thumbprint')
    cert_move = @('from_store', 'to_store', 'thumbprint')
    cert_remove = @('store', 'thumbprint')
    schannel_set = @('name', 'value')
    schannel_unset = @('name')
}

# One handler per op name; the names equal OP_NAMES in plugins/plugin_utils/ops.py (a test keeps them equal).
# Each handler takes the op dict and the secrets dict and returns @{ changed = bool } plus, for ops that take a
# certificate out of a store, der = base64 DER of that certificate.
$OpHandlers = @{
    store_create = {
        param($Op, $Secrets)
        New-MtlsCertStore -Name (Get-OpArgument -Op $Op -Name 'store')
    }
    cert_import = {
        param($Op, $Secrets)
        $storeName = Get-OpArgument -Op $Op -Name 'store'
        $der = Get-OpArgument -Op $Op -Name 'der'
        Add-MtlsCertificate -StoreName $storeName -Der $der -Thumbprint (Get-OpArgument -Op $Op -Name 'thumbprint')
    }
    cert_move = {
        param($Op, $Secrets)
        $fromStore = Get-OpArgument -Op $Op -Name 'from_store'
        $toStore = Get-OpArgument -Op $Op -Name 'to_store'
        $thumbprint = Get-OpArgument -Op $Op -Name 'thumbprint'
        Move-MtlsCertificate -FromStore $fromStore -ToStore $toStore -Thumbprint $thumbprint
    }
    cert_remove = {
        param($Op, $Secrets)
        $storeName = Get-OpArgument -Op $Op -Name 'store'
        Remove-MtlsCertificate -StoreName $storeName -Thumbprint (Get-OpArgument -Op $Op -Name 'thumbprint')
    }
    schannel_set = {
        param($Op, $Secrets)
        Set-MtlsSchannelValue -Name (Get-OpArgument -Op $Op -Name 'name') -Value (Get-OpArgument -Op $Op -Name 'value')
    }
    schannel_unset = {
        param($Op, $Secrets)
        Remove-MtlsSchannelValue -Name (Get-OpArgument -Op $Op -Name 'name')
    }
}

Function Get-OpArgument {
    <#
    .SYNOPSIS
    Returns one argument of an op; a missing or null argument is an error naming it.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Op,

        [Parameter(Mandatory = $true)]
        [string]
        $Name
    )

    if (-not $Op.ContainsKey($Name) -or $null -eq $Op[$Name]) {
        throw "argument '$Name' is missing"
    }
    $Op[$Name]
}

Function Get-HostIdentity {
    <#
    .SYNOPSIS
    The host part of every snapshot.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param ()

    # powershell.exe declares Windows 10 compatibility in its manifest, so OSVersion reports the real 10.0.x build.
    @{
        os_version = [System.Environment]::OSVersion.Version.ToString(3)
        computer_name = [System.Environment]::MachineName
    }
}

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

    $snapshot = @{ host = Get-HostIdentity }
    if ($null -eq $Scope) {
        return $snapshot
    }
    foreach ($key in @($Scope.Keys)) {
        # Case-sensitive like the ContainsKey lookups below: a 'Stores' key must not be silently ignored.
        if ($ScopeKeys -cnotcontains $key) {
            throw "unknown scope key '$key'; known keys are $($ScopeKeys -join ', ')"
        }
    }
    if ($Scope.ContainsKey('stores') -and $null -ne $Scope['stores']) {
        $snapshot.stores = Get-StoreSnapshotMap -Names @($Scope['stores'])
    }
    if (Test-ScopeFlag -Scope $Scope -Name 'schannel') {
        $snapshot.schannel = Get-MtlsSchannelSnapshot
    }
    if (Test-ScopeFlag -Scope $Scope -Name 'httpsys') {
        $snapshot.httpsys = @(Get-MtlsHttpSysBinding)
    }
    $snapshot
}

Function Invoke-Op {
    <#
    .SYNOPSIS
    Runs one op through its handler and returns the handler's single hashtable.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [AllowNull()]
        [object]
        $Op,

        [AllowNull()]
        [object]
        $Secrets,

        [Parameter(Mandatory = $true)]
        [string]
        $Name
    )

    if (-not $OpHandlers.ContainsKey($Name)) {
        throw "unknown op; this host_state knows $((@($OpHandlers.Keys) | Sort-Object) -join ', ') - use the same mtls.iis version for the action plugins and this module"
    }
    $unknown = @($Op.Keys | Where-Object { $_ -cne 'op' -and $OpArguments[$Name] -cnotcontains $_ })
    if ($unknown.Count -gt 0) {
        throw "unsupported argument(s): $(($unknown | Sort-Object) -join ', ')"
    }
    $handler = $OpHandlers[$Name]
    $outcome = @(& $handler $Op $Secrets)
    if ($outcome.Count -ne 1 -or $outcome[0] -isnot [hashtable]) {
        throw "the handler returned $($outcome.Count) objects instead of one result (a bug in host_state)"
    }
    $outcome[0]
}

Function Get-OpName {
    <#
    .SYNOPSIS
    The op name of one list entry, or '?' when the entry has none (reported as a failure by Invoke-Op).
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param (
        [AllowNull()]
        [object]
        $Op
    )

    if ($Op -is [System.Collections.IDictionary] -and $Op.ContainsKey('op') -and $null -ne $Op['op']) {
        return [string]$Op['op']
    }
    '?'
}

Function Invoke-OpList {
    <#
    .SYNOPSIS
    Runs the ops in order and stops at the first failure. Returns results, changed, failed_index and the
    error record; the caller reports them with FailJson outside any try block.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [AllowNull()]
        [object]
        $Ops,

        [AllowNull()]
        [object]
        $Secrets
    )

    $run = @{
        results = New-Object -TypeName System.Collections.Generic.List[object]
        changed = $false
        failed_index = $null
        failed_name = $null
        error = $null
    }
    if ($null -eq $Ops) {
        return $run
    }
    for ($index = 0; $index -lt $Ops.Count; $index++) {
        $op = $Ops[$index]
        $name = Get-OpName -Op $op
        $entry = @{ index = $index; op = $name; changed = $false }
        try {
            $outcome = Invoke-Op -Op $op -Secrets $Secrets -Name $name
        }
        catch {
            $entry.failed = $true
            $run.results.Add($entry)
            $run.failed_index = $index
            $run.failed_name = $name
            $run.error = $_
            return $run
        }
        $entry.changed = [bool]$outcome['changed']
        if ($outcome.ContainsKey('der') -and $null -ne $outcome['der']) {
            $entry.returned = @{ der = $outcome['der'] }
        }
        $run.results.Add($entry)
        if ($entry.changed) {
            $run.changed = $true
        }
    }
    $run
}

$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)

if ($module.Params.mode -eq 'gather') {
    $snapshot = $null
    try {
        $snapshot = Get-HostSnapshot -Scope $module.Params.scope
    }
    catch {
        $module.FailJson("gather failed: $($_.Exception.Message) - nothing was changed; check the scope the action plugin sent and that the connection user is a local administrator", $_)
    }
    $module.Result.snapshot = $snapshot
    $module.ExitJson()
}

if ($module.CheckMode) {
    $module.FailJson('host_state apply does not run in check mode - the mtls.iis action plugins stop after planning in check mode; run the task without --check to apply')
}

$run = Invoke-OpList -Ops $module.Params.ops -Secrets $module.Params.secrets
$module.Result.changed = $run.changed
$module.Result.results = $run.results
if ($null -ne $run.failed_index) {
    $module.Result.failed_index = $run.failed_index
    $reason = $run.error.Exception.Message
    $msg = "op $($run.failed_index) ($($run.failed_name)) failed: $reason - the ops before it were applied (see results) and every op is safe to repeat: fix the cause and run the task again"
    $module.FailJson($msg, $run.error)
}
$module.ExitJson()
