# What the .NET Framework 4.6.2 check may not find in the reference assemblies, and why.
@{
    # Types from assemblies that are not part of .NET Framework or Windows PowerShell 5.1's reference API. Their
    # members cannot be checked here (no reference assembly); Pester tests and the integration targets cover them.
    AllowedTypes = @(
        @{
            Prefix = 'Microsoft.Web.Administration.'
            # IIS's managed configuration API: %windir%\system32\inetsrv\Microsoft.Web.Administration.dll, installed
            # with IIS (learn.microsoft.com/dotnet/api/microsoft.web.administration), loaded by the IIS utils.
            Reason = 'IIS (Microsoft.Web.Administration.dll from inetsrv)'
        }
        @{
            Prefix = 'Ansible.'
            # Ansible's C# module utils (Ansible.Basic ...), compiled on the host by Ansible's exec wrapper from
            # ansible/module_utils/csharp in ansible-core (#AnsibleRequires -CSharpUtil).
            Reason = "Ansible's C# module utils"
        }
        @{
            Prefix = 'Microsoft.Management.Infrastructure.'
            # The CIM API of Windows Management Framework 5.1 (the 5.1 accelerators [ciminstance], [cimclass] ...),
            # part of Windows PowerShell 5.1 but not of PowerShellStandard.Library.
            Reason = 'CIM (Microsoft.Management.Infrastructure.dll of Windows Management Framework 5.1)'
        }
    )

    # Methods of allowed types that return void, for the uncaptured-output rule (lint.uncaptured-output).
    VoidMethods = @{
        # public void ... in ansible-core's ansible/module_utils/csharp/Ansible.Basic.cs
        'Ansible.Basic.AnsibleModule' = @('Debug', 'Deprecate', 'ExitJson', 'FailJson', 'LogEvent', 'Warn')
        # learn.microsoft.com/dotnet/api/microsoft.web.administration.servermanager
        'Microsoft.Web.Administration.ServerManager' = @('CommitChanges', 'Dispose')
    }

    # Members PowerShell gives every object (about_Intrinsic_Members?view=powershell-5.1: PSObject, PSBase,
    # PSAdapted, PSExtended, PSTypeNames; the scalar Count and Length; the ForEach() and Where() methods of 4.0).
    IntrinsicMembers = @('PSObject', 'PSBase', 'PSAdapted', 'PSExtended', 'PSTypeNames', 'Count', 'Length', 'ForEach', 'Where')

    # Members Windows PowerShell 5.1 adds to .NET types through its type data (types.ps1xml); none used today.
    ExtendedMembers = @{}
}
