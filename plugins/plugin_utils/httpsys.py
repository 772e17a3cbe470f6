# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""HTTP.sys SSL records in the semantic form the ``httpsys_set`` op carries (docs/ENGINE.md).

IIS binding -> HTTP.sys key (REFERENCE.md, community-sourced): Central Certificate Store binding -> ``ccs``
``port`` (WINDOWS_FACTS HTTPSYS-10, BINDING-9); SNI binding -> ``hostnameport`` ``host:port``; otherwise ``ipport``
``0.0.0.0:port`` (or ``ip:port``). When IIS writes a record
after a binding or certificate change it uses its own app id and drops the client-certificate
options (win-acme issues 2153, 2831, 1768): :func:`iis_default_record` is that record.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from . import flags
from .snapshot import HttpSysBinding

IIS_APP_ID = "{4dc3e181-e14b-4a21-b022-59fc669b0914}"  # community-sourced (REFERENCE.md)
REVOCATION_MODES = ("online", "cached_only", "off")  # as the httpsys_set op carries them
#: user-facing choices of revocation_check ("off" would be YAML's boolean false) -> op value
REVOCATION_CHOICES = {"online": "online", "cached_only": "cached_only", "disabled": "off"}


def split_binding_information(binding_information: str) -> tuple[str, int, str]:
    """'ip:port:host' -> (ip, port, host); the ip may be a bracketed IPv6 address."""
    address, port, host = binding_information.rsplit(":", 2)
    return address, int(port), host


def httpsys_key(binding_information: str, ssl_flags: int) -> tuple[str, str]:
    ip, port, host = split_binding_information(binding_information)
    if ssl_flags & flags.BINDING_CCS:
        # One record per port for every Central Certificate Store binding of it (WINDOWS_FACTS HTTPSYS-10).
        return "ccs", str(port)
    if ssl_flags & flags.BINDING_SNI:
        return "hostnameport", f"{host}:{port}"
    return "ipport", f"{'0.0.0.0' if ip == '*' else ip}:{port}"


@dataclass(frozen=True)
class Record:
    certificate_hash: str
    certificate_store: str
    app_id: str = IIS_APP_ID
    negotiate_client_certificate: bool = False
    ctl_store_name: str | None = None
    ds_mapper: bool = False
    revocation: str = "online"
    revocation_freshness_seconds: int = 0
    disable_tls13: bool = False
    disable_legacy_tls: bool = False
    disable_http2: bool = False
    disable_quic: bool = False
    disable_ocsp_stapling: bool = False

    def _comparable(self) -> tuple:
        """Store names, app id and CTL store compare case-insensitively; the hash as upper-case hex."""
        return (
            self.certificate_hash.upper(),
            self.certificate_store.lower(),
            self.app_id.lower(),
            self.negotiate_client_certificate,
            (self.ctl_store_name or "").lower(),
            self.ds_mapper,
            self.revocation,
            self.revocation_freshness_seconds,
            self.disable_tls13,
            self.disable_legacy_tls,
            self.disable_http2,
            self.disable_quic,
            self.disable_ocsp_stapling,
        )

    def same_as(self, other: Record | None) -> bool:
        return other is not None and self._comparable() == other._comparable()

    def dropped_by_iis(self) -> frozenset[str]:
        """The fields IIS's rewrite of this record would reset (WINDOWS_FACTS HTTPSYS-4): the client
        certificate options and the app id; the certificate and TLS bits come from the binding."""
        default = Record(self.certificate_hash, self.certificate_store)
        return frozenset(name for name in REWRITE_DROPS if getattr(self, name) != getattr(default, name))

    def to_args(self, kind: str, key: str) -> dict[str, Any]:
        return {"key": key, "kind": kind, **asdict(self)}

    @classmethod
    def from_saved(cls, settings: dict[str, Any]) -> Record | None:
        """A record ``httpsys_save`` kept (its arguments without key and kind); None when it cannot be read."""
        try:
            return cls(**{name: settings[name] for name in cls.__dataclass_fields__ if name in settings})
        except TypeError:
            return None

    @classmethod
    def from_snapshot(cls, record: HttpSysBinding) -> Record:
        mode = record.cert_check_mode
        if mode & flags.CHECK_NO_REVOCATION:
            revocation = "off"
        elif mode & flags.CHECK_CACHED_ONLY:
            revocation = "cached_only"
        else:
            revocation = "online"
        bits = record.default_flags
        return cls(
            certificate_hash=record.cert_hash.upper(),
            # A ccs record names no certificate and no store (HTTPSYS-10); the others default to MY (HTTPSYS-7).
            certificate_store=record.cert_store or ("" if record.kind == "ccs" else "MY"),
            app_id=record.app_id or IIS_APP_ID,
            negotiate_client_certificate=bool(bits & flags.HTTPSYS_NEGOTIATE_CLIENT_CERT),
            ctl_store_name=record.ctl_store_name or None,
            ds_mapper=bool(bits & flags.HTTPSYS_DS_MAPPER),
            revocation=revocation,
            revocation_freshness_seconds=record.revocation_freshness_time if mode & flags.CHECK_FRESHNESS_TIME else 0,
            **{name: bool(bits & http_bit) for name, (_iis_bit, http_bit) in flags.TLS_OPTIONS.items()},
        )


#: Record fields IIS resets when it rewrites a record (the IIS app id, the client certificate options).
REWRITE_DROPS = (
    "app_id",
    "negotiate_client_certificate",
    "ctl_store_name",
    "ds_mapper",
    "revocation",
    "revocation_freshness_seconds",
)


#: DefaultFlags bits httpsys_set does not manage but keeps (issue 10 item 5, WINDOWS_FACTS HTTPSYS-8), by the name the
#: engine gives each setting.
KEPT_FLAGS = {
    "reject": 0x8,
    "enable_token_binding": 0x100,
    "log_extended_events": 0x200,
    "enable_session_ticket": 0x800,
    "disable_tls12": 0x1000,
    "disable_session_id": 0x4000,
}


def kept_settings(record: HttpSysBinding) -> dict[str, Any]:
    """The settings of a record httpsys_set keeps as they are (DefaultFlags bits, a disabled usage check, the URL
    retrieval timeout, the CTL identifier), in the names of the ``httpsys_save`` arguments. IIS drops them too when
    it rewrites the record (WINDOWS_FACTS HTTPSYS-4), so a saved copy holds them."""
    return {
        **{name: bool(record.default_flags & bit) for name, bit in KEPT_FLAGS.items()},
        "usage_check_disabled": bool(record.cert_check_mode & flags.CHECK_NO_USAGE_CHECK),
        "url_retrieval_timeout": record.revocation_url_retrieval_timeout,
        "ctl_identifier": record.ctl_identifier or "",
    }


def iis_default_record(certificate_hash: str, certificate_store: str, binding_flags: int) -> Record:
    """The record IIS writes for a binding: its TLS bits mirrored, client-certificate options gone; a Central
    Certificate Store binding's record names no certificate (WINDOWS_FACTS HTTPSYS-10, HTTPSYS-14)."""
    ccs = bool(binding_flags & flags.BINDING_CCS)
    return Record(
        certificate_hash="" if ccs else certificate_hash.upper(),
        certificate_store="" if ccs else certificate_store,
        negotiate_client_certificate=bool(binding_flags & flags.BINDING_NEGOTIATE_CLIENT_CERT),
        **{name: bool(binding_flags & iis_bit) for name, (iis_bit, _http_bit) in flags.TLS_OPTIONS.items()},
    )


def with_binding_tls(record: Record, binding_flags: int) -> Record:
    """The record with the TLS bits IIS mirrors from the binding's sslFlags."""
    tls = {name: bool(binding_flags & iis_bit) for name, (iis_bit, _http_bit) in flags.TLS_OPTIONS.items()}
    return replace(record, **tls)
