# IisConfig.psm1: the IIS session (pending edits tried at once, reads after them, one commit) and the plain-data helpers
# of the IIS utils, above the mocked IIS boundary (IisTestHost.ps1).

BeforeAll {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'Common.ps1')
    . (Join-Path -Path $PSScriptRoot -ChildPath 'IisTestHost.ps1')
    Initialize-MtlsPesterSession
    Register-IisTestHost

    $script:Access = 'system.webServer/security/access'
    $script:Mapping = 'system.webServer/security/authentication/iisClientCertificateMappingAuthentication'
    $script:SetAccess = @{ action = 'set'; section = $Access; location = 'Contoso/api'; attributes = @{ sslFlags = 8 } }
    $script:SetPassword = @{
        action = 'set'; section = $Mapping; location = 'Contoso'
        element = @('manyToOneMappings', @{ key = @{ name = 'partners' } }); attributes = @{ password = 'Secret-Mapping-Pw1' }
    }
}

Describe 'IisConfig.psm1' {
    BeforeEach {
        Initialize-IisTestHost -Sites @((New-IisSite -Name 'Contoso' -Id 2), (New-IisSite -Name 'Fabrikam' -Id 3))
        $script:Session = New-MtlsIisSession
    }

    Describe 'whether IIS is there' {
        It 'is asked of Windows once per session' {
            Test-MtlsIisAvailable -Session $Session | Should -BeTrue
            Test-MtlsIisAvailable -Session $Session | Should -BeTrue
            Should -Invoke -ModuleName IisConfig Test-MtlsWinIis -Times 1 -Exactly
        }

        It 'fails, saying what to install, when IIS is not installed' {
            Initialize-IisTestHost -Available $false
            { Assert-MtlsIisAvailable -Session $Session } | Should -Throw '*IIS is not installed on this host*install the Web-Server feature first*'
        }
    }

    Describe 'sites' {
        It 'are read once per session and found in any case, as IIS compares site names' {
            (Find-MtlsIisSite -Session $Session -Name 'contoso').name | Should -Be 'Contoso'
            (Find-MtlsIisSite -Session $Session -Name 'FABRIKAM').id | Should -Be 3
            Should -Invoke -ModuleName IisConfig Get-MtlsWinIisSite -Times 1 -Exactly
        }

        It 'a missing one is $null, or an error naming it' {
            Find-MtlsIisSite -Session $Session -Name 'Northwind' | Should -BeNullOrEmpty
            { Get-MtlsIisSite -Session $Session -Name 'Northwind' } | Should -Throw "*IIS site 'Northwind' does not exist on this host; create the site first*"
        }

        It 'refuses a site name that is <Case>' -ForEach @(
            @{ Case = 'empty'; Name = ' '; Message = '*the site name is empty; mappings are per site*' }
            @{ Case = 'an application path'; Name = 'Contoso/api'; Message = "*'Contoso/api' is not a site name; mappings are per site*" }
            @{ Case = 'a backslash path'; Name = 'Contoso\api'; Message = "*'Contoso\api' is not a site name*" }
        ) {
            { Assert-MtlsIisSiteName -Name $Name -Purpose 'mappings are per site' } | Should -Throw $Message
        }
    }

    Describe 'location paths' {
        It 'refuses <Case>' -ForEach @(
            @{ Case = 'the server level'; Location = ''; Message = '*location is empty (the server level)*' }
            @{ Case = 'a leading slash'; Location = '/Contoso/api'; Message = "*location '/Contoso/api' must be a site name optionally followed by /path*" }
            @{ Case = 'a trailing slash'; Location = 'Contoso/'; Message = '*without a leading or trailing slash*' }
            @{ Case = 'a backslash'; Location = 'Contoso\api'; Message = '*without a leading or trailing slash*' }
            @{ Case = 'an empty segment'; Location = 'Contoso//api'; Message = '*without a leading or trailing slash*' }
        ) {
            { Assert-MtlsIisLocation -Location $Location } | Should -Throw $Message
        }

        It 'are written with the site''s own name' {
            $resolved = Resolve-MtlsIisLocation -Session $Session -Location 'contoso/API/v1'
            $resolved.path | Should -Be 'Contoso/API/v1'
            $resolved.site.id | Should -Be 2
        }

        It 'under a site that does not exist stay as given' {
            $resolved = Resolve-MtlsIisLocation -Session $Session -Location 'Gone/app'
            $resolved.path | Should -Be 'Gone/app'
            $resolved.site | Should -BeNullOrEmpty
        }

        It 'are looked up by a key without case, spaces or a trailing slash' {
            Get-MtlsIisLocationKey -Path ' Contoso/API/ ' | Should -Be 'contoso/api'
        }
    }

    Describe 'applicationHost.config as committed' {
        It 'lists the location elements that hold a section, in file order, reading the file once per session' {
            $script:IisHost.config = New-IisConfig -Locations ([ordered]@{
                    'Contoso/api' = '<system.webServer><security><access sslFlags="Ssl" /></security></system.webServer>'
                    'Contoso' = '<system.webServer><defaultDocument /></system.webServer>'
                    'Fabrikam' = '<system.webServer><security><access sslFlags="None" /></security></system.webServer>'
                })
            $found = Get-MtlsIisConfiguredLocation -Session $Session -Section $Access
            @($found | ForEach-Object { $_.path }) | Should -Be @('Contoso/api', 'Fabrikam')
            $found[0].element.GetAttribute('sslFlags') | Should -Be 'Ssl'
            $null = Get-MtlsIisConfiguredLocation -Session $Session -Section $Mapping
            Should -Invoke -ModuleName IisConfig Read-MtlsWinIisConfigFile -Times 1 -Exactly
        }
    }

    Describe 'reading a section' {
        It 'reads it as it is after the pending edits, in a ServerManager that never commits' {
            Set-IisSection -Section $Access -Location 'Contoso' -Tree (New-IisNode -Name 'access' -Attributes @{ sslFlags = 8L })
            $Session.edits.Add($SetAccess)
            $trees = @(Read-MtlsIisSection -Session $Session -Request @(@{ section = $Access; location = 'Contoso'; merged = $false }))
            $trees[0].attributes.sslFlags | Should -Be 8
            $call = $script:IisHost.calls[0]
            $call.no_commit | Should -BeTrue
            $call.edit | Should -HaveCount 1
            $call.edit[0].location | Should -Be 'Contoso/api'
            $call.read[0].section | Should -Be $Access
            $script:IisHost.commits | Should -HaveCount 0
        }

        It 'fails when IIS refuses the read, never taking it for an absent section' {
            { Read-MtlsIisSection -Session $Session -Request @(@{ section = $Access; location = 'Contoso'; merged = $true }) } |
                Should -Throw '*FileNotFoundException*web.config*'
        }

        It 'fails when a pending edit no longer applies, naming it' {
            $Session.edits.Add($SetAccess)
            Set-IisSection -Section $Access -Location 'Contoso' -Tree (New-IisNode -Name 'access')
            $script:IisHost.refuse = { param($edit) $edit.location -eq 'Contoso/api' }
            { Read-MtlsIisSection -Session $Session -Request @(@{ section = $Access; location = 'Contoso'; merged = $false }) } |
                Should -Throw "*the pending IIS changes of this run no longer apply (set system.webServer/security/access at 'Contoso/api'*"
        }
    }

    Describe 'adding edits' {
        It 'tries them after the pending ones without committing, then keeps them' {
            $Session.edits.Add($SetAccess)
            $second = @{ action = 'delete'; section = $Access; location = 'Contoso'; attributes = @('sslFlags') }
            Add-MtlsIisEdit -Session $Session -Edit @($second)
            $call = $script:IisHost.calls[0]
            $call.no_commit | Should -BeTrue
            @($call.edit | ForEach-Object { $_.action }) | Should -Be @('set', 'delete')
            $Session.edits | Should -HaveCount 2
            $script:IisHost.commits | Should -HaveCount 0
        }

        It 'fails naming the edit IIS refuses, and keeps none of the op''s edits' {
            $script:IisHost.refuse = { param($edit) $edit.action -eq 'add' }
            $add = @{ action = 'add'; section = $Mapping; location = 'Contoso'; element = @('manyToOneMappings'); attributes = @{ name = 'p' } }
            { Add-MtlsIisEdit -Session $Session -Edit @($SetAccess, $add) } |
                Should -Throw "*IIS refused to add $Mapping at 'Contoso' (manyToOneMappings): System.Runtime.InteropServices.COMException 0x800700B7*"
            $Session.edits | Should -HaveCount 0
        }

        It 'never puts an attribute value in its error (a mapping password travels in them)' {
            $script:IisHost.refuse = { param($edit) $true }
            $message = $null
            try {
                Add-MtlsIisEdit -Session $Session -Edit @($SetPassword)
            }
            catch {
                $message = $_.Exception.Message
            }
            $message | Should -BeLike "*set $Mapping at 'Contoso' (manyToOneMappings/``[name='partners'``])*"
            $message | Should -Not -BeLike '*Secret-Mapping-Pw1*'
        }
    }

    Describe 'committing a session' {
        It 'commits all pending edits with one CommitChanges, in order, and starts afresh' {
            $Session.edits.Add($SetAccess)
            $Session.edits.Add($SetPassword)
            $null = Find-MtlsIisSite -Session $Session -Name 'Contoso'
            Save-MtlsIisSession -Session $Session
            $script:IisHost.commits | Should -HaveCount 1
            @($script:IisHost.commits[0] | ForEach-Object { $_.location }) | Should -Be @('Contoso/api', 'Contoso')
            $Session.edits | Should -HaveCount 0
            $Session.sites | Should -BeNullOrEmpty
            $Session.partly_written | Should -BeFalse
        }

        It 'calls nothing of IIS when no edit is pending' {
            Save-MtlsIisSession -Session $Session
            $script:IisHost.calls | Should -HaveCount 0
        }

        It 'says nothing was committed when IIS refuses an edit at commit' {
            $Session.edits.Add($SetAccess)
            $script:IisHost.refuse = { param($edit) $true }
            { Save-MtlsIisSession -Session $Session } | Should -Throw "*IIS refused to set $Access at 'Contoso/api' when committing, so nothing was committed*"
            $Session.partly_written | Should -BeFalse
        }

        It 'marks the session partly written when the commit itself fails' {
            $Session.edits.Add($SetAccess)
            $script:IisHost.commit_error = 'System.IO.IOException 0x80070020: The process cannot access the file'
            { Save-MtlsIisSession -Session $Session } | Should -Throw '*IIS failed to commit the configuration changes: System.IO.IOException 0x80070020*'
            $Session.partly_written | Should -BeTrue
        }

        It 'discards pending edits and what it read when closed' {
            $Session.edits.Add($SetAccess)
            $Session.explicit['contoso'] = 8
            $Session.auth_sites['Contoso'] = $true
            $null = Get-MtlsIisConfigDocument -Session $Session
            Close-MtlsIisSession -Session $Session
            $Session.edits | Should -HaveCount 0
            $Session.document | Should -BeNullOrEmpty
            $Session.explicit.Count | Should -Be 0
            $Session.auth_sites.Count | Should -Be 0
            $script:IisHost.commits | Should -HaveCount 0
        }
    }

    Describe 'describing an edit' {
        It 'names a binding edit by its binding and site' {
            Format-MtlsIisEdit -Edit @{ action = 'binding_remove'; site = 'Contoso'; protocol = 'https'; binding_information = '*:443:' } |
                Should -Be "binding_remove of '*:443:' on site 'Contoso'"
        }

        It 'shortens a long key (a certificate) and names the server level' {
            $edit = @{ action = 'remove'; section = $Mapping; location = ''; element = @('oneToOneMappings', @{ key = @{ certificate = 'MIIB' + ('A' * 100) } }) }
            Format-MtlsIisEdit -Edit $edit | Should -Be "remove $Mapping at server level (oneToOneMappings/[certificate='MIIBAAAAAAAAAAAAAAAA...'])"
        }
    }

    Describe 'section trees and values' {
        BeforeAll {
            $script:Collection = New-IisNode -Name 'manyToOneMappings' -Collection @(
                (New-IisNode -Name 'add' -Attributes @{ name = 'Partners' })
                (New-IisNode -Name 'add' -Attributes @{ name = 'others' })
            )
        }

        It 'finds a child element by tag name, and fails naming one IIS did not return' {
            $node = New-IisNode -Name 'x' -Children @{ rules = (New-IisNode -Name 'rules') }
            (Get-MtlsIisNodeChild -Node $node -Name 'rules').name | Should -Be 'rules'
            { Get-MtlsIisNodeChild -Node $node -Name 'traceAreas' } | Should -Throw '*IIS returned <x> without its <traceAreas> element*'
        }

        It 'finds collection entries by a key in any case, as the schema keys strings, or exactly' {
            @(Get-MtlsIisNodeEntry -Node $Collection -Attribute 'name' -Value 'partners') | Should -HaveCount 1
            @(Get-MtlsIisNodeEntry -Node $Collection -Attribute 'name' -Value 'partners' -Exact) | Should -HaveCount 0
            @(Get-MtlsIisNodeEntry -Node (New-IisNode -Name 'empty') -Attribute 'name' -Value 'x') | Should -HaveCount 0
        }

        It 'names an enum value given as <Case>' -ForEach @(
            @{ Case = 'a number, as MWA returns it'; Value = 3L; Expected = 'ClearText' }
            @{ Case = 'digits'; Value = '1'; Expected = 'Batch' }
            @{ Case = 'a name in another case'; Value = 'network'; Expected = 'Network' }
            @{ Case = 'an unknown number'; Value = 9L; Expected = '9' }
            @{ Case = 'an unknown name'; Value = 'Kerberos '; Expected = 'Kerberos' }
            @{ Case = 'null'; Value = $null; Expected = '' }
        ) {
            ConvertTo-MtlsIisEnumName -Value $Value -Names @{ 0 = 'Interactive'; 1 = 'Batch'; 2 = 'Network'; 3 = 'ClearText' } | Should -Be $Expected
        }

        It 'reads flags given as <Case> with the bit table it is given' -ForEach @(
            @{ Case = 'a number, as MWA returns it'; Value = 40L; Expected = 40 }
            @{ Case = 'names in any case, as IIS reads them'; Value = 'ssl, SslNegotiateCERT'; Expected = 40 }
            @{ Case = 'names and digits with empty parts'; Value = 'Ssl,, 256 '; Expected = 264 }
            @{ Case = 'null'; Value = $null; Expected = 0 }
        ) {
            ConvertFrom-MtlsIisFlag -Value $Value -Bits @{ None = 0; Ssl = 8; SslNegotiateCert = 32 } -What 'sslFlags' | Should -Be $Expected
        }

        It 'refuses a flag name its bit table does not have, naming the attribute' {
            { ConvertFrom-MtlsIisFlag -Value 'Sni, Ssl' -Bits @{ Sni = 1 } -What 'binding sslFlags' } |
                Should -Throw "*binding sslFlags 'Sni, Ssl' has the unknown flag 'Ssl'*"
        }

        It 'takes an enum argument in any case and refuses anything else, listing the names' {
            ConvertTo-MtlsIisEnumArgument -Value ' deny' -Names @{ 1 = 'Allow'; 2 = 'Deny' } -What 'permission' | Should -BeExactly 'Deny'
            { ConvertTo-MtlsIisEnumArgument -Value 2 -Names @{ 1 = 'Allow'; 2 = 'Deny' } -What 'permission' } | Should -Throw "*permission '2' is not one of Allow, Deny*"
        }

        It 'refuses an argument that is not a JSON boolean' {
            { Assert-MtlsIisBool -Value 'true' -What 'enabled' } | Should -Throw "*enabled must be true or false, got 'true'*"
            Assert-MtlsIisBool -Value $false -What 'enabled'
        }
    }
}
