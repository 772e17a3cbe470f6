"""mtls.iis.cert_mapping through real ansible-playbook runs against a simulated Windows host."""

from __future__ import annotations

import json
import re

import pytest
from simhost import seed
from support import pki

HOST = "win01"
TASK = "under test"
SITE = "Default Web Site"
PASSWORDS = ("One-Pa55-alpha!", "One-Pa55-bravo!", "Many-Pa55-charlie!")


@pytest.fixture(scope="module")
def clients():
    issuing = pki.make_intermediate("Contoso Client CA", pki.make_root("Contoso Root"))
    return issuing, pki.make_leaf("client01", issuing), pki.make_leaf("client02", issuing)


@pytest.fixture
def mapping_args(fleet, clients):
    _issuing, first, second = clients
    return {
        "site": SITE,
        "enabled": True,
        "one_to_one": [
            {
                "path": str(fleet.write_file("client01.pem", first.pem)),
                "user": "CONTOSO\\svc-a",
                "password": PASSWORDS[0],
            },
            {"content": second.pem, "user": "CONTOSO\\svc-b", "password": PASSWORDS[1]},
        ],
        "many_to_one": [
            {
                "name": "partners",
                "user": "CONTOSO\\svc-partners",
                "password": PASSWORDS[2],
                "rules": [
                    {"field": "issuer", "subfield": "CN", "match": "Contoso Client CA"},
                    {"field": "subject", "subfield": "O", "match": "Fabrikam*", "case_sensitive": False},
                ],
            }
        ],
    }


def modes(fleet):
    return [r["mode"] for r in fleet.module_runs(HOST)]


@pytest.mark.winrm
def test_two_one_to_one_and_a_many_to_one_converge_in_two_runs(fleet, mapping_args, clients):
    run = fleet.run_module("mtls.iis.cert_mapping", mapping_args)
    assert run.recap()[HOST]["changed"] == 1
    assert modes(fleet) == ["gather", "apply"]
    state = fleet.state(HOST)
    assert {m["user"] for m in seed.one_to_one(state, SITE)} == {"CONTOSO\\svc-a", "CONTOSO\\svc-b"}
    assert [len(m["rules"]) for m in seed.many_to_one(state, SITE)] == [2]


def test_rerun_changes_nothing_in_one_run(fleet, mapping_args):
    fleet.run_module("mtls.iis.cert_mapping", mapping_args)
    fleet.clear_runs()
    run = fleet.run_module("mtls.iis.cert_mapping", mapping_args)
    assert run.recap()[HOST] == {"ok": 1, "changed": 0, "unreachable": 0, "failed": 0}
    assert modes(fleet) == ["gather"]


def test_exclusive_removes_an_unlisted_mapping(fleet, mapping_args):
    fleet.run_module("mtls.iis.cert_mapping", mapping_args)
    fleet.run_module(
        "mtls.iis.cert_mapping", {**mapping_args, "one_to_one": mapping_args["one_to_one"][:1], "exclusive": True}
    )
    assert [m["user"] for m in seed.one_to_one(fleet.state(HOST), SITE)] == ["CONTOSO\\svc-a"]


def test_update_password_always_reports_a_change_every_run(fleet, mapping_args):
    fleet.run_module("mtls.iis.cert_mapping", mapping_args)
    args = {**mapping_args, "update_password": "always"}
    for _run in range(2):
        assert fleet.run_module("mtls.iis.cert_mapping", args).result(TASK, HOST)["changed"] is True
    assert all(m["password_writes"] == 3 for m in seed.one_to_one(fleet.state(HOST), SITE))


def test_update_password_on_create_never_reports_a_change_for_passwords(fleet, mapping_args):
    fleet.run_module("mtls.iis.cert_mapping", mapping_args)
    changed = {
        **mapping_args,
        "one_to_one": [{**m, "password": "another-password"} for m in mapping_args["one_to_one"]],
    }
    assert fleet.run_module("mtls.iis.cert_mapping", changed).result(TASK, HOST)["changed"] is False
    assert all(m["password_writes"] == 1 for m in seed.one_to_one(fleet.state(HOST), SITE))


def test_no_password_appears_anywhere_even_at_vvv(fleet, mapping_args):
    outputs = []
    for extra in ((), ("-vvv",)):
        run = fleet.run_tasks(
            [{"name": TASK, "mtls.iis.cert_mapping": {**mapping_args, "update_password": "always"}}], *extra, diff=True
        )
        outputs += [run.stdout, run.stderr, json.dumps(run.results)]
    check = fleet.run_module("mtls.iis.cert_mapping", mapping_args, check=True, diff=True)
    outputs += [check.stdout, json.dumps(check.results)]
    outputs.append(json.dumps([r.get("reply") for r in fleet.module_runs(HOST)]))
    blob = "\n".join(outputs)
    assert "one_to_one_set" in blob  # the scan covers real output
    for password in PASSWORDS:
        assert password not in blob


BAD_INPUT = {
    "below_site": ({"site": f"{SITE}/api"}, r"^site: .*below site level"),
    "many_to_one_with_ad": ({"enabled": True, "many_to_one": "@many", "ad_mapping": True}, r"^ad_mapping: "),
    "mapping_without_user": ({"one_to_one": [{"content": "@client"}]}, r"user"),
    "unknown_rule_field": (
        {"many_to_one": [{"name": "x", "user": "u", "rules": [{"field": "serial", "subfield": "CN", "match": "*"}]}]},
        r"field",
    ),
    "ca_certificate": ({"one_to_one": [{"content": "@ca", "user": "u"}]}, r"^one_to_one\[0\]: .*is a CA certificate"),
    "private_key": ({"one_to_one": [{"content": "@key", "user": "u"}]}, r"private key"),
    "duplicate_name": ({"many_to_one": [{"name": "x", "user": "u"}, {"name": "X", "user": "v"}]}, r"already used"),
    "duplicate_certificate": (
        {"one_to_one": [{"content": "@client", "user": "u"}, {"content": "@client", "user": "v"}]},
        r"already mapped",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_fails_clearly_with_nothing_applied(fleet, mapping_args, clients, case):
    issuing, client, _second = clients
    args, pattern = BAD_INPUT[case]
    text = json.dumps({"site": SITE, **args})
    text = text.replace('"@many"', json.dumps(mapping_args["many_to_one"]))
    for marker, value in (("@client", client.pem), ("@ca", issuing.pem), ("@key", client.key_pem)):
        text = text.replace(f'"{marker}"', json.dumps(value))
    before = json.dumps(fleet.state(HOST), sort_keys=True)
    result = fleet.run_module("mtls.iis.cert_mapping", json.loads(text)).result(TASK, HOST)
    assert result["failed"] is True
    assert re.search(pattern, result["msg"]), result["msg"]
    assert "apply" not in modes(fleet)
    assert json.dumps(fleet.state(HOST), sort_keys=True) == before
