"""Mutation testing of the controller code with cosmic-ray (docs/TESTING.md, "Mutation testing").

Runs in its own virtualenv (``.venv-mutation``, cosmic-ray only); the tests run in ``.venv``. Each module is
mutated in a copy of its own (``.build/mutation/<module>/ansible_collections/mtls/iis``): cosmic-ray rewrites the
file on disk for each mutant, so the checkout is never touched and modules can run in parallel without one's
mutant leaking into another's tests. The tests of a module are the fast unit tests that exercise it
(``MODULE_TESTS``); a mutant only other tests would catch counts as a survivor, so the score is a lower bound.

    tools/mutation.py                       every module of plugins/plugin_utils and plugins/action
    tools/mutation.py --sample              the planners (SAMPLE)
    tools/mutation.py binding diff          these modules
    tools/mutation.py --limit 40 --sample   at most 40 mutants per module, drawn with a fixed seed
    tools/mutation.py --rerun binding       only the mutants that survived the last run of binding

Prints the score per module and every survivor (file:line, operator, diff); writes the same to
``.build/mutation/report.md``. Exit status 1 when a module's tests fail unmutated.
"""

from __future__ import annotations

import argparse
import ast
import os
import random
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from cosmic_ray.work_db import WorkDB, use_db
from cosmic_ray.work_item import TestOutcome, WorkerOutcome, WorkResult

REPO = Path(__file__).resolve().parents[1]
BUILD = REPO / ".build" / "mutation"
TESTS_PYTHON = REPO / ".venv" / "bin" / "python"
PLUGIN_DIRS = ("plugins/plugin_utils", "plugins/action")
# copied into each work tree: the collection's code and what the unit tests import (not e2e, not integration)
COPIED = (
    "plugins",
    "meta",
    "galaxy.yml",
    "pyproject.toml",
    "tests/conftest.py",
    "tests/support",
    "tests/simhost",
    "tests/winmodel",  # the Windows model the simulator (tests/simhost) stands on
)
COPIED_UNIT = "tests/unit"

SAMPLE = ("binding", "ssl_settings", "schannel", "trust", "mapping", "diff")
UNIT = "tests/unit/plugin_utils"
# The fast tests that hold a module: the test files that import it, those of the planners that use it, and the action
# plugins' in-process tests (ACTION, PROBE) where a task drives it. A module not listed (the ones every planner
# uses: certs, errors, flags, snapshot...) runs DEFAULT_TESTS and every other unit test file that imports it
# (importers()); an action plugin runs ACTION_TESTS and its importers.
ACTION = "tests/unit/test_action_plugins.py"
PROBE = "tests/unit/test_probe_action.py"
BAD_INPUTS = "tests/unit/test_bad_inputs.py"
ACTION_TESTS = (ACTION, PROBE)
BINDING_TESTS = (f"{UNIT}/test_binding_plan.py", f"{UNIT}/test_binding_ccs.py", f"{UNIT}/test_pfx_plan.py")
MODULE_TESTS: dict[str, tuple[str, ...]] = {
    # the planners (the sample)
    "binding": (f"{UNIT}/test_binding_plan.py", f"{UNIT}/test_pfx_plan.py", f"{UNIT}/test_findings.py"),
    "ssl_settings": (f"{UNIT}/test_ssl_plan.py", f"{UNIT}/test_findings.py"),
    "schannel": (f"{UNIT}/test_schannel_plan.py", f"{UNIT}/test_findings.py"),
    "trust": (f"{UNIT}/test_trust_plan.py", f"{UNIT}/test_pfx_plan.py", f"{UNIT}/test_diff.py"),
    "mapping": (f"{UNIT}/test_mapping_plan.py",),
    "diff": (
        f"{UNIT}/test_diff.py",
        f"{UNIT}/test_diff_text.py",
        f"{UNIT}/test_ssl_plan.py",
        f"{UNIT}/test_pfx_plan.py",
    ),
    # the rest of plugin_utils
    "action_base": (f"{UNIT}/test_apply_report.py", *ACTION_TESTS),
    "after": (f"{UNIT}/test_after.py", f"{UNIT}/test_findings.py", ACTION),
    "arguments": (BAD_INPUTS, ACTION),
    "audit": (f"{UNIT}/test_audit.py", ACTION),
    "chain": (f"{UNIT}/test_chain.py", f"{UNIT}/test_diagnosis.py", f"{UNIT}/test_audit.py"),
    "controller_files": (BAD_INPUTS, *ACTION_TESTS),
    "diagnosis": (f"{UNIT}/test_diagnosis.py", f"{UNIT}/test_audit.py", ACTION),
    "findings": (f"{UNIT}/test_findings.py", ACTION),
    "hostnames": (f"{UNIT}/test_hostnames.py", *BINDING_TESTS, f"{UNIT}/test_findings.py", BAD_INPUTS, ACTION),
    "probe_inputs": (f"{UNIT}/test_probe_inputs.py", BAD_INPUTS, PROBE),
    "probe_report": (PROBE,),
    "signature": (f"{UNIT}/test_signature.py", f"{UNIT}/test_certs.py", f"{UNIT}/test_chain.py"),
    "specs": (BAD_INPUTS, "tests/unit/test_option_matrix.py", f"{UNIT}/test_secret_routing.py", ACTION),
    "tls13": (f"{UNIT}/test_findings.py", f"{UNIT}/test_diagnosis.py", ACTION),
    "tracing": (f"{UNIT}/test_tracing_plan.py", BAD_INPUTS, ACTION),
    "verdicts": (f"{UNIT}/test_verdicts.py", f"{UNIT}/test_certs.py"),
    "whole_host": (*BINDING_TESTS, f"{UNIT}/test_secret_routing.py", BAD_INPUTS, ACTION),
}
DEFAULT_TESTS = (UNIT, f"--ignore={UNIT}/test_corpus.py", *ACTION_TESTS)
SEED = 17


@dataclass(frozen=True)
class Survivor:
    module: str
    line: int
    operator: str
    diff: str


@dataclass(frozen=True)
class Score:
    module: str
    mutants: int
    killed: int
    incompetent: int
    in_annotations: int
    left_out: int
    survivors: tuple[Survivor, ...]
    seconds: float
    baseline_failed: bool = False

    @property
    def tested(self) -> int:
        return self.killed + len(self.survivors)

    @property
    def percent(self) -> float:
        return 100.0 * self.killed / self.tested if self.tested else 0.0


def module_path(name: str) -> str:
    """``action/schannel`` names an action plugin; a bare name is looked up in plugin_utils first (``schannel`` and
    ``ssl_settings`` are in both directories)."""
    directory, _sep, stem = name.rpartition("/")
    directories = [d for d in PLUGIN_DIRS if d.endswith(f"/{directory}")] if directory else PLUGIN_DIRS
    for candidate in directories:
        if (REPO / candidate / f"{stem}.py").is_file():
            return f"{candidate}/{stem}.py"
    raise SystemExit(f"no module {name}.py in {' or '.join(PLUGIN_DIRS)}")


def all_modules() -> list[str]:
    """Every module: plugin_utils' by name, the action plugins as ``action/<name>``."""
    return [
        f"{directory.rpartition('/')[2]}/{path.stem}" if directory != PLUGIN_DIRS[0] else path.stem
        for directory in PLUGIN_DIRS
        for path in sorted((REPO / directory).glob("*.py"))
        if path.name != "__init__.py"
    ]


def work_dir(name: str) -> Path:
    """Where one module's copy and session live (``action/schannel`` -> ``action-schannel``)."""
    return BUILD / name.replace("/", "-")


def make_tree(name: str) -> Path:
    """A fresh copy of the collection for one module's mutants, at a path Ansible reads as mtls.iis."""
    tree = work_dir(name) / "ansible_collections" / "mtls" / "iis"
    shutil.rmtree(work_dir(name), ignore_errors=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")
    for item in (*COPIED, COPIED_UNIT):
        source, target = REPO / item, tree / item
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=ignore)
        else:
            shutil.copy2(source, target)
    return tree


#: Unit test files never run against mutants: the corpus (minutes, an openssl process per certificate) and the tests
#: that start pwsh (the op vocabulary's parses host_state_apply.ps1 with it, through support.psparse).
SLOW_TESTS = ("test_corpus.py", "test_powershell_static.py", "test_psstatic_rules.py", "test_op_vocabulary.py")


def importers(name: str) -> tuple[str, ...]:
    """The unit test files (outside ``plugin_utils``) that import the module ``name`` (``action/<name>``: a plugin)."""
    directory = Path(module_path(name)).parent.name
    stem = name.rpartition("/")[2]
    pattern = re.compile(rf"plugins\.{directory}(\.{stem}\b| import [^\n]*\b{stem}\b)")
    return tuple(
        str(path.relative_to(REPO))
        for path in sorted((REPO / COPIED_UNIT).rglob("test_*.py"))
        if path.name not in SLOW_TESTS
        and not str(path.relative_to(REPO)).startswith(UNIT)
        and pattern.search(path.read_text(encoding="utf-8"))
    )


def test_command(name: str) -> str:
    # a module without its own list: the plugin_utils tests, and every other unit test file that imports it (its
    # tests may live in tests/unit/*.py, e.g. the argument validation's)
    if name.startswith("action/"):
        tests = (*ACTION_TESTS, *importers(name))
    else:
        tests = MODULE_TESTS.get(name) or (*DEFAULT_TESTS, *importers(name))
    # -x: the first failing test kills the mutant; no plugins (hypothesis' alone costs seconds per run)
    return " ".join((str(TESTS_PYTHON), "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests))


def write_config(tree: Path, name: str, timeout: float) -> Path:
    config = tree.parent.parent.parent / "cosmic-ray.toml"
    config.write_text(
        "[cosmic-ray]\n"
        f'module-path = "{module_path(name)}"\n'
        f"timeout = {timeout:.0f}\n"
        "excluded-modules = []\n"
        f'test-command = "{test_command(name)}"\n'
        "\n[cosmic-ray.distributor]\n"
        'name = "local"\n'
    )
    return config


def annotation_spans(source: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Where the module's annotations are: every module has ``from __future__ import annotations``, so Python never
    evaluates them and a mutant inside one (``X | None`` -> ``X // None``) is equivalent by construction."""
    spans = []
    for node in ast.walk(ast.parse(source)):
        annotations = []
        if isinstance(node, ast.arg | ast.AnnAssign) and node.annotation is not None:
            annotations.append(node.annotation)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns is not None:
            annotations.append(node.returns)
        spans += [((a.lineno, a.col_offset), (a.end_lineno or a.lineno, a.end_col_offset or 0)) for a in annotations]
    return spans


def last_survivors(name: str) -> set[tuple[str, int]]:
    """The mutants (operator, occurrence) that survived the last run of a module: the same mutants as long as the
    module's source is unchanged (the tests may have changed)."""
    session = work_dir(name) / "session.sqlite"
    if not session.is_file():
        raise SystemExit(f"{name}: no earlier run to take the survivors from ({session})")
    with use_db(str(session), WorkDB.Mode.open) as db:
        return {
            (item.mutations[0].operator_name, item.mutations[0].occurrence)
            for item, result in db.completed_work_items
            if result.test_outcome == TestOutcome.SURVIVED
        }


def select_mutants(
    session: Path, source: str, limit: int | None, only: set[tuple[str, int]] | None = None
) -> tuple[int, int]:
    """Mark mutants inside annotations and all but ``limit`` of the others (drawn with a fixed seed) skipped, or
    with ``only`` all but those; return how many were in annotations and how many were left out."""
    if "from __future__ import annotations" not in source:
        raise SystemExit("the annotation filter relies on `from __future__ import annotations` in every module")
    spans = annotation_spans(source)
    with use_db(str(session), WorkDB.Mode.open) as db:
        items = list(db.pending_work_items)
        jobs = {item.job_id: item.mutations[0] for item in items}
        in_annotation = {
            item.job_id for item in items if any(start <= item.mutations[0].start_pos < end for start, end in spans)
        }
        # ordered by the mutation, not by the random job id, so the seed draws the same sample from the same source
        others = sorted(
            (job for job in jobs if job not in in_annotation),
            key=lambda job: (jobs[job].operator_name, jobs[job].occurrence),
        )
        if only is not None:
            sampled = {job for job in others if (jobs[job].operator_name, jobs[job].occurrence) in only}
        elif limit is None or len(others) <= limit:
            sampled = set(others)
        else:
            sampled = set(random.Random(SEED).sample(others, limit))
        left_out = set(others) - sampled
        skipped = sorted(in_annotation | left_out)
        if skipped:
            db.set_multiple_results(skipped, WorkResult(worker_outcome=WorkerOutcome.SKIPPED))
        return len(in_annotation), len(left_out)


def run_module(name: str, limit: int | None, rerun: bool = False) -> Score:
    started = time.monotonic()
    only = last_survivors(name) if rerun else None
    tree = make_tree(name)
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    baseline = subprocess.run(
        test_command(name).split(), cwd=tree, env=env, capture_output=True, text=True, check=False
    )
    if baseline.returncode != 0:
        print(f"{name}: the tests fail unmutated:\n{baseline.stdout[-3000:]}{baseline.stderr[-3000:]}", flush=True)
        return Score(name, 0, 0, 0, 0, 0, (), time.monotonic() - started, baseline_failed=True)
    # a mutant that makes the tests run 5 times as long (loops) is killed by the timeout
    timeout = max(60.0, 5 * (time.monotonic() - started))
    config = write_config(tree, name, timeout)
    session = config.with_name("session.sqlite")
    cosmic = Path(sys.executable).parent / "cosmic-ray"
    subprocess.run([str(cosmic), "init", str(config), str(session)], cwd=tree, env=env, check=True)
    annotations, left_out = select_mutants(session, (tree / module_path(name)).read_text(), limit, only)
    subprocess.run([str(cosmic), "exec", str(config), str(session)], cwd=tree, env=env, check=True)
    return read_score(name, session, annotations, left_out, time.monotonic() - started)


def read_score(name: str, session: Path, annotations: int, left_out: int, seconds: float) -> Score:
    killed = incompetent = total = 0
    survivors: list[Survivor] = []
    with use_db(str(session), WorkDB.Mode.open) as db:
        for item, result in db.completed_work_items:
            total += 1
            if result.worker_outcome == WorkerOutcome.SKIPPED:
                continue
            if result.test_outcome == TestOutcome.SURVIVED:
                mutation = item.mutations[0]
                survivors.append(Survivor(name, mutation.start_pos[0], mutation.operator_name, result.diff or ""))
            elif result.test_outcome == TestOutcome.INCOMPETENT or result.worker_outcome != WorkerOutcome.NORMAL:
                incompetent += 1
            else:
                killed += 1
    survivors.sort(key=lambda s: (s.line, s.operator))
    return Score(name, total, killed, incompetent, annotations, left_out, tuple(survivors), seconds)


def report(scores: list[Score]) -> str:
    lines = [
        "| module | mutants | in annotations | not sampled | run | killed | survived | incompetent | score | time |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in scores:
        state = "tests fail unmutated" if s.baseline_failed else f"{s.percent:.1f}%"
        lines.append(
            f"| {s.module} | {s.mutants} | {s.in_annotations} | {s.left_out} | {s.tested + s.incompetent} "
            f"| {s.killed} | {len(s.survivors)} | {s.incompetent} | {state} | {s.seconds:.0f} s |"
        )
    killed = sum(s.killed for s in scores)
    tested = sum(s.tested for s in scores)
    if tested:
        lines.append(f"\nTotal: {killed} of {tested} mutants killed ({100.0 * killed / tested:.1f}%).")
    for s in scores:
        for survivor in s.survivors:
            lines.append(
                f"\n### {module_path(s.module)}:{survivor.line} {survivor.operator}\n```diff\n{survivor.diff}```"
            )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("modules", nargs="*", help="module names (default: every module, or the sample)")
    parser.add_argument("--sample", action="store_true", help=f"the planners: {', '.join(SAMPLE)}")
    parser.add_argument("--limit", type=int, help="at most this many mutants per module (fixed seed)")
    parser.add_argument("--rerun", action="store_true", help="only the survivors of the last run of each module")
    parser.add_argument("--jobs", type=int, default=1, help="modules mutated at once (one copy each)")
    args = parser.parse_args()
    if not TESTS_PYTHON.exists():
        raise SystemExit(f"{TESTS_PYTHON} is missing: run `make .venv/.installed` first")
    names = args.modules or (list(SAMPLE) if args.sample else all_modules())
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        scores = list(pool.map(lambda name: run_module(name, args.limit, args.rerun), names))
    text = report(scores)
    BUILD.mkdir(parents=True, exist_ok=True)
    (BUILD / "report.md").write_text(text)
    print(text)
    return 1 if any(s.baseline_failed for s in scores) else 0


if __name__ == "__main__":
    sys.exit(main())
