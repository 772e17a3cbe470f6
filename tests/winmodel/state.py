"""The state file of one simulated host: a fresh Windows Server 2022, load and atomic save.

Ansible runs every task in a forked worker process, so the host lives in a JSON file, one per host,
replaced atomically (temporary file in the same directory + ``os.replace``) on every write.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from winmodel.errors import StateError

SCHEMA_VERSION = 1

SCHANNEL_KEY = r"HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL"

#: The engine's own registry key (docs/ENGINE.md): the parent of the volatile ``SchannelRebootPending`` key.
MTLS_KEY = r"HKLM\SOFTWARE\mtls.iis"

#: The boot counter of a fresh host (``state["boot"]``); :func:`winmodel.registry.reboot` advances it.
FIRST_BOOT = 1

#: LocalMachine stores present on a fresh Windows Server 2022 that matter here. ``ClientAuthIssuer``
#: is deliberately absent: it exists only once someone creates it.
DEFAULT_STORES: tuple[str, ...] = ("My", "Root", "CA", "Trust", "Disallowed", "WebHosting")

State = dict[str, Any]


def new_iis() -> dict[str, Any]:
    """IIS as a fresh install leaves it: "Default Web Site" (id 1) with only ``http *:80:``.

    Certificate hashes are not part of a binding here: like Microsoft.Web.Administration, the
    simulator reads them from the HTTP.sys record of the binding (see :mod:`winmodel.iisbinding`).
    """
    return {
        "installed": True,
        "server_ssl_flags": "None",
        "sites": {
            "Default Web Site": {
                "id": 1,
                "bindings": [{"protocol": "http", "binding_information": "*:80:", "ssl_flags": 0}],
            }
        },
        "locations": {},
        # Server-level values of the authentication sections (applicationHost.config outside any <location>),
        # as a fresh install writes them; see simhost.auth.
        "server_auth": {"anonymousAuthentication": {"attributes": {"enabled": True}}},
    }


def iis_of(state: State) -> dict[str, Any]:
    """``state["iis"]``; a host file written before IIS was simulated gets a fresh install."""
    iis = state.get("iis")
    if iis is None:
        iis = state["iis"] = new_iis()
    return iis


#: Windows features a fresh host knows, besides ``Web-Server`` (whose installed state is ``iis.installed``).
# Web-CertProvider: Centralized SSL Certificate Support, a precondition of CCS bindings (WINDOWS_FACTS FEATURE-5).
DEFAULT_FEATURES: tuple[str, ...] = ("Web-Cert-Auth", "Web-Client-Auth", "Web-Http-Tracing", "Web-CertProvider")


def new_features() -> dict[str, Any]:
    """Windows features of a fresh host with IIS: only ``Web-Server`` installed, no reboot pending for any.

    ``reboot_required`` is what ``feature_install`` reports when it installs the feature.
    """
    features: dict[str, Any] = {"Web-Server": {"reboot_required": False}}
    for name in DEFAULT_FEATURES:
        features[name] = {"installed": False, "reboot_required": False}
    return features


def new_state(computer_name: str = "WEB01") -> State:
    """A fresh Windows Server 2022 host with IIS: empty default stores, one Schannel value we do not own.

    Of the features this collection uses only ``Web-Server`` is installed (no certificate mapping modules).
    """
    return {
        "schema": SCHEMA_VERSION,
        "host": {"os_version": "10.0.20348", "computer_name": computer_name},
        "stores": {name: {"certificates": []} for name in DEFAULT_STORES},
        "registry": {
            # A sibling value under the Schannel key that this collection must never touch.
            SCHANNEL_KEY: {"EventLogging": {"type": "REG_DWORD", "value": 1}},
        },
        "httpsys": [],
        "iis": new_iis(),
        "features": new_features(),
        "boot": FIRST_BOOT,
        "faults": [],
    }


def computer_name_for(host: str) -> str:
    """The NetBIOS-style computer name Windows would show for an inventory host name."""
    label = host.split(".", 1)[0] if not host.replace(".", "").isdigit() else "WIN-" + host.replace(".", "")
    return (label or "WIN").upper()[:15]


def load_state(path: Path) -> State:
    """Read a host file; a missing file is a fresh host named after the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return new_state(computer_name_for(path.stem))
    state = json.loads(text)
    if not isinstance(state, dict) or state.get("schema") != SCHEMA_VERSION:
        raise StateError(f"{path}: not a simulated host state file (schema {SCHEMA_VERSION})")
    return state


def save_state(path: Path, state: State) -> None:
    """Write a host file atomically, so a concurrent reader sees either the old or the new host."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(state, handle, indent=1, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
