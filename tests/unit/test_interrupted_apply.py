"""An apply interrupted at a chosen op, then rerun: nothing the host had is lost, the rerun converges.

Through the planner and the simulator directly (tests/support/converge.py), with the simulator's faults that fire
after an op took effect or lose the connection (docs/ENGINE.md, tests/simhost/README.md).
"""

from __future__ import annotations

from simhost import seed
from simhost.faults import clear_faults
from support import pki
from support.converge import desired_from, run_task
from winmodel.state import new_state

SITE = "Default Web Site"
HOST = "api.contoso.com"


def _server():
    return pki.make_leaf(HOST, pki.make_root("Interrupt Root"), eku=("serverAuth",), san=(HOST,))


def test_httpsys_options_the_task_does_not_restate_survive_an_apply_lost_after_the_binding_changed():
    server = _server()
    state = new_state()
    seed.add_cert(state, "My", server.der, has_private_key=True)
    seed.add_binding(state, SITE, f"*:443:{HOST}", ssl_flags=1, certificate_hash=server.thumbprint)
    seed.set_httpsys_options(
        state, "hostnameport", f"{HOST}:443", default_flags=0x1 | 0x2, ctl_store_name="ClientAuthIssuer"
    )
    desired = desired_from({"sites": [{"name": SITE, "bindings": [{"host": HOST, "disable_tls13": True}]}]})
    seed.add_fault(state, "binding_set_flags", {"site": SITE}, "lost", stage="disconnect")

    assert run_task(state, desired).unreachable
    assert seed.httpsys_record(state, "hostnameport", f"{HOST}:443")["ctl_store_name"] is None  # IIS rewrote it
    clear_faults(state)
    rerun = run_task(state, desired)

    record = seed.httpsys_record(state, "hostnameport", f"{HOST}:443")
    assert (record["default_flags"] & 0x43, record["ctl_store_name"]) == (0x43, "ClientAuthIssuer")
    assert [op.name for op in rerun.plan.ops] == ["httpsys_set"]
    assert run_task(state, desired, check=True).plan.ops == ()


def test_an_interrupted_absent_leaves_no_httpsys_record_behind_when_the_task_spells_sni_differently():
    server = _server()
    state = new_state()
    seed.add_cert(state, "My", server.der, has_private_key=True)
    # On the host without SNI (ipport 0.0.0.0:443); the task's host name makes it SNI by default.
    seed.add_binding(state, SITE, f"*:443:{HOST}", ssl_flags=0, certificate_hash=server.thumbprint)
    desired = desired_from({"sites": [{"name": SITE, "bindings": [{"host": HOST, "state": "absent"}]}]})
    first = run_task(state, desired, check=True).plan.ops[0]
    seed.add_fault(state, first.name, first.args, "lost", stage="disconnect")

    assert run_task(state, desired).unreachable
    clear_faults(state)
    run_task(state, desired)

    assert seed.binding(state, SITE, f"*:443:{HOST}") is None
    assert seed.httpsys_record(state, "ipport", "0.0.0.0:443") is None
    assert run_task(state, desired, check=True).plan.ops == ()


def test_a_feature_two_sites_need_is_installed_once_and_shown_installed_for_both():
    state = new_state()
    seed.add_site(state, "Shop")
    desired = desired_from(
        {"sites": [{"name": SITE, "mapping": {"enabled": True}}, {"name": "Shop", "mapping": {"enabled": True}}]}
    )

    run = run_task(state, desired, check=True)

    assert [op.args for op in run.plan.ops if op.name == "feature_install"] == [{"name": "Web-Cert-Auth"}]
    assert "Web-Cert-Auth: installed" in run.diff["after"]
    assert "Web-Cert-Auth: not installed" not in run.diff["after"]
