"""Each secret of a task reaches exactly the op that uses it (issue 17 item 1).

One client_cert task with two PFX passwords and three mapping passwords, all different, planned against a
simulated host and applied to it: every op that needs a secret names its own, no secret is sent unused, the
host ends with each mapping's own password, and no password is in the ops or the reply (the simulator masks
nothing the module would not).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible_collections.mtls.iis.plugins.plugin_utils.snapshot import Snapshot
from ansible_collections.mtls.iis.plugins.plugin_utils.specs import CLIENT_CERT_OPTIONS
from ansible_collections.mtls.iis.plugins.plugin_utils.whole_host import HostDesired
from simhost import seed
from simhost.host import SimulatedHost
from support import pki
from winmodel.state import new_state

NOW = datetime.now(timezone.utc)
SITE = "Default Web Site"
PFX_PASSWORDS = {"api.contoso.com": "Pfx-Api-1!", "www.contoso.com": "Pfx-Www-2!"}
ONE_TO_ONE_PASSWORDS = ("Map-Alice-3!", "Map-Bob-4!")
MANY_TO_ONE_PASSWORD = "Map-Partners-5!"


@pytest.fixture(scope="module")
def material():
    root = pki.make_root("Contoso Root")
    servers = {
        host: pki.make_leaf(host, root, eku=("serverAuth",), san=(host,), key_kind="rsa") for host in PFX_PASSWORDS
    }
    clients = (pki.make_leaf("alice", root), pki.make_leaf("bob", root))
    return root, servers, clients


@pytest.fixture(scope="module")
def planned(material):
    _root, servers, clients = material
    files = {f"{host}.pfx": servers[host].pfx(password) for host, password in PFX_PASSWORDS.items()}
    args = {
        "sites": [
            {
                "name": SITE,
                "bindings": [
                    {"host": host, "certificate": {"pfx": f"{host}.pfx", "password": password}}
                    for host, password in PFX_PASSWORDS.items()
                ],
                "mapping": {
                    "enabled": True,
                    "one_to_one": [
                        {"content": client.pem, "user": f"CONTOSO\\{name}", "password": password}
                        for client, name, password in zip(clients, ("alice", "bob"), ONE_TO_ONE_PASSWORDS, strict=True)
                    ],
                    "many_to_one": [
                        {
                            "name": "partners",
                            "user": "CONTOSO\\partners",
                            "password": MANY_TO_ONE_PASSWORD,
                            "rules": [{"field": "issuer", "subfield": "CN", "match": "Contoso Root"}],
                        }
                    ],
                },
            }
        ]
    }
    validated = ArgumentSpecValidator(CLIENT_CERT_OPTIONS).validate(args)
    assert not validated.error_messages, validated.error_messages
    desired = HostDesired.from_options(validated.validated_parameters, lambda path, option: files[path])
    state = new_state()
    seed.install_feature(state, "Web-Cert-Auth")
    wire = json.loads(json.dumps(SimulatedHost(state).gather(desired.scope().to_wire())))
    plan = desired.plan(Snapshot.from_wire(wire), NOW)
    return state, plan


def secret_of(plan, op):
    return plan.secrets[op.args["password_ref"]]


def test_each_pfx_import_names_the_password_of_its_own_pfx(material, planned):
    _root, servers, _clients = material
    _state, plan = planned
    imports = {op.args["thumbprint"]: secret_of(plan, op) for op in plan.ops if op.name == "pfx_import"}
    assert imports == {servers[host].thumbprint: password for host, password in PFX_PASSWORDS.items()}


def test_each_mapping_names_the_password_of_its_own_entry(material, planned):
    _root, _servers, clients = material
    _state, plan = planned
    one_to_one = {op.args["certificate"]: secret_of(plan, op) for op in plan.ops if op.name == "one_to_one_set"}
    many_to_one = {op.args["name"]: secret_of(plan, op) for op in plan.ops if op.name == "many_to_one_set"}
    assert one_to_one == {
        client.der_b64: password for client, password in zip(clients, ONE_TO_ONE_PASSWORDS, strict=True)
    }
    assert many_to_one == {"partners": MANY_TO_ONE_PASSWORD}


def test_every_secret_sent_is_used_by_exactly_one_op(planned):
    _state, plan = planned
    refs = [op.args["password_ref"] for op in plan.ops if "password_ref" in op.args]
    assert sorted(refs) == sorted(plan.secrets)


def test_the_host_ends_with_each_mapping_password_and_no_password_comes_back(material, planned):
    _root, _servers, clients = material
    state, plan = planned
    wire_ops = plan.to_wire()
    reply = SimulatedHost(state).apply(wire_ops, plan.secrets)
    assert reply.get("failed") is None, reply.get("msg")
    assert [seed.mapping_password(state, SITE, "one_to_one", c.der_b64) for c in clients] == list(ONE_TO_ONE_PASSWORDS)
    assert seed.mapping_password(state, SITE, "many_to_one", "partners") == MANY_TO_ONE_PASSWORD
    text = json.dumps(wire_ops) + json.dumps(reply)
    for password in (*PFX_PASSWORDS.values(), *ONE_TO_ONE_PASSWORDS, MANY_TO_ONE_PASSWORD):
        assert password not in text
