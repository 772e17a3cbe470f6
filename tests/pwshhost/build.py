"""The test build of the collection for the pwsh host: the checkout with its boundary utils replaced by fakes.

``.build/pwsh-collections-<digest>/ansible_collections/mtls/iis`` links every file of the checkout except the six
boundary utils of docs/POWERSHELL.md (``plugins/module_utils/Win*.psm1``), which are generated fakes: the same
exported functions with the same parameter blocks (copied from the real file, so they cannot drift), whose body
sends the call to the Windows model (``fakes/WinModelClient.psm1``). The fakes live only under ``.build`` and
``tests/``; the built collection never contains them (``tests/unit/test_packaging.py``).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
MODULE_UTILS = REPO_ROOT / "plugins" / "module_utils"
CLIENT = Path(__file__).resolve().parent / "fakes" / "WinModelClient.psm1"
BOUNDARY_UTILS: tuple[str, ...] = ("WinRegistry", "WinCertStore", "WinNetsh", "WinIis", "WinFeature", "WinHost")
#: The first line of every generated fake: how a reader (and a packaging test) recognises one.
FAKE_MARKER = "# FAKE BOUNDARY UTIL (tests/pwshhost, issue 20): never ship this file."

_EXPORT = re.compile(r"^Export-ModuleMember\s+-Function\s+([\w-]+)\s*$", re.MULTILINE | re.IGNORECASE)
_HELP = re.compile(r"<#.*?#>", re.DOTALL)


def matching_paren(text: str, start: int) -> int:
    """Index just after the parenthesis that closes the one at ``start`` (quotes respected)."""
    depth, index, quote = 0, start, ""
    while index < len(text):
        char = text[index]
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    raise ValueError(f"unbalanced parenthesis from offset {start}")


def _header(source: str, function: str) -> str:
    """The attributes and ``param (...)`` block of an exported function, its help comment left out."""
    found = re.search(rf"^Function\s+{re.escape(function)}\s*\{{", source, re.MULTILINE | re.IGNORECASE)
    if found is None:
        raise ValueError(f"exported function {function} has no definition")
    param = re.compile(r"\bparam\s*\(", re.IGNORECASE).search(source, found.end())
    if param is None:
        raise ValueError(f"{function} has no param block")
    end = matching_paren(source, source.index("(", param.start()))
    header = _HELP.sub("", source[found.end() : end])
    return "\n".join(line for line in header.splitlines() if line.strip())


def fake_source(name: str, source: str) -> str:
    """The fake of boundary util ``name`` whose real text is ``source``."""
    functions = _EXPORT.findall(source)
    if not functions:
        raise ValueError(f"{name} exports no function")
    parts = [
        FAKE_MARKER,
        f"# Generated from plugins/module_utils/{name}.psm1 by tests/pwshhost/build.py: the same functions and",
        "# parameters; every call is answered by the Python Windows model (tests/winmodel).",
        "#AnsibleRequires -PowerShell ..module_utils.WinModelClient",
        "",
        "Set-StrictMode -Version 2.0",
        "$ErrorActionPreference = 'Stop'",
    ]
    for function in functions:
        parts += [
            "",
            f"Function {function} {{",
            _header(source, function),
            f"    Invoke-MtlsWinModel -Function '{function}' -Parameters $PSBoundParameters",
            "}",
        ]
    parts += [""] + [f"Export-ModuleMember -Function {function}" for function in functions] + [""]
    return "\n".join(parts)


def fakes() -> dict[str, str]:
    """File name -> text of every file that replaces or joins ``plugins/module_utils`` in the test build."""
    files = {
        f"{name}.psm1": fake_source(name, (MODULE_UTILS / f"{name}.psm1").read_text(encoding="utf-8"))
        for name in BOUNDARY_UTILS
    }
    files["WinModelClient.psm1"] = CLIENT.read_text(encoding="utf-8")
    return files


def _link_tree(source: Path, target: Path, replaced: dict[str, str], depth: tuple[str, ...]) -> None:
    target.mkdir(parents=True)
    for entry in sorted(source.iterdir()):
        if entry.name in {".build", ".git"} or entry.name.startswith(".venv"):
            continue
        if (*depth, entry.name) in {("plugins",), ("plugins", "module_utils")}:
            _link_tree(entry, target / entry.name, replaced, (*depth, entry.name))
        elif not (depth == ("plugins", "module_utils") and entry.name in replaced):
            (target / entry.name).symlink_to(entry)
    if depth == ("plugins", "module_utils"):
        for name, text in replaced.items():
            (target / name).write_text(text, encoding="utf-8")


def build(root: Path = REPO_ROOT) -> Path:
    """The collections dir of the test build (created once per content of the fakes and set of linked names); point
    ``ANSIBLE_COLLECTIONS_PATH`` at it."""
    replaced = fakes()
    # The build links the entries of these three folders one by one (_link_tree), so a file added to one of them
    # since (a new util) needs a new build: their names are part of the key, beside the fakes' content.
    linked = [
        f"{folder}/{entry.name}"
        for folder in ("", "plugins", "plugins/module_utils")
        for entry in (root / folder).iterdir()
        if not entry.name.startswith(".")  # .build, .git, .venv*, tool caches: not what a module run loads
    ]
    key = [*(f"{k}\0{v}" for k, v in sorted(replaced.items())), *sorted(linked)]
    digest = hashlib.sha256("\0".join(key).encode()).hexdigest()[:12]
    collections = root / ".build" / f"pwsh-collections-{digest}"
    if collections.is_dir():
        return collections
    collections.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".pwsh-collections-", dir=collections.parent))
    try:
        _link_tree(root, scratch / "ansible_collections" / "mtls" / "iis", replaced, ())
        os.rename(scratch, collections)
    except OSError:
        if not collections.is_dir():  # another worker built it meanwhile: use theirs
            raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return collections
