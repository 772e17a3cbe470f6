"""HTTP.sys for the op engine: ``snapshot.httpsys``, ``httpsys_set``/``httpsys_remove``/``httpsys_save``.

The records themselves, their kinds, defaults and ``DefaultFlags`` / ``DefaultCertCheckMode`` bits, and the record IIS
writes are the Windows model's (:mod:`winmodel.httpsys`). This module checks an op's arguments as netsh checks
``ipport=`` / ``hostnameport=`` / ``ccs=`` (``netsh http add sslcert hostnameport=`` requires ``certstorename``), and
fails like netsh (the HTTP API) when the certificate is not in the store or its private key is unusable ("A specified
logon session does not exist", error 1312).
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Mapping
from typing import Any

from winmodel import hive
from winmodel import httpsys as winhttpsys
from winmodel.errors import WindowsError_
from winmodel.httpsys import (
    CHECK_CACHED_ONLY,
    CHECK_NO_REVOCATION,
    CHECK_NO_USAGE_CHECK,
    DEFAULTS,
    DISABLE_HTTP2,
    DISABLE_LEGACY_TLS,
    DISABLE_OCSP_STAPLING,
    DISABLE_QUIC,
    DISABLE_SESSION_ID,
    DISABLE_TLS12,
    DISABLE_TLS13,
    ENABLE_SESSION_TICKET,
    ENABLE_TOKEN_BINDING,
    KINDS,
    LOG_EXTENDED_EVENTS,
    NEGOTIATE_CLIENT_CERT,
    REJECT,
    USE_DS_MAPPER,
    Record,
    delete_binding,
    get_binding,
    normalise_record,
    put_binding,
)
from winmodel.state import MTLS_KEY, State

from simhost import certstore
from simhost.errors import OpError

#: Kinds ``httpsys_set`` writes: a ``ccs`` record (``netsh ... sslcert ccs=<port>``) carries the client-certificate
#: options of a port's Central Certificate Store bindings and names no certificate (WINDOWS_FACTS HTTPSYS-10).
WRITABLE_KINDS: tuple[str, ...] = KINDS

#: DefaultFlags bits ``httpsys_set`` does not manage but keeps across a rewrite, as the engine passes them back to netsh
#: (issue 10 item 5; WINDOWS_FACTS HTTPSYS-8 for the bits, HTTPSYS-11 for the netsh parameters ``reject``,
#: ``enabletokenbinding``, ``logextendedevents``, ``enablesessionticket``, ``disabletls12``, ``disablesessionid``).
KEPT_FLAGS = (
    REJECT | ENABLE_TOKEN_BINDING | LOG_EXTENDED_EVENTS | ENABLE_SESSION_TICKET | DISABLE_TLS12 | DISABLE_SESSION_ID
)

#: ``httpsys_set`` boolean arguments and the DefaultFlags bit each one sets.
FLAG_ARGS: dict[str, int] = {
    "ds_mapper": USE_DS_MAPPER,
    "negotiate_client_certificate": NEGOTIATE_CLIENT_CERT,
    "disable_http2": DISABLE_HTTP2,
    "disable_quic": DISABLE_QUIC,
    "disable_tls13": DISABLE_TLS13,
    "disable_ocsp_stapling": DISABLE_OCSP_STAPLING,
    "disable_legacy_tls": DISABLE_LEGACY_TLS,
}

#: ``httpsys_set`` ``revocation`` -> DefaultCertCheckMode (before the freshness bit).
REVOCATION_MODES: dict[str, int] = {"online": 0, "off": CHECK_NO_REVOCATION, "cached_only": CHECK_CACHED_ONLY}


def gather(state: State) -> list[Record]:
    """``snapshot.httpsys``: every record, in stored order. A record without a certificate (ccs, HTTPSYS-10) has no
    ``SslCertHash`` value, which the engine reads as ``""`` (the snapshot's ``cert_hash`` is a string), and no
    ``SslCertStoreName``, read as ``""`` too."""
    return [
        {**copy.deepcopy(record), "cert_hash": record["cert_hash"] or "", "cert_store": record["cert_store"] or ""}
        for record in state.get("httpsys", [])
    ]


# --- the ops ----------------------------------------------------------------------------------------


def parse_key(kind: str, key: str) -> str:
    """An op's record key, checked the way netsh checks ``ipport=`` / ``hostnameport=`` / ``ccs=<port>``
    (:func:`winmodel.httpsys.parse_key`); returned as given."""
    try:
        return winhttpsys.parse_key(kind, key)
    except WindowsError_ as err:
        raise OpError(str(err)) from None


def parse_app_id(value: str) -> str:
    """A GUID, in the ``{xxxxxxxx-…}`` lower-case form gather returns."""
    try:
        return "{" + str(uuid.UUID(value.strip())) + "}"
    except ValueError:
        raise OpError(f"app_id '{value}' is not a GUID") from None


def record_from_op(args: Mapping[str, Any]) -> Record:
    """The full record an ``httpsys_set`` op describes (netsh ``add``/``update sslcert`` with every option)."""
    kind, key = args["kind"], parse_key(args["kind"], args["key"])
    if kind == "ccs":
        # netsh takes no certhash for ccs= (HTTPSYS-10, HTTPSYS-13): the Central Certificate Store picks it.
        if args["certificate_hash"] or args["certificate_store"]:
            raise OpError(
                f"ccs {key}: a Central Certificate Store record names no certificate_hash or certificate_store"
            )
        thumbprint, store = None, None
    else:
        thumbprint = certstore.parse_thumbprint(args["certificate_hash"])
        store = args["certificate_store"]
    if not store and kind != "ccs":
        if kind == "hostnameport":
            raise OpError(f"hostnameport {key}: certificate_store is required (netsh requires certstorename)")
        store = DEFAULTS["cert_store"]
    freshness = args["revocation_freshness_seconds"]
    if not 0 <= freshness <= 0xFFFFFFFF:
        raise OpError(f"revocation_freshness_seconds must be 0..4294967295, got {freshness}")
    check_mode = winhttpsys.check_mode(REVOCATION_MODES[args["revocation"]], freshness)
    flags = 0
    for arg, bit in FLAG_ARGS.items():
        if args[arg]:
            flags |= bit
    return normalise_record(
        {
            "key": key,
            "kind": kind,
            "cert_hash": thumbprint,
            "cert_store": store,
            "app_id": parse_app_id(args["app_id"]),
            "ctl_store_name": args["ctl_store_name"] or None,
            "default_flags": flags,
            "cert_check_mode": check_mode,
            "revocation_freshness_time": freshness,
        }
    )


def _revocation(check_mode: int) -> str:
    if check_mode & CHECK_NO_REVOCATION:
        return "off"
    return "cached_only" if check_mode & CHECK_CACHED_ONLY else "online"


def settings(record: Mapping[str, Any]) -> tuple[Any, ...]:
    """What ``httpsys_set`` manages in a record, compared as Windows compares it.

    Store names and GUIDs are case-insensitive, no CTL store is null or empty, and DefaultFlags bits
    other than the managed ones (:data:`KEPT_FLAGS`), the usage-check bit, the URL retrieval timeout and the CTL
    identifier are not compared (``httpsys_set`` keeps them).
    """
    managed = sum(FLAG_ARGS.values())
    return (
        str(record.get("cert_hash") or "").upper(),
        str(record.get("cert_store") or "").casefold(),
        str(record.get("app_id") or "").casefold(),
        str(record.get("ctl_store_name") or "").casefold(),
        int(record.get("default_flags") or 0) & managed,
        _revocation(int(record.get("cert_check_mode") or 0)),
        int(record.get("revocation_freshness_time") or 0),
    )


def httpsys_set(state: State, args: Mapping[str, Any]) -> bool:
    """Write the whole record; nothing is written when it already is as asked. Then forget the copy
    ``httpsys_save`` kept for that key (the record it protected is restored). Changed when either happened.

    What ``httpsys_set`` does not manage stays as it is across the rewrite: a disabled usage check, the
    DefaultFlags bits of :data:`KEPT_FLAGS`, the URL retrieval timeout and the CTL identifier (the engine reads
    them and passes them back to netsh, issue 10 item 5). When ``httpsys_save`` kept a copy of the record with
    those settings, they come from the copy instead: IIS dropped them from the record it rewrote. Writing fails
    like netsh when the certificate is not in the store or has no key.
    """
    wanted = record_from_op(args)
    current = get_binding(state, wanted["key"], wanted["kind"])
    kept_from = _saved_kept(state, wanted["kind"], wanted["key"]) or current
    if kept_from is not None:
        wanted["cert_check_mode"] |= int(kept_from["cert_check_mode"] or 0) & CHECK_NO_USAGE_CHECK
        wanted["default_flags"] |= int(kept_from["default_flags"] or 0) & KEPT_FLAGS
        wanted["revocation_url_retrieval_timeout"] = kept_from["revocation_url_retrieval_timeout"]
        wanted["ctl_identifier"] = kept_from["ctl_identifier"]
    changed = False
    if current is None or settings(current) != settings(wanted) or _kept(current) != _kept(wanted):
        if wanted["kind"] != "ccs":
            certstore.require_server_certificate(state, wanted["cert_store"], wanted["cert_hash"])
        changed = put_binding(state, wanted)
    return forget_saved(state, wanted["kind"], wanted["key"]) or changed


def _kept(record: Mapping[str, Any]) -> tuple[Any, ...]:
    """What ``httpsys_set`` keeps in a record (compared too: a restored copy must reach the record)."""
    return (
        int(record.get("default_flags") or 0) & KEPT_FLAGS,
        int(record.get("cert_check_mode") or 0) & CHECK_NO_USAGE_CHECK,
        int(record.get("revocation_url_retrieval_timeout") or 0),
        str(record.get("ctl_identifier") or ""),
    )


def httpsys_remove(state: State, kind: str, key: str) -> bool:
    """Delete the record (no-op when absent) and any copy ``httpsys_save`` kept for it."""
    removed = delete_binding(state, parse_key(kind, key), kind)
    return forget_saved(state, kind, key) or removed


# --- copies kept across a binding change (docs/ENGINE.md, "Saved HTTP.sys options") ----------------------

#: Where the engine keeps them: ``HKLM\SOFTWARE\mtls.iis\HttpSysSaved``, one REG_SZ per record, named
#: ``<kind> <key>`` (registry value names are case-insensitive), holding the record as JSON.
SAVED_KEY = MTLS_KEY + "\\HttpSysSaved"

#: ``httpsys_save``'s arguments for the DefaultFlags bits ``httpsys_set`` keeps.
KEPT_FLAG_ARGS: dict[str, int] = {
    "reject": REJECT,
    "enable_token_binding": ENABLE_TOKEN_BINDING,
    "log_extended_events": LOG_EXTENDED_EVENTS,
    "enable_session_ticket": ENABLE_SESSION_TICKET,
    "disable_tls12": DISABLE_TLS12,
    "disable_session_id": DISABLE_SESSION_ID,
}

#: The fields of a saved record: ``httpsys_set``'s arguments without ``key`` and ``kind``, and the settings it keeps.
SAVED_FIELDS: tuple[str, ...] = (
    "certificate_hash",
    "certificate_store",
    "app_id",
    "negotiate_client_certificate",
    "ctl_store_name",
    "ds_mapper",
    "revocation",
    "revocation_freshness_seconds",
    "disable_tls13",
    "disable_legacy_tls",
    "disable_http2",
    "disable_quic",
    "disable_ocsp_stapling",
    *KEPT_FLAG_ARGS,
    "usage_check_disabled",
    "url_retrieval_timeout",
    "ctl_identifier",
)


def _saved_kept(state: State, kind: str, key: str) -> Record | None:
    """The kept settings of the copy ``httpsys_save`` kept for this record, as record fields; None when there is
    no copy or it has none (a copy written by an older engine)."""
    entry = hive.get_value(state, SAVED_KEY, f"{kind} {key}")
    saved = json.loads(entry["value"]) if entry is not None else {}
    if "reject" not in saved:
        return None
    return {
        "default_flags": sum(bit for name, bit in KEPT_FLAG_ARGS.items() if saved[name]),
        "cert_check_mode": CHECK_NO_USAGE_CHECK if saved["usage_check_disabled"] else 0,
        "revocation_url_retrieval_timeout": int(saved["url_retrieval_timeout"]),
        "ctl_identifier": saved["ctl_identifier"] or None,
    }


def httpsys_save(state: State, args: Mapping[str, Any]) -> bool:
    """Op ``httpsys_save``: keep a copy of a record's settings under the engine's own key, before a binding
    change makes IIS rewrite that record without its client-certificate options. Unchanged when the same
    copy is already there. Checked like ``httpsys_set``'s arguments, but no certificate is needed."""
    record_from_op(args)
    text = json.dumps({field: args[field] for field in SAVED_FIELDS}, sort_keys=True)
    return hive.set_value(state, SAVED_KEY, f"{args['kind']} {args['key']}", text, "REG_SZ")


def forget_saved(state: State, kind: str, key: str) -> bool:
    return hive.delete_value(state, SAVED_KEY, f"{kind} {key}")


def gather_saved(state: State) -> list[dict[str, Any]]:
    """``snapshot.httpsys_saved``: ``{"kind", "key", "record"}`` per kept copy, in stored order."""
    saved = []
    for name, entry in hive.all_values(state, SAVED_KEY).items():
        kind, _unused, key = name.partition(" ")
        saved.append({"kind": kind, "key": key, "record": json.loads(entry["value"])})
    return saved
