"""The authentication sections as gathered (auth_model.py) and what the mapping planner assumes without them."""

from __future__ import annotations

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible_collections.mtls.iis.plugins.plugin_utils.auth_model import IisMapping
from ansible_collections.mtls.iis.plugins.plugin_utils.mapping import MappingDesired, plan_mapping
from ansible_collections.mtls.iis.plugins.plugin_utils.specs import CERT_MAPPING_OPTIONS
from support.snapshots import empty_iis_mapping, iis_snapshot

SITE = "Default Web Site"


def test_the_logon_method_is_read_as_gathered():
    assert IisMapping.from_wire({**empty_iis_mapping(), "logon_method": "Network"}).logon_method == "Network"


def test_a_missing_logon_method_is_iis_default_clear_text():
    assert IisMapping.from_wire({**empty_iis_mapping(), "logon_method": None}).logon_method == "ClearText"


def test_a_site_whose_authentication_was_not_read_counts_as_mapping_disabled():
    args = ArgumentSpecValidator(CERT_MAPPING_OPTIONS).validate({"site": SITE, "enabled": True}).validated_parameters
    plan = plan_mapping(MappingDesired.from_options(args, lambda *_unused: b""), iis_snapshot({SITE: []}))
    assert "auth_set" in [op.name for op in plan.ops]
