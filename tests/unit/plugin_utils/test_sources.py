"""CA certificates and thumbprints taken from a list option (sources.py)."""

from __future__ import annotations

from ansible_collections.mtls.iis.plugins.plugin_utils.sources import load_ca_sources
from support import pki


def test_every_thumbprint_of_the_list_is_taken_and_the_certificates_after_them():
    root = pki.make_root("Contoso Root")
    items = [{"thumbprint": "ab" * 20}, {"thumbprint": "CD" * 20}, {"content": root.pem}]
    certs, thumbprints = load_ca_sources(items, "certificates", lambda path, option: b"", allow_thumbprints=True)
    assert thumbprints == ["AB" * 20, "CD" * 20]
    assert [c.thumbprint for c in certs] == [root.thumbprint]
