"""Make this checkout importable and loadable as the collection ``mtls.iis``.

The repository root is the collection root. Ansible finds collections under
``<path>/ansible_collections/<namespace>/<name>``, so tests and ``make demo`` point
``ANSIBLE_COLLECTIONS_PATH`` at ``.build/collections`` where a symlink names this checkout.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
TESTS_DIR = REPO_ROOT / "tests"
COLLECTIONS_DIR = REPO_ROOT / ".build" / "collections"
CONNECTION_PLUGINS_DIR = TESTS_DIR / "plugins" / "connection"


def ensure_collection_link() -> Path:
    """Create ``.build/collections/ansible_collections/mtls/iis`` -> repo root; return the collections dir.

    A checkout that already sits at ``<dir>/ansible_collections/mtls/iis`` (ansible-test's copy) is its own
    collections dir: ``<dir>``. A link to it from elsewhere would hide its roles from ``ansible-doc -t role``.
    """
    if REPO_ROOT.parts[-3:] == ("ansible_collections", "mtls", "iis"):
        return REPO_ROOT.parents[2]
    link = COLLECTIONS_DIR / "ansible_collections" / "mtls" / "iis"
    link.parent.mkdir(parents=True, exist_ok=True)
    if not link.is_symlink():
        tmp = link.with_name(f".iis.{os.getpid()}")
        tmp.symlink_to(REPO_ROOT, target_is_directory=True)
        os.replace(tmp, link)
    return COLLECTIONS_DIR


def ansible_tool(name: str) -> str:
    """An ansible-core command (``ansible-doc``, ``ansible-galaxy``) of the running ansible-core: beside this
    Python in a virtualenv, else on PATH (ansible-test units puts its own there)."""
    beside = Path(sys.executable).with_name(name)
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        raise FileNotFoundError(f"{name} is neither beside {sys.executable} nor on PATH")
    return found


def make_importable() -> None:
    """Put ``ansible_collections.mtls.iis`` on ``sys.path`` for plain pytest imports."""
    root = str(ensure_collection_link())
    if root not in sys.path:
        sys.path.insert(0, root)


def sim_env(**extra: str) -> dict[str, str]:
    """Environment for ansible-playbook against simulated hosts: this checkout as mtls.iis, the test
    connection, no colour, no retry files; ``extra`` adds to or overrides it."""
    return {
        **os.environ,
        "ANSIBLE_COLLECTIONS_PATH": str(ensure_collection_link()),
        "ANSIBLE_CONNECTION_PLUGINS": str(CONNECTION_PLUGINS_DIR),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "false",
        "ANSIBLE_HOST_KEY_CHECKING": "false",
        **extra,
    }
