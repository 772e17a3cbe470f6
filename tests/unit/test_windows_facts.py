"""docs/WINDOWS_FACTS.md keeps its promise: every fact with an unverified part names the integration assertion that
settles it on a real host, and that assertion exists in the target it names.

An entry is settled when its ``*settled by*`` part names a target under tests/integration/targets and that target's
files carry the fact's id or one of the quoted assertion names. The facts below have no assertion yet, each for the
reason given; the list is checked both ways, so a fact that gains an assertion leaves it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
FACTS = REPO_ROOT / "docs" / "WINDOWS_FACTS.md"
TARGETS_DIR = REPO_ROOT / "tests" / "integration" / "targets"

#: Unverified facts without an integration assertion, and why (docs/WINDOWS_FACTS.md says the same in each entry).
NOT_YET_SETTLED = {
    "CERT-20": "needs a Group Policy deployment; the engine reads the store back after a removal, so no answer matters",
    "AUTH-5": "needs a request with a client certificate that both mapping kinds match",
    "VALID-6": "needs a request with a client certificate against a many-to-one rule",
    "FEATURE-4": "needs a host with a feature in InstallPending (a reboot the target would have to leave pending)",
    "ANSIBLE-5": "the exec wrapper's exit code is not visible to a playbook; it needs a raw WinRM run of a module",
    "WINRM-8": "needs WinRM certificate mapping configured on the test host",
    "WINRM-11": "needs a second session to cut the controller's connection while a command runs on the test host",
    "CLIENTAUTH-2": "needs a TLS handshake against a binding with SendTrustedIssuerList set",
    "CLIENTAUTH-3": "needs TLS handshakes against a binding in each ClientAuthTrustMode",
}

_ENTRY = re.compile(r"^- `([A-Z0-9]+-\d+)` — (.*?)(?=^- `|^#|\Z)", re.M | re.S)
_SETTLED_BY = re.compile(r"\*settled by:?\*:?\s*(.*)")
_TARGET = re.compile(r"`(?:tests/integration/targets/)?([a-z0-9_]+)`")


def entries(text: str) -> dict[str, str]:
    """Fact id → its entry text on one line."""
    return {match[1]: " ".join(match[2].split()) for match in _ENTRY.finditer(text)}


def unverified(facts: dict[str, str]) -> dict[str, str]:
    return {fid: entry for fid, entry in facts.items() if "unverified" in entry.lower()}


def target_text(target: str) -> str:
    files = sorted(path for path in (TARGETS_DIR / target).rglob("*") if path.suffix in {".yml", ".py"})
    return "\n".join(path.read_text(encoding="utf-8") for path in files)


def settled(fid: str, entry: str, targets: set[str]) -> bool:
    """Whether the entry names a target whose files carry the fact id or one of the quoted assertion names."""
    found = _SETTLED_BY.search(entry)
    if not found:
        return False
    named = [name for name in _TARGET.findall(found[1]) if name in targets]
    text = "\n".join(target_text(name) for name in named).lower()
    quoted = re.findall(r'"([^"]+)"', found[1])
    return bool(named) and (fid.lower() in text or any(name.lower() in text for name in quoted))


FACT_ENTRIES = entries(FACTS.read_text(encoding="utf-8"))
TARGETS = {path.name for path in TARGETS_DIR.iterdir() if path.is_dir()}
UNVERIFIED = unverified(FACT_ENTRIES)


@pytest.mark.parametrize("fid", sorted(set(UNVERIFIED) - set(NOT_YET_SETTLED)))
def test_an_unverified_fact_names_the_integration_assertion_that_settles_it(fid):
    assert settled(fid, UNVERIFIED[fid], TARGETS), f"{fid}: no assertion in the target its *settled by* names"


@pytest.mark.parametrize("fid", sorted(NOT_YET_SETTLED))
def test_a_fact_listed_as_not_yet_settled_is_unverified_and_has_no_assertion(fid):
    assert fid in UNVERIFIED, f"{fid} is no longer an unverified fact: take it off NOT_YET_SETTLED"
    assert not settled(fid, UNVERIFIED[fid], TARGETS), f"{fid} is settled now: take it off NOT_YET_SETTLED"


def test_the_parser_reads_every_entry_of_the_facts_file():
    # each entry starts "- `ID` — "; a changed layout would silently leave facts unchecked
    assert len(FACT_ENTRIES) == len(re.findall(r"^- `[A-Z0-9]+-\d+` — ", FACTS.read_text(encoding="utf-8"), re.M))
    assert len(UNVERIFIED) > len(NOT_YET_SETTLED)


def test_a_settled_by_naming_a_target_without_the_assertion_is_not_settled():
    entry = 'the fact · *status* unverified · *settled by* `iis_facts` target ("an assertion nobody wrote").'
    assert not settled("NOPE-1", entry, TARGETS)


def test_a_settled_by_naming_an_existing_assertion_is_settled():
    entry = 'the fact · *status* unverified · *settled by* `iis_facts` target ("RevertToParent").'
    assert settled("NOPE-1", entry, TARGETS)
