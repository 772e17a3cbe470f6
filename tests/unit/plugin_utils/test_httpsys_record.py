"""HTTP.sys records as gathered: DefaultFlags and CertCheckMode bits read one by one (httpsys.Record)."""

from __future__ import annotations

from ansible_collections.mtls.iis.plugins.plugin_utils.httpsys import Record
from ansible_collections.mtls.iis.plugins.plugin_utils.snapshot import HttpSysBinding


def _record(default_flags: int) -> Record:
    return Record.from_snapshot(HttpSysBinding("0.0.0.0:443", "ipport", "AB" * 20, "MY", default_flags=default_flags))


def test_the_ds_mapper_bit_alone_is_read_as_the_ds_mapper_and_nothing_else():
    record = _record(0x1)
    assert record.ds_mapper is True
    assert (record.disable_tls13, record.negotiate_client_certificate) == (False, False)


def test_the_tls13_bit_alone_is_read_as_tls13_disabled_and_nothing_else():
    record = _record(0x40)
    assert (record.disable_tls13, record.ds_mapper, record.disable_quic) == (True, False, False)


def test_a_record_that_skips_revocation_checks_still_checks_usage():
    record = HttpSysBinding("0.0.0.0:443", "ipport", "AB" * 20, "MY", cert_check_mode=0x1)
    assert record.usage_check is True


def test_a_record_with_the_usage_check_bit_does_not_check_usage():
    record = HttpSysBinding("0.0.0.0:443", "ipport", "AB" * 20, "MY", cert_check_mode=0x10000)
    assert record.usage_check is False
