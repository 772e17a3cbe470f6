# What Windows PowerShell 5.1 (Windows Server 2016 and later) lacks although PowerShell 7 has it.
# Every entry says where it comes from. "5.1 reference" means the cmdlet's page at
# https://learn.microsoft.com/powershell/module/<module>/<cmdlet>?view=powershell-5.1, which does not list the
# parameter, while the 7.x page marks it "added in PowerShell <version>". WINDOWS_FACTS PS51-2, PS51-5, PS51-6.
@{
    # Commands that do not exist in Windows PowerShell 5.1 (absent from the 5.1 module reference).
    Commands = @{
        'Join-String' = 'PowerShell 6.2, Microsoft.PowerShell.Utility'
        'Test-Json' = 'PowerShell 6.1, Microsoft.PowerShell.Utility'
        'Get-Error' = 'PowerShell 7.0, Microsoft.PowerShell.Utility'
        'ConvertFrom-Markdown' = 'PowerShell 6.1, Microsoft.PowerShell.Utility'
        'Show-Markdown' = 'PowerShell 6.1, Microsoft.PowerShell.Utility'
        'Get-MarkdownOption' = 'PowerShell 6.1, Microsoft.PowerShell.Utility'
        'Set-MarkdownOption' = 'PowerShell 6.1, Microsoft.PowerShell.Utility'
        'Get-Uptime' = 'PowerShell 6.0, Microsoft.PowerShell.Utility'
        'Remove-Alias' = 'PowerShell 6.0, Microsoft.PowerShell.Utility'
        'Remove-Service' = 'PowerShell 6.0, Microsoft.PowerShell.Management'
        'Get-ExperimentalFeature' = 'PowerShell 6.2, Microsoft.PowerShell.Core'
        'Enable-ExperimentalFeature' = 'PowerShell 6.2, Microsoft.PowerShell.Core'
        'Disable-ExperimentalFeature' = 'PowerShell 6.2, Microsoft.PowerShell.Core'
        'Start-ThreadJob' = 'module ThreadJob, shipped with PowerShell 6.1 and later, not with 5.1'
        'ConvertTo-CliXml' = 'PowerShell 7.5, Microsoft.PowerShell.Utility'
        'ConvertFrom-CliXml' = 'PowerShell 7.5, Microsoft.PowerShell.Utility'
        'Get-SecureRandom' = 'PowerShell 7.4, Microsoft.PowerShell.Utility'
    }

    # Parameters that the 5.1 cmdlet does not have (5.1 reference of each cmdlet).
    Parameters = @{
        'ForEach-Object' = @{
            Parallel = 'PowerShell 7.0'; ThrottleLimit = 'PowerShell 7.0'; TimeoutSeconds = 'PowerShell 7.0'
            AsJob = 'PowerShell 7.0'; UseNewRunspace = 'PowerShell 7.1'
        }
        'ConvertFrom-Json' = @{
            AsHashtable = 'PowerShell 6.0'; Depth = 'PowerShell 6.2'; NoEnumerate = 'PowerShell 7.0'; DateKind = 'PowerShell 7.5'
        }
        'ConvertTo-Json' = @{ AsArray = 'PowerShell 6.2'; EscapeHandling = 'PowerShell 6.2' }
        'Get-Content' = @{ AsByteStream = 'PowerShell 6.0 (5.1 reads bytes with -Encoding Byte)' }
        'Set-Content' = @{ AsByteStream = 'PowerShell 6.0 (5.1 writes bytes with -Encoding Byte)' }
        'Add-Content' = @{ AsByteStream = 'PowerShell 6.0 (5.1 writes bytes with -Encoding Byte)' }
        'Invoke-WebRequest' = @{
            SkipCertificateCheck = 'PowerShell 6.0'; SslProtocol = 'PowerShell 6.0'; Authentication = 'PowerShell 6.0'
            Token = 'PowerShell 6.0'; AllowUnencryptedAuthentication = 'PowerShell 6.0'; SkipHeaderValidation = 'PowerShell 6.0'
            CustomMethod = 'PowerShell 6.0'; NoProxy = 'PowerShell 6.0'; Form = 'PowerShell 6.1'; Resume = 'PowerShell 6.1'
            MaximumRetryCount = 'PowerShell 6.1'; RetryIntervalSec = 'PowerShell 6.1'; SkipHttpErrorCheck = 'PowerShell 7.0'
            PreserveAuthorizationOnRedirect = 'PowerShell 6.0'; HttpVersion = 'PowerShell 7.3'
            ConnectionTimeoutSeconds = 'PowerShell 7.4'; OperationTimeoutSeconds = 'PowerShell 7.4'
        }
        'Invoke-RestMethod' = @{
            SkipCertificateCheck = 'PowerShell 6.0'; SslProtocol = 'PowerShell 6.0'; Authentication = 'PowerShell 6.0'
            Token = 'PowerShell 6.0'; AllowUnencryptedAuthentication = 'PowerShell 6.0'; SkipHeaderValidation = 'PowerShell 6.0'
            CustomMethod = 'PowerShell 6.0'; NoProxy = 'PowerShell 6.0'; Form = 'PowerShell 6.1'; Resume = 'PowerShell 6.1'
            MaximumRetryCount = 'PowerShell 6.1'; RetryIntervalSec = 'PowerShell 6.1'; SkipHttpErrorCheck = 'PowerShell 7.0'
            PreserveAuthorizationOnRedirect = 'PowerShell 6.0'; HttpVersion = 'PowerShell 7.3'
            ConnectionTimeoutSeconds = 'PowerShell 7.4'; OperationTimeoutSeconds = 'PowerShell 7.4'
            ResponseHeadersVariable = 'PowerShell 6.0'; StatusCodeVariable = 'PowerShell 7.0'; FollowRelLink = 'PowerShell 6.0'
            MaximumFollowRelLink = 'PowerShell 6.0'
        }
        'Split-Path' = @{ LeafBase = 'PowerShell 6.0'; Extension = 'PowerShell 6.0' }
        'Join-Path' = @{ AdditionalChildPath = 'PowerShell 6.0' }
        'Select-String' = @{ Raw = 'PowerShell 7.0'; NoEmphasis = 'PowerShell 7.0' }
        'Sort-Object' = @{ Top = 'PowerShell 6.1'; Bottom = 'PowerShell 6.1'; Stable = 'PowerShell 6.2' }
        'Get-Date' = @{ AsUTC = 'PowerShell 7.1'; UnixTimeSeconds = 'PowerShell 7.1' }
        'Start-Sleep' = @{ Duration = 'PowerShell 7.3' }
        'Measure-Object' = @{ AllStats = 'PowerShell 6.0'; StandardDeviation = 'PowerShell 6.0' }
        'ConvertTo-Csv' = @{ UseQuotes = 'PowerShell 7.0'; QuoteFields = 'PowerShell 7.0'; NoHeader = 'PowerShell 7.4' }
        'Export-Csv' = @{ UseQuotes = 'PowerShell 7.0'; QuoteFields = 'PowerShell 7.0'; NoHeader = 'PowerShell 7.4' }
        'Test-Connection' = @{
            TcpPort = 'PowerShell 6.2'; Ping = 'PowerShell 6.2'; Traceroute = 'PowerShell 6.2'; MtuSize = 'PowerShell 6.2'
            Repeat = 'PowerShell 6.2'; TimeoutSeconds = 'PowerShell 6.2'
        }
        'Add-Type' = @{ CompilerOptions = 'PowerShell 6.0 (5.1 has -CompilerParameters)' }
        'Import-PowerShellDataFile' = @{ SkipLimitCheck = 'PowerShell 7.2' }
        'Tee-Object' = @{ Encoding = 'PowerShell 7.2' }
        'Out-String' = @{ NoNewline = 'PowerShell 7.0' }
        'Where-Object' = @{ Not = 'PowerShell 6.1' }
        'Select-Object' = @{ SkipIndex = 'PowerShell 6.0' }
        'Get-Random' = @{ Shuffle = 'PowerShell 7.1' }
        'ConvertFrom-StringData' = @{ Delimiter = 'PowerShell 7.0' }
        'Start-Process' = @{ Environment = 'PowerShell 7.4' }
        'Invoke-Command' = @{ HostName = 'PowerShell 6.0 (SSH remoting)'; SSHTransport = 'PowerShell 6.0'; KeyFilePath = 'PowerShell 6.0' }
        'New-PSSession' = @{ HostName = 'PowerShell 6.0 (SSH remoting)'; SSHTransport = 'PowerShell 6.0'; KeyFilePath = 'PowerShell 6.0' }
    }

    # Automatic and preference variables Windows PowerShell 5.1 does not define (about_Automatic_Variables and
    # about_Preference_Variables, 7.x pages); under Set-StrictMode reading one fails on 5.1.
    Variables = @{
        IsWindows = 'PowerShell 6.0; 5.1 runs only on Windows'
        IsLinux = 'PowerShell 6.0'
        IsMacOS = 'PowerShell 6.0'
        IsCoreCLR = 'PowerShell 6.0'
        PSStyle = 'PowerShell 7.2'
        EnabledExperimentalFeatures = 'PowerShell 6.2'
        PSNativeCommandArgumentPassing = 'PowerShell 7.3'
        PSNativeCommandUseErrorActionPreference = 'PowerShell 7.3'
    }

    # -Encoding values of the 5.1 FileSystem provider cmdlets (about_Character_Encoding?view=powershell-5.1:
    # FileSystemCmdletProviderEncoding). utf8NoBOM, utf8BOM, ansi, code page numbers and names are PowerShell 6+.
    Encodings = @(
        'Unknown', 'String', 'Unicode', 'Byte', 'BigEndianUnicode', 'UTF8', 'UTF7', 'UTF32', 'Ascii', 'Default', 'Oem',
        'BigEndianUTF32'
    )

    # Cmdlets that write files and whose default encoding differs: 5.1 writes UTF-16LE (Out-File) or the ANSI code
    # page (Set-Content, Add-Content, Export-Csv: ASCII), 7 writes UTF-8 without BOM (about_Character_Encoding).
    FileWritingCmdlets = @('Out-File', 'Set-Content', 'Add-Content', 'Export-Csv')

    # Cmdlets that read text files and whose default encoding differs for a file without BOM: the ANSI code page
    # on 5.1, UTF-8 on 7 (about_Character_Encoding, both versions).
    FileReadingCmdlets = @('Get-Content')

    # Type accelerators of Windows PowerShell 5.1 (about_Type_Accelerators?view=powershell-5.1). Any other short
    # name resolves on 5.1 only as System.<name> or through 'using namespace' (PowerShell 7 added, e.g., [uint],
    # [short], [semver], [ordered] is a parser keyword in both).
    Accelerators = @{
        adsi = 'System.DirectoryServices.DirectoryEntry'
        adsisearcher = 'System.DirectoryServices.DirectorySearcher'
        Alias = 'System.Management.Automation.AliasAttribute'
        AllowEmptyCollection = 'System.Management.Automation.AllowEmptyCollectionAttribute'
        AllowEmptyString = 'System.Management.Automation.AllowEmptyStringAttribute'
        AllowNull = 'System.Management.Automation.AllowNullAttribute'
        ArgumentCompleter = 'System.Management.Automation.ArgumentCompleterAttribute'
        array = 'System.Array'
        bigint = 'System.Numerics.BigInteger'
        bool = 'System.Boolean'
        byte = 'System.Byte'
        char = 'System.Char'
        cimclass = 'Microsoft.Management.Infrastructure.CimClass'
        cimconverter = 'Microsoft.Management.Infrastructure.CimConverter'
        ciminstance = 'Microsoft.Management.Infrastructure.CimInstance'
        CimSession = 'Microsoft.Management.Infrastructure.CimSession'
        cimtype = 'Microsoft.Management.Infrastructure.CimType'
        CmdletBinding = 'System.Management.Automation.CmdletBindingAttribute'
        cultureinfo = 'System.Globalization.CultureInfo'
        datetime = 'System.DateTime'
        decimal = 'System.Decimal'
        double = 'System.Double'
        DscLocalConfigurationManager = 'System.Management.Automation.DscLocalConfigurationManagerAttribute'
        DscProperty = 'System.Management.Automation.DscPropertyAttribute'
        DscResource = 'System.Management.Automation.DscResourceAttribute'
        float = 'System.Single'
        guid = 'System.Guid'
        hashtable = 'System.Collections.Hashtable'
        initialsessionstate = 'System.Management.Automation.Runspaces.InitialSessionState'
        int = 'System.Int32'
        int16 = 'System.Int16'
        int32 = 'System.Int32'
        int64 = 'System.Int64'
        ipaddress = 'System.Net.IPAddress'
        IPEndpoint = 'System.Net.IPEndPoint'
        long = 'System.Int64'
        mailaddress = 'System.Net.Mail.MailAddress'
        NullString = 'System.Management.Automation.Language.NullString'
        ObjectSecurity = 'System.Security.AccessControl.ObjectSecurity'
        OutputType = 'System.Management.Automation.OutputTypeAttribute'
        Parameter = 'System.Management.Automation.ParameterAttribute'
        PhysicalAddress = 'System.Net.NetworkInformation.PhysicalAddress'
        powershell = 'System.Management.Automation.PowerShell'
        psaliasproperty = 'System.Management.Automation.PSAliasProperty'
        pscredential = 'System.Management.Automation.PSCredential'
        pscustomobject = 'System.Management.Automation.PSObject'
        PSDefaultValue = 'System.Management.Automation.PSDefaultValueAttribute'
        pslistmodifier = 'System.Management.Automation.PSListModifier'
        psmoduleinfo = 'System.Management.Automation.PSModuleInfo'
        psnoteproperty = 'System.Management.Automation.PSNoteProperty'
        psobject = 'System.Management.Automation.PSObject'
        psprimitivedictionary = 'System.Management.Automation.PSPrimitiveDictionary'
        psscriptmethod = 'System.Management.Automation.PSScriptMethod'
        psscriptproperty = 'System.Management.Automation.PSScriptProperty'
        PSTypeNameAttribute = 'System.Management.Automation.PSTypeNameAttribute'
        psvariable = 'System.Management.Automation.PSVariable'
        psvariableproperty = 'System.Management.Automation.PSVariableProperty'
        ref = 'System.Management.Automation.PSReference'
        regex = 'System.Text.RegularExpressions.Regex'
        runspace = 'System.Management.Automation.Runspaces.Runspace'
        runspacefactory = 'System.Management.Automation.Runspaces.RunspaceFactory'
        sbyte = 'System.SByte'
        scriptblock = 'System.Management.Automation.ScriptBlock'
        securestring = 'System.Security.SecureString'
        single = 'System.Single'
        string = 'System.String'
        SupportsWildcards = 'System.Management.Automation.SupportsWildcardsAttribute'
        switch = 'System.Management.Automation.SwitchParameter'
        timespan = 'System.TimeSpan'
        type = 'System.Type'
        uint16 = 'System.UInt16'
        uint32 = 'System.UInt32'
        uint64 = 'System.UInt64'
        uri = 'System.Uri'
        ValidateCount = 'System.Management.Automation.ValidateCountAttribute'
        ValidateDrive = 'System.Management.Automation.ValidateDriveAttribute'
        ValidateLength = 'System.Management.Automation.ValidateLengthAttribute'
        ValidateNotNull = 'System.Management.Automation.ValidateNotNullAttribute'
        ValidateNotNullOrEmpty = 'System.Management.Automation.ValidateNotNullOrEmptyAttribute'
        ValidatePattern = 'System.Management.Automation.ValidatePatternAttribute'
        ValidateRange = 'System.Management.Automation.ValidateRangeAttribute'
        ValidateScript = 'System.Management.Automation.ValidateScriptAttribute'
        ValidateSet = 'System.Management.Automation.ValidateSetAttribute'
        ValidateTrustedData = 'System.Management.Automation.ValidateTrustedDataAttribute'
        ValidateUserDrive = 'System.Management.Automation.ValidateUserDriveAttribute'
        version = 'System.Version'
        void = 'System.Void'
        WildcardPattern = 'System.Management.Automation.WildcardPattern'
        wmi = 'System.Management.ManagementObject'
        wmiclass = 'System.Management.ManagementClass'
        wmisearcher = 'System.Management.ManagementObjectSearcher'
        X500DistinguishedName = 'System.Security.Cryptography.X509Certificates.X500DistinguishedName'
        X509Certificate = 'System.Security.Cryptography.X509Certificates.X509Certificate'
        xml = 'System.Xml.XmlDocument'
    }

    # Aliases of Windows PowerShell 5.1 that pwsh on Linux does not define (they would clash with native commands,
    # "PowerShell differences on non-Windows platforms" at learn.microsoft.com/powershell/scripting/whats-new/unix-support),
    # plus those PowerShell 6 removed (sc, curl, wget). The running pwsh's own aliases are added at start.
    WindowsAliases = @{
        ac = 'Add-Content'; cat = 'Get-Content'; clear = 'Clear-Host'; compare = 'Compare-Object'; cp = 'Copy-Item'
        cpp = 'Copy-ItemProperty'; diff = 'Compare-Object'; kill = 'Stop-Process'; lp = 'Out-Printer'; ls = 'Get-ChildItem'
        man = 'help'; mount = 'New-PSDrive'; mv = 'Move-Item'; ps = 'Get-Process'; rm = 'Remove-Item'; rmdir = 'Remove-Item'
        sleep = 'Start-Sleep'; sort = 'Sort-Object'; start = 'Start-Process'; tee = 'Tee-Object'; write = 'Write-Output'
        sc = 'Set-Content'; curl = 'Invoke-WebRequest'; wget = 'Invoke-WebRequest'
    }
}
