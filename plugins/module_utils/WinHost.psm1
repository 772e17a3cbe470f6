# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Windows boundary: the host's own name (docs/POWERSHELL.md). Only plain data crosses it; Pester tests replace it
# with a stub that fails unless mocked, and the pwsh test host of issue 20 with a fake. The OS build is read from
# the registry through WinRegistry.psm1, not here.

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

Function Get-MtlsWinComputerName {
    <#
    .SYNOPSIS
    The NetBIOS name of this computer, as [Environment]::MachineName reports it (WINDOWS_FACTS HOST-3).
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param ()

    [System.Environment]::MachineName
}

Export-ModuleMember -Function Get-MtlsWinComputerName
