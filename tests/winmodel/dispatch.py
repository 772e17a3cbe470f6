"""The boundary functions of docs/POWERSHELL.md, by name, as Python functions over a host's state.

Each entry takes the state and the parameters the fake received (``$PSBoundParameters``, names as PowerShell
spells them) and returns the plain data the real function returns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from winmodel import certstore, features, hostinfo, iis, netsh, pfx, registry
from winmodel.errors import UnknownFunction
from winmodel.state import State

Params = Mapping[str, Any]
Handler = Callable[[State, Params], Any]

FUNCTIONS: dict[str, Handler] = {
    "Get-MtlsWinRegistryKey": lambda state, p: registry.get_key(state, p["Path"]),
    "Set-MtlsWinRegistryValue": lambda state, p: registry.set_value(state, p["Path"], p["Name"], p["Kind"], p["Data"]),
    "Remove-MtlsWinRegistryValue": lambda state, p: registry.remove_value(state, p["Path"], p["Name"]),
    "New-MtlsWinRegistryKey": lambda state, p: registry.new_key(state, p["Path"], bool(p.get("Volatile"))),
    "Get-MtlsWinFeature": lambda state, p: features.get_features(state, list(p["Name"])),
    "Install-MtlsWinFeature": lambda state, p: features.install_feature(state, p["Name"]),
    "Get-MtlsWinComputerName": lambda state, p: hostinfo.computer_name(state),
    "Get-MtlsWinCertStore": lambda state, p: certstore.get_store(state, p["Name"]),
    "New-MtlsWinCertStore": lambda state, p: certstore.new_store(state, p["Name"]),
    "Add-MtlsWinCertStoreCertificate": lambda state, p: certstore.add_certificate(state, p["Name"], p["Der"]),
    "Copy-MtlsWinCertStoreCertificate": lambda state, p: certstore.copy_certificate(
        state, p["Name"], p["SourceName"], p["Thumbprint"]
    ),
    "Remove-MtlsWinCertStoreCertificate": lambda state, p: certstore.remove_certificate(
        state, p["Name"], p["Thumbprint"]
    ),
    # WMHTTP (issue 20): netsh over the HTTP.sys records, PFX files.
    "Invoke-MtlsWinNetsh": lambda state, p: netsh.invoke(state, list(p["Arguments"])),
    "Read-MtlsWinPfx": lambda state, p: pfx.read(state, p["Pfx"], p["Password"], list(p["KeyStorageFlags"])),
    "Add-MtlsWinCertStorePfx": lambda state, p: pfx.add(
        state, p["Name"], p["Pfx"], p["Password"], p["Thumbprint"], list(p["KeyStorageFlags"])
    ),
    # IIS configuration (task WMIIS): winmodel.iis over the document of winmodel.iisdoc.
    "Test-MtlsWinIis": lambda state, p: iis.test_iis(state),
    "Get-MtlsWinIisSite": lambda state, p: iis.get_sites(state),
    "Read-MtlsWinIisConfigFile": lambda state, p: iis.read_config_file(state),
    "Invoke-MtlsWinIisEdit": lambda state, p: iis.invoke_edit(
        state, list(p.get("Edit") or []), list(p.get("Read") or []), bool(p.get("NoCommit"))
    ),
}

#: The functions that return nothing on Windows (their fakes write nothing to the pipeline either).
VOID: frozenset[str] = frozenset(
    {
        "Set-MtlsWinRegistryValue",
        "Remove-MtlsWinRegistryValue",
        "New-MtlsWinRegistryKey",
        "New-MtlsWinCertStore",
        "Add-MtlsWinCertStoreCertificate",
        "Copy-MtlsWinCertStoreCertificate",
        "Remove-MtlsWinCertStoreCertificate",
        "Add-MtlsWinCertStorePfx",
    }
)

#: Boundary functions of docs/POWERSHELL.md the model does not answer yet (none today): a call fails
#: loudly with this list's reason, never with a made-up answer.
NOT_MODELLED: dict[str, str] = {}


def handler(name: str) -> Handler:
    if name in FUNCTIONS:
        return FUNCTIONS[name]
    reason = NOT_MODELLED.get(name, "not a boundary function of docs/POWERSHELL.md")
    raise UnknownFunction(f"the Windows model does not answer {name} ({reason})")
