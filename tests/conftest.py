import sys
from pathlib import Path

# tests/ on sys.path for `support` and `simhost`: pytest's rootdir conftest insertion does it for a plain
# pytest run, but ansible-test units loads conftest files through its collection loader, which does not.
_TESTS_DIR = str(Path(__file__).resolve().parent)
if _TESTS_DIR not in sys.path:
    sys.path.insert(0, _TESTS_DIR)

from support.collection import make_importable

make_importable()


def pytest_terminal_summary(terminalreporter) -> None:
    """The property tests' seed, printed even with -q, so any failure can be rerun exactly."""
    if "support.properties" in sys.modules:
        terminalreporter.write_line(sys.modules["support.properties"].seed_line())
