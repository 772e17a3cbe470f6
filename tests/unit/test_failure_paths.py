"""The failure-path table (tests/support/failure_paths.py) against the op vocabulary, no host."""

from __future__ import annotations

import pytest
from support import failure_paths as fp
from support.collection import make_importable

make_importable()

from ansible_collections.mtls.iis.plugins.plugin_utils.ops import OP_NAMES


def test_every_op_has_a_failure_scenario() -> None:
    assert set(fp.FAILING) == OP_NAMES


@pytest.mark.parametrize("op", sorted(fp.FAILING))
def test_the_scenario_s_plan_holds_the_op(op: str) -> None:
    assert op in fp.FAILING[op].ops
