"""HTTP.sys SSL records as Windows persists them in the registry (issue 20): the view ``Get-MtlsWinRegistryKey`` reads.

One host state for both engines: the records stay in ``state["httpsys"]`` (the layout of ``simhost.httpsys``), and the
registry tables ``HKLM\\SYSTEM\\CurrentControlSet\\Services\\HTTP\\Parameters\\Ssl{,Sni,Ccs}BindingInfo`` are derived
from them on every read. This direction, not the other: the HTTP API's configuration is the truth and the registry its
persisted image (a write through the API shows there at once, a write to the registry is not live, WINDOWS_FACTS
HTTPSYS-6); the simulated engine, ``simhost.iis`` (IIS rewriting a record, HTTPSYS-4) and every seed already speak
records. A direct registry write under these tables is refused by the model (no code of ours does one; on Windows it
would change the registry but not HTTP.sys until a restart, which the model does not represent).

Windows facts modelled:
- HTTPSYS-6: the tables and their subkeys (``<ip:port>``, ``<host:port>``; a CCS record under ``0.0.0.0:<port>``,
  HTTPSYS-10, the subkey name unverified). A table key exists while it holds a record (unverified: Windows may keep
  an empty table key; the engine reads a missing and an empty table alike).
- HTTPSYS-7: the values of a record: ``SslCertHash`` (REG_BINARY, 20 bytes), ``AppId`` (REG_BINARY, the 16-byte GUID
  structure, i.e. little-endian first three fields), ``SslCertStoreName`` (REG_SZ), ``DefaultSslCertCheckMode``,
  ``DefaultSslRevocationFreshnessTime``, ``DefaultSslRevocationUrlRetrievalTimeout``, ``DefaultFlags`` (REG_DWORD,
  written also when 0: unverified), ``DefaultSslCtlIdentifier`` / ``DefaultSslCtlStoreName`` (REG_SZ, only when set).
  A CCS record has no ``SslCertHash`` (it names no certificate, HTTPSYS-10). No ``HostnamePort`` value is written.
- Subkeys are listed in the order the records were added (RegEnumKeyEx documents no order).
"""

from __future__ import annotations

import uuid
from typing import Any

from winmodel.errors import WindowsError_
from winmodel.state import State

PARAMETERS = r"SYSTEM\CurrentControlSet\Services\HTTP\Parameters"
#: Record kind -> its registry table under :data:`PARAMETERS` (HTTPSYS-6, HTTPSYS-10).
TABLES: dict[str, str] = {"ipport": "SslBindingInfo", "hostnameport": "SslSniBindingInfo", "ccs": "SslCcsBindingInfo"}


def _parts(path: str) -> list[str]:
    return [part for part in path.strip("\\").split("\\") if part]


def table_of(path: str) -> tuple[str, str | None] | None:
    """``(kind, subkey or None)`` when ``path`` is one of the tables or a record under one; None otherwise."""
    parts, prefix = _parts(path), _parts(PARAMETERS)
    if len(parts) not in (len(prefix) + 1, len(prefix) + 2):
        return None
    if [part.casefold() for part in parts[: len(prefix)]] != [part.casefold() for part in prefix]:
        return None
    for kind, table in TABLES.items():
        if parts[len(prefix)].casefold() == table.casefold():
            return kind, (parts[len(prefix) + 1] if len(parts) == len(prefix) + 2 else None)
    return None


def subkey_name(record: dict[str, Any]) -> str:
    """The registry subkey of a record (HTTPSYS-6; a CCS record's name is unverified, HTTPSYS-10)."""
    return f"0.0.0.0:{record['key']}" if record["kind"] == "ccs" else str(record["key"])


def _records(state: State, kind: str) -> list[dict[str, Any]]:
    return [record for record in state.get("httpsys", []) if record["kind"] == kind]


def record_values(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The registry values of one record (HTTPSYS-7), as ``Get-MtlsWinRegistryKey`` returns them."""
    values: dict[str, dict[str, Any]] = {}
    if record["kind"] != "ccs" and record.get("cert_hash"):
        values["SslCertHash"] = {"kind": "REG_BINARY", "data": bytes.fromhex(str(record["cert_hash"]))}
    values["AppId"] = {"kind": "REG_BINARY", "data": uuid.UUID(str(record["app_id"])).bytes_le}
    if record.get("cert_store"):
        values["SslCertStoreName"] = {"kind": "REG_SZ", "data": str(record["cert_store"])}
    for name, field in (
        ("DefaultSslCertCheckMode", "cert_check_mode"),
        ("DefaultSslRevocationFreshnessTime", "revocation_freshness_time"),
        ("DefaultSslRevocationUrlRetrievalTimeout", "revocation_url_retrieval_timeout"),
        ("DefaultFlags", "default_flags"),
    ):
        values[name] = {"kind": "REG_DWORD", "data": int(record.get(field) or 0)}
    for name, field in (("DefaultSslCtlIdentifier", "ctl_identifier"), ("DefaultSslCtlStoreName", "ctl_store_name")):
        if record.get(field):
            values[name] = {"kind": "REG_SZ", "data": str(record[field])}
    return values


def get_key(state: State, path: str) -> dict[str, Any] | None:
    """The registry key at ``path`` when it is a table or a record (see :func:`table_of`), else None."""
    found = table_of(path)
    if found is None:
        return None
    kind, subkey = found
    records = _records(state, kind)
    if subkey is None:
        if not records:
            return None
        return {"values": {}, "subkeys": [subkey_name(record) for record in records]}
    for record in records:
        if subkey_name(record).casefold() == subkey.casefold():
            return {"values": record_values(record), "subkeys": []}
    return None


def table_names(state: State) -> list[str]:
    """The tables that exist (a subkey of :data:`PARAMETERS` each)."""
    return [table for kind, table in TABLES.items() if _records(state, kind)]


def refuse_write(path: str) -> None:
    """A registry write under the tables: not modelled (see the module docstring)."""
    if table_of(path) is not None:
        raise WindowsError_(
            f"the Windows model does not take registry writes under {PARAMETERS}\\{TABLES['ipport']} and its "
            "sibling tables: HTTP.sys would not see them before a restart (WINDOWS_FACTS HTTPSYS-6); use netsh"
        )
