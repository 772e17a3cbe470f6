"""Client chains built like Windows builds them: client-sent + LocalMachine\\CA + LocalMachine\\Root."""

from __future__ import annotations

from datetime import datetime, timezone

from ansible_collections.mtls.iis.plugins.plugin_utils.chain import ADMIN, CLIENT, build_chain, candidate, verify
from cryptography import x509
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


def test_two_cas_cross_signing_each_other_end_the_search():
    a_key, b_key = pki.new_key(), pki.new_key()
    a = pki.make_root("CA A", key=a_key)
    b = pki.make_root("CA B", key=b_key)
    a_by_b = pki.make_intermediate("CA A", b, key=a_key, path_length=None)
    b_by_a = pki.make_intermediate("CA B", a, key=b_key, path_length=None)
    leaf = pki.make_leaf("alice", a)
    pool = [candidate(c.cert, "LocalMachine\\CA") for c in (a_by_b, b_by_a)] + [candidate(b.cert, "LocalMachine\\Root")]
    chain = build_chain(candidate(leaf.cert, CLIENT), pool, NOW)
    assert chain.trusted and chain.anchor.info.thumbprint == b.thumbprint


def test_a_trusted_path_is_preferred_to_a_shorter_untrusted_one():
    root = pki.make_root("Contoso Root")
    other = pki.make_root("Fabrikam Root")
    cross = pki.make_cross_signed(root, other)
    leaf = pki.make_leaf("alice", root)
    pool = [candidate(root.cert, CLIENT), candidate(cross.cert, CLIENT), candidate(other.cert, "LocalMachine\\Root")]
    chain = build_chain(candidate(leaf.cert, CLIENT), pool, NOW)
    assert [c.info.thumbprint for c in chain.links] == [leaf.thumbprint, cross.thumbprint, other.thumbprint]


def test_the_usage_check_off_ignores_a_ca_eku_without_client_auth():
    root = pki.make_root("Root")
    inter = pki.make_intermediate("Server CA", root, eku=("serverAuth",))
    leaf = pki.make_leaf("alice", inter)
    pool = [candidate(inter.cert, CLIENT), candidate(root.cert, "LocalMachine\\Root")]
    on = build_chain(candidate(leaf.cert, CLIENT), pool, NOW)
    off = build_chain(candidate(leaf.cert, CLIENT), pool, NOW, usage_check=False)
    assert [p.code for p in on.errors] == ["CA_EKU_EXCLUDES_CLIENT_AUTH"] and off.errors == ()


def test_other_name_constraint_forms_are_cannot_tell():
    root = pki.make_root("Root")
    constrained = pki.make_intermediate("Constrained CA", root, permitted=["O=Contoso"])
    leaf = pki.make_leaf("alice", constrained, san=("alice.contoso.com",))
    pool = [candidate(constrained.cert, CLIENT), candidate(root.cert, "LocalMachine\\Root")]
    chain = build_chain(candidate(leaf.cert, CLIENT), pool, NOW)
    assert [p.code for p in chain.unknowns] == ["NAME_CONSTRAINTS_NOT_EVALUATED"]


def test_an_ed25519_signed_chain_is_cannot_tell_on_windows():
    root = pki.make_root("Ed Root", key_kind="ed25519")
    leaf = pki.make_leaf("alice", root)
    chain = build_chain(candidate(leaf.cert, CLIENT), [candidate(root.cert, "LocalMachine\\Root")], NOW)
    assert chain.trusted and [p.code for p in chain.unknowns] == ["EDDSA_SIGNATURE"] and chain.errors == ()


def _constrained_chain(leaf_name: x509.Name):
    root = pki.make_root("Root")
    constrained = pki.make_intermediate("Constrained CA", root, permitted=["O=Contoso"])
    leaf = pki.make_leaf(leaf_name, constrained)
    pool = [candidate(constrained.cert, CLIENT), candidate(root.cert, "LocalMachine\\Root")]
    return build_chain(candidate(leaf.cert, CLIENT), pool, NOW)


def _name(organization: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(x509.NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(x509.NameOID.COMMON_NAME, "alice"),
        ]
    )


def test_a_subject_inside_the_permitted_directory_name_passes_the_name_constraints():
    chain = _constrained_chain(_name("Contoso"))
    assert (chain.errors, chain.unknowns) == ((), ())


def test_a_subject_outside_the_permitted_directory_name_violates_the_name_constraints():
    chain = _constrained_chain(_name("Fabrikam"))
    assert chain.errors


def test_an_intermediate_without_basic_constraints_cannot_be_judged():
    root = pki.make_root("Root")
    legacy = pki.make_intermediate("Legacy CA", root, ca=None)
    leaf = pki.make_leaf("alice", legacy)
    pool = [candidate(legacy.cert, CLIENT), candidate(root.cert, "LocalMachine\\Root")]
    chain = build_chain(candidate(leaf.cert, CLIENT), pool, NOW)
    assert [p.code for p in chain.unknowns] == ["NO_BASIC_CONSTRAINTS"]
