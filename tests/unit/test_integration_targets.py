"""Static checks of the ``ansible-test windows-integration`` targets under tests/integration/targets.

The targets run only on a real Windows host, which this project does not have. What can drift on the
controller is checked here: each target's layout and aliases, that its task files are YAML, that every
task is named and calls a module by its FQCN from an allowed collection, that every ``mtls.iis`` module it
calls exists and every option it passes (and every literal choice) is documented in that module's
DOCUMENTATION, that includes and role dependencies point at files that exist, and that the committed test
PKI holds certificates only and matches the thumbprints the targets assert.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import ExtendedKeyUsageOID

REPO_ROOT = Path(__file__).resolve().parents[2]
MODULES_DIR = REPO_ROOT / "plugins" / "modules"
TARGETS_DIR = REPO_ROOT / "tests" / "integration" / "targets"
PKI_ROLE = TARGETS_DIR / "setup_mtls_pki"

EXPECTED_TARGETS = {"trusted_certs", "schannel", "client_cert_info"}
TARGETS = sorted(p.name for p in TARGETS_DIR.iterdir() if p.is_dir()) if TARGETS_DIR.is_dir() else []
TEST_TARGETS = [name for name in TARGETS if not name.startswith("setup_")]
SETUP_TARGETS = [name for name in TARGETS if name.startswith("setup_")]
TASK_FILES = sorted(TARGETS_DIR.glob("*/tasks/*.yml"))

ALLOWED_COLLECTIONS = ("ansible.builtin.", "ansible.windows.", "mtls.iis.")
#: Modules the targets may not call: the engine is internal, the user-facing modules are what is tested.
INTERNAL_MODULES = {"host_state_gather", "host_state_apply"}

#: Task keywords (everything in a task mapping that is not the module call).
TASK_KEYWORDS = frozenset(
    {
        "name",
        "register",
        "when",
        "loop",
        "loop_control",
        "vars",
        "check_mode",
        "diff",
        "ignore_errors",
        "changed_when",
        "failed_when",
        "until",
        "retries",
        "delay",
        "tags",
        "no_log",
        "run_once",
        "delegate_to",
        "environment",
        "notify",
        "become",
        "become_user",
        "any_errors_fatal",
        "timeout",
        "block",
        "rescue",
        "always",
    }
)
BLOCK_SECTIONS = ("block", "rescue", "always")


# -- helpers ---------------------------------------------------------------------------------------
def load_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def walk_tasks(tasks: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every task and block of a task list, blocks included, depth first."""
    for task in tasks or []:
        yield task
        for section in BLOCK_SECTIONS:
            if section in task:
                yield from walk_tasks(task[section])


def module_of(task: dict[str, Any]) -> str | None:
    """The module a task calls, or None for a block."""
    if any(section in task for section in BLOCK_SECTIONS):
        return None
    actions = [key for key in task if key not in TASK_KEYWORDS]
    assert len(actions) == 1, f"task {task.get('name')!r} has {actions or 'no'} module keys"
    return actions[0]


def all_tasks() -> Iterator[tuple[Path, dict[str, Any]]]:
    for path in TASK_FILES:
        for task in walk_tasks(load_yaml(path)):
            yield path, task


def module_calls(prefix: str) -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(where, module short name, args, task) of every task calling a module of the collection ``prefix``."""
    calls = []
    for path, task in all_tasks():
        module = module_of(task)
        if module and module.startswith(prefix):
            where = f"{path.relative_to(TARGETS_DIR)}: {task.get('name')}"
            calls.append((where, module[len(prefix) :], task[module] or {}, task))
    return calls


def module_documentation(name: str) -> dict[str, Any]:
    """The DOCUMENTATION of plugins/modules/<name>.py, read with ast (the file is not imported)."""
    tree = ast.parse((MODULES_DIR / f"{name}.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "DOCUMENTATION" for t in node.targets):
            return yaml.safe_load(ast.literal_eval(node.value))
    raise AssertionError(f"plugins/modules/{name}.py has no DOCUMENTATION")


def is_template(value: Any) -> bool:
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def option_problems(
    where: str, args: dict[str, Any], spec: dict[str, Any], prefix: str = "", check_choices: bool = True
) -> list[str]:
    """Undocumented options, and (with ``check_choices``) literal values outside documented choices."""
    problems = []
    for key, value in args.items():
        name = f"{prefix}{key}"
        if key not in spec:
            problems.append(f"{where}: option {name!r} is not documented (documented: {sorted(spec)})")
            continue
        doc = spec[key] or {}
        choices = doc.get("choices")
        if check_choices and choices and not is_template(value) and value not in choices:
            problems.append(f"{where}: {name}={value!r} is not one of the documented choices {choices}")
        suboptions = doc.get("suboptions")
        if suboptions and isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    problems += option_problems(where, item, suboptions, f"{name}[{index}].", check_choices)
    return problems


# -- layout ----------------------------------------------------------------------------------------
def test_the_expected_targets_exist():
    assert set(TEST_TARGETS) >= EXPECTED_TARGETS
    assert TASK_FILES, "no task files found: the checks below would be vacuous"


@pytest.mark.parametrize("target", TEST_TARGETS)
def test_target_has_windows_group1_aliases(target):
    aliases = (TARGETS_DIR / target / "aliases").read_text(encoding="utf-8").split()
    assert "shippable/windows/group1" in aliases
    assert "windows" in aliases


@pytest.mark.parametrize("target", SETUP_TARGETS)
def test_setup_targets_are_hidden_and_never_scheduled_alone(target):
    aliases = (TARGETS_DIR / target / "aliases").read_text(encoding="utf-8").split()
    assert "hidden" in aliases
    assert not any(alias.startswith("shippable/") for alias in aliases)


@pytest.mark.parametrize("target", TARGETS)
def test_every_task_file_is_a_yaml_task_list(target):
    main = TARGETS_DIR / target / "tasks" / "main.yml"
    assert main.is_file(), f"{target} has no tasks/main.yml"
    for path in sorted((TARGETS_DIR / target / "tasks").glob("*.yml")):
        text = path.read_text(encoding="utf-8")
        assert text.startswith("---\n"), f"{path.name}: start with a YAML document marker"
        assert "\t" not in text, f"{path.name}: tabs"
        assert not re.search(r"[ \t]+$", text, re.MULTILINE), f"{path.name}: trailing whitespace"
        tasks = load_yaml(path)
        assert isinstance(tasks, list) and tasks, f"{path.name} is not a non-empty task list"
        assert all(isinstance(task, dict) for task in tasks)


@pytest.mark.parametrize("target", TEST_TARGETS)
def test_main_runs_the_tests_in_a_block_with_cleanup(target):
    """ansible.windows convention: main.yml includes tests.yml inside a block whose always: cleans up."""
    main = load_yaml(TARGETS_DIR / target / "tasks" / "main.yml")
    blocks = [task for task in main if "block" in task]
    assert blocks, f"{target}/tasks/main.yml has no block"
    included = [t.get("ansible.builtin.include_tasks") for b in blocks for t in walk_tasks(b["block"])]
    assert "tests.yml" in included
    assert (TARGETS_DIR / target / "tasks" / "tests.yml").is_file()
    assert all(block.get("always") for block in blocks if "tests.yml" in str(block["block"])), (
        f"{target}: the block running tests.yml has no always: cleanup"
    )


def test_every_task_is_named_and_uses_an_allowed_fqcn():
    problems = []
    for path, task in all_tasks():
        where = f"{path.relative_to(TARGETS_DIR)}: {task.get('name') or task}"
        if not task.get("name"):
            problems.append(f"{where}: task without a name")
        module = module_of(task)
        if module is None:
            continue
        if not module.startswith(ALLOWED_COLLECTIONS):
            problems.append(f"{where}: {module!r} is not an FQCN from {ALLOWED_COLLECTIONS}")
    assert not problems, "\n".join(problems)


def test_includes_and_role_dependencies_exist():
    problems = []
    for path, task in all_tasks():
        where = f"{path.relative_to(TARGETS_DIR)}: {task.get('name')}"
        included = task.get("ansible.builtin.include_tasks")
        if included and not (path.parent / included).is_file():
            problems.append(f"{where}: included file {included} is missing")
        if "ansible.builtin.include_role" in task:
            role = task["ansible.builtin.include_role"]
            tasks_from = role.get("tasks_from", "main")
            tasks_from = tasks_from if tasks_from.endswith(".yml") else f"{tasks_from}.yml"
            if not (TARGETS_DIR / role["name"] / "tasks" / tasks_from).is_file():
                problems.append(f"{where}: role {role['name']} has no tasks/{tasks_from}")
    for meta in sorted(TARGETS_DIR.glob("*/meta/main.yml")):
        for dependency in load_yaml(meta).get("dependencies", []):
            name = dependency if isinstance(dependency, str) else dependency.get("role") or dependency.get("name")
            if not (TARGETS_DIR / name / "tasks" / "main.yml").is_file():
                problems.append(f"{meta.relative_to(TARGETS_DIR)}: dependency {name} is not a target role")
    assert not problems, "\n".join(problems)


# -- the targets follow the modules ---------------------------------------------------------------
def test_targets_call_the_modules_they_test():
    used = {call[1] for call in module_calls("mtls.iis.")}
    assert {"trusted_certs", "schannel", "client_cert_info"} <= used


def test_every_mtls_iis_module_used_exists_and_is_user_facing():
    problems = []
    for where, module, *_rest in module_calls("mtls.iis."):
        if not (MODULES_DIR / f"{module}.py").is_file():
            problems.append(f"{where}: mtls.iis.{module} has no plugins/modules/{module}.py")
        if module in INTERNAL_MODULES:
            problems.append(f"{where}: mtls.iis.{module} is internal; test the user-facing modules")
    assert not problems, "\n".join(problems)


def test_every_option_passed_to_mtls_iis_modules_is_documented():
    problems = []
    docs: dict[str, dict[str, Any]] = {}
    for where, module, args, task in module_calls("mtls.iis."):
        if not (MODULES_DIR / f"{module}.py").is_file():
            continue  # reported by the test above
        if module not in docs:
            docs[module] = module_documentation(module).get("options") or {}
        assert isinstance(args, dict), f"{where}: give module options as a mapping, not {args!r}"
        # A task expected to fail (ignore_errors) may pass a bad value on purpose, never a misspelt option.
        problems += option_problems(where, args, docs[module], check_choices=not task.get("ignore_errors"))
    assert not problems, "\n".join(problems)


def test_option_checker_catches_undocumented_options_and_choices():
    spec = module_documentation("trusted_certs")["options"]
    assert option_problems("t", {"certficates": []}, spec)
    assert option_problems("t", {"state": "gone"}, spec)
    assert option_problems("t", {"certificates": [{"pth": "x"}]}, spec)
    assert not option_problems("t", {"state": "{{ wanted }}", "certificates": [{"path": "x"}]}, spec)
    assert not option_problems("t", {"state": "gone"}, spec, check_choices=False)


# -- the committed test PKI -------------------------------------------------------------------------
def load_pki() -> tuple[dict[str, Any], dict[str, x509.Certificate]]:
    recorded = load_yaml(PKI_ROLE / "vars" / "main.yml")["mtls_pki_certs"]
    certs = {
        label: x509.load_pem_x509_certificate((PKI_ROLE / "files" / entry["file"]).read_bytes())
        for label, entry in recorded.items()
    }
    return recorded, certs


def test_no_private_key_is_committed_under_the_targets():
    for path in sorted(p for p in TARGETS_DIR.rglob("*") if p.is_file()):
        data = path.read_bytes()
        assert b"PRIVATE KEY-----" not in data, f"{path.relative_to(TARGETS_DIR)} holds a private key"


def test_pki_files_hold_one_certificate_each():
    for path in sorted((PKI_ROLE / "files").glob("*.pem")):
        blocks = re.findall(rb"-----BEGIN ([A-Z0-9 ]+)-----", path.read_bytes())
        assert blocks == [b"CERTIFICATE"], f"{path.name}: {blocks}"


def test_recorded_facts_match_the_certificate_files():
    recorded, certs = load_pki()
    assert set(recorded) == {"root", "intermediate", "leaf"}
    for label, cert in certs.items():
        entry = recorded[label]
        assert entry["thumbprint"] == cert.fingerprint(hashes.SHA1()).hex().upper(), label
        assert entry["subject"] == cert.subject.rfc4514_string(), label
        assert entry["issuer"] == cert.issuer.rfc4514_string(), label
        assert entry["not_before"] == cert.not_valid_before_utc.isoformat(), label
        assert entry["not_after"] == cert.not_valid_after_utc.isoformat(), label


def test_pki_is_a_root_an_intermediate_and_a_client_leaf():
    _pki, certs = load_pki()
    root, intermediate, leaf = certs["root"], certs["intermediate"], certs["leaf"]
    root.verify_directly_issued_by(root)
    intermediate.verify_directly_issued_by(root)
    leaf.verify_directly_issued_by(intermediate)
    assert root.subject == root.issuer
    assert intermediate.subject != intermediate.issuer
    assert root.subject.rfc4514_string() == "CN=mtls.iis test root"

    def basic_constraints(cert: x509.Certificate) -> x509.BasicConstraints:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value

    assert basic_constraints(root).ca and basic_constraints(intermediate).ca
    assert not basic_constraints(leaf).ca
    eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.CLIENT_AUTH in eku


def test_pki_is_valid_now():
    """Expired test CAs would change what the modules warn about: regenerate them (files/README.md)."""
    _pki, certs = load_pki()
    now = datetime.now(timezone.utc)
    for label, cert in certs.items():
        assert cert.not_valid_before_utc <= now < cert.not_valid_after_utc, f"{label} is not valid now"
