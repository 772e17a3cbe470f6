# IisAccess.psm1: system.webServer/security/access@sslFlags per location path (gather of the three views, access_set,
# access_unset), above the mocked IIS boundary (IisTestHost.ps1).

BeforeAll {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'Common.ps1')
    . (Join-Path -Path $PSScriptRoot -ChildPath 'IisTestHost.ps1')
    Initialize-MtlsPesterSession
    Register-IisTestHost

    $script:Access = 'system.webServer/security/access'

    # The access section as IIS reads it at a path: sslFlags as a number (WINDOWS_FACTS IISCONFIG-5).
    Function Set-Access {
        param ([string]$Location, [long]$Flags, [switch]$Merged)

        Set-IisSection -Section $Access -Location $Location -Merged:$Merged -Tree (New-IisNode -Name 'access' -Attributes @{ sslFlags = $Flags })
    }

    Function New-AccessConfig {
        param ([System.Collections.Specialized.OrderedDictionary]$Flags)

        $locations = [ordered]@{}
        foreach ($path in $Flags.Keys) {
            $locations[$path] = "<system.webServer><security><access sslFlags=`"$($Flags[$path])`" /></security></system.webServer>"
        }
        New-IisConfig -Locations $locations
    }
}

Describe 'IisAccess.psm1' {
    BeforeEach {
        Initialize-IisTestHost -Sites @((New-IisSite -Name 'Contoso' -Id 2), (New-IisSite -Name 'Contoso2' -Id 3))
        $script:IisHost.config = New-AccessConfig -Flags ([ordered]@{ 'Contoso/api' = 'Ssl, SslNegotiateCert'; 'Contoso2/x' = 'Ssl' })
        $script:Session = New-MtlsIisSession
    }

    Context 'gather' {
        BeforeEach {
            foreach ($merged in @($false, $true)) {
                Set-Access -Location 'Contoso' -Flags 8 -Merged:$merged
                Set-Access -Location 'Contoso/api' -Flags 40 -Merged:$merged
            }
        }

        It 'reports what IIS enforces, what applicationHost.config gives and the flags written at the path' {
            $entries = Get-MtlsIisAccessSnapshot -Session $Session -Paths @('Contoso/api')
            $entry = $entries['Contoso/api']
            $entry.effective | Should -Be 40
            $entry.explicit | Should -Be 'Ssl, SslNegotiateCert'
            # docs/ENGINE.md: effective, explicit, and web_config only when a web.config overrides.
            @($entry.Keys | Sort-Object) | Should -Be @('effective', 'explicit')
        }

        It 'reads every path and its parents, both views, in one batch that writes nothing' {
            $null = Get-MtlsIisAccessSnapshot -Session $Session -Paths @('contoso/api', 'Contoso')
            $script:IisHost.calls | Should -HaveCount 1
            $call = $script:IisHost.calls[0]
            $call.edit | Should -HaveCount 0
            $call.no_commit | Should -BeTrue
            @($call.read | ForEach-Object { "$($_.location) $($_.merged)" } | Sort-Object) |
                Should -Be @('Contoso False', 'Contoso True', 'Contoso/api False', 'Contoso/api True')
        }

        It 'takes what a web.config sets as effective and names the path where it starts' {
            # WINDOWS_FACTS IISCONFIG-13: with the section unlocked, the site's web.config value is what IIS enforces.
            Set-Access -Location 'Contoso' -Flags 104 -Merged
            Set-Access -Location 'Contoso/api' -Flags 104 -Merged
            $entry = (Get-MtlsIisAccessSnapshot -Session $Session -Paths @('Contoso/api'))['Contoso/api']
            $entry.effective | Should -Be 104
            $entry.web_config | Should -Be 'Contoso'
        }

        It 'names the application when only its web.config overrides' {
            Set-Access -Location 'Contoso/api' -Flags 0 -Merged
            (Get-MtlsIisAccessSnapshot -Session $Session -Paths @('Contoso/api'))['Contoso/api'].web_config | Should -Be 'Contoso/api'
            (Get-MtlsIisAccessSnapshot -Session $Session -Paths @('Contoso'))['Contoso'].ContainsKey('web_config') | Should -BeFalse
        }

        It 'reads only applicationHost.config under a site that does not exist' {
            Set-Access -Location 'Gone/app' -Flags 8
            Set-Access -Location 'Gone' -Flags 0
            $entry = (Get-MtlsIisAccessSnapshot -Session $Session -Paths @('Gone/app'))['Gone/app']
            $entry.effective | Should -Be 8
            $entry.ContainsKey('web_config') | Should -BeFalse
            @($script:IisHost.calls[0].read | Where-Object { $_.merged }) | Should -HaveCount 0
        }

        It 'reads sslFlags IIS returns as text' {
            Set-IisSection -Section $Access -Location 'Contoso' -Tree (New-IisNode -Name 'access' -Attributes @{ sslFlags = 'ssl, , SslRequireCert,  128' })
            Set-IisSection -Section $Access -Location 'Contoso' -Merged -Tree (New-IisNode -Name 'access' -Attributes @{ sslFlags = 'Ssl,SslRequireCert,SslMapCert' })
            $entry = (Get-MtlsIisAccessSnapshot -Session $Session -Paths @('Contoso'))['Contoso']
            $entry.effective | Should -Be 200
            $entry.ContainsKey('web_config') | Should -BeFalse  # both views read 200
        }

        It 'takes a section without sslFlags for None' {
            Set-IisSection -Section $Access -Location 'Contoso' -Tree (New-IisNode -Name 'access')
            Set-IisSection -Section $Access -Location 'Contoso' -Merged -Tree (New-IisNode -Name 'access')
            (Get-MtlsIisAccessSnapshot -Session $Session -Paths @('Contoso'))['Contoso'].effective | Should -Be 0
        }

        It 'fails on a flag name the schema does not have' {
            Set-IisSection -Section $Access -Location 'Contoso' -Tree (New-IisNode -Name 'access' -Attributes @{ sslFlags = 'Ssl, SslRequireClientCert' })
            { Get-MtlsIisAccessSnapshot -Session $Session -Paths @('Contoso') } | Should -Throw "*sslFlags 'Ssl, SslRequireClientCert' has the unknown flag 'SslRequireClientCert'*"
        }

        It 'returns nothing and reads nothing for no paths' {
            (Get-MtlsIisAccessSnapshot -Session $Session -Paths @()).Count | Should -Be 0
            $script:IisHost.calls | Should -HaveCount 0
        }

        It 'lists a site and the paths below it with explicit sslFlags, as written, and no other site''s' {
            $script:IisHost.config = New-AccessConfig -Flags ([ordered]@{ 'contoso/API' = 'Ssl'; 'Contoso2/x' = 'Ssl'; 'Contoso/b' = 'None' })
            @(Get-MtlsIisSiteAccessPath -Session $Session -Site 'Contoso') | Should -Be @('Contoso', 'contoso/API', 'Contoso/b')
        }
    }

    Context 'access_set' {
        It 'writes sslFlags at the location under the site''s own name and reports changed' {
            (Set-MtlsIisAccessSslFlag -Session $Session -Location 'contoso/app' -SslFlags 104).changed | Should -BeTrue
            $edits = Get-IisEdit
            $edits | Should -HaveCount 1
            $edits[0].action | Should -Be 'set'
            $edits[0].section | Should -Be $Access
            $edits[0].location | Should -Be 'Contoso/app'
            $edits[0].attributes.sslFlags | Should -Be 104
            $edits[0].attributes.sslFlags | Should -BeOfType [int]
            $script:IisHost.commits | Should -HaveCount 0
        }

        It 'changes nothing when the location already has exactly these flags' {
            (Set-MtlsIisAccessSslFlag -Session $Session -Location 'CONTOSO/API' -SslFlags 40).changed | Should -BeFalse
            $script:IisHost.calls | Should -HaveCount 0
        }

        It 'rewrites flags written as text it cannot read' {
            $script:IisHost.config = New-AccessConfig -Flags ([ordered]@{ 'Contoso/api' = 'Ssl, Bogus' })
            (Set-MtlsIisAccessSslFlag -Session $Session -Location 'Contoso/api' -SslFlags 8).changed | Should -BeTrue
        }

        It 'takes the last of several location elements of one path' {
            $script:IisHost.config = New-AccessConfig -Flags ([ordered]@{ 'Contoso/api' = 'Ssl' })
            $script:IisHost.config = $script:IisHost.config.Replace('</configuration>', '<location path="contoso/api"><system.webServer><security><access sslFlags="None" /></security></system.webServer></location></configuration>')
            (Set-MtlsIisAccessSslFlag -Session $Session -Location 'Contoso/api' -SslFlags 0).changed | Should -BeFalse
        }

        It 'sees what an earlier op of the run wrote' {
            $null = Set-MtlsIisAccessSslFlag -Session $Session -Location 'Contoso/app' -SslFlags 8
            (Set-MtlsIisAccessSslFlag -Session $Session -Location 'contoso/APP' -SslFlags 8).changed | Should -BeFalse
            $Session.edits | Should -HaveCount 1
        }

        It 'refuses <Case> before any edit' -ForEach @(
            @{ Case = 'SslMapCert (not in the IIS 10 schema)'; Location = 'Contoso'; Flags = 128; Message = '*ssl_flags 128 has bits outside Ssl (8), SslNegotiateCert (32), SslRequireCert (64) and Ssl128 (256)*' }
            @{ Case = 'a negative value'; Location = 'Contoso'; Flags = -8; Message = '*ssl_flags -8 has bits outside*' }
            @{ Case = 'text'; Location = 'Contoso'; Flags = 'Ssl'; Message = "*ssl_flags must be an integer, got 'Ssl'*" }
            @{ Case = 'the server level'; Location = ''; Flags = 8; Message = '*location is empty (the server level)*' }
            @{ Case = 'a site that does not exist'; Location = 'Gone/app'; Flags = 8; Message = "*IIS site 'Gone' does not exist on this host*" }
        ) {
            { Set-MtlsIisAccessSslFlag -Session $Session -Location $Location -SslFlags $Flags } | Should -Throw $Message
            $Session.edits | Should -HaveCount 0
            $script:IisHost.calls | Should -HaveCount 0
        }
    }

    Context 'access_unset' {
        It 'deletes sslFlags at the location as it is written, so the path inherits' {
            (Remove-MtlsIisAccessSslFlag -Session $Session -Location 'CONTOSO/api').changed | Should -BeTrue
            $edits = Get-IisEdit
            $edits[0].action | Should -Be 'delete'
            $edits[0].location | Should -Be 'Contoso/api'
            @($edits[0].attributes) | Should -Be @('sslFlags')
        }

        It 'changes nothing where no sslFlags are written' {
            (Remove-MtlsIisAccessSslFlag -Session $Session -Location 'Contoso/other').changed | Should -BeFalse
            $script:IisHost.calls | Should -HaveCount 0
        }

        It 'cleans up a location left by a deleted site' {
            $script:IisHost.config = New-AccessConfig -Flags ([ordered]@{ 'Gone/app' = 'Ssl' })
            (Remove-MtlsIisAccessSslFlag -Session $Session -Location 'Gone/app').changed | Should -BeTrue
        }

        It 'sees flags an earlier op of the run wrote, and one it removed' {
            $null = Set-MtlsIisAccessSslFlag -Session $Session -Location 'Contoso/new' -SslFlags 8
            (Remove-MtlsIisAccessSslFlag -Session $Session -Location 'Contoso/new').changed | Should -BeTrue
            (Remove-MtlsIisAccessSslFlag -Session $Session -Location 'Contoso/new').changed | Should -BeFalse
        }
    }
}
