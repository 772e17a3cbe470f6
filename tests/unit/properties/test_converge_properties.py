"""Properties of converging random hosts to random client_cert states, through the planner and the simulator.

Seeded (``MTLS_PROPERTY_SEED``, printed in pytest's header), bounded (``MTLS_PROPERTY_EXAMPLES``): a failure
prints the falsifying example and is reproduced by running again with the same seed.
"""

from __future__ import annotations

import difflib
import json
from typing import Any

from hypothesis import given
from simhost import iis as sim_iis
from simhost import seed
from simhost.faults import clear_faults
from simhost.registry import get_value
from support.converge import certificates, desired_from, run_task, without_password_marks
from support.generated import desired_states, fresh, material, start_hosts
from support.properties import examples
from winmodel.state import SCHANNEL_KEY, State

TRUST_MODES = {"machine": 0, "exclusive_root": 1, "exclusive_ca": 2}
ACCESS = {"accept": 32, "require": 32 | 64, "ignore": 0}
material()  # make the PKI before Hypothesis times the first example


def _frozen(state: State) -> str:
    return json.dumps(state, sort_keys=True)


def _effective(state: State, path: str) -> int:
    return sim_iis.effective_flags(state, path)


def _record_for(state: State, site: str, host: str, sni: bool) -> dict[str, Any] | None:
    kind, key = ("hostnameport", f"{host}:443") if sni else ("ipport", "0.0.0.0:443")
    return seed.httpsys_record(state, kind, key)


def assert_matches(args: dict[str, Any], start: State, state: State) -> None:
    """The host after the converge has what the task asks, and kept what it does not ask about."""
    m = material()
    trust = args.get("trust")
    if trust:
        for cert in m.cas:
            if {"content": cert.pem} in trust["certificates"]:
                store = "Root" if cert in (m.root_a, m.root_b) else "CA"
                assert cert.thumbprint in seed.thumbprints(state, store), (cert.subject, store)
        for entry in trust["client_auth_issuers"]:
            issued = next(c for c in m.cas if c.pem == entry["content"])
            assert issued.thumbprint in seed.thumbprints(state, "ClientAuthIssuer")
        if trust["non_self_signed_roots"] == "move":
            assert m.issuing_a.thumbprint not in seed.thumbprints(state, "Root")
    mode = (args.get("schannel") or {}).get("client_auth_trust_mode")
    if mode == "default":
        assert get_value(state, SCHANNEL_KEY, "ClientAuthTrustMode") is None
    elif mode is not None:
        assert seed.schannel_value(state, "ClientAuthTrustMode") == TRUST_MODES[mode]
    for site in args["sites"]:
        name = site["name"]
        for entry in site.get("ssl", []):
            path = "/".join(filter(None, (name, entry["path"])))
            if entry.get("state") == "absent":
                assert seed.location_flags(state, path) is None, path
                continue
            flags = _effective(state, path)
            certificates_wanted = entry.get("client_certificates")
            if certificates_wanted is not None:
                assert flags & (32 | 64) == ACCESS[certificates_wanted], (path, flags)
            require_ssl = entry.get("require_ssl", True if certificates_wanted == "require" else None)
            if require_ssl is not None:
                assert bool(flags & 8) == require_ssl, (path, flags)
            if entry.get("require_128bit") is not None:
                assert bool(flags & 256) == entry["require_128bit"], (path, flags)
        for binding in site.get("bindings", []):
            _assert_binding(name, binding, start, state)


def _assert_binding(site: str, binding: dict[str, Any], start: State, state: State) -> None:
    host = binding["host"]
    info = f"*:443:{host}"
    current = seed.binding(state, site, info)
    if binding.get("state") == "absent":
        assert current is None
        return
    assert current is not None
    sni = bool(current["ssl_flags"] & 1)
    record = _record_for(state, site, host, sni)
    assert record is not None
    if "certificate" in binding:
        assert record["cert_hash"] == binding["certificate"]["thumbprint"]
    before_binding = seed.binding(start, site, info)
    # What the host had: the binding's record, or for a new binding the record already at its key (shared).
    before = _record_for(start, site, host, bool((before_binding or current)["ssl_flags"] & 1))
    expected = {
        "negotiate_client_certificate": (0x2, binding.get("negotiate_client_certificate")),
        "ds_mapper": (0x1, binding.get("ds_mapper")),
    }
    for name, (bit, wanted) in expected.items():
        if wanted is None:  # not asked: kept as the host had it (a new binding: off)
            wanted = bool(before and before["default_flags"] & bit)
        assert bool(record["default_flags"] & bit) == wanted, (name, record)
    ctl = binding.get("client_auth_issuer_store")
    if ctl is None:
        ctl = (before or {}).get("ctl_store_name") or ""
    assert (record["ctl_store_name"] or "") == ctl, record


@given(start=start_hosts(), args=desired_states())
@examples(150)
def test_a_converge_reaches_the_desired_state_in_one_apply_and_a_rerun_changes_nothing(start, args):
    desired = desired_from(args)
    state = fresh(start)
    check = run_task(state, desired, check=True)
    assert _frozen(state) == _frozen(start), "check mode changed the host"
    if check.refused is not None:
        return  # refused on the controller before any apply: nothing to converge
    plan_ops = [json.dumps(op.to_wire(), sort_keys=True) for op in check.plan.ops]
    assert len(plan_ops) == len(set(plan_ops)), "a plan holds the same op twice"

    held = certificates(state)
    run = run_task(state, desired)
    assert not run.failed, run.reply
    assert run.module_runs == (2 if check.plan.ops else 1)
    assert set(held) <= set(certificates(state)) | {c for c in held if held[c] in run.returned}, "certificate lost"

    rerun = run_task(state, desired)
    assert rerun.plan.ops == (), [op.summary for op in rerun.plan.ops]
    assert rerun.module_runs == 1
    predicted = without_password_marks(check.diff["after"])
    assert predicted == rerun.diff["before"], "--check --diff did not predict the converge:\n" + "\n".join(
        difflib.unified_diff(predicted.splitlines(), rerun.diff["before"].splitlines(), "predicted", "converged")
    )
    assert_matches(args, start, state)


@given(start=start_hosts(), args=desired_states())
@examples(40)
def test_a_fault_at_any_op_before_or_after_it_took_effect_is_reported_and_a_rerun_converges(start, args):
    desired = desired_from(args)
    reference = fresh(start)
    clean = run_task(reference, desired)
    if clean.refused is not None or not clean.plan.ops:
        return
    converged = run_task(reference, desired, check=True).diff["before"]
    for index, op in enumerate(clean.plan.to_wire()):
        match = {key: value for key, value in op.items() if key != "op"}
        for stage in (None, "after", "disconnect"):
            state = fresh(start)
            held = certificates(state)
            seed.add_fault(state, op["op"], match, "Injected failure.", stage=stage)
            interrupted = run_task(state, desired)
            returned = set(interrupted.returned)
            if stage == "disconnect":
                assert interrupted.unreachable, (index, op["op"])
            else:
                assert interrupted.failed, (index, op["op"], stage)
                assert interrupted.reply["failed_index"] == index
                assert f"op {index} ({op['op']}) failed: Injected failure." in interrupted.reply["msg"]
            clear_faults(state)
            rerun = run_task(state, desired)
            assert not rerun.failed, (index, op["op"], stage, rerun.reply)
            returned |= set(rerun.returned)
            again = run_task(state, desired, check=True)
            assert again.plan.ops == (), (index, op["op"], stage, [o.summary for o in again.plan.ops])
            assert again.diff["before"] == converged, (index, op["op"], stage)
            lost = {tp for tp, der in held.items() if tp not in certificates(state) and der not in returned}
            assert not lost, (index, op["op"], stage, lost)
