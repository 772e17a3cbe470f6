"""WinNetsh.psm1 in Python: ``netsh http add|update|delete|show sslcert`` over the HTTP.sys records (issue 20).

``Invoke-MtlsWinNetsh -Arguments`` answers ``{"exit_code", "output"}`` as the real function does: netsh's English
output lines joined with ``"\\n"`` (localized on Windows, HTTPSYS-1) and its exit code, 0 on success and 1 on failure
(HTTPSYS-2). The records are those of ``state["httpsys"]``, kept by :mod:`winmodel.httpsys`, so both engines share
one host file; the registry view of them is :mod:`winmodel.httpsys`.

Windows facts modelled (docs/WINDOWS_FACTS.md):
- HTTPSYS-11: the parameters ``add|update sslcert`` take, each ``enable|disable`` or an unsigned number, and the
  DefaultFlags / DefaultSslCertCheckMode bits each sets (HTTPSYS-8, HTTPSYS-9). Tags are matched in any case
  (unverified). Which build knows which parameter is not modelled: every build knows them all.
- HTTPSYS-13: what netsh answers: the success lines, ``SSL Certificate add failed, Error: 183`` for an existing
  record, ``... Error: 2`` for a missing one (update, delete), ``... Error: 1312`` for a certificate HTTP.sys cannot
  use (not in the named LocalMachine store, or without a private key), ``The parameter is incorrect.`` for a value it
  cannot parse, and the essential-parameters text with the usage for a missing required parameter or an unknown tag.
- HTTPSYS-12: ``add`` refuses an explicit ``revocationfreshnesstime=0`` or ``urlretrievaltimeout=0``; ``update`` takes
  0 (unverified).
- ``update`` replaces the whole record: what it is not given takes netsh's default, as for ``add`` (the API call takes
  the whole ``HTTP_SERVICE_CONFIG_SSL_SET``); the key keeps its stored spelling (host names compare in any case).
- A ``ccs=<port>`` record names no certificate (HTTPSYS-10): ``certhash`` is refused for it (unverified) and no
  certificate is checked; ``certstorename`` is not required.
- A freshness time above 0 also sets DefaultSslCertCheckMode bit 4 (HTTPSYS-9; that netsh sets it: unverified).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import Any

from winmodel import httpsys, stores
from winmodel.errors import WindowsError_
from winmodel.state import State

#: Exit codes of netsh (HTTPSYS-2).
SUCCESS, FAILURE = 0, 1

#: ``enable|disable`` parameters that set a DefaultFlags bit when enabled (HTTPSYS-8, HTTPSYS-11).
FLAG_PARAMETERS: dict[str, int] = {
    "dsmapperusage": httpsys.USE_DS_MAPPER,
    "clientcertnegotiation": httpsys.NEGOTIATE_CLIENT_CERT,
    "reject": httpsys.REJECT,
    "disablehttp2": httpsys.DISABLE_HTTP2,
    "disablequic": httpsys.DISABLE_QUIC,
    "disablelegacytls": httpsys.DISABLE_LEGACY_TLS,
    "disabletls12": httpsys.DISABLE_TLS12,
    "disabletls13": httpsys.DISABLE_TLS13,
    "disableocspstapling": httpsys.DISABLE_OCSP_STAPLING,
    "enabletokenbinding": httpsys.ENABLE_TOKEN_BINDING,
    "logextendedevents": httpsys.LOG_EXTENDED_EVENTS,
    "enablesessionticket": httpsys.ENABLE_SESSION_TICKET,
    "disablesessionid": httpsys.DISABLE_SESSION_ID,
}
#: ``enable|disable`` parameters of DefaultSslCertCheckMode (HTTPSYS-9): the bit and the value that sets it.
CHECK_PARAMETERS: dict[str, tuple[int, str]] = {
    "verifyclientcertrevocation": (httpsys.CHECK_NO_REVOCATION, "disable"),
    "verifyrevocationwithcachedclientcertonly": (httpsys.CHECK_CACHED_ONLY, "enable"),
    "usagecheck": (httpsys.CHECK_NO_USAGE_CHECK, "disable"),
}
NUMBER_PARAMETERS: tuple[str, ...] = ("revocationfreshnesstime", "urlretrievaltimeout")
TEXT_PARAMETERS: tuple[str, ...] = ("certhash", "appid", "certstorename", "sslctlidentifier", "sslctlstorename")
KEY_TAGS: tuple[str, ...] = ("ipport", "hostnameport", "ccs")
SETTINGS: tuple[str, ...] = (*TEXT_PARAMETERS, *CHECK_PARAMETERS, *NUMBER_PARAMETERS, *FLAG_PARAMETERS)

PARAMETER_INCORRECT = "The parameter is incorrect."
ESSENTIAL_MISSING = (
    "One or more essential parameters were not entered.",
    "Verify the required parameters, and reenter them.",
)
SYNTAX_INVALID = "The syntax supplied for this command is not valid. Check help for the correct syntax."
#: Win32 error texts (FormatMessage, English) of the codes netsh reports for sslcert.
WIN32_TEXT: dict[int, str] = {
    2: "The system cannot find the file specified.",
    183: "Cannot create a file when that file already exists.",
    1312: "A specified logon session does not exist. It may already have been terminated.",
}
#: How netsh names each verb in its success and failure lines.
DONE = {"add": "added", "update": "updated", "delete": "deleted"}
FAILED = {"add": "add", "update": "update", "delete": "deletion"}


class NetshFailure(Exception):
    """netsh printed these lines and exited 1."""

    def __init__(self, *lines: str) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def _usage(verb: str) -> list[str]:
    if verb == "delete":
        return ["", "Usage: delete sslcert hostnameport=<name:port> | ipport=<ipaddr:port> | ccs=<port>"]
    optional = [f"        [{name}=<string>]" for name in ("certhash", "certstorename")]
    optional += [f"        [{name}=enable|disable]" for name in CHECK_PARAMETERS]
    optional += [f"        [{name}=<u-int>]" for name in NUMBER_PARAMETERS]
    optional += [f"        [{name}=<string>]" for name in ("sslctlidentifier", "sslctlstorename")]
    optional += [f"        [{name}=enable|disable]" for name in FLAG_PARAMETERS]
    return [
        "",
        f"Usage: {verb} sslcert hostnameport=<name:port> | ipport=<ipaddr:port> | ccs=<port>",
        "        appid=<GUID>",
        *optional,
    ]


def _syntax_error(verb: str, missing: bool) -> NetshFailure:
    lines = [*ESSENTIAL_MISSING] if missing else []
    return NetshFailure(*lines, SYNTAX_INVALID, *_usage(verb))


def _parse_tags(verb: str, arguments: Sequence[str]) -> dict[str, str]:
    tags: dict[str, str] = {}
    for argument in arguments:
        name, sep, value = argument.partition("=")
        name = name.strip().casefold()
        allowed = KEY_TAGS if verb in ("delete", "show") else (*KEY_TAGS, *SETTINGS)
        if not sep or name not in allowed or name in tags:
            raise _syntax_error(verb, missing=False)
        tags[name] = value
    return tags


def _key(tags: dict[str, str], verb: str) -> tuple[str, str]:
    """``(kind, key)`` of the record the command names, checked as netsh parses it (:func:`winmodel.httpsys.parse_key`);
    a ``ccs=`` port as a number."""
    given = [tag for tag in KEY_TAGS if tag in tags]
    if len(given) != 1:
        raise _syntax_error(verb, missing=not given)
    kind, key = given[0], tags[given[0]]
    try:
        httpsys.parse_key(kind, key)
    except WindowsError_:
        raise NetshFailure(PARAMETER_INCORRECT) from None
    return kind, str(int(key)) if kind == "ccs" else key


def _switch(value: str) -> bool:
    if value.casefold() not in ("enable", "disable"):
        raise NetshFailure(PARAMETER_INCORRECT)
    return value.casefold() == "enable"


def _number(value: str) -> int:
    if not value.isdigit() or int(value) > 0xFFFFFFFF:
        raise NetshFailure(PARAMETER_INCORRECT)
    return int(value)


def _record(verb: str, kind: str, key: str, tags: dict[str, str]) -> dict[str, Any]:
    """The whole record ``add``/``update`` writes: what the tags say, netsh's defaults for the rest."""
    if "appid" not in tags or (kind == "hostnameport" and "certstorename" not in tags):
        raise _syntax_error(verb, missing=True)
    if kind != "ccs" and "certhash" not in tags:
        raise _syntax_error(verb, missing=True)
    if kind == "ccs" and "certhash" in tags:
        raise NetshFailure(PARAMETER_INCORRECT)
    cert_hash = None
    if "certhash" in tags:
        cert_hash = tags["certhash"].upper()
        if not re.fullmatch(r"[0-9A-F]{40}", cert_hash):
            raise NetshFailure(PARAMETER_INCORRECT)
    appid = tags["appid"]
    if not re.fullmatch(r"\{[0-9A-Fa-f-]{36}\}", appid):
        raise NetshFailure(PARAMETER_INCORRECT)
    try:
        app_id = "{" + str(uuid.UUID(appid[1:-1])) + "}"
    except ValueError:
        raise NetshFailure(PARAMETER_INCORRECT) from None
    flags = sum(bit for name, bit in FLAG_PARAMETERS.items() if name in tags and _switch(tags[name]))
    mode = 0
    for name, (bit, setting) in CHECK_PARAMETERS.items():
        if name in tags and _switch(tags[name]) == (setting == "enable"):
            mode |= bit
    numbers = {name: _number(tags[name]) for name in NUMBER_PARAMETERS if name in tags}
    if verb == "add" and 0 in numbers.values():  # HTTPSYS-12
        raise NetshFailure(PARAMETER_INCORRECT)
    freshness = numbers.get("revocationfreshnesstime", 0)
    store = tags.get("certstorename") or (None if kind == "ccs" else httpsys.DEFAULTS["cert_store"])
    return httpsys.normalise_record(
        {
            "key": key,
            "kind": kind,
            "cert_hash": cert_hash,
            "cert_store": store,
            "app_id": app_id,
            "ctl_store_name": tags.get("sslctlstorename") or None,
            "ctl_identifier": tags.get("sslctlidentifier") or None,
            "default_flags": flags,
            "cert_check_mode": httpsys.check_mode(mode, freshness),
            "revocation_freshness_time": freshness,
            "revocation_url_retrieval_timeout": numbers.get("urlretrievaltimeout", 0),
        }
    )


def _usable_certificate(state: State, store: str, thumbprint: str) -> bool:
    """HTTP.sys takes a certificate of the named LocalMachine store with its private key (HTTPSYS-13)."""
    return stores.usable_by_httpsys(state, store, thumbprint)


def _show(state: State, tags: dict[str, str]) -> list[str]:
    wanted = _key(tags, "show") if tags else None
    lines = ["", "SSL Certificate bindings:", "-------------------------", ""]
    for record in state.get("httpsys", []):
        if wanted is not None and (record["kind"], record["key"].casefold()) != (wanted[0], wanted[1].casefold()):
            continue
        label = {"ipport": "IP:port", "hostnameport": "Hostname:port", "ccs": "Central Certificate Store"}
        lines += [
            f"    {label[record['kind']]:<43}: {record['key']}",
            f"    {'Certificate Hash':<43}: {(record['cert_hash'] or '').lower()}",
            f"    {'Application ID':<43}: {record['app_id']}",
            f"    {'Certificate Store Name':<43}: {record['cert_store'] or '(null)'}",
            "",
        ]
    return lines


def _apply(state: State, verb: str, tags: dict[str, str]) -> None:
    kind, key = _key(tags, verb)
    current = httpsys.get_binding(state, key, kind)
    if verb == "delete":
        if current is None:
            raise NetshFailure(f"SSL Certificate {FAILED[verb]} failed, Error: 2", WIN32_TEXT[2])
        httpsys.delete_binding(state, key, kind)
        return
    record = _record(verb, kind, key, tags)
    if verb == "add" and current is not None:
        raise NetshFailure(f"SSL Certificate {FAILED[verb]} failed, Error: 183", WIN32_TEXT[183])
    if verb == "update" and current is None:
        raise NetshFailure(f"SSL Certificate {FAILED[verb]} failed, Error: 2", WIN32_TEXT[2])
    if kind != "ccs" and not _usable_certificate(state, str(record["cert_store"]), str(record["cert_hash"])):
        raise NetshFailure(f"SSL Certificate {FAILED[verb]} failed, Error: 1312", WIN32_TEXT[1312])
    httpsys.put_binding(state, record)


def invoke(state: State, arguments: Sequence[str]) -> dict[str, Any]:
    """``Invoke-MtlsWinNetsh -Arguments``: ``{"exit_code", "output"}``; the records change only on success."""
    words = [str(argument) for argument in arguments]
    if len(words) < 3 or [word.casefold() for word in (words[0], words[2])] != ["http", "sslcert"]:
        return {"exit_code": FAILURE, "output": f"The following command was not found: {' '.join(words)}."}
    verb = words[1].casefold()
    if verb not in ("add", "update", "delete", "show"):
        return {"exit_code": FAILURE, "output": f"The following command was not found: {' '.join(words)}."}
    try:
        tags = _parse_tags(verb, words[3:])
        if verb == "show":
            return {"exit_code": SUCCESS, "output": "\n".join(_show(state, tags))}
        _apply(state, verb, tags)
    except NetshFailure as failure:
        return {"exit_code": FAILURE, "output": "\n".join(failure.lines)}
    return {"exit_code": SUCCESS, "output": f"\nSSL Certificate successfully {DONE[verb]}\n"}
