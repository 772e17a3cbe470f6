"""The static PowerShell checks (tests/support/psstatic/PsStatic.ps1), driven from pytest.

One pwsh process serves the whole test session: it compiles (once per source version, then cached) and loads
the analyzer, opens the .NET Framework 4.6.2 reference assemblies once, and answers JSON requests on stdin.
Every answer is cached by the files' content, so each file is parsed and checked once per session.

Which files get which checks:

- :func:`shipped_sources`: ``plugins/**/*.ps1|psm1`` (run on the Windows host): 5.1, .NET Framework API, lint;
- :func:`target_sources`: the PowerShell embedded in ``tests/integration/targets`` (runs on the Windows host
  through win_powershell/win_shell): 5.1 and .NET Framework API;
- :func:`pwsh7_sources`: ``tests/powershell/`` and the checker itself (run on PowerShell 7 only): parsed.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import select
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from support.pwsh import REPO_ROOT, find_pwsh

SCRIPT = Path(__file__).resolve().parent / "psstatic" / "PsStatic.ps1"
MARKER = "@@psstatic "
PLUGINS_DIR = REPO_ROOT / "plugins"
TARGETS_DIR = REPO_ROOT / "tests" / "integration" / "targets"
PESTER_DIR = REPO_ROOT / "tests" / "powershell"
CHECKER_DIR = SCRIPT.parent

SHIPPED_CHECKS = ("ps51", "netfx", "lint")
TARGET_CHECKS = ("ps51", "netfx")
# Every rule of the checker, by check (docs/TESTING.md describes each; tests/unit/test_psstatic_rules.py shows it).
RULES = {
    "ps51": (
        "ps51.ternary",
        "ps51.null-coalescing",
        "ps51.null-conditional",
        "ps51.pipeline-chain",
        "ps51.background-operator",
        "ps51.clean-block",
        "ps51.replace-scriptblock",
        "ps51.escape-sequence",
        "ps51.numeric-literal",
        "ps51.automatic-variable",
        "ps51.command",
        "ps51.parameter",
        "ps51.encoding",
        "ps51.file-encoding",
    ),
    "netfx": ("netfx.type", "netfx.member", "netfx.overload", "netfx.string-split"),
    "lint": (
        "lint.uncaptured-output",
        "lint.spec-no-log",
        "lint.erroraction-in-try",
        "lint.write-host",
        "lint.approved-verb",
        "lint.alias",
        "lint.empty-catch",
        "lint.null-comparison",
        "lint.class-definition",
    ),
}
# The first answer compiles the analyzer when its cache is cold: about a minute on a busy 2-core machine.
ANSWER_TIMEOUT_SECONDS = float(os.environ.get("MTLS_PSSTATIC_TIMEOUT", "600"))

_JINJA = re.compile(r"\{\{.*?\}\}", re.DOTALL)
_SECRET_DOC = re.compile(r"(?i)\b(password|passphrase|secret|private key|pfx)")


@dataclass(frozen=True)
class Source:
    """One PowerShell text to check: a file (``path``) or text (``text``), named for messages and results."""

    name: str
    path: Path | None = None
    text: str | None = None
    checks: tuple[str, ...] = ()
    documented_secrets: tuple[str, ...] = ()

    def request(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"name": self.name, "checks": list(self.checks)}
        if self.text is not None:
            entry["source"] = self.text
        else:
            assert self.path is not None, f"{self.name}: neither path nor text"
            entry["path"] = str(self.path)
        if self.documented_secrets:
            entry["documented_secrets"] = list(self.documented_secrets)
        return entry

    def key(self) -> tuple[Any, ...]:
        """What the answer depends on: the text (or the file's content), the checks, the documented secrets."""
        content = self.text if self.text is not None else (self.path.read_bytes() if self.path else b"")
        return (self.name, content, self.checks, self.documented_secrets)


class PsStaticError(RuntimeError):
    """The checker failed (as opposed to reporting findings)."""


class _Server:
    """One ``PsStatic.ps1 -Serve`` process, spoken to synchronously (no threads) so that it survives ``fork``.

    ``ansible-test units`` runs every test in a child forked from the pytest worker: a server the worker started
    (:func:`prewarm`) serves the children through the pipes they inherit, one child at a time. Each request
    carries an id and the answer echoes it, so an answer left over by a child that died is never taken for
    another's.
    """

    def __init__(self) -> None:
        pwsh = find_pwsh()
        # Lives as long as the process (closed in close()); stderr goes to a file so a chatty pwsh never blocks.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115
        self._process = subprocess.Popen(
            [str(pwsh), "-NoProfile", "-NonInteractive", "-File", str(SCRIPT), "-Serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env={**os.environ, "NO_COLOR": "1"},
        )
        self._buffer = b""
        self._requests = 0
        self._answer(None)  # the ready line

    def _stderr_text(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read()[-4000:].decode("utf-8", "replace")

    def _line(self, deadline: float) -> bytes | None:
        """The next line pwsh writes, None at the end of its output."""
        assert self._process.stdout is not None
        stdout = self._process.stdout.fileno()
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PsStaticError(f"{SCRIPT.name} did not answer within {ANSWER_TIMEOUT_SECONDS:.0f} s")
            if not select.select([stdout], [], [], remaining)[0]:
                continue
            chunk = os.read(stdout, 1 << 20)
            if not chunk:
                return None
            self._buffer += chunk
        line, _newline, self._buffer = self._buffer.partition(b"\n")
        return line

    def _answer(self, request_id: str | None) -> dict[str, Any]:
        deadline = time.monotonic() + ANSWER_TIMEOUT_SECONDS
        while True:
            line = self._line(deadline)
            if line is None:
                raise PsStaticError(f"{SCRIPT.name} exited; its stderr:\n{self._stderr_text()}")
            text = line.decode("utf-8")
            if not text.startswith(MARKER):
                continue
            answer = json.loads(text[len(MARKER) :])
            if answer.get("id") != request_id:
                continue
            if "error" in answer:
                raise PsStaticError(f"{SCRIPT.name} failed: {answer['error']}")
            return answer

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        self._requests += 1
        request_id = f"{os.getpid()}-{self._requests}"
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(json.dumps({**request, "id": request_id}).encode("utf-8") + b"\n")
            self._process.stdin.flush()
        except BrokenPipeError as error:
            raise PsStaticError(f"{SCRIPT.name} exited; its stderr:\n{self._stderr_text()}") from error
        return self._answer(request_id)

    def close(self) -> None:
        if self._process.poll() is None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._stderr.close()


@cache
def _the_server() -> _Server:
    server = _Server()
    started_by = os.getpid()
    # A forked child leaves the server to the process that started it (it exits through os._exit anyway).
    atexit.register(lambda: server.close() if os.getpid() == started_by else None)
    return server


def prewarm() -> None:
    """Start the server and check the collection's files in this process, before tests are forked from it."""
    analyze_shipped()
    analyze(target_sources())
    analyze(pwsh7_sources())


@dataclass(frozen=True)
class Result:
    """The checker's answer for one source."""

    name: str
    parse_errors: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    facts: dict[str, Any]
    stats: dict[str, int] = field(default_factory=dict)

    def findings_of(self, prefix: str) -> list[dict[str, Any]]:
        """Findings whose rule is ``prefix`` or starts with ``prefix.`` (``"ps51"`` or ``"ps51.ternary"``)."""
        return [f for f in self.findings if f["rule"] == prefix or f["rule"].startswith(prefix + ".")]


_answers: dict[tuple[Any, ...], Result] = {}


def analyze(sources: Sequence[Source]) -> list[Result]:
    """The results for ``sources``, in order. They are checked together: the functions each defines are the
    collection's own commands for the others."""
    keys = [source.key() for source in sources]
    if any(key not in _answers for key in keys):
        answer = _the_server().ask({"files": [source.request() for source in sources]})
        for key, entry in zip(keys, answer["files"], strict=True):
            _answers[key] = Result(
                name=entry["name"],
                parse_errors=entry["parse_errors"],
                findings=entry["findings"],
                facts=entry["facts"],
                stats=entry.get("stats") or {},
            )
    return [_answers[key] for key in keys]


def analyze_one(source: Source) -> Result:
    return analyze([source])[0]


def rel(path: Path) -> str:
    return path.resolve().relative_to(REPO_ROOT).as_posix()


# --- the collection's PowerShell --------------------------------------------------------------------------------


def shipped_files() -> list[Path]:
    return sorted(path for pattern in ("*.ps1", "*.psm1") for path in PLUGINS_DIR.rglob(pattern))


@cache
def documented_secret_options(module: Path) -> tuple[str, ...]:
    """Options of a module's sidecar documentation (``<name>.py`` DOCUMENTATION) described as a secret."""
    doc = module.with_suffix(".py")
    if not doc.is_file():
        return ()
    import ast

    for node in ast.parse(doc.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "DOCUMENTATION" for t in node.targets
        ):
            options = (yaml.safe_load(ast.literal_eval(node.value)) or {}).get("options") or {}
            found = []
            for name, option in options.items():
                description = option.get("description", "")
                text = " ".join(description) if isinstance(description, list) else str(description)
                if _SECRET_DOC.search(text) or "C(no_log)" in text:
                    found.append(name)
            return tuple(sorted(found))
    return ()


def shipped_sources() -> list[Source]:
    return [
        Source(rel(path), path=path, checks=SHIPPED_CHECKS, documented_secrets=documented_secret_options(path))
        for path in shipped_files()
    ]


def analyze_shipped() -> dict[str, Result]:
    """Every shipped file, checked in one request (so each knows the functions the others define)."""
    sources = shipped_sources()
    return {source.name: result for source, result in zip(sources, analyze(sources), strict=True)}


# --- PowerShell embedded in the integration targets --------------------------------------------------------------


def _embedded_powershell(node: Any) -> Iterator[str]:
    """Scripts of win_powershell (script) and win_shell (free form or cmd) tasks."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("ansible.windows.win_powershell", "win_powershell") and isinstance(value, dict):
                if isinstance(value.get("script"), str):
                    yield value["script"]
            elif key in ("ansible.windows.win_shell", "win_shell"):
                text = value if isinstance(value, str) else (value or {}).get("cmd")
                if isinstance(text, str):
                    yield text
            else:
                yield from _embedded_powershell(value)
    elif isinstance(node, list):
        for item in node:
            yield from _embedded_powershell(item)


@cache
def target_sources() -> tuple[Source, ...]:
    """Each embedded script, its Jinja expressions replaced by the literal x, named ``<task file> script <n>``."""
    sources = []
    for task_file in sorted(TARGETS_DIR.glob("*/tasks/*.yml")):
        scripts = _embedded_powershell(yaml.safe_load(task_file.read_text(encoding="utf-8")))
        for index, script in enumerate(scripts):
            name = f"{rel(task_file)} script {index}"
            sources.append(Source(name, text=_JINJA.sub("x", script), checks=TARGET_CHECKS))
    return tuple(sources)


# --- PowerShell that runs only under PowerShell 7 (tests, this checker) ----------------------------------------


@cache
def pwsh7_sources() -> tuple[Source, ...]:
    files = [
        *(path for pattern in ("*.ps1", "*.psm1") for path in PESTER_DIR.rglob(pattern)),
        *(path for pattern in ("*.ps1", "*.psm1") for path in CHECKER_DIR.rglob(pattern)),
    ]
    return tuple(Source(rel(path), path=path) for path in sorted(files))
