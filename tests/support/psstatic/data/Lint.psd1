# Tables of the pslint-replacement rules (lint.*).
@{
    # Get-Verb of Windows PowerShell 5.1 ("Approved Verbs for PowerShell Commands", learn.microsoft.com/powershell/
    # scripting/developer/cmdlet/approved-verbs-for-windows-powershell-commands); Build and Deploy arrived in
    # PowerShell 6 and are left out.
    ApprovedVerbs = @(
        # common
        'Add', 'Clear', 'Close', 'Copy', 'Enter', 'Exit', 'Find', 'Format', 'Get', 'Hide', 'Join', 'Lock', 'Move', 'New',
        'Open', 'Optimize', 'Pop', 'Push', 'Redo', 'Remove', 'Rename', 'Reset', 'Resize', 'Search', 'Select', 'Set', 'Show',
        'Skip', 'Split', 'Step', 'Switch', 'Undo', 'Unlock', 'Watch',
        # communications
        'Connect', 'Disconnect', 'Read', 'Receive', 'Send', 'Write',
        # data
        'Backup', 'Checkpoint', 'Compare', 'Compress', 'Convert', 'ConvertFrom', 'ConvertTo', 'Dismount', 'Edit', 'Expand',
        'Export', 'Group', 'Import', 'Initialize', 'Limit', 'Merge', 'Mount', 'Out', 'Publish', 'Restore', 'Save', 'Sync',
        'Unpublish', 'Update',
        # diagnostic
        'Debug', 'Measure', 'Ping', 'Repair', 'Resolve', 'Test', 'Trace',
        # lifecycle
        'Approve', 'Assert', 'Complete', 'Confirm', 'Deny', 'Disable', 'Enable', 'Install', 'Invoke', 'Register', 'Request',
        'Restart', 'Resume', 'Start', 'Stop', 'Submit', 'Suspend', 'Uninstall', 'Unregister', 'Wait',
        # security
        'Block', 'Grant', 'Protect', 'Revoke', 'Unblock', 'Unprotect',
        # other
        'Use'
    )

    # Words of an option name (split at _, - and camelCase) that make it a secret: the spec then needs a root
    # no_log = $true (lint.spec-no-log). An option with its own no_log = $true counts too.
    SecretWords = @('password', 'passwd', 'passphrase', 'pwd', 'secret', 'secrets', 'key', 'keys', 'pfx', 'token', 'credential', 'credentials')

    # Cmdlets whose non-terminating errors do not matter inside try/catch (lint.erroraction-in-try).
    QuietCommands = @(
        'Write-Verbose', 'Write-Debug', 'Write-Warning', 'Write-Information', 'Write-Output', 'Write-Progress', 'Out-Null',
        'Out-String', 'Set-StrictMode'
    )
}
