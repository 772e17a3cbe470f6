"""The Windows model of IIS configuration (tests/winmodel/iis*.py): what Microsoft.Web.Administration does for the
sections the IIS utils touch, over the simulated host's state."""

from __future__ import annotations

import copy
from xml.etree import ElementTree

import pytest
from simhost import seed
from support.pki import make_root
from winmodel import iis, iisdoc
from winmodel.errors import UnknownFunction, WindowsError_
from winmodel.state import new_state

SITE = "Contoso"
ACCESS = "system.webServer/security/access"
MAPPING = "system.webServer/security/authentication/iisClientCertificateMappingAuthentication"
TRACING = "system.webServer/tracing/traceFailedRequests"
SITES = "system.applicationHost/sites"


@pytest.fixture
def state():
    host = new_state()
    seed.add_site(host, SITE)
    return host


def _edit(state, *edits, reads=(), no_commit=False):
    return iis.invoke_edit(state, list(edits), list(reads), no_commit)


def _read(state, section, location="", merged=False):
    return _edit(state, reads=[{"section": section, "location": location, "merged": merged}])["sections"][0]


def _set_access(location, flags):
    return {"action": "set", "section": ACCESS, "location": location, "attributes": {"sslFlags": flags}}


def _many_to_one(name, location=SITE):
    attributes = {"name": name, "userName": "CONTOSO\\svc", "password": "s3cret!", "enabled": True}
    return {
        "action": "add",
        "section": MAPPING,
        "location": location,
        "element": ["manyToOneMappings"],
        "attributes": attributes,
    }


def _rule(name, match="Fabrikam*"):
    return {
        "action": "add",
        "section": MAPPING,
        "location": SITE,
        "element": ["manyToOneMappings", {"key": {"name": name}}, "rules"],
        "attributes": {"certificateField": "Subject", "certificateSubField": "O", "matchCriteria": match},
    }


# --- projection: one host file for both engines -------------------------------------------------------------


def test_a_seeded_host_round_trips_through_the_configuration_document_unchanged(state):
    seed.set_location_flags(state, f"{SITE}/api", "Ssl, SslNegotiateCert")
    seed.set_auth(state, SITE, "iis_mapping", enabled=True, logonMethod="Network")
    seed.add_many_to_one(
        state, SITE, "partners", "CONTOSO\\svc", [{"field": "Subject", "subfield": "O", "match": "F*"}], password="pw"
    )
    seed.add_one_to_one(state, SITE, "MIIBblob", "CONTOSO\\one", password="pw2")
    seed.set_tracing(state, SITE, enabled=True, rules=[{"path": "*", "status_codes": ["403.16"]}])
    seed.set_auth(state, f"{SITE}/app", "iis_mapping")
    before = copy.deepcopy(state)
    iisdoc.store(iisdoc.load(state), state)
    assert state == before


def test_a_committed_edit_is_what_the_simulated_engine_reads(state):
    assert _edit(state, _set_access(f"{SITE}/api", 40))["committed"] is True
    assert seed.location_flags(state, f"{SITE}/api") == "Ssl, SslNegotiateCert"


# --- reading ------------------------------------------------------------------------------------------------


def test_an_attribute_written_nowhere_reads_as_the_schema_default(state):
    tree = _read(state, MAPPING, SITE)
    assert tree["attributes"] == {
        "enabled": False,
        "oneToOneCertificateMappingsEnabled": True,
        "manyToOneCertificateMappingsEnabled": True,
        "logonMethod": 3,
        "defaultLogonDomain": "",
    }
    assert tree["locally_stored"] is False


def test_enum_and_flags_values_read_as_numbers(state):
    seed.set_location_flags(state, SITE, "Ssl, SslRequireCert")
    seed.set_auth(state, SITE, "iis_mapping", logonMethod="Network")
    assert _read(state, ACCESS, SITE)["attributes"]["sslFlags"] == 72
    assert _read(state, MAPPING, SITE)["attributes"]["logonMethod"] == 2


def test_a_path_inherits_the_nearest_location_above_it_and_is_not_locally_stored(state):
    seed.set_location_flags(state, SITE, "Ssl")
    tree = _read(state, ACCESS, f"{SITE}/app/dir")
    assert (tree["attributes"]["sslFlags"], tree["locally_stored"]) == (8, False)


def test_location_paths_are_compared_in_any_case(state):
    seed.set_location_flags(state, f"{SITE}/Api", "Ssl")
    assert _read(state, ACCESS, f"{SITE.upper()}/API")["locally_stored"] is True


def test_the_merged_view_adds_the_web_config_and_the_apphost_view_does_not(state):
    seed.unlock_ssl_settings(state, SITE)
    seed.set_web_config_flags(state, SITE, "Ssl, SslRequireCert")
    assert _read(state, ACCESS, SITE, merged=True)["attributes"]["sslFlags"] == 72
    assert _read(state, ACCESS, SITE)["attributes"]["sslFlags"] == 0


def test_a_web_config_holding_the_access_section_locked_by_default_fails_the_merged_read(state):
    seed.set_web_config_flags(state, SITE, "Ssl, SslRequireCert")
    with pytest.raises(WindowsError_, match="0x80070021: This configuration section cannot be used at this path"):
        _read(state, ACCESS, f"{SITE}/api", merged=True)


def test_a_lock_does_not_stop_the_apphost_view(state):
    seed.set_web_config_flags(state, SITE, "Ssl, SslRequireCert")
    assert _read(state, ACCESS, SITE)["attributes"]["sslFlags"] == 0


def test_an_unlock_above_the_web_config_lets_the_merged_view_read_it(state):
    seed.unlock_ssl_settings(state, SITE.upper())
    seed.set_web_config_flags(state, f"{SITE}/api", "Ssl")
    assert _read(state, ACCESS, f"{SITE}/api", merged=True)["attributes"]["sslFlags"] == 8


def test_a_deny_nearer_the_web_config_than_the_unlock_locks_it_again(state):
    seed.unlock_ssl_settings(state, SITE)
    seed.set_override_mode(state, f"{SITE}/api", ACCESS, "Deny")
    seed.set_web_config_flags(state, f"{SITE}/api", "Ssl")
    with pytest.raises(WindowsError_, match="0x80070021"):
        _read(state, ACCESS, f"{SITE}/api", merged=True)


def test_a_delegated_section_needs_no_unlock_in_the_merged_view(state):
    seed.set_tracing(state, SITE, web_config_rules=[{"path": "*.aspx", "status_codes": ["401"]}])
    rules = _read(state, TRACING, SITE, merged=True)["collection"]
    assert [rule["attributes"]["path"] for rule in rules] == ["*.aspx"]


def test_an_encrypted_attribute_is_never_read(state):
    _edit(state, _many_to_one("partners"))
    entry = _read(state, MAPPING, SITE)["children"]["manyToOneMappings"]["collection"][0]
    assert "password" not in entry["attributes"]
    assert entry["attributes"]["name"] == "partners"


def test_an_entry_inherited_from_the_server_level_is_listed_first_and_not_locally_stored(state):
    seed.add_many_to_one(state, "", "global", "CONTOSO\\g", [{"field": "Issuer", "subfield": "CN", "match": "R"}])
    _edit(state, _many_to_one("local"))
    entries = _read(state, MAPPING, SITE)["children"]["manyToOneMappings"]["collection"]
    assert [(e["attributes"]["name"], e["locally_stored"]) for e in entries] == [("global", False), ("local", True)]


def test_a_web_config_rule_with_a_key_the_site_has_fails_the_merged_read(state):
    seed.set_tracing(
        state,
        SITE,
        rules=[{"path": "*", "status_codes": ["403"]}],
        web_config_rules=[{"path": "*", "status_codes": ["401"]}],
    )
    with pytest.raises(
        WindowsError_,
        match="0x800700B7: Cannot add duplicate collection entry of type 'add' "
        "with unique key attribute 'path' set to '\\*'",
    ):
        _read(state, TRACING, SITE, merged=True)


def test_a_section_without_a_declaration_cannot_be_read(state):
    with pytest.raises(WindowsError_, match="missing a section declaration"):
        _read(state, "system.webServer/security/nothing", SITE)


def test_the_sites_section_cannot_be_opened_at_a_location(state):
    with pytest.raises(WindowsError_, match="0x80070021"):
        _read(state, SITES, SITE)


def test_sites_lists_every_binding_with_its_certificate_from_http_sys(state):
    cert = make_root("Model Root")
    thumbprint = seed.add_cert(state, "My", cert.der, has_private_key=True)
    seed.add_binding(state, SITE, "*:443:", 0, thumbprint.lower(), "My")
    sites = {site["name"]: site for site in iis.get_sites(state)}
    assert sites[SITE]["bindings"] == [
        {
            "protocol": "https",
            "binding_information": "*:443:",
            "ssl_flags": 0,
            "certificate_hash": thumbprint.upper(),
            "certificate_store": "My",
        }
    ]
    assert sites["Default Web Site"]["bindings"][0]["protocol"] == "http"


# --- editing ------------------------------------------------------------------------------------------------


def test_a_failed_edit_commits_nothing_and_names_its_index(state):
    before = copy.deepcopy(state)
    outcome = _edit(state, _set_access(SITE, 8), _many_to_one("partners"), _many_to_one("PARTNERS"))
    assert (outcome["committed"], outcome["failed_edit"]) == (False, 2)
    assert "unique key attribute 'name' set to 'PARTNERS'" in outcome["error"]
    assert state == before


def test_no_commit_reads_the_pending_edits_and_writes_nothing(state):
    before = copy.deepcopy(state)
    outcome = _edit(state, _set_access(SITE, 8), reads=[{"section": ACCESS, "location": SITE}], no_commit=True)
    assert outcome["sections"][0]["attributes"]["sslFlags"] == 8
    assert (outcome["committed"], state) == (False, before)


def test_a_set_finds_an_entry_by_its_key_in_any_case_and_rewrites_the_name(state):
    _edit(state, _many_to_one("partners"))
    rename = {
        "action": "set",
        "section": MAPPING,
        "location": SITE,
        "element": ["manyToOneMappings", {"key": {"name": "PARTNERS"}}],
        "attributes": {"name": "Partners"},
    }
    assert _edit(state, rename)["committed"] is True
    assert [m["name"] for m in seed.many_to_one(state, SITE)] == ["Partners"]


def test_a_password_write_is_stored_and_counted_never_returned(state):
    _edit(state, _many_to_one("partners"))
    assert seed.mapping_password(state, SITE, "many_to_one", "partners") == "s3cret!"
    assert seed.many_to_one(state, SITE)[0]["password_writes"] == 1


def test_a_second_rule_with_the_same_field_subfield_and_criteria_is_refused(state):
    outcome = _edit(state, _many_to_one("partners"), _rule("partners"), _rule("partners"))
    assert outcome["failed_edit"] == 2
    assert (
        "combined key attributes 'certificateField, certificateSubField, matchCriteria' "
        "respectively set to 'Subject, O, Fabrikam*'" in outcome["error"]
    )


def test_an_enum_value_outside_the_schema_is_refused(state):
    edit = {"action": "set", "section": MAPPING, "location": SITE, "attributes": {"logonMethod": "Kerberos"}}
    assert "0x80070057" in _edit(state, edit)["error"]


def test_an_attribute_the_schema_does_not_declare_is_refused(state):
    edit = {"action": "set", "section": ACCESS, "location": SITE, "attributes": {"sslflags": 8}}
    assert "Unrecognized attribute 'sslflags'" in _edit(state, edit)["error"]


def test_delete_makes_the_path_inherit_again(state):
    seed.set_location_flags(state, SITE, "Ssl")
    seed.set_location_flags(state, f"{SITE}/api", "Ssl, SslRequireCert")
    _edit(state, {"action": "delete", "section": ACCESS, "location": f"{SITE}/api", "attributes": ["sslFlags"]})
    assert _read(state, ACCESS, f"{SITE}/api")["attributes"]["sslFlags"] == 8
    assert seed.location_flags(state, f"{SITE}/api") is None


def test_revert_removes_the_section_at_exactly_that_path(state):
    seed.set_auth(state, f"{SITE}/app", "iis_mapping", enabled=True)
    _edit(state, {"action": "revert", "section": MAPPING, "location": f"{SITE}/app"})
    assert seed.auth_section(state, f"{SITE}/app", "iis_mapping", explicit=True) == {}
    assert f"{SITE}/app" not in state["iis"]["locations"]


def test_an_entry_missing_from_the_collection_fails_the_edit(state):
    edit = {
        "action": "remove",
        "section": MAPPING,
        "location": SITE,
        "element": ["manyToOneMappings", {"key": {"name": "nobody"}}],
    }
    assert "no entry with name='nobody' in <manyToOneMappings>" in _edit(state, edit)["error"]


def test_changing_an_inherited_entry_at_a_site_fails_loudly_as_not_modelled(state):
    seed.add_many_to_one(state, "", "global", "CONTOSO\\g", [{"field": "Issuer", "subfield": "CN", "match": "R"}])
    edit = {
        "action": "remove",
        "section": MAPPING,
        "location": SITE,
        "element": ["manyToOneMappings", {"key": {"name": "global"}}],
    }
    with pytest.raises(UnknownFunction, match="inherited"):
        _edit(state, edit)


def test_the_site_switch_of_failed_request_tracing_is_written_at_the_server_level(state):
    edit = {
        "action": "set",
        "section": SITES,
        "location": "",
        "element": [{"key": {"name": SITE.lower()}}, "traceFailedRequestsLogging"],
        "attributes": {"enabled": True, "maxLogFiles": 20},
    }
    assert _edit(state, edit)["committed"] is True
    assert seed.tracing(state, SITE)["enabled"] is True


def test_max_log_files_outside_its_range_is_refused(state):
    edit = {
        "action": "set",
        "section": SITES,
        "location": "",
        "element": [{"key": {"name": SITE}}, "traceFailedRequestsLogging"],
        "attributes": {"maxLogFiles": 0},
    }
    assert "between 1 and 10000" in _edit(state, edit)["error"]


def test_a_tracing_rule_added_at_the_site_is_what_gather_shows(state):
    add = {"action": "add", "section": TRACING, "location": SITE, "element": [], "attributes": {"path": "*"}}
    codes = {
        "action": "set",
        "section": TRACING,
        "location": SITE,
        "element": [{"key": {"path": "*"}}, "failureDefinitions"],
        "attributes": {"statusCodes": "403.16"},
    }
    area = {
        "action": "add",
        "section": TRACING,
        "location": SITE,
        "element": [{"key": {"path": "*"}}, "traceAreas"],
        "attributes": {"provider": "WWW Server", "areas": "Security", "verbosity": "Verbose"},
    }
    assert _edit(state, add, codes, area)["committed"] is True
    rule = seed.tracing(state, SITE)["rules"][0]
    assert (rule["path"], rule["status_codes"], rule["verbosity"]) == ("*", ["403.16"], "Verbose")


# --- bindings -----------------------------------------------------------------------------------------------


def _binding_add(information="*:443:", thumbprint="", flags=0):
    return {
        "action": "binding_add",
        "site": SITE,
        "protocol": "https",
        "binding_information": information,
        "ssl_flags": flags,
        "certificate_hash": thumbprint,
        "certificate_store": "My",
    }


def test_a_binding_added_with_a_certificate_gets_its_http_sys_record_at_commit_only(state):
    thumbprint = seed.add_cert(state, "My", make_root("Binding Root").der, has_private_key=True)
    pending = _edit(state, _binding_add(thumbprint=thumbprint), no_commit=True)
    assert pending["committed"] is False and seed.httpsys_record(state, "ipport", "0.0.0.0:443") is None
    _edit(state, _binding_add(thumbprint=thumbprint))
    assert seed.httpsys_record(state, "ipport", "0.0.0.0:443")["cert_hash"] == thumbprint.upper()


def test_a_duplicate_binding_is_refused_with_its_combined_key(state):
    outcome = _edit(state, _binding_add(), _binding_add("*:443:".upper()))
    assert (
        "combined key attributes 'protocol, bindingInformation' respectively set to 'https, *:443:'" in outcome["error"]
    )


def test_removing_a_binding_keeps_its_http_sys_record(state):
    thumbprint = seed.add_cert(state, "My", make_root("Kept Root").der, has_private_key=True)
    seed.add_binding(state, SITE, "*:443:", 0, thumbprint, "My")
    _edit(state, {"action": "binding_remove", "site": SITE, "protocol": "https", "binding_information": "*:443:"})
    assert seed.binding(state, SITE, "*:443:") is None
    assert seed.httpsys_record(state, "ipport", "0.0.0.0:443") is not None


def test_a_binding_edit_on_a_missing_site_fails_with_the_boundary_message(state):
    edit = {**_binding_add(), "site": "Nowhere"}
    assert _edit(state, edit)["error"].endswith("site 'Nowhere' does not exist")


# --- applicationHost.config on disk -------------------------------------------------------------------------


def test_the_config_file_has_one_location_per_path_with_its_sections_as_the_utils_select_them(state):
    seed.set_location_flags(state, f"{SITE}/api", "Ssl, SslNegotiateCert")
    _edit(state, _many_to_one("partners"))
    document = ElementTree.fromstring(iis.read_config_file(state))
    found = {
        location.get("path"): location.find("system.webServer/security/access")
        for location in document.findall("location")
    }
    assert found[f"{SITE}/api"].get("sslFlags") == "Ssl, SslNegotiateCert"
    assert found[SITE] is None
    assert (
        document.find(
            "location[@path='Contoso']/system.webServer/security/authentication/iisClientCertificateMappingAuthentication/manyToOneMappings/add"
        ).get("name")
        == "partners"
    )


def test_the_config_file_never_holds_a_password_in_clear(state):
    _edit(state, _many_to_one("partners"))
    text = iis.read_config_file(state)
    assert "s3cret!" not in text and iis.ENCRYPTED in text


def test_without_iis_only_the_test_answers(state):
    seed.set_iis_installed(state, False)
    assert iis.test_iis(state) is False
    with pytest.raises(WindowsError_, match="ServerManager"):
        iis.get_sites(state)
