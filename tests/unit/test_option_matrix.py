"""The option matrix (tests/support/option_matrix.py) against the modules' argument specs, no host.

A new option, a new choice or a new module fails here until the matrix gives it a row or says why it is no host
state; a row or an exclusion for a key the spec no longer has fails too. The rows run in
tests/e2e/test_option_matrix.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support import option_matrix as om
from support.collection import make_importable

make_importable()

from ansible_collections.mtls.iis.plugins.plugin_utils import specs

ACTIONS = Path(__file__).resolve().parents[2] / "plugins" / "action"
PART_MODULES = [m for m in om.state_modules() if m != "client_cert"]


def _covered(module: str) -> set[str]:
    return {row.key for row in om.ROWS if row.module == module} | set(om.NOT_STATE.get(module, {}))


def test_every_module_is_in_the_matrix_or_read_only() -> None:
    modules = {path.stem for path in ACTIONS.glob("*.py") if path.stem != "__init__"}
    assert modules == set(om.state_modules()) | set(om.READ_ONLY)
    assert not set(om.state_modules()) & set(om.READ_ONLY)


@pytest.mark.parametrize("module", PART_MODULES)
def test_every_key_of_the_spec_has_a_row_or_a_reason(module: str) -> None:
    assert _covered(module) == om.spec_keys(om.action_spec(module))


def test_every_key_of_client_cert_is_a_part_key_with_a_row_or_a_reason() -> None:
    own = set(om.NOT_STATE["client_cert"])
    keys = om.spec_keys(om.action_spec("client_cert"))
    parts = {key: om.client_cert_part(key) for key in keys - own}
    assert None not in parts.values(), sorted(key for key, part in parts.items() if part is None)
    assert not [key for key, (module, part_key) in parts.items() if part_key not in _covered(module)]
    assert own <= keys


def test_the_part_specs_are_client_cert_s_sub_specs() -> None:
    # client_cert composes the part specs; the matrix runs each part row through client_cert on that ground
    sites = specs.CLIENT_CERT_OPTIONS["sites"]["options"]
    assert specs.CLIENT_CERT_OPTIONS["trust"]["options"] is specs.TRUST_OPTIONS
    assert specs.CLIENT_CERT_OPTIONS["schannel"]["options"] is specs.SCHANNEL_OPTIONS
    assert set(sites["bindings"]["options"]) == set(specs.SITE_BINDING_OPTIONS) - {"site"}


@pytest.mark.parametrize("row", om.ROWS, ids=[row.name for row in om.ROWS])
def test_a_row_changes_only_its_option(row: om.Row) -> None:
    # the before and after options differ in the row's option only (its top-level name)
    if row.before is None:
        return
    top = row.key.split("=")[0].split(".")[0]
    changed = {k for k in {*row.before, *row.after} if row.before.get(k) != row.after.get(k)}
    assert changed == {top}


def test_row_names_are_unique() -> None:
    names = [row.name for row in om.ROWS]
    assert len(names) == len(set(names))
