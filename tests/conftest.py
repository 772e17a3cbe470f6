import sys
from pathlib import Path

# tests/ on sys.path for `support` and `simhost`: pytest's rootdir conftest insertion does it for a plain
# pytest run, but ansible-test units loads conftest files through its collection loader, which does not.
_TESTS_DIR = str(Path(__file__).resolve().parent)
if _TESTS_DIR not in sys.path:
    sys.path.insert(0, _TESTS_DIR)

from support.collection import make_importable

make_importable()
