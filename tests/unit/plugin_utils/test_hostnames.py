"""Host names of https bindings: the ASCII form IIS stores and the form the user wrote."""

from __future__ import annotations

from ansible_collections.mtls.iis.plugins.plugin_utils.hostnames import binding_host


def test_an_internationalised_host_name_is_shown_in_both_forms():
    assert binding_host("münchen.de", "host").shown == "xn--mnchen-3ya.de (münchen.de)"


def test_an_ascii_host_name_is_shown_once():
    assert binding_host("www.contoso.com", "host").shown == "www.contoso.com"
