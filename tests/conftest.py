import os
import random
import sys
from pathlib import Path

# tests/ on sys.path for `support` and `simhost`: pytest's rootdir conftest insertion does it for a plain
# pytest run, but ansible-test units loads conftest files through its collection loader, which does not.
_TESTS_DIR = str(Path(__file__).resolve().parent)
if _TESTS_DIR not in sys.path:
    sys.path.insert(0, _TESTS_DIR)

from support.collection import make_importable

make_importable()

PROPERTY_SEED = "MTLS_PROPERTY_SEED"


def pytest_configure(config) -> None:
    """One seed for the property tests of this run, chosen before pytest-xdist starts its workers (they inherit the
    environment), so every worker draws the same cases and the seed printed below reproduces all of them."""
    os.environ.setdefault(PROPERTY_SEED, str(random.SystemRandom().randrange(2**32)))


def pytest_terminal_summary(terminalreporter) -> None:
    """The property tests' seed, printed even with -q, so any failure can be rerun exactly."""
    terminalreporter.write_line(
        f"property tests: {PROPERTY_SEED}={os.environ[PROPERTY_SEED]} (set it to rerun these cases)"
    )
