"""The role's list of its own variables (tasks/variables.yml) stays in step with its argument specs."""

from __future__ import annotations

import re

import yaml
from support.collection import REPO_ROOT

ROLE = REPO_ROOT / "roles" / "client_cert_auth"


def _check_task() -> dict:
    tasks = yaml.safe_load((ROLE / "tasks" / "variables.yml").read_text())
    return tasks[0]


def test_the_known_variables_are_the_argument_specs_and_the_registered_results() -> None:
    specs = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]
    documented = {name for entry in specs.values() for name in entry.get("options", {})}
    registered = {
        match
        for path in (ROLE / "tasks").glob("*.yml")
        for match in re.findall(r"^\s*register:\s*(client_cert_auth_\w+)", path.read_text(), re.MULTILINE)
    }
    known = set(_check_task()["vars"]["mtls_iis_role_variables"])
    assert known == documented | registered
    assert set(_check_task()["vars"]["mtls_iis_role_results"]) == registered


def test_every_entry_point_checks_the_variables_first() -> None:
    for name in ("main.yml", "verify.yml"):
        first = yaml.safe_load((ROLE / "tasks" / name).read_text())[0]
        assert first.get("ansible.builtin.import_tasks") == "variables.yml", name
