"""Without the cryptography library the collection says so instead of failing to import (cryptography_lib.py)."""

from __future__ import annotations

import subprocess
import sys

from support.collection import ensure_collection_link

WITHOUT_CRYPTOGRAPHY = """
import sys
sys.modules["cryptography"] = None  # what an uninstalled package looks like to an import
from ansible_collections.mtls.iis.plugins.plugin_utils import cryptography_lib
print(cryptography_lib.HAS_CRYPTOGRAPHY, cryptography_lib.missing_cryptography_message())
"""


def test_without_cryptography_the_library_imports_and_reports_it_missing():
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_CRYPTOGRAPHY],
        env={"PYTHONPATH": str(ensure_collection_link()), "PATH": ""},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("False ")
    assert "cryptography" in done.stdout
