"""Print the differential summary (scenario counts and disagreements) at the end of the run, also with -q."""

from __future__ import annotations

from differential.compare import SUMMARY


def pytest_terminal_summary(terminalreporter) -> None:
    for line in SUMMARY:
        terminalreporter.write_line(line)
