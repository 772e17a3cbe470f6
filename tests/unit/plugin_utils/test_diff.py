"""Diff views: the after view is the before view with the plan projected onto it."""

from __future__ import annotations

from datetime import datetime, timezone

import yaml
from ansible_collections.mtls.iis.plugins.plugin_utils.certs import describe
from ansible_collections.mtls.iis.plugins.plugin_utils.diff import diff_for
from ansible_collections.mtls.iis.plugins.plugin_utils.trust import TrustDesired, plan_trust, trust_view
from support import pki
from support.snapshots import trust_snapshot

NOW = datetime.now(timezone.utc)
STORES = "certificate stores (LocalMachine)"


def stores(text: str) -> dict:
    return yaml.safe_load(text)[STORES]


def test_moved_certificate_leaves_root_and_appears_in_ca():
    root = pki.make_root("Contoso Root")
    issuing = pki.make_intermediate("Contoso Issuing CA", root)
    desired = TrustDesired(non_self_signed_roots="move")
    snap = trust_snapshot(root=[root.der, issuing.der])
    diff = diff_for(trust_view(desired, snap), plan_trust(desired, snap, NOW), "trusted CA certificates")
    label = f"CN=Contoso Issuing CA ({issuing.thumbprint})"
    before, after = stores(diff["before"]), stores(diff["after"])
    assert (label in before["Root"], label in before["CA"]) == (True, False)
    assert (label in after["Root"], label in after["CA"]) == (False, True)


def test_missing_store_is_shown_as_missing_then_filled():
    root = pki.make_root("Contoso Root")
    desired = TrustDesired(client_auth_issuers=(describe(root.cert),))
    snap = trust_snapshot(issuers=None)
    diff = diff_for(trust_view(desired, snap), plan_trust(desired, snap, NOW), "trust")
    assert stores(diff["before"])["ClientAuthIssuer"] == "(store does not exist)"
    assert stores(diff["after"])["ClientAuthIssuer"] == [f"CN=Contoso Root ({root.thumbprint})"]


class TaggedInt(int):
    """What ansible-core >= 2.19 hands an action for an integer option: a subclass of int (_AnsibleTaggedInt)."""


def test_integers_of_a_subclass_render_like_plain_integers():
    from ansible_collections.mtls.iis.plugins.plugin_utils.diff import render

    text = render({"tracing": {"Default Web Site": {"enabled": True, "max_log_files": TaggedInt(20)}}})
    assert "max_log_files: 20" in text
