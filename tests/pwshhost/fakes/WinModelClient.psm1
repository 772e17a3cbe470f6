# Test only (issue 20), never shipped: the transport of the fake boundary utils of the pwsh test host. Each fake
# boundary function sends its name and bound parameters to the Windows model server (tests/winmodel/server.py) over
# the Unix socket named by $env:MTLS_WINMODEL_SOCKET, for the host file $env:MTLS_WINMODEL_STATE, and returns the
# plain data the model answers (hashtables, object arrays, strings, [long], bool, byte arrays) or throws its error.
# Runs on PowerShell 7 only (Unix sockets); secrets travel in the request body, never on a command line.

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

Function ConvertTo-MtlsWinModelRequestValue {
    [CmdletBinding()]
    param (
        [AllowNull()]
        [object]
        $Value
    )

    if ($null -eq $Value) {
        return $null
    }
    if ($Value -is [byte[]]) {
        return @{ __bytes__ = [Convert]::ToBase64String($Value) }
    }
    if ($Value -is [System.Management.Automation.SwitchParameter]) {
        return [bool]$Value
    }
    if ($Value -is [System.Collections.IDictionary]) {
        $copy = @{}
        foreach ($key in @($Value.Keys)) {
            $copy[[string]$key] = ConvertTo-MtlsWinModelRequestValue -Value $Value[$key]
        }
        return $copy
    }
    if ($Value -is [System.Collections.IList]) {
        $items = @(foreach ($item in $Value) { , (ConvertTo-MtlsWinModelRequestValue -Value $item) })
        return , $items
    }
    $Value
}

Function ConvertFrom-MtlsWinModelAnswer {
    [CmdletBinding()]
    param (
        [AllowNull()]
        [object]
        $Value
    )

    if ($null -eq $Value) {
        return $null
    }
    if ($Value -is [System.Management.Automation.PSCustomObject]) {
        $names = @($Value.PSObject.Properties | ForEach-Object { $_.Name })
        if ($names.Count -eq 1 -and $names[0] -eq '__bytes__') {
            return , [byte[]][Convert]::FromBase64String([string]$Value.__bytes__)
        }
        $table = @{}
        foreach ($name in $names) {
            $table[$name] = ConvertFrom-MtlsWinModelAnswer -Value $Value.$name
        }
        return $table
    }
    if ($Value -is [System.Array]) {
        $items = @(foreach ($item in $Value) { , (ConvertFrom-MtlsWinModelAnswer -Value $item) })
        return , $items
    }
    if ($Value -is [int] -or $Value -is [long] -or $Value -is [System.Numerics.BigInteger]) {
        return [long]$Value  # every number crosses the boundary as [long] (docs/POWERSHELL.md)
    }
    $Value
}

Function Invoke-MtlsWinModel {
    <#
    .SYNOPSIS
    One boundary call answered by the Windows model: returns the answer's value, throws its error.
    #>
    [CmdletBinding()]
    param (
        [Parameter(Mandatory = $true)]
        [string]
        $Function,
        [Parameter(Mandatory = $true)]
        [System.Collections.IDictionary]
        $Parameters
    )

    if (-not $env:MTLS_WINMODEL_SOCKET -or -not $env:MTLS_WINMODEL_STATE) {
        throw "the fake boundary util cannot reach the Windows model: MTLS_WINMODEL_SOCKET and MTLS_WINMODEL_STATE are not set (run it through the mtls_sim connection's pwsh engine)"
    }
    $request = @{
        state = $env:MTLS_WINMODEL_STATE
        function = $Function
        parameters = ConvertTo-MtlsWinModelRequestValue -Value $Parameters
    }
    $json = ConvertTo-Json -InputObject $request -Depth 64 -Compress
    $socket = New-Object -TypeName System.Net.Sockets.Socket -ArgumentList @(
        [System.Net.Sockets.AddressFamily]::Unix, [System.Net.Sockets.SocketType]::Stream,
        [System.Net.Sockets.ProtocolType]::Unspecified
    )
    try {
        $socket.Connect((New-Object -TypeName System.Net.Sockets.UnixDomainSocketEndPoint -ArgumentList $env:MTLS_WINMODEL_SOCKET))
        $stream = New-Object -TypeName System.Net.Sockets.NetworkStream -ArgumentList $socket, $false
        $utf8 = New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false
        $writer = New-Object -TypeName System.IO.StreamWriter -ArgumentList $stream, $utf8
        $writer.Write($json + "`n")
        $writer.Flush()
        $reader = New-Object -TypeName System.IO.StreamReader -ArgumentList $stream, $utf8
        $line = $reader.ReadLine()
    }
    finally {
        $socket.Dispose()
    }
    if (-not $line) {
        throw "the Windows model server closed the connection without answering $Function"
    }
    $reply = ConvertFrom-Json -InputObject $line
    if (-not $reply.ok) {
        $names = @($reply.PSObject.Properties | ForEach-Object { $_.Name })
        if ($names -contains 'exception_type') {
            # The .NET exception Windows throws, with its HResult (judged by CertPfx.psm1 and CertStore.psm1).
            $exception = New-Object -TypeName ([string]$reply.exception_type) -ArgumentList ([string]$reply.error)
            $setter = [System.Exception].GetProperty('HResult').GetSetMethod($true)
            $code = [long]$reply.hresult
            if ($code -gt [int]::MaxValue) {
                $code -= 4294967296  # an HRESULT such as 0x80070056 is a negative Int32
            }
            $null = $setter.Invoke($exception, @([int]$code))
            throw $exception
        }
        throw [string]$reply.error
    }
    if (@($reply.PSObject.Properties | Where-Object { $_.Name -eq 'value' }).Count -eq 0) {
        return  # a function that returns nothing on Windows
    }
    ConvertFrom-MtlsWinModelAnswer -Value $reply.value
}

Export-ModuleMember -Function Invoke-MtlsWinModel
