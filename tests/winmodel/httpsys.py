"""HTTP.sys SSL records: the HTTP API's table of SSL bindings, and the registry image ``Get-MtlsWinRegistryKey`` reads.

The record table is the lower layer of the simulator (issue 20, "The simulator in two layers"): netsh's model
(:mod:`winmodel.netsh`), IIS's commit (:mod:`winmodel.iis`, ``simhost/iis.py``) and the engine's ``httpsys_set``
(``simhost/httpsys.py``) all write records through :func:`put_binding` / :func:`delete_binding`.

The records (REFERENCE.md, "HTTP.sys SSL configuration" and "Site bindings"): a record is keyed by ``ip:port`` (kind
``ipport``; ``0.0.0.0`` for all addresses, IPv6 in brackets), ``host:port`` (``hostnameport``, host names compared in
any case) or ``port`` (``ccs``, HTTPSYS-10); defaults are store MY, usage check on, no DS mapper, no
client-certificate negotiation; the flag bits are the HTTP API ``DefaultFlags`` bits (HTTPSYS-8), not IIS binding
``sslFlags``. **IIS rewrites the record when a binding or its certificate changes and drops
``clientcertnegotiation``, ``sslctlstorename`` and ``dsmapperusage``**: :func:`iis_record` is the record IIS writes
(HTTPSYS-4). State layout: ``state["httpsys"] = [<record>, ...]`` with the fields of :data:`DEFAULTS` plus ``key``
and ``kind``.

The registry image: the records stay in ``state["httpsys"]``, and the registry tables
``HKLM\\SYSTEM\\CurrentControlSet\\Services\\HTTP\\Parameters\\Ssl{,Sni,Ccs}BindingInfo`` are derived from them on every
read. This direction, not the other: the HTTP API's configuration is the truth and the registry its
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

import copy
import ipaddress
import re
import uuid
from collections.abc import Mapping
from typing import Any

from winmodel.errors import StateError, WindowsError_
from winmodel.state import State

Record = dict[str, Any]


# --- the records ---------------------------------------------------------------------------------------

KINDS: tuple[str, ...] = ("ipport", "hostnameport", "ccs")
IIS_APP_ID = "{4dc3e181-e14b-4a21-b022-59fc669b0914}"

# HTTP API DefaultFlags bits (HTTP_SERVICE_CONFIG_SSL_FLAG_*).
USE_DS_MAPPER = 0x1
NEGOTIATE_CLIENT_CERT = 0x2
REJECT = 0x8
DISABLE_HTTP2 = 0x10
DISABLE_QUIC = 0x20
DISABLE_TLS13 = 0x40
DISABLE_OCSP_STAPLING = 0x80
ENABLE_TOKEN_BINDING = 0x100
LOG_EXTENDED_EVENTS = 0x200
DISABLE_LEGACY_TLS = 0x400
ENABLE_SESSION_TICKET = 0x800
DISABLE_TLS12 = 0x1000
DISABLE_SESSION_ID = 0x4000

# DefaultCertCheckMode
CHECK_NO_REVOCATION = 0x1
CHECK_CACHED_ONLY = 0x2
CHECK_FRESHNESS_TIME = 0x4
CHECK_NO_USAGE_CHECK = 0x10000

DEFAULTS: dict[str, Any] = {
    "cert_hash": None,
    "cert_store": "MY",
    "app_id": IIS_APP_ID,
    "ctl_store_name": None,
    "default_flags": 0,
    "cert_check_mode": 0,
    "revocation_freshness_time": 0,
    # DefaultSslRevocationUrlRetrievalTimeout and DefaultSslCtlIdentifier (WINDOWS_FACTS HTTPSYS-7): not httpsys_set
    # arguments, kept across a rewrite (issue 10 item 5).
    "revocation_url_retrieval_timeout": 0,
    "ctl_identifier": None,
}


_KEY_HOST = re.compile(r"[A-Za-z0-9*](?:[A-Za-z0-9.*-]*[A-Za-z0-9])?")


def parse_port(text: str, where: str) -> int:
    """A TCP port 1..65535, as IIS and netsh take it; :class:`WindowsError_` naming ``where`` otherwise."""
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise WindowsError_(f"{where}: port '{text}' is not a number 1..65535")
    return int(text)


def parse_key(kind: str, key: str) -> str:
    """A record key as netsh parses ``ipport=<ip:port>`` (IPv6 in brackets, IPv4 not), ``hostnameport=<host:port>`` or
    ``ccs=<port>`` (HTTPSYS-11), returned as given; :class:`WindowsError_` saying what is wrong otherwise (netsh itself
    only says "The parameter is incorrect.", HTTPSYS-13). The op engine's ``httpsys_set``/``httpsys_remove`` and
    :mod:`winmodel.netsh` both check keys here."""
    if kind not in KINDS:
        raise WindowsError_(f"HTTP.sys record kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if kind == "ccs":
        parse_port(key, f"HTTP.sys ccs key '{key}'")
        return key
    address, sep, port = key.rpartition(":")
    if not sep or not address:
        raise WindowsError_(f"HTTP.sys key '{key}' is not '<address>:<port>'")
    parse_port(port, f"HTTP.sys key '{key}'")
    if kind == "ipport":
        bracketed = address.startswith("[") and address.endswith("]")
        try:
            parsed = ipaddress.ip_address(address[1:-1] if bracketed else address)
        except ValueError:
            raise WindowsError_(f"HTTP.sys ipport key '{key}' does not start with an IP address") from None
        if parsed.version == 6 and not bracketed:
            raise WindowsError_(f"HTTP.sys ipport key '{key}': an IPv6 address must be in brackets")
        if parsed.version == 4 and bracketed:
            raise WindowsError_(f"HTTP.sys ipport key '{key}': an IPv4 address is not put in brackets")
    elif not _KEY_HOST.fullmatch(address):
        raise WindowsError_(f"HTTP.sys hostnameport key '{key}' does not start with a host name")
    return key


def check_mode(mode: int, freshness: int) -> int:
    """DefaultSslCertCheckMode as a record is written: ``mode``, plus bit 4 when a revocation freshness time above 0 is
    given (HTTPSYS-9; that netsh sets it: unverified). netsh's model and the op engine's ``httpsys_set`` both use it."""
    return mode | (CHECK_FRESHNESS_TIME if freshness > 0 else 0)


def normalise_record(record: Mapping[str, Any]) -> Record:
    """A complete record: defaults filled in, unknown fields and kinds refused."""
    unknown = set(record) - set(DEFAULTS) - {"key", "kind"}
    if unknown:
        raise StateError(f"unknown HTTP.sys record fields: {', '.join(sorted(unknown))}")
    if record.get("kind") not in KINDS:
        raise StateError(f"HTTP.sys record kind must be one of {', '.join(KINDS)}, got {record.get('kind')!r}")
    if not isinstance(record.get("key"), str) or not record["key"]:
        raise StateError("HTTP.sys record needs a key such as '0.0.0.0:443' or 'host:443'")
    full = {"key": record["key"], "kind": record["kind"], **DEFAULTS}
    full.update({k: v for k, v in record.items() if k in DEFAULTS})
    if isinstance(full["cert_hash"], str):
        full["cert_hash"] = full["cert_hash"].upper()
    return full


def _index(state: State, key: str, kind: str) -> int | None:
    # Host names (hostnameport keys) are case-insensitive.
    for position, record in enumerate(state.setdefault("httpsys", [])):
        if record["kind"] == kind and record["key"].casefold() == key.casefold():
            return position
    return None


def get_binding(state: State, key: str, kind: str) -> Record | None:
    position = _index(state, key, kind)
    return None if position is None else copy.deepcopy(state["httpsys"][position])


def put_binding(state: State, record: Mapping[str, Any]) -> bool:
    """Add or replace the record with the same key and kind; True when something changed.

    An existing record keeps the spelling of its key (HTTP.sys matches host names case-insensitively).
    """
    full = normalise_record(record)
    position = _index(state, full["key"], full["kind"])
    if position is None:
        state["httpsys"].append(full)
        return True
    full["key"] = state["httpsys"][position]["key"]
    if state["httpsys"][position] == full:
        return False
    state["httpsys"][position] = full
    return True


def delete_binding(state: State, key: str, kind: str) -> bool:
    position = _index(state, key, kind)
    if position is None:
        return False
    del state["httpsys"][position]
    return True


def iis_record(kind: str, key: str, cert_hash: str | None, cert_store: str | None, default_flags: int) -> Record:
    """The fresh record IIS writes for a binding: no CTL store, no DS mapper, online revocation check; for the
    Central Certificate Store bindings of a port, the ``ccs`` record without certificate or store (HTTPSYS-10,
    HTTPSYS-14: unverified that IIS rewrites it like the others).

    ``default_flags`` are the bits IIS mirrors from the binding's ``sslFlags``; whatever the record
    held before (client-certificate negotiation, CTL store, DS mapper, revocation settings) is gone
    (win-acme issues 2153, 2831, 1768).
    """
    return normalise_record(
        {
            "key": key,
            "kind": kind,
            "cert_hash": None if kind == "ccs" else cert_hash,
            "cert_store": None if kind == "ccs" else cert_store,
            "app_id": IIS_APP_ID,
            "ctl_store_name": None,
            "default_flags": default_flags,
            "cert_check_mode": 0,
            "revocation_freshness_time": 0,
        }
    )


# --- their registry image ------------------------------------------------------------------------------

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
