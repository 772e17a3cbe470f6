# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The two Schannel registry values the collection owns, under
# HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL. Sibling values are never read or written.
# HKLM\SYSTEM is not subject to WOW64 registry redirection, so the process bitness does not matter.
#
# Pending reboot. Schannel lives in LSASS, which reads these values when it starts: a change takes effect after the
# next reboot. To tell whether such a change is still waiting for a reboot, schannel_set/schannel_unset record the
# boot during which they changed a value, in a key of our own: HKLM\SOFTWARE\mtls.iis, REG_SZ SchannelChangedAtBoot =
# that boot time in UTC (yyyy-MM-ddTHH:mm:ssZ). Gather compares it with the current boot time. The SCHANNEL key
# itself is never written for this. Its LastWriteTime would tell when it last changed without a marker, but reading
# it needs RegQueryInfoKey through P/Invoke (Add-Type C#, compiled on every run), which this collection avoids; it
# would also move whenever anyone writes a sibling value.

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

$script:SchannelKeyPath = 'SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL'
$script:SchannelValueNames = @('ClientAuthTrustMode', 'SendTrustedIssuerList')

$script:MarkerKeyPath = 'SOFTWARE\mtls.iis'
$script:MarkerValueName = 'SchannelChangedAtBoot'
# 'T' and 'Z' quoted so they are literal whatever they mean to the format parser; ':' and '-' are literal under the
# invariant culture used with it.
$script:MarkerTimeFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'"
# LastBootUpTime is derived from the current time and the uptime, so two reads during one boot may differ by a few
# seconds (believed, not verified); boots themselves are minutes apart at the least.
$script:MarkerToleranceMinutes = 5

Function Assert-MtlsSchannelValueName {
    <#
    .SYNOPSIS
    Refuses any value name other than the two the collection owns (defence in depth).
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Name
    )

    # Case-sensitive: a value created under another casing would keep that casing in the registry.
    if ($script:SchannelValueNames -cnotcontains $Name) {
        throw "'$Name' is not a Schannel value this collection manages; only $($script:SchannelValueNames -join ' and ') are"
    }
}

Function ConvertTo-MtlsDword {
    <#
    .SYNOPSIS
    Validates an integer in the REG_DWORD range and returns the Int32 with the same bits (what RegistryKey.SetValue takes).
    #>
    [CmdletBinding()]
    [OutputType([int])]
    param (
        [Parameter(Mandatory = $true)]
        [AllowNull()]
        [object]
        $Value
    )

    $number = 0L
    $style = [System.Globalization.NumberStyles]::Integer
    $culture = [System.Globalization.CultureInfo]::InvariantCulture
    # JSON integers arrive as Int32 or Int64; a bool or a string is a damaged op, not something to coerce.
    $isNumber = $null -ne $Value -and $Value -isnot [bool] -and $Value -isnot [string]
    if (-not $isNumber -or -not [long]::TryParse([string]$Value, $style, $culture, [ref]$number)) {
        throw "value '$Value' is not an integer"
    }
    if ($number -lt 0 -or $number -gt 4294967295) {
        throw "value $number is outside the REG_DWORD range 0..4294967295"
    }
    [System.BitConverter]::ToInt32([System.BitConverter]::GetBytes([uint32]$number), 0)
}

Function Read-MtlsSchannelValue {
    <#
    .SYNOPSIS
    Reads one value of an open key: $null when absent, an integer for REG_DWORD, a string for any other kind.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [Microsoft.Win32.RegistryKey]
        $Key,

        [Parameter(Mandatory = $true)]
        [string]
        $Name
    )

    if ($Key.GetValueNames() -notcontains $Name) {
        return $null
    }
    $kind = $Key.GetValueKind($Name)
    $data = $Key.GetValue($Name, $null, [Microsoft.Win32.RegistryValueOptions]::DoNotExpandEnvironmentNames)
    if ($kind -eq [Microsoft.Win32.RegistryValueKind]::DWord) {
        # GetValue returns REG_DWORD as a signed Int32; report the unsigned number Windows stores.
        return [long][System.BitConverter]::ToUInt32([System.BitConverter]::GetBytes([int]$data), 0)
    }
    if ($data -is [byte[]]) {
        return [System.BitConverter]::ToString($data).Replace('-', '')
    }
    if ($data -is [string[]]) {
        return ($data -join "`n")
    }
    [string]$data
}

Function Open-MtlsMarkerBaseKey {
    <#
    .SYNOPSIS
    HKLM in the 64-bit registry view, so that a 32-bit process reads and writes the same SOFTWARE\mtls.iis key as a
    64-bit one (HKLM\SOFTWARE is redirected to WOW6432Node for 32-bit processes). The caller closes it.
    #>
    [CmdletBinding()]
    [OutputType([Microsoft.Win32.RegistryKey])]
    param ()

    # RegistryKey.OpenBaseKey (.NET 4.0+); on 32-bit Windows the Registry64 view is documented to fall back to the
    # 32-bit (only) view.
    [Microsoft.Win32.RegistryKey]::OpenBaseKey([Microsoft.Win32.RegistryHive]::LocalMachine, [Microsoft.Win32.RegistryView]::Registry64)
}

Function Get-MtlsBootTime {
    <#
    .SYNOPSIS
    The time the host last booted, in UTC, from Win32_OperatingSystem.LastBootUpTime.
    #>
    [CmdletBinding()]
    [OutputType([datetime])]
    param ()

    $instances = @()
    try {
        $instances = @(Get-CimInstance -ClassName Win32_OperatingSystem)
    }
    catch {
        throw "cannot read the boot time from Win32_OperatingSystem ($($_.Exception.Message)); check that the WMI service (winmgmt) runs"
    }
    if ($instances.Count -eq 0 -or $null -eq $instances[0]) {
        throw "Win32_OperatingSystem returned no instance, so the boot time is unknown; check the WMI repository"
    }
    # Get-CimInstance converts the CIM datetime to a System.DateTime in local time (unlike Get-WmiObject, which
    # returns the DMTF text); ToUniversalTime treats a Kind of Unspecified as local too (not verified on a host).
    $bootTime = $instances[0].LastBootUpTime
    if ($bootTime -isnot [datetime]) {
        throw "Win32_OperatingSystem.LastBootUpTime is '$bootTime', not a date and time"
    }
    $bootTime.ToUniversalTime()
}

Function ConvertTo-MtlsBootTimeText {
    <#
    .SYNOPSIS
    A UTC time as the marker stores it: yyyy-MM-ddTHH:mm:ssZ.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param (
        [Parameter(Mandatory = $true)]
        [datetime]
        $Time
    )

    $Time.ToString($script:MarkerTimeFormat, [System.Globalization.CultureInfo]::InvariantCulture)
}

Function ConvertFrom-MtlsBootTimeText {
    <#
    .SYNOPSIS
    The UTC time of a marker text, or $null when it is not yyyy-MM-ddTHH:mm:ssZ.
    #>
    [CmdletBinding()]
    param (
        [AllowNull()]
        [object]
        $Text
    )

    if ($Text -isnot [string]) {
        return $null
    }
    $parsed = [datetime]::MinValue
    $styles = [System.Globalization.DateTimeStyles]'AssumeUniversal, AdjustToUniversal'
    $culture = [System.Globalization.CultureInfo]::InvariantCulture
    if (-not [datetime]::TryParseExact($Text.Trim(), $script:MarkerTimeFormat, $culture, $styles, [ref]$parsed)) {
        return $null
    }
    $parsed
}

Function Set-MtlsSchannelRebootMarker {
    <#
    .SYNOPSIS
    Records that a Schannel value changes during the current boot: HKLM\SOFTWARE\mtls.iis SchannelChangedAtBoot
    (REG_SZ) = the current boot time in UTC. Creates the key when missing; touches nothing else.
    #>
    [CmdletBinding()]
    param ()

    $text = ConvertTo-MtlsBootTimeText -Time (Get-MtlsBootTime)
    $base = Open-MtlsMarkerBaseKey
    try {
        # CreateSubKey opens the key for writing, creating it when missing.
        $key = $base.CreateSubKey($script:MarkerKeyPath)
        try {
            $key.SetValue($script:MarkerValueName, $text, [Microsoft.Win32.RegistryValueKind]::String)
        }
        finally {
            $key.Close()
        }
    }
    finally {
        $base.Close()
    }
}

Function Test-MtlsSchannelRebootPending {
    <#
    .SYNOPSIS
    Tells whether schannel_set/schannel_unset changed a value during the current boot: the marker exists and its
    boot time is within the tolerance of the current boot time. The boot time is read only when there is a marker.
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param ()

    $marked = $null
    $base = Open-MtlsMarkerBaseKey
    try {
        $key = $base.OpenSubKey($script:MarkerKeyPath, $false)
        if ($null -eq $key) {
            return $false
        }
        try {
            if ($key.GetValueNames() -notcontains $script:MarkerValueName) {
                return $false
            }
            $marked = ConvertFrom-MtlsBootTimeText -Text $key.GetValue($script:MarkerValueName, $null)
        }
        finally {
            $key.Close()
        }
    }
    finally {
        $base.Close()
    }
    # A marker that is not our text (someone else's edit) tells nothing: not pending.
    if ($null -eq $marked) {
        return $false
    }
    $current = Get-MtlsBootTime
    [System.Math]::Abs(($current - $marked).TotalMinutes) -le $script:MarkerToleranceMinutes
}

Function Get-MtlsSchannelSnapshot {
    <#
    .SYNOPSIS
    Reads ClientAuthTrustMode and SendTrustedIssuerList, and pending_reboot, without creating anything.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param ()

    $snapshot = @{ pending_reboot = Test-MtlsSchannelRebootPending }
    foreach ($name in $script:SchannelValueNames) {
        $snapshot[$name] = $null
    }
    $key = [Microsoft.Win32.Registry]::LocalMachine.OpenSubKey($script:SchannelKeyPath, $false)
    if ($null -eq $key) {
        return $snapshot
    }
    try {
        foreach ($name in $script:SchannelValueNames) {
            $snapshot[$name] = Read-MtlsSchannelValue -Key $key -Name $name
        }
    }
    finally {
        $key.Close()
    }
    $snapshot
}

Function Set-MtlsSchannelValue {
    <#
    .SYNOPSIS
    Op schannel_set: writes one owned value as REG_DWORD; changed only when the stored value differs, and then the
    reboot marker is written first.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Name,

        [Parameter(Mandatory = $true)]
        [AllowNull()]
        [object]
        $Value
    )

    Assert-MtlsSchannelValueName -Name $Name
    $dword = ConvertTo-MtlsDword -Value $Value
    # Opens the key for writing, creating it only if it is missing (it exists on every supported Windows).
    $key = [Microsoft.Win32.Registry]::LocalMachine.CreateSubKey($script:SchannelKeyPath)
    try {
        if ($key.GetValueNames() -contains $Name) {
            $kind = $key.GetValueKind($Name)
            if ($kind -eq [Microsoft.Win32.RegistryValueKind]::DWord -and [int]$key.GetValue($Name) -eq $dword) {
                return @{ changed = $false }
            }
        }
        # The marker first: a failure between the two writes can only report a reboot that is not needed, never hide
        # one that is.
        Set-MtlsSchannelRebootMarker
        # RegSetValueEx replaces both the type and the data, so a value of another kind becomes a REG_DWORD.
        $key.SetValue($Name, $dword, [Microsoft.Win32.RegistryValueKind]::DWord)
    }
    finally {
        $key.Close()
    }
    @{ changed = $true }
}

Function Remove-MtlsSchannelValue {
    <#
    .SYNOPSIS
    Op schannel_unset: deletes one owned value if present (absent means the Windows default); when it deletes one,
    the reboot marker is written first.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param (
        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string]
        $Name
    )

    Assert-MtlsSchannelValueName -Name $Name
    $key = [Microsoft.Win32.Registry]::LocalMachine.OpenSubKey($script:SchannelKeyPath, $true)
    if ($null -eq $key) {
        return @{ changed = $false }
    }
    try {
        if ($key.GetValueNames() -notcontains $Name) {
            return @{ changed = $false }
        }
        Set-MtlsSchannelRebootMarker
        $key.DeleteValue($Name)
    }
    finally {
        $key.Close()
    }
    @{ changed = $true }
}

Export-ModuleMember -Function Get-MtlsSchannelSnapshot
Export-ModuleMember -Function Set-MtlsSchannelValue
Export-ModuleMember -Function Remove-MtlsSchannelValue
