# Section trees of the authentication sections as the IIS boundary returns them (ConvertTo-MtlsWinIisNode), for
# IisAuth.Tests.ps1 and IisMapping.Tests.ps1. Enum values arrive as numbers (WINDOWS_FACTS IISCONFIG-5); a mapping's
# password is encrypted in the schema and never in a tree (IISCONFIG-6); an entry inherited from the server level is not
# locally stored (IISCONFIG-4).

$script:MappingSection = 'system.webServer/security/authentication/iisClientCertificateMappingAuthentication'
$script:AdSection = 'system.webServer/security/authentication/clientCertificateMappingAuthentication'
$script:AnonymousSection = 'system.webServer/security/authentication/anonymousAuthentication'

Function New-MappingTree {
    param (
        [hashtable]$Attributes = @{},
        [object[]]$OneToOne = @(),
        [object[]]$ManyToOne = @()
    )

    # Schema defaults (WINDOWS_FACTS AUTH-4): logonMethod 3 is ClearText.
    $values = @{ enabled = $false; oneToOneCertificateMappingsEnabled = $true; manyToOneCertificateMappingsEnabled = $true; logonMethod = 3L; defaultLogonDomain = '' }
    foreach ($name in $Attributes.Keys) {
        $values[$name] = $Attributes[$name]
    }
    New-IisNode -Name 'iisClientCertificateMappingAuthentication' -Attributes $values -Children @{
        oneToOneMappings = (New-IisNode -Name 'oneToOneMappings' -Collection $OneToOne)
        manyToOneMappings = (New-IisNode -Name 'manyToOneMappings' -Collection $ManyToOne)
    }
}

Function New-OneToOneNode {
    param ([string]$Certificate, [string]$User, [bool]$Enabled = $true, [bool]$Local = $true)

    New-IisNode -Name 'add' -Local $Local -Attributes @{ certificate = $Certificate; userName = $User; enabled = $Enabled }
}

Function New-RuleNode {
    param ([long]$Field = 1, [string]$SubField = 'O', [string]$Match = 'Fabrikam*', [bool]$CaseSensitive = $true)

    New-IisNode -Name 'add' -Attributes @{ certificateField = $Field; certificateSubField = $SubField; matchCriteria = $Match; compareCaseSensitive = $CaseSensitive }
}

Function New-ManyToOneNode {
    param (
        [string]$Name,
        [string]$User = 'CONTOSO\svc-partners',
        [object[]]$Rules = @(),
        [long]$Permission = 1,
        [string]$Description = '',
        [bool]$Enabled = $true,
        [bool]$Local = $true
    )

    New-IisNode -Name 'add' -Local $Local -Attributes @{
        name = $Name; userName = $User; permissionMode = $Permission; description = $Description; enabled = $Enabled
    } -Children @{ rules = (New-IisNode -Name 'rules' -Collection $Rules) }
}

Function Set-AuthSections {
    <# .SYNOPSIS The three sections at a site as a read (applicationHost.config's view) answers them. #>
    param ([string]$Site, [hashtable]$Mapping = (New-MappingTree), [bool]$Ad = $false, [bool]$Anonymous = $true)

    Set-IisSection -Section $MappingSection -Location $Site -Tree $Mapping
    Set-IisSection -Section $AdSection -Location $Site -Tree (New-IisNode -Name 'clientCertificateMappingAuthentication' -Attributes @{ enabled = $Ad })
    Set-IisSection -Section $AnonymousSection -Location $Site -Tree (New-IisNode -Name 'anonymousAuthentication' -Attributes @{ enabled = $Anonymous; userName = 'IUSR' })
}
