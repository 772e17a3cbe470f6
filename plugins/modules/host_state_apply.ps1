#!powershell

# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The apply run of the host_state engine (docs/ENGINE.md): runs ops in order. No desired-state logic lives here; the
# action plugins plan on the controller. The gather run is host_state_gather.

#AnsibleRequires -CSharpUtil Ansible.Basic
#AnsibleRequires -PowerShell ..module_utils.CertStoreWrite
#AnsibleRequires -PowerShell ..module_utils.CertPfx
#AnsibleRequires -PowerShell ..module_utils.SchannelWrite
#AnsibleRequires -PowerShell ..module_utils.HttpSys
#AnsibleRequires -PowerShell ..module_utils.HttpSysSavedWrite
#AnsibleRequires -PowerShell ..module_utils.IisConfig
#AnsibleRequires -PowerShell ..module_utils.IisConfigWrite
#AnsibleRequires -PowerShell ..module_utils.IisAccessWrite
#AnsibleRequires -PowerShell ..module_utils.IisBindingWrite
#AnsibleRequires -PowerShell ..module_utils.IisAuthWrite
#AnsibleRequires -PowerShell ..module_utils.IisMapping
#AnsibleRequires -PowerShell ..module_utils.IisTracingWrite
#AnsibleRequires -PowerShell ..module_utils.WindowsFeatureWrite

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

$spec = @{
    # Root no_log: Ansible.Basic writes "Invoked with" and every argument to the Windows Application event log unless
    # the spec sets no_log at its root, and it masks a no_log dict option only by the dict's type name, so secrets
    # and the base64 PFX in ops would reach the log (WINDOWS_FACTS ANSIBLE-1, ANSIBLE-2). The module sets its own
    # masked invocation below.
    no_log = $true
    options = @{
        ops = @{ type = 'list'; elements = 'dict' }
        secrets = @{ type = 'dict'; no_log = $true }
    }
    supports_check_mode = $true
}

# The arguments each op takes besides 'op'; any other argument fails the op before it touches the host, so a
# controller and an engine of different versions cannot silently disagree.
$OpArguments = @{
    store_create = @('store')
    cert_import = @('store', 'der', 'thumbprint')
    cert_move = @('from_store', 'to_store', 'thumbprint')
    cert_remove = @('store', 'thumbprint')
    schannel_set = @('name', 'value')
    schannel_unset = @('name')
    pfx_import = @('store', 'pfx', 'password_ref', 'thumbprint')
    binding_add = @('site', 'binding_information', 'ssl_flags', 'certificate_hash', 'certificate_store')
    binding_remove = @('site', 'binding_information')
    binding_set_cert = @('site', 'binding_information', 'certificate_hash', 'certificate_store')
    binding_set_flags = @('site', 'binding_information', 'ssl_flags')
    httpsys_set = @(
        'key', 'kind', 'certificate_hash', 'certificate_store', 'app_id', 'negotiate_client_certificate',
        'ctl_store_name', 'ds_mapper', 'revocation', 'revocation_freshness_seconds', 'disable_tls13',
        'disable_legacy_tls', 'disable_http2', 'disable_quic', 'disable_ocsp_stapling'
    )
    httpsys_remove = @('key', 'kind')
    httpsys_save = @(
        'key', 'kind', 'certificate_hash', 'certificate_store', 'app_id', 'negotiate_client_certificate',
        'ctl_store_name', 'ds_mapper', 'revocation', 'revocation_freshness_seconds', 'disable_tls13',
        'disable_legacy_tls', 'disable_http2', 'disable_quic', 'disable_ocsp_stapling', 'reject',
        'enable_token_binding', 'log_extended_events', 'enable_session_ticket', 'disable_tls12', 'disable_session_id',
        'usage_check_disabled', 'url_retrieval_timeout', 'ctl_identifier'
    )
    access_set = @('location', 'ssl_flags')
    access_unset = @('location')
    feature_install = @('name')
    auth_set = @('location', 'section', 'attributes')
    one_to_one_set = @('location', 'certificate', 'user', 'enabled', 'password_ref')
    one_to_one_remove = @('location', 'certificate')
    many_to_one_set = @('location', 'name', 'description', 'enabled', 'permission', 'user', 'rules', 'password_ref')
    many_to_one_remove = @('location', 'name')
    tracing_set = @('site', 'enabled', 'directory', 'max_log_files', 'path', 'status_codes')
    tracing_remove = @('site', 'path')
    section_clear = @('location', 'section')
}

# The ops that change IIS configuration through the apply's IIS session (IisConfig.psm1): each adds plain edits to
# the session instead of writing. Invoke-OpList commits each contiguous run of them once, before the next other op runs
# and at the end of the list; a run that fails before its commit writes nothing. feature_install is not one of them:
# it runs after the pending IIS changes are committed, like any other op.
$IisConfigOps = @(
    'binding_add', 'binding_remove', 'binding_set_cert', 'binding_set_flags', 'access_set', 'access_unset',
    'auth_set', 'one_to_one_set', 'one_to_one_remove', 'many_to_one_set', 'many_to_one_remove', 'tracing_set',
    'tracing_remove', 'section_clear'
)

# One handler per op name; the names equal OP_NAMES in plugins/plugin_utils/ops.py (a test keeps them equal).
# Each handler takes the op dict, the secrets dict and the apply context (iis = the IIS session of
# IisConfig.psm1: the pending edits of the current run of IIS ops), and returns @{ changed = bool } plus, for ops that take a certificate out of a store,
# der = base64 DER of that certificate, and for feature_install reboot_required = bool.
$OpHandlers = @{
    store_create = {
        param($Op, $Secrets, $Context)
        New-MtlsCertStore -Name (Get-OpArgument -Op $Op -Name 'store')
    }
    cert_import = {
        param($Op, $Secrets, $Context)
        $storeName = Get-OpArgument -Op $Op -Name 'store'
        $der = Get-OpArgument -Op $Op -Name 'der'
        Add-MtlsCertificate -StoreName $storeName -Der $der -Thumbprint (Get-OpArgument -Op $Op -Name 'thumbprint')
    }
    cert_move = {
        param($Op, $Secrets, $Context)
        $fromStore = Get-OpArgument -Op $Op -Name 'from_store'
        $toStore = Get-OpArgument -Op $Op -Name 'to_store'
        $thumbprint = Get-OpArgument -Op $Op -Name 'thumbprint'
        Move-MtlsCertificate -FromStore $fromStore -ToStore $toStore -Thumbprint $thumbprint
    }
    cert_remove = {
        param($Op, $Secrets, $Context)
        $storeName = Get-OpArgument -Op $Op -Name 'store'
        Remove-MtlsCertificate -StoreName $storeName -Thumbprint (Get-OpArgument -Op $Op -Name 'thumbprint')
    }
    schannel_set = {
        param($Op, $Secrets, $Context)
        Set-MtlsSchannelValue -Name (Get-OpArgument -Op $Op -Name 'name') -Value (Get-OpArgument -Op $Op -Name 'value')
    }
    schannel_unset = {
        param($Op, $Secrets, $Context)
        Remove-MtlsSchannelValue -Name (Get-OpArgument -Op $Op -Name 'name')
    }
    pfx_import = {
        param($Op, $Secrets, $Context)
        $storeName = Get-OpArgument -Op $Op -Name 'store'
        $pfx = Get-OpArgument -Op $Op -Name 'pfx'
        $password = Get-SecretValue -Secrets $Secrets -Reference (Get-OpArgument -Op $Op -Name 'password_ref')
        $thumbprint = Get-OpArgument -Op $Op -Name 'thumbprint'
        Import-MtlsPfxCertificate -StoreName $storeName -Pfx $pfx -Password $password -Thumbprint $thumbprint
    }
    binding_add = {
        param($Op, $Secrets, $Context)
        $binding = @{
            Session = $Context.iis
            SiteName = Get-OpArgument -Op $Op -Name 'site'
            BindingInformation = Get-OpArgument -Op $Op -Name 'binding_information'
            SslFlags = Get-OpArgument -Op $Op -Name 'ssl_flags'
            CertificateHash = Get-OpArgument -Op $Op -Name 'certificate_hash'
            CertificateStore = Get-OpArgument -Op $Op -Name 'certificate_store'
        }
        Add-MtlsIisBinding @binding
    }
    binding_remove = {
        param($Op, $Secrets, $Context)
        $siteName = Get-OpArgument -Op $Op -Name 'site'
        $bindingInformation = Get-OpArgument -Op $Op -Name 'binding_information'
        Remove-MtlsIisBinding -Session $Context.iis -SiteName $siteName -BindingInformation $bindingInformation
    }
    binding_set_cert = {
        param($Op, $Secrets, $Context)
        $binding = @{
            Session = $Context.iis
            SiteName = Get-OpArgument -Op $Op -Name 'site'
            BindingInformation = Get-OpArgument -Op $Op -Name 'binding_information'
            CertificateHash = Get-OpArgument -Op $Op -Name 'certificate_hash'
            CertificateStore = Get-OpArgument -Op $Op -Name 'certificate_store'
        }
        Set-MtlsIisBindingCertificate @binding
    }
    binding_set_flags = {
        param($Op, $Secrets, $Context)
        $binding = @{
            Session = $Context.iis
            SiteName = Get-OpArgument -Op $Op -Name 'site'
            BindingInformation = Get-OpArgument -Op $Op -Name 'binding_information'
            SslFlags = Get-OpArgument -Op $Op -Name 'ssl_flags'
        }
        Set-MtlsIisBindingSslFlag @binding
    }
    httpsys_set = {
        param($Op, $Secrets, $Context)
        $record = @{
            Key = Get-OpArgument -Op $Op -Name 'key'
            Kind = Get-OpArgument -Op $Op -Name 'kind'
            CertificateHash = Get-OpArgument -Op $Op -Name 'certificate_hash'
            CertificateStore = Get-OpArgument -Op $Op -Name 'certificate_store'
            AppId = Get-OpArgument -Op $Op -Name 'app_id'
            NegotiateClientCertificate = Get-OpArgument -Op $Op -Name 'negotiate_client_certificate'
            CtlStoreName = Get-OpArgument -Op $Op -Name 'ctl_store_name' -AllowNull
            DsMapper = Get-OpArgument -Op $Op -Name 'ds_mapper'
            Revocation = Get-OpArgument -Op $Op -Name 'revocation'
            RevocationFreshnessSeconds = Get-OpArgument -Op $Op -Name 'revocation_freshness_seconds'
            DisableTls13 = Get-OpArgument -Op $Op -Name 'disable_tls13'
            DisableLegacyTls = Get-OpArgument -Op $Op -Name 'disable_legacy_tls'
            DisableHttp2 = Get-OpArgument -Op $Op -Name 'disable_http2'
            DisableQuic = Get-OpArgument -Op $Op -Name 'disable_quic'
            DisableOcspStapling = Get-OpArgument -Op $Op -Name 'disable_ocsp_stapling'
        }
        $record.Saved = Get-MtlsHttpSysSavedSetting -Key $record.Key -Kind $record.Kind
        $outcome = Set-MtlsHttpSysBinding @record
        # The record is as asked: the copy httpsys_save kept for it has done its job.
        $forgotten = Clear-MtlsHttpSysSavedRecord -Key $record.Key -Kind $record.Kind
        @{ changed = ($outcome.changed -or $forgotten) }
    }
    httpsys_remove = {
        param($Op, $Secrets, $Context)
        $key = Get-OpArgument -Op $Op -Name 'key'
        $kind = Get-OpArgument -Op $Op -Name 'kind'
        $outcome = Remove-MtlsHttpSysBinding -Key $key -Kind $kind
        $forgotten = Clear-MtlsHttpSysSavedRecord -Key $key -Kind $kind
        @{ changed = ($outcome.changed -or $forgotten) }
    }
    httpsys_save = {
        param($Op, $Secrets, $Context)
        # The settings are kept as given (the controller read them from the record); httpsys_set checks them when it
        # writes them back.
        $settings = @{
            certificate_hash = Get-OpArgument -Op $Op -Name 'certificate_hash'
            certificate_store = Get-OpArgument -Op $Op -Name 'certificate_store'
            app_id = Get-OpArgument -Op $Op -Name 'app_id'
            negotiate_client_certificate = Get-OpArgument -Op $Op -Name 'negotiate_client_certificate'
            ctl_store_name = Get-OpArgument -Op $Op -Name 'ctl_store_name' -AllowNull
            ds_mapper = Get-OpArgument -Op $Op -Name 'ds_mapper'
            revocation = Get-OpArgument -Op $Op -Name 'revocation'
            revocation_freshness_seconds = Get-OpArgument -Op $Op -Name 'revocation_freshness_seconds'
            disable_tls13 = Get-OpArgument -Op $Op -Name 'disable_tls13'
            disable_legacy_tls = Get-OpArgument -Op $Op -Name 'disable_legacy_tls'
            disable_http2 = Get-OpArgument -Op $Op -Name 'disable_http2'
            disable_quic = Get-OpArgument -Op $Op -Name 'disable_quic'
            disable_ocsp_stapling = Get-OpArgument -Op $Op -Name 'disable_ocsp_stapling'
            reject = Get-OpArgument -Op $Op -Name 'reject'
            enable_token_binding = Get-OpArgument -Op $Op -Name 'enable_token_binding'
            log_extended_events = Get-OpArgument -Op $Op -Name 'log_extended_events'
            enable_session_ticket = Get-OpArgument -Op $Op -Name 'enable_session_ticket'
            disable_tls12 = Get-OpArgument -Op $Op -Name 'disable_tls12'
            disable_session_id = Get-OpArgument -Op $Op -Name 'disable_session_id'
            usage_check_disabled = Get-OpArgument -Op $Op -Name 'usage_check_disabled'
            url_retrieval_timeout = Get-OpArgument -Op $Op -Name 'url_retrieval_timeout'
            ctl_identifier = Get-OpArgument -Op $Op -Name 'ctl_identifier' -AllowNull
        }
        Save-MtlsHttpSysRecord -Key (Get-OpArgument -Op $Op -Name 'key') -Kind (Get-OpArgument -Op $Op -Name 'kind') -Settings $settings
    }
    access_set = {
        param($Op, $Secrets, $Context)
        $location = Get-OpArgument -Op $Op -Name 'location'
        Set-MtlsIisAccessSslFlag -Session $Context.iis -Location $location -SslFlags (Get-OpArgument -Op $Op -Name 'ssl_flags')
    }
    access_unset = {
        param($Op, $Secrets, $Context)
        Remove-MtlsIisAccessSslFlag -Session $Context.iis -Location (Get-OpArgument -Op $Op -Name 'location')
    }
    feature_install = {
        param($Op, $Secrets, $Context)
        Install-MtlsWindowsFeature -Name (Get-OpArgument -Op $Op -Name 'name')
    }
    auth_set = {
        param($Op, $Secrets, $Context)
        $setting = @{
            Session = $Context.iis
            Location = Get-OpArgument -Op $Op -Name 'location'
            Section = Get-OpArgument -Op $Op -Name 'section'
            Attributes = Get-OpArgument -Op $Op -Name 'attributes'
        }
        Set-MtlsIisAuthSection @setting
    }
    one_to_one_set = {
        param($Op, $Secrets, $Context)
        # The password is looked up only when the op names one; it is never compared (IIS stores it encrypted).
        $passwordRef = Get-OpArgument -Op $Op -Name 'password_ref' -Optional
        $password = $null
        if ($null -ne $passwordRef) {
            $password = Get-SecretValue -Secrets $Secrets -Reference $passwordRef
        }
        $mapping = @{
            Session = $Context.iis
            Location = Get-OpArgument -Op $Op -Name 'location'
            Certificate = Get-OpArgument -Op $Op -Name 'certificate'
            UserName = Get-OpArgument -Op $Op -Name 'user'
            Enabled = Get-OpArgument -Op $Op -Name 'enabled'
            Password = $password
        }
        Set-MtlsIisOneToOneMapping @mapping
    }
    one_to_one_remove = {
        param($Op, $Secrets, $Context)
        $location = Get-OpArgument -Op $Op -Name 'location'
        Remove-MtlsIisOneToOneMapping -Session $Context.iis -Location $location -Certificate (Get-OpArgument -Op $Op -Name 'certificate')
    }
    many_to_one_set = {
        param($Op, $Secrets, $Context)
        $passwordRef = Get-OpArgument -Op $Op -Name 'password_ref' -Optional
        $password = $null
        if ($null -ne $passwordRef) {
            $password = Get-SecretValue -Secrets $Secrets -Reference $passwordRef
        }
        $mapping = @{
            Session = $Context.iis
            Location = Get-OpArgument -Op $Op -Name 'location'
            Name = Get-OpArgument -Op $Op -Name 'name'
            Description = Get-OpArgument -Op $Op -Name 'description' -AllowNull
            Enabled = Get-OpArgument -Op $Op -Name 'enabled'
            Permission = Get-OpArgument -Op $Op -Name 'permission'
            UserName = Get-OpArgument -Op $Op -Name 'user'
            Rules = Get-OpArgument -Op $Op -Name 'rules'
            Password = $password
        }
        Set-MtlsIisManyToOneMapping @mapping
    }
    many_to_one_remove = {
        param($Op, $Secrets, $Context)
        $location = Get-OpArgument -Op $Op -Name 'location'
        Remove-MtlsIisManyToOneMapping -Session $Context.iis -Location $location -Name (Get-OpArgument -Op $Op -Name 'name')
    }
    tracing_set = {
        param($Op, $Secrets, $Context)
        $tracing = @{
            Session = $Context.iis
            SiteName = Get-OpArgument -Op $Op -Name 'site'
            Enabled = Get-OpArgument -Op $Op -Name 'enabled'
            Directory = Get-OpArgument -Op $Op -Name 'directory'
            MaxLogFiles = Get-OpArgument -Op $Op -Name 'max_log_files'
            Path = Get-OpArgument -Op $Op -Name 'path'
            StatusCodes = Get-OpArgument -Op $Op -Name 'status_codes'
        }
        Set-MtlsIisTracing @tracing
    }
    tracing_remove = {
        param($Op, $Secrets, $Context)
        $siteName = Get-OpArgument -Op $Op -Name 'site'
        Remove-MtlsIisTracing -Session $Context.iis -SiteName $siteName -Path (Get-OpArgument -Op $Op -Name 'path')
    }
    section_clear = {
        param($Op, $Secrets, $Context)
        $location = Get-OpArgument -Op $Op -Name 'location'
        Clear-MtlsIisSection -Session $Context.iis -Location $location -Section (Get-OpArgument -Op $Op -Name 'section')
    }
}

Function Get-OpArgument {
    <#
    .SYNOPSIS
    Returns one argument of an op; a missing argument is an error naming it, and so is a null one unless -AllowNull.
    With -Optional a missing or null argument is $null.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [object]
        $Op,

        [Parameter(Mandatory = $true)]
        [string]
        $Name,

        [switch]
        $AllowNull,

        [switch]
        $Optional
    )

    if (-not $Op.ContainsKey($Name)) {
        if ($Optional) {
            return $null
        }
        throw "argument '$Name' is missing"
    }
    if ($null -eq $Op[$Name] -and -not ($AllowNull -or $Optional)) {
        throw "argument '$Name' is missing"
    }
    # The comma keeps a list argument (rules) a list: without it an empty list would arrive as $null and a
    # one-element list as its element.
    , $Op[$Name]
}

Function Get-SecretValue {
    <#
    .SYNOPSIS
    The secret an op refers to by key. Messages name the key, never the value.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param (
        [AllowNull()]
        [object]
        $Secrets,

        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Reference
    )

    if ($null -eq $Secrets -or -not $Secrets.ContainsKey($Reference)) {
        throw "secrets has no entry '$Reference' (the op's password_ref); the action plugin must send it in secrets"
    }
    $value = $Secrets[$Reference]
    if ($null -eq $value -or $value -isnot [string]) {
        throw "secrets entry '$Reference' is not a string"
    }
    $value
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
        [hashtable]
        $Context,

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
    $outcome = @(& $handler $Op $Secrets $Context)
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

Function Reset-UncommittedResult {
    <#
    .SYNOPSIS
    Marks the results of an IIS run whose changes were not committed: changed=false, and their indexes recorded in
    the run's uncommitted list for the failure message.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [hashtable]
        $Run,

        [Parameter(Mandatory = $true)]
        [AllowEmptyCollection()]
        [System.Collections.Generic.List[object]]
        $Pending
    )

    foreach ($entry in $Pending) {
        if ($entry.changed) {
            $Run.uncommitted.Add($entry.index)
            $entry.changed = $false
        }
    }
    $Pending.Clear()
}

Function Complete-IisRun {
    <#
    .SYNOPSIS
    Ends a contiguous run of IIS ops: checks what IIS refuses across ops (many-to-one with AD mapping) in the pending
    configuration, then commits the session's edits once when one of the ops changed something (else discards them).
    A refused check or a failed commit marks the run's last op failed; the run's results stay changed only when the
    commit failed after IIS may have written part of it. Tells whether it succeeded.
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param (
        [Parameter(Mandatory = $true)]
        [hashtable]
        $Run,

        [Parameter(Mandatory = $true)]
        [hashtable]
        $Context,

        [Parameter(Mandatory = $true)]
        [AllowEmptyCollection()]
        [System.Collections.Generic.List[object]]
        $Pending
    )

    if ($Pending.Count -eq 0) {
        return $true
    }
    $last = $Pending[$Pending.Count - 1]
    $anyChanged = @($Pending | Where-Object { $_.changed }).Count -gt 0
    $checked = $false
    try {
        if ($anyChanged) {
            Assert-MtlsIisAuthConsistent -Session $Context.iis
            $checked = $true
            Save-MtlsIisSession -Session $Context.iis
        }
        else {
            Close-MtlsIisSession -Session $Context.iis
        }
    }
    catch {
        # The last op of the run is the one reported failed: the commit is the end of its work, it is the last
        # result, and the next op has not started.
        $last.failed = $true
        $Run.failed_index = $last.index
        $Run.failed_name = $last.op
        $Run.error = $_
        $Run.commit_failed = $true
        # Refused before committing (the check failed) rather than failed while committing.
        $Run.commit_refused = -not $checked
        $Run.commit_partial = [bool]$Context.iis['partly_written']
        $Run.run_start = $Pending[0].index
        if ($Run.commit_partial) {
            $Pending.Clear()
        }
        else {
            Reset-UncommittedResult -Run $Run -Pending $Pending
        }
        return $false
    }
    $Pending.Clear()
    $true
}

Function Invoke-OpSequence {
    <#
    .SYNOPSIS
    Runs the ops in order into $Run and stops at the first failure, committing each contiguous run of IIS ops once:
    before the next other op runs and at the end of the list.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [hashtable]
        $Run,

        [Parameter(Mandatory = $true)]
        [AllowEmptyCollection()]
        [object]
        $Ops,

        [AllowNull()]
        [object]
        $Secrets,

        [Parameter(Mandatory = $true)]
        [hashtable]
        $Context
    )

    # The results of the current IIS run: ops that changed the session but are not committed yet.
    $pending = New-Object -TypeName System.Collections.Generic.List[object]
    for ($index = 0; $index -lt $Ops.Count; $index++) {
        $op = $Ops[$index]
        $name = Get-OpName -Op $op
        $isIisOp = $IisConfigOps -ccontains $name
        if (-not $isIisOp -and -not (Complete-IisRun -Run $Run -Context $Context -Pending $pending)) {
            return
        }
        $entry = @{ index = $index; op = $name; changed = $false }
        try {
            $outcome = Invoke-Op -Op $op -Secrets $Secrets -Context $Context -Name $name
        }
        catch {
            $entry.failed = $true
            $Run.results.Add($entry)
            $Run.failed_index = $index
            $Run.failed_name = $name
            $Run.error = $_
            # The IIS changes of the run so far are discarded with the session (by the caller): they did not happen.
            Reset-UncommittedResult -Run $Run -Pending $pending
            return
        }
        $entry.changed = [bool]$outcome['changed']
        if ($outcome.ContainsKey('der') -and $null -ne $outcome['der']) {
            $entry.returned = @{ der = $outcome['der'] }
        }
        if ($outcome.ContainsKey('reboot_required')) {
            $entry.reboot_required = [bool]$outcome['reboot_required']
        }
        $Run.results.Add($entry)
        if ($isIisOp) {
            $pending.Add($entry)
        }
    }
    $null = Complete-IisRun -Run $Run -Context $Context -Pending $pending
}

Function Invoke-OpList {
    <#
    .SYNOPSIS
    Runs the ops in order and stops at the first failure. Returns results, changed, failed_index, the error record
    and what the failure message needs about uncommitted IIS changes; the caller reports them with FailJson
    outside any try block.
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
        # Indexes of ops whose IIS changes were discarded; commit_failed/run_start when the commit itself failed,
        # commit_partial when IIS may have written part of it.
        uncommitted = New-Object -TypeName System.Collections.Generic.List[int]
        commit_failed = $false
        commit_refused = $false
        commit_partial = $false
        run_start = $null
    }
    if ($null -eq $Ops) {
        return $run
    }
    $context = @{ iis = New-MtlsIisSession }
    try {
        $null = Invoke-OpSequence -Run $run -Ops $Ops -Secrets $Secrets -Context $context
    }
    finally {
        # After a failure this discards the IIS edits not committed.
        Close-MtlsIisSession -Session $context.iis
    }
    $run.changed = @($run.results | Where-Object { $_.changed }).Count -gt 0
    $run
}

Function Get-FailureMessage {
    <#
    .SYNOPSIS
    The msg of a failed apply: the failed op, the reason, and which IIS changes did not happen.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param (
        [Parameter(Mandatory = $true)]
        [hashtable]
        $Run
    )

    $reason = $Run.error.Exception.Message
    $op = "op $($Run.failed_index) ($($Run.failed_name))"
    $ops = "ops $($Run.run_start) to $($Run.failed_index)"
    if ($Run.commit_refused) {
        $msg = "the IIS configuration changes of $ops were refused before committing, after $op ran: $reason"
    }
    elseif ($Run.commit_partial) {
        $msg = "committing the IIS configuration changes of $ops failed after $op ran: $reason - the configuration may be partly written (applicationHost.config and the HTTP.sys records of changed bindings are written separately): gather again, as a rerun of the task does"
    }
    elseif ($Run.commit_failed) {
        $msg = "committing the IIS configuration changes of $ops failed after $op ran: $reason"
    }
    else {
        $msg = "$op failed: $reason"
    }
    if ($Run.uncommitted.Count -gt 0) {
        $msg += " - the IIS configuration changes of op(s) $($Run.uncommitted -join ', ') were not committed, so they did not happen and are reported changed=false"
    }
    "$msg - the ops before it that report changed=true were applied (see results) and every op is safe to repeat: fix the cause and run the task again"
}

Function Hide-SecretValue {
    <#
    .SYNOPSIS
    A text with every string value of the secrets dict replaced by asterisks; tells nothing about the values.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param (
        [AllowNull()]
        [AllowEmptyString()]
        [string]
        $Text,

        [AllowNull()]
        [object]
        $Secrets
    )

    if ([string]::IsNullOrEmpty($Text) -or $Secrets -isnot [System.Collections.IDictionary]) {
        return [string]$Text
    }
    $masked = $Text
    foreach ($value in @($Secrets.Values)) {
        if ($value -is [string] -and $value -ne '') {
            $masked = $masked.Replace($value, '********')
        }
    }
    $masked
}

Function Test-SecretInError {
    <#
    .SYNOPSIS
    Tells whether an error record's message or exception chain contains a secret value, so it must not be returned.
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param (
        [AllowNull()]
        [object]
        $ErrorRecord,

        [AllowNull()]
        [object]
        $Secrets
    )

    if ($null -eq $ErrorRecord) {
        return $false
    }
    # Exception.ToString() includes the inner exceptions' messages; the record's own text may differ from it.
    foreach ($text in @([string]$ErrorRecord, $ErrorRecord.Exception.ToString())) {
        if ((Hide-SecretValue -Text $text -Secrets $Secrets) -cne $text) {
            return $true
        }
    }
    $false
}

$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)

# Ansible.Basic masks a no_log option through its ToString(); for a dict such as secrets that is the
# type name, so the secret values inside it would reach invocation.module_args. Set invocation here
# (Ansible.Basic keeps an existing one) with the secrets replaced and the bulky ops summarised.
$safeArgs = @{}
if ($null -ne $module.Params.ops) {
    $safeArgs.ops = '{0} op(s)' -f @($module.Params.ops).Count
}
if ($null -ne $module.Params.secrets) {
    $safeArgs.secrets = 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
}
$module.Result.invocation = @{ module_args = $safeArgs }

if ($module.CheckMode) {
    $module.FailJson('host_state_apply does not run in check mode - the mtls.iis action plugins stop after planning in check mode; run the task without --check to apply')
}

$run = Invoke-OpList -Ops $module.Params.ops -Secrets $module.Params.secrets
$module.Result.changed = $run.changed
$module.Result.results = $run.results
if ($null -ne $run.failed_index) {
    $module.Result.failed_index = $run.failed_index
    # The utils keep passwords out of their errors (CertStore, IisAuth); this is the last guard: Ansible.Basic does
    # not mask the values inside the secrets dict, so a message that somehow carries one is masked here, and an
    # error record that carries one is not returned at all.
    $failure = Hide-SecretValue -Text (Get-FailureMessage -Run $run) -Secrets $module.Params.secrets
    if (Test-SecretInError -ErrorRecord $run.error -Secrets $module.Params.secrets) {
        $module.FailJson($failure)
    }
    $module.FailJson($failure, $run.error)
}
$module.ExitJson()
