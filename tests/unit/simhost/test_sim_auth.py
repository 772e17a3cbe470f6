"""IIS authentication sections and client certificate mappings: gather ``auth_sites`` and the auth ops."""

from __future__ import annotations

import base64
import copy
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from simhost import seed
from simhost.errors import OpError
from simhost.host import SimulatedHost
from simhost.runner import run_module
from support.pki import Issued, make_leaf
from winmodel.state import State, load_state, new_state, save_state

SITE = "Default Web Site"
SECRET = "Pa55-mapping-secret-7f3e"
OTHER_SECRET = "An0ther-mapping-secret-91c2"
PARTNER_RULES = [{"field": "Subject", "subfield": "O", "match": "Fabrikam*", "case_sensitive": True}]


@pytest.fixture(scope="module")
def bob(chain) -> Issued:
    return make_leaf("bob", chain.intermediate)


@pytest.fixture
def mapped(state: State) -> State:
    """A host with both certificate mapping features installed."""
    seed.install_feature(state, "Web-Cert-Auth")
    seed.install_feature(state, "Web-Client-Auth")
    return state


def gather(state: State, *sites: str) -> dict[str, Any]:
    return SimulatedHost(state).gather({"auth_sites": list(sites or [SITE])})["auth"]


def apply(state: State, *ops: dict[str, Any], secrets: dict[str, Any] | None = None) -> dict[str, Any]:
    return SimulatedHost(state).apply(list(ops), secrets or {})


def auth_set(section: str, location: str = SITE, **attributes: Any) -> dict[str, Any]:
    return {"op": "auth_set", "location": location, "section": section, "attributes": attributes}


def one_to_one(cert: Issued | str, user: Any = "CONTOSO\\alice", enabled: bool = True, **extra: Any) -> dict[str, Any]:
    blob = cert if isinstance(cert, str) else cert.der_b64
    return {"op": "one_to_one_set", "location": SITE, "certificate": blob, "user": user, "enabled": enabled, **extra}


def many_to_one(
    name: str = "partners", rules: list[dict[str, Any]] | None = None, user: Any = "CONTOSO\\svc-partners", **extra: Any
) -> dict[str, Any]:
    op = {
        "op": "many_to_one_set",
        "location": SITE,
        "name": name,
        "description": "",
        "enabled": True,
        "permission": "Allow",
        "user": user,
        "rules": PARTNER_RULES if rules is None else rules,
    }
    op.update(extra)
    return op


def failed(result: dict[str, Any], complaint: str) -> None:
    assert result["failed"] is True, result
    assert complaint in result["msg"]


# --- gather -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("features", [(), ("Web-Cert-Auth", "Web-Client-Auth")])
def test_the_sections_show_the_iis_defaults_whatever_features_are_installed(state: State, features) -> None:
    # Issue 10 item 9: the sections are in IIS's own schema (WINDOWS_FACTS AUTH-1).
    for feature in features:
        seed.install_feature(state, feature)
    assert gather(state)[SITE] == {
        "iis_mapping": {
            "enabled": False,
            "one_to_one_enabled": True,
            "many_to_one_enabled": True,
            "logon_method": "ClearText",
            "default_logon_domain": "",
            "one_to_one": [],
            "many_to_one": [],
        },
        "ad_mapping": {"enabled": False},
        "anonymous": {"enabled": True},
        "below_site": [],
    }


def test_gather_shows_mappings_in_the_contract_shape(mapped: State, chain) -> None:
    seed.add_one_to_one(mapped, SITE, chain.leaf.der_b64, "CONTOSO\\alice", enabled=False)
    seed.add_many_to_one(mapped, SITE, "partners", "CONTOSO\\svc", PARTNER_RULES, permission="deny")
    iis_mapping = gather(mapped)[SITE]["iis_mapping"]
    assert iis_mapping["one_to_one"] == [
        {"certificate": chain.leaf.der_b64, "user": "CONTOSO\\alice", "enabled": False, "inherited": False}
    ]
    assert iis_mapping["many_to_one"] == [
        {
            "name": "partners",
            "description": "",
            "enabled": True,
            "permission": "Deny",
            "user": "CONTOSO\\svc",
            "rules": PARTNER_RULES,
            "inherited": False,
        }
    ]


def test_gather_never_returns_a_mapping_password(mapped: State, chain) -> None:
    seed.add_one_to_one(mapped, SITE, chain.leaf.der_b64, "CONTOSO\\alice", password=SECRET)
    apply(mapped, many_to_one(password_ref="m2o"), secrets={"m2o": OTHER_SECRET})
    text = json.dumps(SimulatedHost(mapped).gather({"auth_sites": [SITE], "sites": [SITE], "features": ["Web-Server"]}))
    assert SECRET not in text
    assert OTHER_SECRET not in text
    assert "password" not in text


def test_gather_returns_a_seeded_certificate_with_line_breaks_as_stored(mapped: State, chain) -> None:
    # Issue 10 item 15: IIS never matches such a mapping (AUTH-6), so the controller must see the line breaks.
    wrapped = "\n".join(textwrap.wrap(chain.leaf.der_b64, 64))
    seed.add_one_to_one(mapped, SITE, wrapped, "CONTOSO\\alice")
    assert gather(mapped)[SITE]["iis_mapping"]["one_to_one"][0]["certificate"] == wrapped


def test_mappings_of_the_server_level_are_gathered_first_and_marked_inherited(mapped: State, chain, bob) -> None:
    seed.add_one_to_one(mapped, "", chain.leaf.der_b64, "CONTOSO\\alice")
    seed.add_one_to_one(mapped, SITE, bob.der_b64, "CONTOSO\\bob")
    mappings = gather(mapped)[SITE]["iis_mapping"]["one_to_one"]
    assert [(m["user"], m["inherited"]) for m in mappings] == [("CONTOSO\\alice", True), ("CONTOSO\\bob", False)]


def test_gather_reports_mapping_sections_below_the_site(mapped: State, chain) -> None:
    seed.add_site(mapped, "Contoso")
    seed.set_auth(mapped, f"{SITE}/api", "iis_mapping", enabled=True)
    seed.add_one_to_one(mapped, f"{SITE}/app/dir", chain.leaf.der_b64, "CONTOSO\\alice")
    seed.set_auth(mapped, f"{SITE}/anon", "anonymous", enabled=False)  # another section: not a mapping there
    seed.set_location_flags(mapped, f"{SITE}/tls", "Ssl")
    seed.set_auth(mapped, "Contoso/api", "iis_mapping")  # another site
    assert gather(mapped)[SITE]["below_site"] == [f"{SITE}/api", f"{SITE}/app/dir"]
    assert gather(mapped, "Contoso")["Contoso"]["below_site"] == ["Contoso/api"]


def test_an_empty_section_element_below_the_site_counts(state: State) -> None:
    seed.set_auth(state, f"{SITE}/api", "iisClientCertificateMappingAuthentication")
    assert gather(state)[SITE]["below_site"] == [f"{SITE}/api"]


def test_gather_inherits_anonymous_from_the_server_level(state: State) -> None:
    seed.set_auth(state, "", "anonymous", enabled=False)
    assert gather(state)[SITE]["anonymous"] == {"enabled": False}


def test_gather_of_a_missing_site_omits_it_and_without_iis_is_empty(state: State) -> None:
    assert gather(state, "Nowhere") == {}
    seed.set_iis_installed(state, False)
    assert gather(state) == {}


def test_gather_with_an_empty_site_name_fails(state: State) -> None:
    with pytest.raises(OpError, match="empty site name"):
        gather(state, " ")


# --- auth_set -----------------------------------------------------------------------------------------------


def test_auth_set_writes_only_the_given_attributes(mapped: State) -> None:
    result = apply(mapped, auth_set("iis_mapping", enabled=True, logonMethod="network"))
    assert result["changed"] is True
    assert seed.auth_section(mapped, SITE, "iis_mapping", explicit=True) == {"enabled": True, "logonMethod": "Network"}
    assert seed.auth_section(mapped, SITE, "iis_mapping") == {
        "enabled": True,
        "oneToOneCertificateMappingsEnabled": True,
        "manyToOneCertificateMappingsEnabled": True,
        "logonMethod": "Network",
        "defaultLogonDomain": "",
    }


def test_auth_set_with_the_values_already_there_changes_nothing(mapped: State) -> None:
    result = apply(mapped, auth_set("iis_mapping", oneToOneCertificateMappingsEnabled=True, logonMethod="ClearText"))
    assert result["changed"] is False
    assert seed.auth_section(mapped, SITE, "iis_mapping", explicit=True) == {}


def test_auth_set_changes_only_when_one_value_differs(mapped: State) -> None:
    apply(mapped, auth_set("iis_mapping", enabled=True))
    result = apply(mapped, auth_set("iis_mapping", enabled=True, defaultLogonDomain="CONTOSO"))
    assert result["changed"] is True
    assert apply(mapped, auth_set("iis_mapping", enabled=True, defaultLogonDomain="CONTOSO"))["changed"] is False


def test_auth_set_anonymous_needs_no_mapping_feature(state: State) -> None:
    assert apply(state, auth_set("anonymous", enabled=False))["changed"] is True
    assert gather(state)[SITE]["anonymous"] == {"enabled": False}


@pytest.mark.parametrize(
    ("op", "complaint"),
    [
        (auth_set("forms", enabled=True), "unknown section 'forms'"),
        (auth_set("iis_mapping", Enabled=True), "no attribute 'Enabled'"),
        (auth_set("ad_mapping", logonMethod="Network"), "no attribute 'logonMethod'"),
        (auth_set("iis_mapping", enabled="true"), "must be true or false"),
        (auth_set("iis_mapping", logonMethod="Kerberos"), "is not one of Interactive, Batch, Network, ClearText"),
        (auth_set("iis_mapping", defaultLogonDomain=1), "must be text"),
    ],
)
def test_auth_set_refuses_what_the_section_does_not_have(mapped: State, op: dict[str, Any], complaint: str) -> None:
    failed(apply(mapped, op), complaint)


def test_auth_set_validates_every_attribute_before_writing_any(mapped: State) -> None:
    before = copy.deepcopy(mapped)
    failed(apply(mapped, auth_set("iis_mapping", enabled=True, logonMethod="Kerberos")), "Kerberos")
    assert mapped == before


@pytest.mark.parametrize("section", ["iis_mapping", "ad_mapping"])
def test_a_section_is_written_without_its_feature(state: State, section: str) -> None:
    # Issue 10 item 9: the feature adds the module that acts on the section, not the section (AUTH-1).
    assert apply(state, auth_set(section, enabled=True))["changed"] is True
    assert seed.auth_section(state, SITE, section, explicit=True) == {"enabled": True}


def test_mapping_ops_without_web_cert_auth_write_the_mappings(state: State, chain) -> None:
    result = apply(state, one_to_one(chain.leaf), many_to_one())
    assert [entry["changed"] for entry in result["results"]] == [True, True]
    assert [m["name"] for m in seed.many_to_one(state, SITE)] == ["partners"]


def test_the_section_is_there_once_the_feature_is_installed(state: State) -> None:
    result = apply(state, {"op": "feature_install", "name": "Web-Cert-Auth"}, auth_set("iis_mapping", enabled=True))
    assert result["changed"] is True
    assert gather(state)[SITE]["iis_mapping"]["enabled"] is True


@pytest.mark.parametrize(
    ("location", "complaint"),
    [
        ("", "location is empty"),
        ("/Default Web Site", "starts with '/'"),
        (f"{SITE}/api", "not a site name"),
        ("Nowhere", "site 'Nowhere' does not exist"),
    ],
)
def test_auth_ops_write_only_at_an_existing_site(mapped: State, chain, location: str, complaint: str) -> None:
    failed(apply(mapped, auth_set("iis_mapping", location=location, enabled=True)), complaint)
    failed(apply(mapped, {**one_to_one(chain.leaf), "location": location}), complaint)


def test_auth_ops_find_the_site_in_any_case_and_write_under_its_own_name(mapped: State) -> None:
    apply(mapped, auth_set("iis_mapping", location=SITE.upper(), enabled=True))
    assert seed.auth_section(mapped, SITE, "iis_mapping", explicit=True) == {"enabled": True}


# --- one-to-one mappings ------------------------------------------------------------------------------------


def test_one_to_one_set_adds_a_mapping_without_a_password(mapped: State, chain) -> None:
    assert apply(mapped, one_to_one(chain.leaf))["changed"] is True
    assert seed.one_to_one(mapped, SITE) == [
        {
            "certificate": chain.leaf.der_b64,
            "user": "CONTOSO\\alice",
            "enabled": True,
            "inherited": False,
            "has_password": False,
            "password_writes": 0,
        }
    ]


def test_one_to_one_is_keyed_by_the_certificate(mapped: State, chain, bob: Issued) -> None:
    apply(mapped, one_to_one(chain.leaf), one_to_one(bob, user="CONTOSO\\bob"))
    result = apply(mapped, one_to_one(chain.leaf, user="CONTOSO\\alice2", enabled=False))
    assert result["changed"] is True
    assert [(m["certificate"], m["user"], m["enabled"]) for m in seed.one_to_one(mapped, SITE)] == [
        (chain.leaf.der_b64, "CONTOSO\\alice2", False),
        (bob.der_b64, "CONTOSO\\bob", True),
    ]


def test_one_to_one_set_again_changes_nothing(mapped: State, chain) -> None:
    apply(mapped, one_to_one(chain.leaf))
    assert apply(mapped, one_to_one(chain.leaf))["changed"] is False


def test_a_mapping_password_is_written_only_with_password_ref_and_counted(mapped: State, chain) -> None:
    secrets = {"alice": SECRET}
    apply(mapped, one_to_one(chain.leaf))
    assert apply(mapped, one_to_one(chain.leaf, password_ref="alice"), secrets=secrets)["changed"] is True
    assert apply(mapped, one_to_one(chain.leaf, password_ref="alice"), secrets=secrets)["changed"] is True
    assert apply(mapped, one_to_one(chain.leaf, password_ref=None), secrets=secrets)["changed"] is False
    assert apply(mapped, one_to_one(chain.leaf), secrets=secrets)["changed"] is False
    assert seed.one_to_one(mapped, SITE)[0]["password_writes"] == 2
    assert seed.mapping_password(mapped, SITE, "one_to_one", chain.leaf.der_b64) == SECRET


def test_a_new_mapping_with_password_ref_stores_the_secret(mapped: State, chain) -> None:
    apply(mapped, one_to_one(chain.leaf, password_ref="alice"), secrets={"alice": SECRET})
    assert seed.one_to_one(mapped, SITE)[0]["password_writes"] == 1
    assert seed.mapping_password(mapped, SITE, "one_to_one", chain.leaf.der_b64) == SECRET


def test_a_password_ref_without_its_secret_fails_naming_only_the_reference(mapped: State, chain) -> None:
    result = apply(mapped, one_to_one(chain.leaf, password_ref="alice"), secrets={"bob": SECRET})
    failed(result, "password_ref 'alice' names no entry in secrets")
    assert seed.one_to_one(mapped, SITE) == []


@pytest.mark.parametrize("user", ["", "   ", None])
def test_a_one_to_one_mapping_without_user_is_refused(mapped: State, chain, user: Any) -> None:
    failed(apply(mapped, one_to_one(chain.leaf, user=user)), "has no user")
    assert seed.one_to_one(mapped, SITE) == []


def test_a_pem_certificate_is_refused(mapped: State, chain) -> None:
    failed(apply(mapped, one_to_one(chain.leaf.pem)), "certificate is PEM")


def test_a_certificate_with_line_breaks_is_refused(mapped: State, chain) -> None:
    wrapped = "\n".join(textwrap.wrap(chain.leaf.der_b64, 64))
    failed(apply(mapped, one_to_one(wrapped)), "line breaks")
    assert seed.one_to_one(mapped, SITE) == []


@pytest.mark.parametrize(
    ("blob", "complaint"),
    [("not-base64!", "not valid base64"), (base64.b64encode(b"hello").decode(), "not of a DER X.509 certificate")],
)
def test_a_blob_that_is_not_a_der_certificate_is_refused(mapped: State, blob: str, complaint: str) -> None:
    failed(apply(mapped, one_to_one(blob)), complaint)


def test_one_to_one_remove_removes_only_that_certificate(mapped: State, chain, bob: Issued) -> None:
    apply(mapped, one_to_one(chain.leaf), one_to_one(bob, user="CONTOSO\\bob"))
    op = {"op": "one_to_one_remove", "location": SITE, "certificate": chain.leaf.der_b64}
    assert apply(mapped, op)["changed"] is True
    assert [m["certificate"] for m in seed.one_to_one(mapped, SITE)] == [bob.der_b64]
    assert apply(mapped, op)["changed"] is False


def test_one_to_one_remove_at_a_missing_site_changes_nothing(mapped: State, chain) -> None:
    op = {"op": "one_to_one_remove", "location": "Gone", "certificate": chain.leaf.der_b64}
    assert apply(mapped, op) == {
        "changed": False,
        "results": [{"index": 0, "op": "one_to_one_remove", "changed": False}],
    }


# --- many-to-one mappings -----------------------------------------------------------------------------------


def test_many_to_one_is_keyed_by_name_and_its_rules_are_replaced(mapped: State) -> None:
    issuer_rules = [
        {"field": "Issuer", "subfield": "CN", "match": "Contoso Issuing*", "case_sensitive": False},
        {"field": "Subject", "subfield": "OU", "match": "Partners", "case_sensitive": True},
    ]
    apply(mapped, many_to_one())
    assert apply(mapped, many_to_one(rules=issuer_rules))["changed"] is True
    mappings = seed.many_to_one(mapped, SITE)
    assert [(m["name"], m["rules"]) for m in mappings] == [("partners", issuer_rules)]


def test_many_to_one_set_again_changes_nothing(mapped: State) -> None:
    apply(mapped, many_to_one())
    assert apply(mapped, many_to_one())["changed"] is False


def test_many_to_one_rules_in_another_order_are_rewritten(mapped: State) -> None:
    two = [
        {"field": "Subject", "subfield": "O", "match": "Fabrikam*", "case_sensitive": True},
        {"field": "Issuer", "subfield": "CN", "match": "Fabrikam CA", "case_sensitive": True},
    ]
    apply(mapped, many_to_one(rules=two))
    assert apply(mapped, many_to_one(rules=list(reversed(two))))["changed"] is True
    assert seed.many_to_one(mapped, SITE)[0]["rules"] == list(reversed(two))


def test_many_to_one_names_are_separate_mappings(mapped: State) -> None:
    apply(mapped, many_to_one("partners"), many_to_one("suppliers", user="CONTOSO\\svc-suppliers"))
    assert [m["name"] for m in seed.many_to_one(mapped, SITE)] == ["partners", "suppliers"]


def test_many_to_one_canonicalises_permission_and_field_names(mapped: State) -> None:
    rules = [{"field": "subject", "subfield": "O", "match": "Fabrikam*", "case_sensitive": True}]
    apply(mapped, many_to_one(rules=rules, permission="deny", description=None))
    mapping = seed.many_to_one(mapped, SITE)[0]
    assert (mapping["permission"], mapping["rules"][0]["field"], mapping["description"]) == ("Deny", "Subject", "")


@pytest.mark.parametrize("field", ["SubjectAltName", "Extension", "", None])
def test_a_rule_field_other_than_subject_or_issuer_is_refused(mapped: State, field: Any) -> None:
    rules = [{"field": field, "subfield": "CN", "match": "*", "case_sensitive": True}]
    failed(apply(mapped, many_to_one(rules=rules)), "is not Subject or Issuer")
    assert seed.many_to_one(mapped, SITE) == []


@pytest.mark.parametrize(
    ("rule", "complaint"),
    [
        ({"field": "Subject", "subfield": "CN", "match": "*"}, "lacks case_sensitive"),
        ({"field": "Subject", "subfield": "CN", "match": "*", "case_sensitive": True, "x": 1}, "unknown key(s) x"),
        ({"field": "Subject", "subfield": "", "match": "*", "case_sensitive": True}, "no subfield"),
        ({"field": "Subject", "subfield": "CN", "match": "", "case_sensitive": True}, "no match text"),
    ],
)
def test_a_malformed_rule_is_refused(mapped: State, rule: dict[str, Any], complaint: str) -> None:
    failed(apply(mapped, many_to_one(rules=[rule])), complaint)


@pytest.mark.parametrize("user", ["", None])
def test_a_many_to_one_mapping_without_user_is_refused(mapped: State, user: Any) -> None:
    failed(apply(mapped, many_to_one(user=user)), "has no user")


def test_a_many_to_one_password_is_written_only_with_password_ref(mapped: State) -> None:
    secrets = {"m2o": SECRET}
    apply(mapped, many_to_one(), secrets=secrets)
    apply(mapped, many_to_one(password_ref="m2o"), secrets=secrets)
    apply(mapped, many_to_one(), secrets=secrets)
    assert seed.many_to_one(mapped, SITE)[0]["password_writes"] == 1
    assert seed.mapping_password(mapped, SITE, "many_to_one", "partners") == SECRET


def test_many_to_one_remove_removes_it_once(mapped: State) -> None:
    apply(mapped, many_to_one())
    op = {"op": "many_to_one_remove", "location": SITE, "name": "partners"}
    assert apply(mapped, op)["changed"] is True
    assert apply(mapped, op)["changed"] is False
    assert seed.many_to_one(mapped, SITE) == []


# --- issue 10: names in any case, inherited mappings, duplicate rules, stored line breaks, section_clear ---------


def test_a_many_to_one_name_in_another_case_updates_and_renames_the_mapping(mapped: State) -> None:
    # Issue 10 item 13: IIS keys the collection by name without case (WINDOWS_FACTS IISCONFIG-7).
    apply(mapped, many_to_one("partners"))
    assert apply(mapped, many_to_one("Partners"))["changed"] is True
    assert [m["name"] for m in seed.many_to_one(mapped, SITE)] == ["Partners"]


def test_many_to_one_remove_finds_the_name_in_any_case(mapped: State) -> None:
    apply(mapped, many_to_one("partners"))
    assert apply(mapped, {"op": "many_to_one_remove", "location": SITE, "name": "PARTNERS"})["changed"] is True
    assert seed.many_to_one(mapped, SITE) == []


def test_two_rules_with_the_same_field_subfield_and_match_are_refused(mapped: State) -> None:
    # Issue 10 item 15 (WINDOWS_FACTS AUTH-8): IIS keys the rules; nothing is written.
    twice = [*PARTNER_RULES, {**PARTNER_RULES[0], "match": "FABRIKAM*"}]
    failed(apply(mapped, many_to_one(rules=twice)), "rule 1 repeats rule 0")
    assert seed.many_to_one(mapped, SITE) == []


def test_two_rules_differing_only_in_match_are_both_written(mapped: State) -> None:
    # AUTH-8: field, subfield and match are the key together (winmodel.iisschema), so another match is another rule.
    both = [*PARTNER_RULES, {**PARTNER_RULES[0], "match": "Contoso*"}]
    assert apply(mapped, many_to_one(rules=both))["changed"] is True
    assert [rule["match"] for rule in seed.many_to_one(mapped, SITE)[0]["rules"]] == [
        PARTNER_RULES[0]["match"],
        "Contoso*",
    ]


@pytest.mark.parametrize("op", ["set", "remove"])
def test_a_mapping_inherited_from_the_server_level_cannot_be_changed_at_the_site(mapped: State, op: str) -> None:
    # WINDOWS_FACTS AUTH-7: the mapping collections have no <remove> element.
    seed.add_many_to_one(mapped, "", "partners", "CONTOSO\\svc", PARTNER_RULES)
    before = copy.deepcopy(mapped)
    change = (
        many_to_one(user="CONTOSO\\other")
        if op == "set"
        else {"op": "many_to_one_remove", "location": SITE, "name": "partners"}
    )
    failed(apply(mapped, change), "inherited by site 'Default Web Site' from the server level")
    assert mapped == before


def test_a_one_to_one_mapping_stored_with_line_breaks_is_replaced_on_one_line_with_its_password(
    mapped: State, chain
) -> None:
    seed.add_one_to_one(mapped, SITE, "\n".join(textwrap.wrap(chain.leaf.der_b64, 64)), "CONTOSO\\alice")
    result = apply(mapped, one_to_one(chain.leaf, password_ref="alice"), secrets={"alice": SECRET})
    assert result["changed"] is True
    assert [(m["certificate"], m["password_writes"]) for m in seed.one_to_one(mapped, SITE)] == [
        (chain.leaf.der_b64, 1)
    ]


def test_replacing_a_one_to_one_mapping_stored_with_line_breaks_without_a_password_is_refused(
    mapped: State, chain
) -> None:
    seed.add_one_to_one(mapped, SITE, "\n".join(textwrap.wrap(chain.leaf.der_b64, 64)), "CONTOSO\\alice")
    before = copy.deepcopy(mapped)
    failed(apply(mapped, one_to_one(chain.leaf)), "give the mapping's password")
    assert mapped == before


def section_clear(location: str, section: str = "iis_mapping") -> dict[str, Any]:
    return {"op": "section_clear", "location": location, "section": section}


def test_section_clear_leaves_no_empty_location_behind(mapped: State) -> None:
    seed.set_auth(mapped, f"{SITE}/app", "iis_mapping", enabled=True)
    assert apply(mapped, section_clear(f"{SITE}/app"))["changed"] is True
    assert f"{SITE}/app" not in mapped["iis"]["locations"]  # IISCONFIG-10


def test_section_clear_removes_the_mapping_section_below_the_site_and_only_there(mapped: State, chain) -> None:
    seed.add_one_to_one(mapped, SITE, chain.leaf.der_b64, "CONTOSO\\alice")
    seed.set_auth(mapped, f"{SITE}/api", "iis_mapping", enabled=True)
    assert apply(mapped, section_clear(f"{SITE}/api"))["changed"] is True
    assert gather(mapped)[SITE]["below_site"] == []
    assert [m["user"] for m in seed.one_to_one(mapped, SITE)] == ["CONTOSO\\alice"]
    assert apply(mapped, section_clear(f"{SITE}/api"))["changed"] is False


def test_section_clear_of_an_unknown_section_is_refused(mapped: State) -> None:
    failed(apply(mapped, section_clear(f"{SITE}/api", "anonymous")), "section_clear knows iis_mapping, tracing")


# --- many-to-one with AD mapping ----------------------------------------------------------------------------


def test_a_many_to_one_mapping_on_a_site_with_ad_mapping_is_refused_and_nothing_changes(mapped: State) -> None:
    seed.set_auth(mapped, SITE, "iis_mapping", enabled=True)
    seed.set_auth(mapped, SITE, "ad_mapping", enabled=True)
    before = copy.deepcopy(mapped)
    failed(apply(mapped, many_to_one(password_ref="m2o"), secrets={"m2o": SECRET}), "Active Directory")
    assert mapped == before


def test_enabling_ad_mapping_on_a_site_with_many_to_one_mappings_is_refused(mapped: State) -> None:
    seed.set_auth(mapped, SITE, "iis_mapping", enabled=True)
    seed.add_many_to_one(mapped, SITE, "partners", "CONTOSO\\svc", PARTNER_RULES)
    before = copy.deepcopy(mapped)
    result = apply(mapped, auth_set("ad_mapping", enabled=True))
    failed(result, "many-to-one")
    assert result["results"][0]["changed"] is False
    assert mapped == before


def test_enabling_the_iis_mapping_section_with_ad_mapping_and_many_to_one_mappings_is_refused(mapped: State) -> None:
    seed.set_auth(mapped, SITE, "ad_mapping", enabled=True)
    seed.add_many_to_one(mapped, SITE, "partners", "CONTOSO\\svc", PARTNER_RULES)
    failed(apply(mapped, auth_set("iis_mapping", enabled=True)), "Active Directory")
    assert seed.auth_section(mapped, SITE, "iis_mapping")["enabled"] is False


def test_many_to_one_with_many_to_one_mappings_disabled_may_sit_beside_ad_mapping(mapped: State) -> None:
    seed.set_auth(mapped, SITE, "iis_mapping", enabled=True, manyToOneCertificateMappingsEnabled=False)
    seed.set_auth(mapped, SITE, "ad_mapping", enabled=True)
    assert apply(mapped, many_to_one())["changed"] is True


def test_turning_ad_mapping_off_first_lets_many_to_one_in(mapped: State) -> None:
    seed.set_auth(mapped, SITE, "iis_mapping", enabled=True)
    seed.set_auth(mapped, SITE, "ad_mapping", enabled=True)
    result = apply(mapped, auth_set("ad_mapping", enabled=False), many_to_one())
    assert [entry["changed"] for entry in result["results"]] == [True, True]


def test_an_op_that_changes_nothing_on_a_conflicting_site_does_not_fail(mapped: State, chain) -> None:
    seed.set_auth(mapped, SITE, "iis_mapping", enabled=True)
    seed.set_auth(mapped, SITE, "ad_mapping", enabled=True)
    seed.add_many_to_one(mapped, SITE, "partners", "CONTOSO\\svc", PARTNER_RULES)
    assert apply(mapped, auth_set("ad_mapping", enabled=True))["changed"] is False
    failed(apply(mapped, one_to_one(chain.leaf)), "Active Directory")


def test_ops_that_leave_the_site_consistent_pass_even_when_a_state_between_them_conflicts(mapped: State) -> None:
    # As host_state.ps1 checks: once, before the run of IIS ops commits (settled by the differential test, issue 20).
    seed.set_auth(mapped, SITE, "iis_mapping", enabled=True)
    seed.set_auth(mapped, SITE, "ad_mapping", enabled=True)
    result = apply(mapped, many_to_one(), auth_set("ad_mapping", enabled=False))
    assert [entry["changed"] for entry in result["results"]] == [True, True]


def test_a_refused_run_reports_its_last_op_failed_and_changes_nothing(mapped: State) -> None:
    seed.set_auth(mapped, SITE, "iis_mapping", enabled=True)
    seed.set_auth(mapped, SITE, "ad_mapping", enabled=True)
    before = copy.deepcopy(mapped)
    result = apply(mapped, auth_set("iis_mapping", logonMethod="Network"), many_to_one())
    assert result["msg"].startswith("the IIS configuration changes of ops 0 to 1 were refused before committing")
    assert (result["failed_index"], [entry["changed"] for entry in result["results"]]) == (1, [False, False])
    assert mapped == before


# --- op arguments and secrets -------------------------------------------------------------------------------


def test_password_ref_may_be_left_out_but_no_other_argument(mapped: State, chain) -> None:
    op = one_to_one(chain.leaf)
    del op["enabled"]
    failed(apply(mapped, op), "missing argument(s): enabled")
    failed(apply(mapped, one_to_one(chain.leaf, password="x")), "unsupported argument(s): password")


def test_no_failure_message_carries_a_mapping_password(mapped: State, chain) -> None:
    seed.set_auth(mapped, SITE, "iis_mapping", enabled=True)
    seed.set_auth(mapped, SITE, "ad_mapping", enabled=True)
    secrets = {"alice": SECRET, "m2o": OTHER_SECRET}
    results = [
        apply(mapped, one_to_one(chain.leaf, user="", password_ref="alice"), secrets=secrets),
        apply(mapped, many_to_one(password_ref="m2o"), secrets=secrets),
        apply(mapped, one_to_one(chain.leaf.pem, password_ref="alice"), secrets=secrets),
    ]
    assert all(result["failed"] for result in results)
    text = json.dumps(results)
    assert SECRET not in text
    assert OTHER_SECRET not in text


@pytest.mark.parametrize("case", ["success", "conflict", "missing_user"])
def test_no_mapping_password_appears_in_the_module_result(host_file: Path, chain, case: str) -> None:
    state = new_state()
    seed.install_feature(state, "Web-Cert-Auth")
    seed.install_feature(state, "Web-Client-Auth")
    seed.set_auth(state, SITE, "iis_mapping", enabled=True)
    if case == "conflict":
        seed.set_auth(state, SITE, "ad_mapping", enabled=True)
    save_state(host_file, state)
    user = "" if case == "missing_user" else "CONTOSO\\alice"
    ops = [one_to_one(chain.leaf, user=user, password_ref="alice"), many_to_one(password_ref="m2o")]
    args = {"ops": ops, "secrets": {"alice": SECRET, "m2o": OTHER_SECRET}}
    rc, result = run_module(host_file, "host_state_apply", args)
    assert rc == (0 if case == "success" else 1)
    text = json.dumps(result) + json.dumps(
        run_module(host_file, "host_state_gather", {"scope": {"auth_sites": [SITE]}})
    )
    assert SECRET not in text
    assert OTHER_SECRET not in text
    if case == "success":
        assert seed.mapping_password(load_state(host_file), SITE, "many_to_one", "partners") == OTHER_SECRET


def test_a_fault_on_a_mapping_op_matches_the_location_case_insensitively(mapped: State, chain) -> None:
    seed.add_fault(mapped, "one_to_one_set", {"location": SITE.lower()}, "The configuration file is locked.")
    failed(apply(mapped, one_to_one(chain.leaf)), "locked")
    assert seed.one_to_one(mapped, SITE) == []


def test_a_host_file_from_before_auth_was_simulated_gathers_the_defaults(host_file: Path) -> None:
    state = new_state()
    del state["iis"]["server_auth"]
    save_state(host_file, state)
    assert gather(load_state(host_file))[SITE]["anonymous"] == {"enabled": True}
