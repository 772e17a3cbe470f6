"""How the Schannel values are shown (diffs, info): the trust mode by name, the issuer list on or off."""

from __future__ import annotations

from ansible_collections.mtls.iis.plugins.plugin_utils.schannel_values import display


def test_the_trust_mode_is_shown_with_its_name():
    assert display("ClientAuthTrustMode", 2) == "2 (exclusive_ca)"


def test_the_issuer_list_is_shown_on_or_off():
    assert (display("SendTrustedIssuerList", 1), display("SendTrustedIssuerList", 0)) == ("1 (on)", "0 (off)")
