"""Issue 11 end to end: certificate material administrators have, judged as Windows judges it.

Real ansible-playbook runs against a simulated Windows host: a SHA-1 enterprise root stays in Trusted Root even
with a verdict the old rule cached, a .p7b from the export wizard is placed, a PFX's intermediate reaches the CA
store (shown in check mode) and Server 2016 gets a PFX it can open.
"""

from __future__ import annotations

import hashlib
import json

from simhost import seed
from support import pki

HOST = "win01"
TASK = "under test"
SITE = "Default Web Site"
PASSWORD = "Enterprise-Pfx-Pa55!"


def test_a_sha1_enterprise_root_is_never_moved_out_of_root_even_with_an_old_cached_verdict(fleet):
    root = pki.make_root("Contoso Enterprise Root 2012", key_kind="rsa", signature="sha1")
    state = fleet.state(HOST)
    seed.add_cert(state, "Root", root.der)
    fleet.save(HOST, state)
    cache = fleet.workdir / "cache"
    cache.mkdir(parents=True, exist_ok=True)  # the verdict the old rule remembered: "not self-signed"
    (cache / "self-signed-verdicts.json").write_text(json.dumps({hashlib.sha256(root.der).hexdigest(): False}))

    run = fleet.run_module("mtls.iis.trusted_certs", {"non_self_signed_roots": "move"})
    result = run.result(TASK, HOST)
    assert result["changed"] is False and result["non_self_signed_roots"] == []
    assert seed.thumbprints(fleet.state(HOST), "Root") == {root.thumbprint}


def test_a_p7b_from_the_export_wizard_places_root_and_intermediate(fleet):
    root = pki.make_root("Contoso Root")
    issuing = pki.make_intermediate("Contoso Issuing CA", root)
    bundle = fleet.write_file("chain.p7b", pki.p7b([root, issuing]))
    run = fleet.run_module("mtls.iis.trusted_certs", {"certificates": [{"path": str(bundle)}]})
    assert run.recap()[HOST]["failed"] == 0, run.stdout
    state = fleet.state(HOST)
    assert (seed.thumbprints(state, "Root"), seed.thumbprints(state, "CA")) == ({root.thumbprint}, {issuing.thumbprint})


def test_a_pfx_where_a_ca_certificate_belongs_fails_naming_it(fleet):
    root = pki.make_root("Contoso Root")
    pfx = fleet.write_file("root.pfx", root.pfx(PASSWORD))
    result = fleet.run_module("mtls.iis.trusted_certs", {"certificates": [{"path": str(pfx)}]}).result(TASK, HOST)
    assert result["failed"] is True
    assert "certificates[0].path" in result["msg"] and "PFX/PKCS#12" in result["msg"]
    assert [r["mode"] for r in fleet.module_runs(HOST)] == []  # refused on the controller, before any module run


def _binding_args(fleet, pfx: bytes) -> dict:
    path = fleet.write_file("api.pfx", pfx)
    return {"site": SITE, "host": "api.contoso.com", "certificate": {"pfx": str(path), "password": PASSWORD}}


def test_a_pfx_intermediate_goes_to_ca_shown_in_check_mode_and_its_root_nowhere(fleet):
    root = pki.make_root("Contoso Root")
    issuing = pki.make_intermediate("Contoso Server CA", root)
    server = pki.make_leaf("api.contoso.com", issuing, eku=("serverAuth",), san=("api.contoso.com",))
    args = _binding_args(fleet, server.pfx(PASSWORD, chain=[issuing, root]))

    check = fleet.run_module("mtls.iis.site_binding", args, check=True, diff=True).result(TASK, HOST)
    assert {"op": "cert_import", "store": "CA", "thumbprint": issuing.thumbprint}.items() <= next(
        op for op in check["plan"] if op["op"] == "cert_import"
    ).items()
    assert issuing.thumbprint in check["diff"]["after"] and issuing.thumbprint not in check["diff"]["before"]
    assert seed.thumbprints(fleet.state(HOST), "CA") == set()

    assert fleet.run_module("mtls.iis.site_binding", args).recap()[HOST]["failed"] == 0
    state = fleet.state(HOST)
    assert seed.thumbprints(state, "CA") == {issuing.thumbprint}
    assert root.thumbprint not in seed.thumbprints(state, "Root")
    assert fleet.run_module("mtls.iis.site_binding", args).result(TASK, HOST)["changed"] is False


def test_server_2016_gets_a_pfx_it_can_open(fleet):
    root = pki.make_root("Contoso Root")
    server = pki.make_leaf("api.contoso.com", root, eku=("serverAuth",), san=("api.contoso.com",))
    state = fleet.state(HOST)
    seed.set_os_version(state, "10.0.14393")
    fleet.save(HOST, state)
    run = fleet.run_module("mtls.iis.site_binding", _binding_args(fleet, server.pfx(PASSWORD)))
    assert run.recap()[HOST]["failed"] == 0, run.stdout
    assert server.thumbprint in seed.thumbprints(fleet.state(HOST), "My")
