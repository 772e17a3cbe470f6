"""The trust planner: which ops for which host state. Pure, no host."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from ansible_collections.mtls.iis.plugins.plugin_utils.certs import describe
from ansible_collections.mtls.iis.plugins.plugin_utils.errors import OptionError
from ansible_collections.mtls.iis.plugins.plugin_utils.trust import TrustDesired, plan_trust
from support import pki
from support.snapshots import trust_snapshot

NOW = datetime.now(timezone.utc)


@pytest.fixture(scope="module")
def root():
    return pki.make_root("Contoso Root")


@pytest.fixture(scope="module")
def issuing(root):
    return pki.make_intermediate("Contoso Issuing CA", root)


def info(ca):
    return describe(ca.cert, source="certificates[0] (test)")


def summary(plan):
    return [(op.name, {k: v for k, v in op.args.items() if k != "der"}) for op in plan.ops]


def test_root_goes_to_root_and_intermediate_to_ca(root, issuing):
    plan = plan_trust(TrustDesired(certificates=(info(root), info(issuing))), trust_snapshot(), NOW)
    assert summary(plan) == [
        ("cert_import", {"store": "Root", "thumbprint": root.thumbprint}),
        ("cert_import", {"store": "CA", "thumbprint": issuing.thumbprint}),
    ]


def test_certificates_already_in_place_plan_nothing(root, issuing):
    desired = TrustDesired(certificates=(info(root), info(issuing)))
    assert plan_trust(desired, trust_snapshot(root=[root.der], ca=[issuing.der]), NOW).ops == ()


def test_non_self_signed_root_is_reported_not_touched(root, issuing):
    plan = plan_trust(TrustDesired(), trust_snapshot(root=[root.der, issuing.der]), NOW)
    assert plan.ops == ()
    assert any("403.16" in w and issuing.thumbprint in w and "non_self_signed_roots: move" in w for w in plan.warnings)


def test_move_mode_moves_non_self_signed_root_to_ca(root, issuing):
    plan = plan_trust(TrustDesired(non_self_signed_roots="move"), trust_snapshot(root=[root.der, issuing.der]), NOW)
    assert summary(plan) == [("cert_move", {"from_store": "Root", "to_store": "CA", "thumbprint": issuing.thumbprint})]


def test_cross_signed_ca_with_root_name_is_found_in_root(root):
    other = pki.make_root("Fabrikam Root")
    cross = pki.make_intermediate("Contoso Root", other)  # same subject as a root, issued by another CA
    plan = plan_trust(TrustDesired(non_self_signed_roots="move"), trust_snapshot(root=[root.der, cross.der]), NOW)
    assert [op.args["thumbprint"] for op in plan.ops] == [cross.thumbprint]


def test_listed_intermediate_sitting_in_root_is_moved_not_imported_twice(root, issuing):
    desired = TrustDesired(certificates=(info(issuing),), non_self_signed_roots="move")
    plan = plan_trust(desired, trust_snapshot(root=[issuing.der]), NOW)
    assert [op.name for op in plan.ops] == ["cert_move"]


def test_imports_come_before_moves_and_removals(root, issuing):
    stale = pki.make_root("Old Partner Root")
    desired = TrustDesired(
        certificates=(info(root),),
        client_auth_issuers=(info(issuing),),
        exclusive_client_auth_issuers=True,
        non_self_signed_roots="move",
    )
    plan = plan_trust(desired, trust_snapshot(root=[issuing.der], issuers=[stale.der]), NOW)
    names = [op.name for op in plan.ops]
    assert names == ["cert_import", "cert_import", "cert_move", "cert_remove"]


def test_missing_issuer_store_is_created_before_import(issuing):
    plan = plan_trust(TrustDesired(client_auth_issuers=(info(issuing),)), trust_snapshot(issuers=None), NOW)
    assert summary(plan) == [
        ("store_create", {"store": "ClientAuthIssuer"}),
        ("cert_import", {"store": "ClientAuthIssuer", "thumbprint": issuing.thumbprint}),
    ]


def test_exclusive_removes_only_unlisted_issuers(issuing):
    stale = pki.make_root("Old Partner Root")
    desired = TrustDesired(client_auth_issuers=(info(issuing),), exclusive_client_auth_issuers=True)
    plan = plan_trust(desired, trust_snapshot(issuers=[issuing.der, stale.der]), NOW)
    assert summary(plan) == [("cert_remove", {"store": "ClientAuthIssuer", "thumbprint": stale.thumbprint})]


def test_absent_removes_from_root_and_ca(root, issuing):
    desired = TrustDesired(certificates=(info(root), info(issuing)), state="absent")
    plan = plan_trust(desired, trust_snapshot(root=[root.der], ca=[issuing.der]), NOW)
    assert summary(plan) == [
        ("cert_remove", {"store": "Root", "thumbprint": root.thumbprint}),
        ("cert_remove", {"store": "CA", "thumbprint": issuing.thumbprint}),
    ]


def test_absent_by_thumbprint_removes_from_issuer_store(issuing):
    desired = TrustDesired(absent_client_auth_issuers=(issuing.thumbprint,), state="absent")
    plan = plan_trust(desired, trust_snapshot(issuers=[issuing.der]), NOW)
    assert summary(plan) == [("cert_remove", {"store": "ClientAuthIssuer", "thumbprint": issuing.thumbprint})]


def test_expired_ca_is_a_warning_not_an_error(root):
    old = pki.make_root("Retired Root", not_before=NOW - timedelta(days=800), not_after=NOW - timedelta(days=1))
    plan = plan_trust(TrustDesired(certificates=(info(old),)), trust_snapshot(), NOW)
    assert [op.name for op in plan.ops] == ["cert_import"]
    assert any("expired" in w and old.thumbprint in w for w in plan.warnings)


def _options(**overrides):
    base = {
        "certificates": [],
        "client_auth_issuers": [],
        "client_auth_issuer_store": "ClientAuthIssuer",
        "exclusive_client_auth_issuers": False,
        "non_self_signed_roots": "report",
        "state": "present",
    }
    return {**base, **overrides}


def _no_files(path: str, option: str) -> bytes:
    raise AssertionError("no file should be read")


def test_leaf_given_as_ca_is_refused_with_option_name(issuing):
    leaf = pki.make_leaf("client01", issuing, eku=["clientAuth"])
    args = _options(certificates=[{"content": leaf.pem}])
    with pytest.raises(OptionError, match=r"^certificates\[0\]: .*not a CA certificate"):
        TrustDesired.from_options(args, _no_files)


def test_thumbprint_with_state_present_is_refused():
    args = _options(certificates=[{"thumbprint": "3B1EFD3A66EA28B16697394703A72CA340A05BD5"}])
    with pytest.raises(OptionError, match=r"^certificates\[0\]\.thumbprint: "):
        TrustDesired.from_options(args, _no_files)


def test_exclusive_on_a_system_store_is_refused():
    args = _options(client_auth_issuer_store="root", exclusive_client_auth_issuers=True)
    with pytest.raises(OptionError, match=r"^exclusive_client_auth_issuers: .*LocalMachine\\Root"):
        TrustDesired.from_options(args, _no_files)


def test_file_reader_error_propagates_with_option(root):
    def reader(path: str, option: str) -> bytes:
        raise OptionError(option, f"file {path} was not found on the controller.")

    args = _options(certificates=[{"path": "missing.pem"}])
    with pytest.raises(OptionError, match=r"^certificates\[0\]\.path: file missing.pem was not found"):
        TrustDesired.from_options(args, reader)


def test_sha1_enterprise_root_goes_to_root_with_a_notice_not_a_warning():
    root = pki.make_root("Contoso Enterprise Root 2012", key_kind="rsa1024", signature="sha1")
    plan = plan_trust(TrustDesired(certificates=(info(root),)), trust_snapshot(), NOW)
    assert summary(plan) == [("cert_import", {"store": "Root", "thumbprint": root.thumbprint})]
    assert any("SHA-1" in n and root.thumbprint in n for n in plan.notices)
    assert not any("SHA-1" in w for w in plan.warnings)


def test_sha1_enterprise_root_in_root_is_never_moved():
    root = pki.make_root("Contoso Enterprise Root 2012", key_kind="rsa1024", signature="sha1")
    plan = plan_trust(TrustDesired(non_self_signed_roots="move"), trust_snapshot(root=[root.der]), NOW)
    assert plan.ops == () and plan.warnings == ()


def test_sha1_intermediate_is_a_warning():
    root = pki.make_root("Contoso Root", key_kind="rsa1024")
    inter = pki.make_intermediate("Contoso Issuing CA", root, signature="sha1")
    plan = plan_trust(TrustDesired(certificates=(info(root), info(inter))), trust_snapshot(), NOW)
    assert [w for w in plan.warnings if "SHA-1" in w and inter.thumbprint in w]


def test_ca_not_yet_valid_warns():
    future = pki.make_root("Next Year Root", not_before=NOW + timedelta(days=3))
    plan = plan_trust(TrustDesired(certificates=(info(future),)), trust_snapshot(), NOW)
    assert any("not valid before" in w and future.thumbprint in w for w in plan.warnings)


def test_rsa_key_under_2048_bits_warns_once_when_listed_twice():
    weak = pki.make_root("Legacy Root", key_kind="rsa1024")
    desired = TrustDesired(certificates=(info(weak),), client_auth_issuers=(info(weak),))
    plan = plan_trust(desired, trust_snapshot(), NOW)
    assert len([w for w in plan.warnings if "1024-bit RSA key" in w]) == 1


def test_p7b_bundle_places_root_and_intermediate(root, issuing):
    args = _options(certificates=[{"path": "chain.p7b"}])
    desired = TrustDesired.from_options(args, lambda path, option: pki.p7b([root, issuing]))
    plan = plan_trust(desired, trust_snapshot(), NOW)
    assert {op.args["thumbprint"]: op.args["store"] for op in plan.ops} == {
        root.thumbprint: "Root",
        issuing.thumbprint: "CA",
    }


def test_pfx_given_as_a_ca_certificate_is_refused_naming_it(root):
    args = _options(client_auth_issuers=[{"path": "issuing.pfx"}])
    with pytest.raises(OptionError, match=r"^client_auth_issuers\[0\]\.path: file issuing\.pfx is a PFX"):
        TrustDesired.from_options(args, lambda path, option: root.pfx("pw"))


def test_a_listed_intermediate_moved_out_of_root_does_not_stop_the_imports_after_it(root, issuing):
    desired = TrustDesired(certificates=(info(issuing), info(root)), non_self_signed_roots="move")
    plan = plan_trust(desired, trust_snapshot(root=[issuing.der]), NOW)
    assert summary(plan) == [
        ("cert_import", {"store": "Root", "thumbprint": root.thumbprint}),
        ("cert_move", {"from_store": "Root", "to_store": "CA", "thumbprint": issuing.thumbprint}),
    ]


@pytest.mark.parametrize("key_kind", ["ec", "p384", "rsa2048", "rsa4096"])
def test_a_sha256_root_with_a_strong_key_draws_no_warning_and_no_notice(key_kind):
    strong = pki.make_root(f"Strong {key_kind} Root", key_kind=key_kind)
    plan = plan_trust(TrustDesired(certificates=(info(strong),)), trust_snapshot(), NOW)
    assert (plan.warnings, plan.notices) == ((), ())


def test_a_1024_bit_rsa_root_is_called_weak_not_blocked():
    weak = pki.make_root("Legacy Root", key_kind="rsa1024")
    plan = plan_trust(TrustDesired(certificates=(info(weak),)), trust_snapshot(), NOW)
    assert [w for w in plan.warnings if "-bit" in w] == [
        f"certificates[0] (test): {describe(weak.cert).label} has a 1024-bit RSA key. Windows accepts it, but it is "
        "weak: renew the CA with 2048 bits or more."
    ]


def test_options_parsed_from_json_as_the_action_receives_them_plan_the_same_imports(root):
    # strings parsed from JSON are new objects, never the interned literals of the code: equality, not identity
    args = json.loads(json.dumps(_options(certificates=[{"content": root.pem}])))
    plan = plan_trust(TrustDesired.from_options(args, _no_files), trust_snapshot(), NOW)
    assert summary(plan) == [("cert_import", {"store": "Root", "thumbprint": root.thumbprint})]
