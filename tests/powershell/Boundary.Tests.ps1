# The Windows boundary as the suite sees it: stubs that fail unless a test mocks them, with the real parameters; and
# the ported engine code reaching Windows only through it.

BeforeDiscovery {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'Common.ps1')
}

BeforeAll {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'Common.ps1')
    Initialize-MtlsPesterSession

    # A real boundary util as a module object whose functions stay inside it (-Function names none to export into
    # this session, where they would hide the stubs); defining them calls nothing of Windows.
    Function Import-RealBoundary {
        param ([string]$Path)

        $name = 'Real' + [System.IO.Path]::GetFileNameWithoutExtension($Path)
        New-Module -Name $name -ScriptBlock ([ScriptBlock]::Create((Get-Content -LiteralPath $Path -Raw))) -Function 'NoFunctionOfTheModule'
    }
}

Describe 'the boundary stubs' {
    It 'fail a test that calls the boundary without mocking it, naming the boundary function' {
        { Get-MtlsSchannelSnapshot } | Should -Throw '*unmocked Windows boundary call: Get-MtlsWinRegistryKey*'
    }

    It 'fail even where Linux would answer: the LocalMachine Root store is readable here' {
        # The real function opens LocalMachine\Root, which .NET on Linux serves from the system CA bundle.
        $real = Import-RealBoundary -Path (Join-Path $UtilsDir 'WinCertStore.psm1')
        $answer = & $real { Get-MtlsWinCertStore -Name 'Root' }
        $answer.exists | Should -BeTrue
        { Get-MtlsWinCertStore -Name 'Root' } | Should -Throw '*unmocked Windows boundary call: Get-MtlsWinCertStore*'
    }

    It 'replace every function <Name> exports with the same parameters' -ForEach @(
        foreach ($path in Get-MtlsBoundaryPath) {
            @{ Name = [System.IO.Path]::GetFileName($path); Path = $path }
        }
    ) {
        $real = Import-RealBoundary -Path $Path
        $stubModule = [System.IO.Path]::GetFileNameWithoutExtension($Path)
        $stubs = @(Get-Command -Module $stubModule)
        @($stubs.Name | Sort-Object) | Should -Be @($real.ExportedFunctions.Keys | Sort-Object)
        foreach ($stub in $stubs) {
            $original = $real.ExportedFunctions[$stub.Name]
            foreach ($parameter in $original.Parameters.Values) {
                $copy = $stub.Parameters[$parameter.Name]
                $copy | Should -Not -BeNullOrEmpty -Because "$($stub.Name) -$($parameter.Name)"
                $copy.ParameterType | Should -Be $parameter.ParameterType -Because "$($stub.Name) -$($parameter.Name)"
            }
            @($stub.Parameters.Keys | Sort-Object) | Should -Be @($original.Parameters.Keys | Sort-Object)
        }
    }
}

Describe 'the boundary list' {
    It 'is every util named Win*.psm1, and nothing else' {
        $listed = @((Get-MtlsTestConfig).boundary | ForEach-Object { [System.IO.Path]::GetFileName($_) } | Sort-Object)
        $files = @(Get-ChildItem -LiteralPath $UtilsDir -Filter 'Win*.psm1' | Where-Object { $_.Name -notlike 'WindowsFeature*.psm1' } |
                ForEach-Object { $_.Name } | Sort-Object)
        $listed | Should -Be $files
    }

    It 'has no gated file, and every gated file exists' {
        $config = Get-MtlsTestConfig
        foreach ($file in $config.gates.PSObject.Properties.Name) {
            $config.boundary | Should -Not -Contain $file
            Test-Path -LiteralPath (Join-Path $RepoRoot $file) | Should -BeTrue -Because $file
        }
    }
}

Describe 'ported engine code' {
    It '<File> names no Windows API itself' -ForEach @(
        foreach ($file in (Get-MtlsTestConfig).gates.PSObject.Properties.Name) {
            @{ File = $file }
        }
    ) {
        $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseFile((Join-Path $RepoRoot $File), [ref]$null, [ref]$errors)
        # Types and commands that reach Windows; the boundary utils hold every use of them.
        $windowsTypes = 'Microsoft\.Win32|X509Store|X509Certificate2|Microsoft\.Web\.Administration|System\.Environment$|^Environment$|EventLog|System\.IO\.File'
        $windowsCommands = @(
            'Get-WindowsFeature', 'Install-WindowsFeature', 'Get-CimInstance', 'Get-WmiObject', 'Get-ItemProperty',
            'Get-Item', 'Get-ChildItem', 'Set-ItemProperty', 'New-Item', 'Remove-Item', 'Get-Content', 'netsh', 'netsh.exe'
        )
        $types = @($ast.FindAll({ $args[0] -is [System.Management.Automation.Language.TypeExpressionAst] -or $args[0] -is [System.Management.Automation.Language.TypeConstraintAst] }, $true) |
                ForEach-Object { $_.TypeName.FullName } | Where-Object { $_ -match $windowsTypes })
        $commands = @($ast.FindAll({ $args[0] -is [System.Management.Automation.Language.CommandAst] }, $true) |
                ForEach-Object { $_.GetCommandName() } | Where-Object { $windowsCommands -contains $_ })
        $types | Should -HaveCount 0
        $commands | Should -HaveCount 0
    }
}
