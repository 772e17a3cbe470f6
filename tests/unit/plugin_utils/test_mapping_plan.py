"""The certificate mapping planner."""

from __future__ import annotations

import pytest
from ansible_collections.mtls.iis.plugins.plugin_utils.errors import OptionError
from ansible_collections.mtls.iis.plugins.plugin_utils.mapping import MappingDesired, plan_mapping
from support import pki
from support.snapshots import auth_snapshot, https_binding

SITE = "Default Web Site"
PASSWORD = "Map-Pa55!"


@pytest.fixture(scope="module")
def issuing():
    return pki.make_intermediate("Contoso Client CA", pki.make_root("Contoso Root"))


@pytest.fixture(scope="module")
def clients(issuing):
    return pki.make_leaf("client01", issuing), pki.make_leaf("client02", issuing)


def options(**overrides):
    base = dict.fromkeys(
        [
            "enabled",
            "logon_method",
            "default_logon_domain",
            "one_to_one_enabled",
            "many_to_one_enabled",
            "one_to_one",
            "many_to_one",
            "ad_mapping",
            "anonymous_authentication",
        ]
    )
    return {
        **base,
        "site": SITE,
        "exclusive": False,
        "update_password": "on_create",
        "install_feature": True,
        "clear_below_site": False,
        **overrides,
    }


def desired(**overrides):
    return MappingDesired.from_options(options(**overrides), lambda path, option: b"")


def one(cert, user="CONTOSO\\svc", password=PASSWORD):
    return {"content": cert.pem, "user": user, "password": password, "enabled": True}


RULES = (
    {"field": "issuer", "subfield": "CN", "match": "Contoso Client CA", "case_sensitive": True},
    {"field": "subject", "subfield": "O", "match": "Fabrikam*", "case_sensitive": False},
)


def many(name="partners", user="CONTOSO\\partners", password=PASSWORD, rules=RULES):
    return {
        "name": name,
        "description": "",
        "user": user,
        "password": password,
        "permission": "allow",
        "enabled": True,
        "rules": list(rules),
    }


def existing(clients, with_many=True):
    return {
        "enabled": True,
        "one_to_one_enabled": True,
        "many_to_one_enabled": True,
        "logon_method": "ClearText",
        "default_logon_domain": "",
        "one_to_one": [{"certificate": c.der_b64, "user": "CONTOSO\\svc", "enabled": True} for c in clients],
        "many_to_one": [
            {
                "name": "partners",
                "description": "",
                "enabled": True,
                "permission": "Allow",
                "user": "CONTOSO\\partners",
                "rules": [
                    {"field": "Issuer", "subfield": "CN", "match": "Contoso Client CA", "case_sensitive": True},
                    {"field": "Subject", "subfield": "O", "match": "Fabrikam*", "case_sensitive": False},
                ],
            }
        ]
        if with_many
        else [],
    }


def names(plan):
    return [op.name for op in plan.ops]


def test_new_mappings_are_created_with_password_references(clients):
    plan = plan_mapping(
        desired(enabled=True, one_to_one=[one(c) for c in clients], many_to_one=[many()]),
        auth_snapshot(iis_mapping=existing([], with_many=False) | {"enabled": False}),
    )
    assert names(plan) == ["one_to_one_set", "one_to_one_set", "many_to_one_set", "auth_set"]
    assert [op.args["password_ref"] for op in plan.ops[:3]] == ["m0", "m1", "m2"]
    assert set(plan.secrets.values()) == {PASSWORD}
    assert PASSWORD not in repr(plan.to_wire())


def test_converged_mappings_plan_nothing_with_on_create(clients):
    plan = plan_mapping(
        desired(enabled=True, one_to_one=[one(c) for c in clients], many_to_one=[many()]),
        auth_snapshot(iis_mapping=existing(clients)),
    )
    assert plan.ops == ()


def test_update_password_always_rewrites_every_password(clients):
    plan = plan_mapping(
        desired(one_to_one=[one(c) for c in clients], update_password="always"),
        auth_snapshot(iis_mapping=existing(clients)),
    )
    assert names(plan) == ["one_to_one_set", "one_to_one_set"]
    assert all("password_ref" in op.args for op in plan.ops)


def test_exclusive_removes_unlisted_mappings(clients):
    plan = plan_mapping(
        desired(one_to_one=[one(clients[0])], many_to_one=[], exclusive=True),
        auth_snapshot(iis_mapping=existing(clients)),
    )
    assert names(plan) == ["one_to_one_remove", "many_to_one_remove"]
    assert plan.ops[0].args["certificate"] == clients[1].der_b64


def test_changed_rules_update_the_mapping_without_password(clients):
    rules = [{**RULES[0], "match": "Other CA"}]
    plan = plan_mapping(desired(many_to_one=[many(rules=rules)]), auth_snapshot(iis_mapping=existing(clients)))
    assert names(plan) == ["many_to_one_set"]
    assert "password_ref" not in plan.ops[0].args


def test_missing_feature_is_installed_first(clients):
    plan = plan_mapping(
        desired(enabled=True, one_to_one=[one(clients[0])]),
        auth_snapshot(iis_mapping=None, features={"Web-Cert-Auth": False, "Web-Client-Auth": False}),
    )
    assert names(plan)[0] == "feature_install"
    assert plan.ops[0].args == {"name": "Web-Cert-Auth"}


def test_missing_feature_without_install_feature_is_an_error(clients):
    with pytest.raises(OptionError, match=r"^enabled: needs the Windows feature Web-Cert-Auth"):
        plan_mapping(
            desired(enabled=True, install_feature=False),
            auth_snapshot(iis_mapping=None, features={"Web-Cert-Auth": False}),
        )


def test_many_to_one_with_ad_mapping_is_refused(clients):
    with pytest.raises(OptionError, match=r"^ad_mapping: IIS many-to-one mappings and Active Directory mapping"):
        plan_mapping(
            desired(enabled=True, many_to_one=[many()], ad_mapping=True), auth_snapshot(iis_mapping=existing(clients))
        )


def test_switching_from_many_to_one_to_ad_turns_off_before_on(clients):
    plan = plan_mapping(
        desired(many_to_one_enabled=False, ad_mapping=True), auth_snapshot(iis_mapping=existing(clients))
    )
    assert [(op.name, op.args["section"]) for op in plan.ops] == [
        ("auth_set", "iis_mapping"),
        ("auth_set", "ad_mapping"),
    ]


def test_ad_mapping_without_ds_mapper_on_bindings_warns(clients):
    plan = plan_mapping(desired(ad_mapping=True), auth_snapshot(iis_mapping=existing(clients, with_many=False)))
    assert any("DS mapper" in w for w in plan.warnings)


def test_path_below_site_is_refused():
    with pytest.raises(OptionError, match=r"^site: 'Default Web Site/api' is below site level"):
        desired(site="Default Web Site/api")


def test_mappings_configured_below_site_are_reported(clients):
    plan = plan_mapping(desired(), auth_snapshot(iis_mapping=existing(clients), below_site=[f"{SITE}/api"]))
    assert any("below site level" in w for w in plan.warnings)


def test_ca_certificate_as_one_to_one_is_refused(issuing):
    with pytest.raises(OptionError, match=r"^one_to_one\[0\]: .*is a CA certificate"):
        desired(one_to_one=[one(issuing)])


def test_private_key_as_one_to_one_is_refused(clients):
    with pytest.raises(OptionError, match=r"private key"):
        desired(one_to_one=[{**one(clients[0]), "content": clients[0].key_pem}])


def test_duplicate_one_to_one_certificate_is_refused(clients):
    with pytest.raises(OptionError, match=r"^one_to_one\[1\]: .*already mapped by one_to_one\[0\]"):
        desired(one_to_one=[one(clients[0]), one(clients[0], user="other")])


def test_duplicate_many_to_one_name_is_refused():
    with pytest.raises(OptionError, match=r"^many_to_one\[1\]\.name: 'Partners' is already used"):
        desired(many_to_one=[many(), many(name="Partners")])


def ip_record(key, default_flags):
    return {"key": key, "kind": "ipport", "cert_hash": "AB" * 20, "cert_store": "MY", "default_flags": default_flags}


def ds_warnings(plan):
    return [w for w in plan.warnings if "DS mapper" in w]


def test_ad_mapping_warning_names_the_bindings_without_the_ds_mapper(clients):
    snap = auth_snapshot(
        iis_mapping=existing(clients, with_many=False),
        bindings=[https_binding("*:443:"), https_binding("*:8443:")],
        httpsys=[ip_record("0.0.0.0:443", 0x1), ip_record("0.0.0.0:8443", 0x2)],
    )
    assert ds_warnings(plan_mapping(desired(ad_mapping=True), snap)) == [
        "Active Directory client certificate mapping needs the DS mapper on the site's https bindings, and *:8443: "
        "of 'Default Web Site' lack it: set ds_mapper: true with mtls.iis.site_binding."
    ]


def test_ad_mapping_warning_says_when_the_site_has_no_https_binding(clients):
    plan = plan_mapping(desired(ad_mapping=True), auth_snapshot(iis_mapping=existing(clients, with_many=False)))
    assert ds_warnings(plan) == [
        "Active Directory client certificate mapping needs the DS mapper on the site's https bindings, and no https "
        "binding of 'Default Web Site' lack it: set ds_mapper: true with mtls.iis.site_binding."
    ]


def test_ad_mapping_draws_no_ds_warning_when_every_binding_has_the_ds_mapper(clients):
    snap = auth_snapshot(
        iis_mapping=existing(clients, with_many=False),
        bindings=[https_binding("*:443:")],
        httpsys=[ip_record("0.0.0.0:443", 0x1 | 0x2)],
    )
    assert ds_warnings(plan_mapping(desired(ad_mapping=True), snap)) == []


def test_one_to_one_summaries_say_add_for_a_new_mapping_and_update_for_a_changed_one(clients):
    host = existing(clients[:1], with_many=False)
    plan = plan_mapping(
        desired(one_to_one=[one(clients[0], user="CONTOSO\\other"), one(clients[1])]), auth_snapshot(iis_mapping=host)
    )
    assert [op.summary.split(" one-to-one")[0] for op in plan.ops] == ["update", "add"]


def test_a_many_to_one_description_is_written_as_given(clients):
    plan = plan_mapping(
        desired(many_to_one=[{**many(), "description": "Fabrikam partners"}]),
        auth_snapshot(iis_mapping=existing(clients)),
    )
    assert [(op.name, op.args["description"]) for op in plan.ops] == [("many_to_one_set", "Fabrikam partners")]


def test_turning_anonymous_authentication_off_is_planned(clients):
    plan = plan_mapping(desired(anonymous_authentication=False), auth_snapshot(iis_mapping=existing(clients)))
    assert [(op.name, op.args["section"], op.args["attributes"]) for op in plan.ops] == [
        ("auth_set", "anonymous", {"enabled": False})
    ]


def test_ad_mapping_left_as_it_is_draws_no_iisreset_warning(clients):
    snap = auth_snapshot(iis_mapping=existing(clients, with_many=False), ad_mapping=True)
    assert [w for w in plan_mapping(desired(ad_mapping=True), snap).warnings if "iisreset" in w] == []


def test_a_converged_one_to_one_mapping_does_not_stop_planning_the_next(clients):
    host = existing(clients[:1], with_many=False)
    plan = plan_mapping(desired(one_to_one=[one(clients[0]), one(clients[1])]), auth_snapshot(iis_mapping=host))
    assert [(op.name, op.args["certificate"]) for op in plan.ops] == [("one_to_one_set", clients[1].der_b64)]


def wrapped(blob: str) -> str:
    """A certificate blob with line breaks, as IIS Manager or a hand edit may store it (WINDOWS_FACTS AUTH-6)."""
    return "\r\n".join(blob[i : i + 64] for i in range(0, len(blob), 64))


def test_a_many_to_one_name_in_another_case_is_the_same_mapping_renamed(clients):
    # Issue 10 item 13: IIS keys names case-insensitively (IISCONFIG-7); 'Partners' updates 'partners'.
    plan = plan_mapping(desired(many_to_one=[many(name="Partners")]), auth_snapshot(iis_mapping=existing(clients)))
    assert names(plan) == ["many_to_one_set"]
    assert plan.ops[0].args["name"] == "Partners"
    assert "rename 'partners' to 'Partners'" in plan.ops[0].summary
    assert "password_ref" not in plan.ops[0].args


def test_two_rules_with_the_same_field_subfield_and_match_are_refused_on_the_controller():
    rule = {"field": "subject", "subfield": "o", "match": "FABRIKAM*", "case_sensitive": True}
    with pytest.raises(OptionError) as raised:
        desired(many_to_one=[many(rules=[*RULES, rule])])
    assert raised.value.option == "many_to_one[0].rules[2]"
    assert "repeats many_to_one[0].rules[1]" in str(raised.value)


def test_a_one_to_one_mapping_stored_with_line_breaks_is_rewritten_with_its_password(clients):
    # Issue 10 item 15: gather keeps the stored whitespace; IIS never matches it, so it is drift.
    current = existing(clients[:1], with_many=False)
    current["one_to_one"][0]["certificate"] = wrapped(clients[0].der_b64)
    plan = plan_mapping(desired(one_to_one=[one(clients[0])]), auth_snapshot(iis_mapping=current))
    assert names(plan) == ["one_to_one_set"]
    assert plan.ops[0].args["certificate"] == clients[0].der_b64
    assert plan.ops[0].args["password_ref"] == "m0"
    assert "stored with line breaks" in plan.ops[0].summary


def test_rewriting_a_mapping_stored_with_line_breaks_without_its_password_is_refused(clients):
    current = existing(clients[:1], with_many=False)
    current["one_to_one"][0]["certificate"] = wrapped(clients[0].der_b64)
    with pytest.raises(OptionError) as raised:
        plan_mapping(desired(one_to_one=[one(clients[0], password=None)]), auth_snapshot(iis_mapping=current))
    assert raised.value.option == "one_to_one[0].password"


def inherited(clients):
    current = existing(clients)
    for mapping in [*current["one_to_one"], *current["many_to_one"]]:
        mapping["inherited"] = True
    return current


def test_mappings_inherited_from_the_server_level_and_as_wanted_plan_nothing(clients):
    plan = plan_mapping(
        desired(one_to_one=[one(c) for c in clients], many_to_one=[many()]),
        auth_snapshot(iis_mapping=inherited(clients)),
    )
    assert plan.ops == ()


def test_changing_a_mapping_inherited_from_the_server_level_is_refused_on_the_controller(clients):
    # WINDOWS_FACTS AUTH-7: the collections have no remove element.
    with pytest.raises(OptionError) as raised:
        plan_mapping(desired(many_to_one=[many(user="CONTOSO\\other")]), auth_snapshot(iis_mapping=inherited(clients)))
    assert raised.value.option == "many_to_one[0]"
    assert "inherited from the server level" in str(raised.value)


def test_exclusive_refuses_to_remove_an_inherited_mapping(clients):
    with pytest.raises(OptionError) as raised:
        plan_mapping(
            desired(one_to_one=[one(clients[0])], exclusive=True), auth_snapshot(iis_mapping=inherited(clients))
        )
    assert raised.value.option == "exclusive"
    assert "cannot remove it at the site" in str(raised.value)


def test_clear_below_site_removes_the_mapping_configuration_ignored_below_the_site(clients):
    snapshot = auth_snapshot(iis_mapping=existing(clients), below_site=["Default Web Site/api", "Default Web Site/x/y"])
    plan = plan_mapping(desired(clear_below_site=True), snapshot)
    assert [(op.name, op.args) for op in plan.ops] == [
        ("section_clear", {"location": "Default Web Site/api", "section": "iis_mapping"}),
        ("section_clear", {"location": "Default Web Site/x/y", "section": "iis_mapping"}),
    ]
    assert plan.warnings == ()


def test_without_clear_below_site_the_ignored_configuration_is_a_warning_naming_the_option(clients):
    snapshot = auth_snapshot(iis_mapping=existing(clients), below_site=["Default Web Site/api"])
    plan = plan_mapping(desired(), snapshot)
    assert plan.ops == ()
    assert any("clear_below_site: true" in warning for warning in plan.warnings)
