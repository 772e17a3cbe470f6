"""Our PowerShell behind the WinRM endpoint (issue 21, ``make e2e-wire``): pwsh per WinRS command."""
