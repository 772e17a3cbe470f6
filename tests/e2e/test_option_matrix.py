"""The option matrix (issue 17 item 2; rows in tests/support/option_matrix.py) through ansible-playbook.

One inventory host per row and per way in (the row's module, and the same desired state through client_cert), all
in four playbook runs: converge every host to its row's ``before`` (after seeding), converge to ``after`` with
``--diff``, rerun ``after``, then ``after`` in ``--check``. Each row's tests read their host's results and recorded
module runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import yaml
from support import option_matrix as om
from support.bad_inputs import materialise
from support.option_matrix import ROWS, Row, as_client_cert
from support.playbook import PlaybookRun, SimFleet

WAYS = ("part", "client_cert")
ENTRIES = [(row, way) for row in ROWS for way in WAYS]
HOSTS = {f"{row.name}@{way}": f"mx{index:03d}" for index, (row, way) in enumerate(ENTRIES)}
SPECS = {module: om.action_spec(module) for module in om.state_modules()}


@dataclass
class Phase:
    run: PlaybookRun
    ops: dict[str, list[list[str]]]  # host -> op names of each recorded apply
    modes: dict[str, list[str]]  # host -> modes of the recorded module runs


def _options(row: Row, way: str, which: str) -> dict[str, Any] | None:
    options = row.before if which == "before" else row.after
    if options is None:
        return None
    return options if way == "part" else as_client_cert(row.module, options)


def _play(variable: str) -> list[dict[str, Any]]:
    """A play per module over the hosts of its rows (no task skipped per host), the options from ``variable``."""
    plays = []
    for module, spec in SPECS.items():
        hosts = [HOSTS[f"{row.name}@{way}"] for row, way in ENTRIES if _module(row, way) == module]
        task = {
            "name": module,
            f"mtls.iis.{module}": {option: f"{{{{ {variable}.{option} | default(omit) }}}}" for option in spec},
            "when": f"{variable} is not none",
        }
        plays.append({"name": module, "hosts": ",".join(hosts), "gather_facts": False, "tasks": [task]})
    return plays


def _module(row: Row, way: str) -> str:
    return row.module if way == "part" else "client_cert"


def _phase(fleet: SimFleet, name: str, variable: str, *flags: str) -> Phase:
    fleet.clear_runs()
    path = fleet.workdir / f"{name}.yml"
    path.write_text(yaml.safe_dump(_play(variable), sort_keys=False))
    run = fleet.run_playbook(path, "--forks", "8", *flags)
    runs = {host: fleet.module_runs(host) for host in fleet.hosts}
    return Phase(
        run,
        {host: [r["ops"] for r in entries if r["mode"] == "apply"] for host, entries in runs.items()},
        {host: [r["mode"] for r in entries] for host, entries in runs.items()},
    )


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    fleet = SimFleet(tmp_path_factory.mktemp("option-matrix"), hosts=tuple(HOSTS.values()))
    certs = om.make_pki()
    files = om.write_files(fleet.write_file, certs)
    host_vars = fleet.workdir / "host_vars"
    host_vars.mkdir(exist_ok=True)
    for row, way in ENTRIES:
        host = HOSTS[f"{row.name}@{way}"]
        fleet.save(host, om.seeded(row, certs))
        variables = {
            "mx_before": materialise(_options(row, way, "before"), files),
            "mx_after": materialise(_options(row, way, "after"), files),
        }
        (host_vars / f"{host}.yml").write_text(yaml.safe_dump(variables))
    return {
        "files": files,
        "before": _phase(fleet, "before", "mx_before"),
        "converge": _phase(fleet, "converge", "mx_after", "--diff"),
        "rerun": _phase(fleet, "rerun", "mx_after"),
        "check": _phase(fleet, "check", "mx_after", "--check", "--diff"),
    }


def _result(phase: Phase, row: Row, way: str) -> dict[str, Any]:
    host = HOSTS[f"{row.name}@{way}"]
    return phase.run.result(_module(row, way), host)


def _expected(text: str, files: dict[str, str]) -> str:
    for placeholder in sorted(files, key=len, reverse=True):
        text = text.replace(placeholder, files[placeholder])
    return text


PARAMS = pytest.mark.parametrize(("row", "way"), ENTRIES, ids=list(HOSTS))
DIFF_PARAMS = pytest.mark.parametrize(
    ("row", "way"),
    [
        pytest.param(row, way, marks=pytest.mark.xfail(reason=om.DIFF_GAPS[row.name], strict=True))
        if row.name in om.DIFF_GAPS
        else (row, way)
        for row, way in ENTRIES
    ],
    ids=list(HOSTS),
)


@PARAMS
def test_the_host_converges_to_the_state_before(row: Row, way: str, matrix: dict[str, Any]) -> None:
    if row.before is None:
        pytest.skip("the row starts from the seeded host")
    result = _result(matrix["before"], row, way)
    assert not result.get("failed"), result.get("msg")


@PARAMS
def test_changing_only_the_option_applies_exactly_its_ops(row: Row, way: str, matrix: dict[str, Any]) -> None:
    phase = matrix["converge"]
    result = _result(phase, row, way)
    assert not result.get("failed"), result.get("msg")
    host = HOSTS[f"{row.name}@{way}"]
    assert phase.ops[host] == ([list(row.ops)] if row.ops else [])
    assert result["changed"] is bool(row.ops)


@DIFF_PARAMS
def test_the_diff_shows_the_option(row: Row, way: str, matrix: dict[str, Any]) -> None:
    if not row.ops:
        pytest.skip("the host is converged already: nothing to show")
    diff = _result(matrix["converge"], row, way)["diff"]
    gone = row.diff.startswith("-")
    text = _expected(row.diff.removeprefix("-"), matrix["files"])
    before, after = diff["before"].count(text), diff["after"].count(text)
    assert (before > after) if gone else (after > before), f"{text!r}\n{diff['before']}\n---\n{diff['after']}"


@PARAMS
def test_rerun_is_one_module_run_without_change(row: Row, way: str, matrix: dict[str, Any]) -> None:
    phase = matrix["rerun"]
    result = _result(phase, row, way)
    assert (result["changed"], result.get("failed", False)) == (False, False), result.get("msg")
    assert phase.modes[HOSTS[f"{row.name}@{way}"]] == ["gather"]


@PARAMS
def test_check_mode_on_the_converged_host_reports_no_change(row: Row, way: str, matrix: dict[str, Any]) -> None:
    phase = matrix["check"]
    result = _result(phase, row, way)
    assert (result["changed"], result.get("failed", False)) == (False, False), result.get("msg")
    assert phase.modes[HOSTS[f"{row.name}@{way}"]] == ["gather"]
