"""Client chains built like Windows builds them: client-sent + LocalMachine\\CA + LocalMachine\\Root."""

from __future__ import annotations

from datetime import datetime, timezone

from ansible_collections.mtls.iis.plugins.plugin_utils.chain import ADMIN, CLIENT, build_chain, candidate, verify
from support import pki

NOW = datetime.now(timezone.utc)


def test_chain_through_client_sent_intermediate_to_trusted_root():
    root = pki.make_root("Root")
    inter = pki.make_intermediate("Issuing", root)
    leaf = pki.make_leaf("alice", inter)
    chain = build_chain(
        candidate(leaf.cert, CLIENT),
        [candidate(inter.cert, CLIENT), candidate(root.cert, "LocalMachine\\Root")],
        NOW,
    )
    assert chain.complete
    assert [c.source for c in chain.links] == [CLIENT, CLIENT, "LocalMachine\\Root"]


def test_missing_intermediate_leaves_the_chain_incomplete():
    root = pki.make_root("Root")
    leaf = pki.make_leaf("alice", pki.make_intermediate("Issuing", root))
    chain = build_chain(candidate(leaf.cert, CLIENT), [candidate(root.cert, "LocalMachine\\Root")], NOW)
    assert not chain.complete and len(chain.links) == 1


def test_cross_signed_ca_yields_to_the_self_signed_root_in_root_store():
    other = pki.make_root("Other Root")
    root = pki.make_root("Contoso Root")
    cross = pki.make_cross_signed(root, other)
    inter = pki.make_intermediate("Issuing", root)
    leaf = pki.make_leaf("alice", inter)
    pool = [
        candidate(cross.cert, "LocalMachine\\CA"),
        candidate(inter.cert, "LocalMachine\\CA"),
        candidate(root.cert, "LocalMachine\\Root"),
    ]
    chain = build_chain(candidate(leaf.cert, CLIENT), pool, NOW)
    assert chain.anchor.info.thumbprint == root.thumbprint


def test_cross_signed_path_is_used_when_only_the_other_root_is_trusted():
    other = pki.make_root("Other Root")
    root = pki.make_root("Contoso Root")
    cross = pki.make_cross_signed(root, other)
    inter = pki.make_intermediate("Issuing", root)
    leaf = pki.make_leaf("alice", inter)
    pool = [candidate(cross.cert, CLIENT), candidate(inter.cert, CLIENT), candidate(other.cert, "LocalMachine\\Root")]
    chain = build_chain(candidate(leaf.cert, CLIENT), pool, NOW)
    assert [c.info.thumbprint for c in chain.links] == [
        leaf.thumbprint,
        inter.thumbprint,
        cross.thumbprint,
        other.thumbprint,
    ]


def test_valid_issuer_preferred_over_an_expired_one_with_the_same_key():
    root = pki.make_root("Root")
    key = pki.new_key()
    old = pki.make_intermediate("Issuing", root, key=key, not_before=pki.days(-900), not_after=pki.days(-1))
    new = pki.make_intermediate("Issuing", root, key=key)
    leaf = pki.make_leaf("alice", new)
    pool = [
        candidate(old.cert, "LocalMachine\\CA"),
        candidate(new.cert, "LocalMachine\\CA"),
        candidate(root.cert, "LocalMachine\\Root"),
    ]
    assert build_chain(candidate(leaf.cert, CLIENT), pool, NOW).links[1].info.thumbprint == new.thumbprint


def test_verifier_accepts_a_client_certificate_without_san():
    root = pki.make_root("Root")
    inter = pki.make_intermediate("Issuing", root)
    leaf = pki.make_leaf("alice", inter, san=None)
    verdict = verify(candidate(leaf.cert, CLIENT), [candidate(inter.cert, CLIENT)], [candidate(root.cert, ADMIN)], NOW)
    assert verdict.valid, verdict.error


def test_verifier_rejects_an_expired_intermediate_and_says_where_it_differs_from_windows():
    root = pki.make_root("Root")
    inter = pki.make_intermediate("Issuing", root, not_before=pki.days(-900), not_after=pki.days(-1))
    leaf = pki.make_leaf("alice", inter, not_before=pki.days(-10))
    verdict = verify(candidate(leaf.cert, CLIENT), [candidate(inter.cert, CLIENT)], [candidate(root.cert, ADMIN)], NOW)
    assert not verdict.valid
    assert "revocation" in verdict.note and "AIA" in verdict.note and "NTAuth" in verdict.note
