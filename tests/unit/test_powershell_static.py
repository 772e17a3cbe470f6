"""Static checks of the collection's PowerShell, read by PowerShell's own parser (tests/support/psstatic).

What a Windows host would reject, or what would silently drift from the controller, is checked here without a
Windows host: every file parses; nothing Windows PowerShell 5.1 lacks (syntax, tokens, commands, parameters,
encodings); every .NET type and member named exists in .NET Framework 4.6.2; the pslint-like rules; the
``#AnsibleRequires`` targets and the util functions the module calls; the op dispatcher against the Python
vocabulary; ``$spec`` against the module documentation. tests/unit/test_psstatic_rules.py shows each rule at work.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible_collections.mtls.iis.plugins.plugin_utils.ops import OP_NAMES
from simhost.ops import IIS_CONFIG_OPS
from support import psparse, psstatic

REPO_ROOT = Path(__file__).resolve().parents[2]
PLUGINS_DIR = REPO_ROOT / "plugins"
UTILS_DIR = PLUGINS_DIR / "module_utils"
#: the engine's two modules (docs/ENGINE.md, "Two modules"): the gather run and the op run
GATHER_MODULE = PLUGINS_DIR / "modules" / "host_state_gather.ps1"
APPLY_MODULE = PLUGINS_DIR / "modules" / "host_state_apply.ps1"
MODULES = (GATHER_MODULE, APPLY_MODULE)
#: utils only the apply run needs: the writer halves and the utils that hold writers only
WRITER_UTILS = ("CertPfx.psm1", "HttpSys.psm1", "IisMapping.psm1")
BASELINE = REPO_ROOT / "tests" / "sanity" / "powershell_static_baseline.json"
COLLECTION_UTILS_PREFIX = "ansible_collections.mtls.iis.plugins.module_utils."
UTIL_NOUN_PREFIX = "Mtls"

POWERSHELL_FILES = psstatic.shipped_files()
UTIL_FILES = sorted(UTILS_DIR.glob("*.psm1"))
SHIPPED = [psstatic.rel(path) for path in POWERSHELL_FILES]
TARGETS = [source.name for source in psstatic.target_sources()]
PWSH7_ONLY = [source.name for source in psstatic.pwsh7_sources()]

TYPE_ALIASES = {"string": "str", "dictionary": "dict", "boolean": "bool", "integer": "int"}


def rel(path: Path) -> str:
    return path.relative_to(REPO_ROOT).as_posix()


def load_baseline() -> dict[str, list[str]]:
    """file -> ``"<rule> <subject>"`` of findings known and accepted until the change that removes them lands."""
    return json.loads(BASELINE.read_text(encoding="utf-8"))["findings"]


def shipped(name: str) -> psstatic.Result:
    return psstatic.analyze_shipped()[name]


def targets() -> dict[str, psstatic.Result]:
    sources = psstatic.target_sources()
    return {source.name: result for source, result in zip(sources, psstatic.analyze(sources), strict=True)}


def pwsh7_only() -> dict[str, psstatic.Result]:
    sources = psstatic.pwsh7_sources()
    return {source.name: result for source, result in zip(sources, psstatic.analyze(sources), strict=True)}


def shown(findings: list[dict[str, Any]]) -> list[str]:
    return [f"{f['line']}:{f['column']} {f['rule']} [{f['subject']}] {f['message']}" for f in findings]


def resolve_util(name: str, requiring: Path) -> Path | None:
    """The file an ``#AnsibleRequires -PowerShell`` name loads, if it is a util of this collection."""
    if name.startswith(COLLECTION_UTILS_PREFIX):
        parts = ["plugins", "module_utils", *name[len(COLLECTION_UTILS_PREFIX) :].split(".")]
    elif name.startswith("."):
        # Python-style relative name: one dot is the requiring file's package, each further dot its parent.
        levels_up = len(name) - len(name.lstrip(".")) - 1
        package = list(requiring.relative_to(REPO_ROOT).parent.parts)
        if levels_up > len(package):
            return None
        parts = [*package[: len(package) - levels_up], *name.lstrip(".").split(".")]
    else:
        return None
    candidate = REPO_ROOT.joinpath(*parts[:-1], parts[-1] + ".psm1")
    if candidate.parent != UTILS_DIR or not candidate.is_file():
        return None
    return candidate


def module_util_exports(module: Path) -> dict[str, Path]:
    """Exported function name -> the util that exports it, for the utils ``module`` requires."""
    exports: dict[str, Path] = {}
    for name in psparse.requires_utils(module):
        util = resolve_util(name, module)
        assert util is not None, f"{name} does not resolve"
        for function in psparse.exported_functions(util):
            exports[function] = util
    return exports


def documented_options(module: Path) -> dict[str, dict[str, Any]]:
    tree = ast.parse(module.with_suffix(".py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "DOCUMENTATION" for t in node.targets
        ):
            return yaml.safe_load(ast.literal_eval(node.value))["options"]
    raise AssertionError(f"{rel(module.with_suffix('.py'))} has no DOCUMENTATION")


def normalised_option(option: dict[str, Any], *, no_log: bool) -> dict[str, Any]:
    kind = option.get("type", "str")
    elements = option.get("elements")
    return {
        "type": TYPE_ALIASES.get(kind, kind),
        "elements": TYPE_ALIASES.get(elements, elements) if elements else None,
        "choices": list(option["choices"]) if option.get("choices") is not None else None,
        "required": bool(option.get("required", False)),
        "default": option.get("default"),
        "no_log": no_log,
    }


def doc_says_no_log(option: dict[str, Any]) -> bool:
    description = option.get("description", "")
    text = " ".join(description) if isinstance(description, list) else str(description)
    return "C(no_log)" in text


# --- the files this file checks ------------------------------------------------------------------------------


#: the engine utils; each ``X`` that has a ``XWrite`` keeps the readers (all the gather run sends) and ``XWrite`` its
#: writers (docs/ENGINE.md, "Two modules")
ENGINE_UTILS = (
    "CertStore.psm1",
    "CertStoreWrite.psm1",
    "CertPfx.psm1",
    "Schannel.psm1",
    "SchannelWrite.psm1",
    "HttpSys.psm1",
    "HttpSysRecord.psm1",
    "HttpSysRecordWrite.psm1",
    "HttpSysSaved.psm1",
    "HttpSysSavedWrite.psm1",
    "IisConfig.psm1",
    "IisConfigWrite.psm1",
    "IisAccess.psm1",
    "IisAccessWrite.psm1",
    "IisBinding.psm1",
    "IisBindingWrite.psm1",
    "IisAuth.psm1",
    "IisAuthWrite.psm1",
    "IisMapping.psm1",
    "IisTracing.psm1",
    "IisTracingWrite.psm1",
    "WindowsFeature.psm1",
    "WindowsFeatureWrite.psm1",
)


def test_the_engine_module_and_its_utils_are_found():
    assert set(MODULES) <= set(POWERSHELL_FILES)
    assert {path.name for path in UTIL_FILES} >= set(ENGINE_UTILS)


# --- parsing, Windows PowerShell 5.1, .NET Framework 4.6.2, lint -------------------------------------------------


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_file_parses(name: str):
    assert shipped(name).parse_errors == []


@pytest.mark.parametrize("name", TARGETS)
def test_integration_target_script_parses(name: str):
    assert targets()[name].parse_errors == []


@pytest.mark.parametrize("name", PWSH7_ONLY)
def test_pester_and_checker_file_parses(name: str):
    assert pwsh7_only()[name].parse_errors == []


def test_the_integration_targets_embed_powershell_to_check():
    assert TARGETS, "no win_powershell/win_shell script found under tests/integration/targets"


SHIPPED_RULES = [rule for check in psstatic.SHIPPED_CHECKS for rule in psstatic.RULES[check]]


@pytest.mark.parametrize("rule", SHIPPED_RULES)
@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_file_has_no_finding_beyond_the_baseline(name: str, rule: str):
    findings = shipped(name).findings_of(rule)
    accepted = [entry for entry in load_baseline().get(name, []) if entry.split(" ", 1)[0] == rule]
    new = [f for f in findings if f"{f['rule']} {f['subject']}" not in accepted]
    gone = [entry for entry in accepted if entry not in {f"{f['rule']} {f['subject']}" for f in findings}]
    assert shown(new) == [], f"{name}: fix these (tests/unit/test_psstatic_rules.py shows the rule at work)"
    assert gone == [], f"{name}: {gone} no longer occur; remove them from {rel(BASELINE)}"


@pytest.mark.parametrize("check", psstatic.TARGET_CHECKS)
@pytest.mark.parametrize("name", TARGETS)
def test_integration_target_script_runs_on_windows_powershell_51(name: str, check: str):
    assert shown(targets()[name].findings_of(check)) == []


def test_every_finding_on_our_files_belongs_to_a_listed_rule():
    found = {f["rule"] for result in psstatic.analyze_shipped().values() for f in result.findings}
    found |= {f["rule"] for result in targets().values() for f in result.findings}
    assert found <= set(SHIPPED_RULES)


def test_baseline_names_only_shipped_files_and_listed_rules():
    for name, entries in load_baseline().items():
        assert name in SHIPPED, f"{rel(BASELINE)} names {name}, which is not a shipped PowerShell file"
        assert all(entry.split(" ", 1)[0] in SHIPPED_RULES for entry in entries), entries


def test_the_net_framework_check_reads_the_reference_assemblies_and_checks_members():
    stats = [shipped(name).stats for name in SHIPPED]
    assert sum(s.get("types_checked", 0) for s in stats) > 100
    assert sum(s.get("members_checked", 0) for s in stats) > 100


# --- module_utils ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", POWERSHELL_FILES, ids=rel)
def test_every_ansible_requires_powershell_target_is_a_util_file_of_this_collection(path: Path):
    unresolved = [name for name in psparse.requires_utils(path) if resolve_util(name, path) is None]
    assert not unresolved, f"{rel(path)} requires utils that are not files under plugins/module_utils: {unresolved}"


def sent_utils(module: Path) -> set[Path]:
    """Every util a run of ``module`` sends: what it requires and, in turn, what those require."""
    sent: set[Path] = set()
    pending = [module]
    while pending:
        requiring = pending.pop()
        for name in psparse.requires_utils(requiring):
            util = resolve_util(name, requiring)
            assert util is not None, f"{rel(requiring)}: {name} does not resolve"
            if util not in sent:
                sent.add(util)
                pending.append(util)
    return sent


def test_the_two_modules_together_send_every_engine_util():
    sent = sent_utils(GATHER_MODULE) | sent_utils(APPLY_MODULE)
    assert {UTILS_DIR / name for name in ENGINE_UTILS} <= sent


def test_the_gather_run_sends_no_writer():
    writers = {u.name for u in sent_utils(GATHER_MODULE) if u.stem.endswith("Write") or u.name in WRITER_UTILS}
    assert writers == set()


def test_the_gather_run_sends_every_reader_it_needs():
    # the readers of every part of the snapshot (docs/ENGINE.md)
    readers = {"CertStore", "Schannel", "HttpSysRecord", "HttpSysSaved", "IisConfig", "IisAccess", "IisBinding"}
    readers |= {"IisAuth", "IisTracing", "WindowsFeature"}
    assert readers <= {u.stem for u in sent_utils(GATHER_MODULE)}


@pytest.mark.parametrize("module", MODULES, ids=rel)
def test_every_util_function_a_module_calls_is_exported_by_a_required_util(module: Path):
    exports = module_util_exports(module)
    defined_in_utils = set().union(*(psparse.defined_functions(util) for util in UTIL_FILES))
    called = psparse.called_commands(module)
    util_calls = {c for c in called if c in defined_in_utils or c.split("-", 1)[-1].startswith(UTIL_NOUN_PREFIX)}
    assert util_calls, f"{rel(module)} calls no util function: the check would be vacuous"
    missing = sorted(util_calls - set(exports))
    assert not missing, f"{rel(module)} calls util functions that no required util exports: {missing}"


@pytest.mark.parametrize("path", UTIL_FILES, ids=rel)
def test_every_util_function_a_util_calls_from_another_util_is_exported_by_a_util_it_requires(path: Path):
    # Ansible imports every util globally, but only those some file requires are sent: a util that calls another
    # util's function must require it, and that function must be exported.
    defined_here = psparse.defined_functions(path)
    defined_elsewhere = set().union(*(psparse.defined_functions(u) for u in UTIL_FILES if u != path))
    foreign = {c for c in psparse.called_commands(path) if c in defined_elsewhere and c not in defined_here}
    exported: set[str] = set()
    for name in psparse.requires_utils(path):
        util = resolve_util(name, path)
        assert util is not None, f"{rel(path)}: {name} does not resolve"
        exported |= psparse.exported_functions(util)
    missing = sorted(foreign - exported)
    assert not missing, f"{rel(path)} calls functions of other utils that no util it requires exports: {missing}"


IIS_UTILS = (
    "IisAccess.psm1",
    "IisAccessWrite.psm1",
    "IisBinding.psm1",
    "IisBindingWrite.psm1",
    "IisAuth.psm1",
    "IisAuthWrite.psm1",
    "IisMapping.psm1",
    "IisTracing.psm1",
    "IisTracingWrite.psm1",
)


@pytest.mark.parametrize("name", IIS_UTILS)
def test_iis_utils_reach_iis_only_through_the_session_of_iisconfig(name: str):
    # One util calls the IIS boundary, so one place holds the pending edits of a run and every test mocks it there.
    calls = psparse.called_commands(UTILS_DIR / name)
    boundary = psparse.exported_functions(UTILS_DIR / "WinIis.psm1")
    assert calls & boundary == set()
    assert calls & {
        "Add-MtlsIisEdit",
        "Read-MtlsIisSection",
        "Get-MtlsIisSiteList",
        "Find-MtlsIisSite",
        "Get-MtlsIisSite",
    }
    assert "Add-Type" not in calls


@pytest.mark.parametrize("path", UTIL_FILES, ids=rel)
def test_util_exports_only_functions_it_defines(path: Path):
    exported = psparse.exported_functions(path)
    assert exported, f"{rel(path)} exports nothing"
    undefined = exported - psparse.defined_functions(path)
    assert not undefined, f"{rel(path)} exports functions it does not define: {sorted(undefined)}"


@pytest.mark.parametrize("path", UTIL_FILES, ids=rel)
def test_util_function_nouns_start_with_the_util_prefix(path: Path):
    # The verbs are checked by the lint.approved-verb rule.
    bad = sorted(
        name for name in psparse.defined_functions(path) if not name.partition("-")[2].startswith(UTIL_NOUN_PREFIX)
    )
    assert not bad, f"{rel(path)}: not <Verb>-{UTIL_NOUN_PREFIX}<Noun>: {bad}"


@pytest.mark.parametrize("module", MODULES, ids=rel)
def test_module_functions_leave_the_util_prefix_to_utils(module: Path):
    bad = sorted(
        name for name in psparse.defined_functions(module) if name.partition("-")[2].startswith(UTIL_NOUN_PREFIX)
    )
    assert not bad, f"{rel(module)} functions named like util functions: {bad}"


def test_util_exports_do_not_collide_between_utils():
    seen: dict[str, str] = {}
    for util in UTIL_FILES:
        for name in psparse.exported_functions(util):
            assert name not in seen, f"{name} is exported by both {seen[name]} and {rel(util)}"
            seen[name] = rel(util)


# --- op dispatcher ---------------------------------------------------------------------------------------------


def test_dispatcher_op_names_equal_the_python_op_vocabulary():
    assert psparse.dispatcher_op_names(APPLY_MODULE) == set(OP_NAMES)


def test_every_dispatcher_handler_is_a_scriptblock():
    kinds = psparse.dispatcher_handler_kinds(APPLY_MODULE)
    assert {name: kind for name, kind in kinds.items() if kind != "scriptblock"} == {}


def test_the_argument_table_lists_exactly_the_dispatched_ops():
    assert set(psparse.top_level_hashtable(APPLY_MODULE, "OpArguments")) == psparse.dispatcher_op_names(APPLY_MODULE)


def test_every_handler_reads_exactly_the_arguments_its_op_declares():
    declared = {name: set(args) for name, args in psparse.top_level_hashtable(APPLY_MODULE, "OpArguments").items()}
    assert psparse.dispatcher_argument_reads(APPLY_MODULE) == declared


def test_every_handler_takes_the_op_the_secrets_and_the_context_in_that_order():
    # Invoke-Op calls every handler as `& $handler $Op $Secrets $Context`.
    parameters = psparse.dispatcher_handler_parameters(APPLY_MODULE)
    assert {name: params for name, params in parameters.items() if params != ["Op", "Secrets", "Context"]} == {}


IIS_CONFIG_OP_PREFIXES = ("binding_", "access_", "auth_", "one_to_one_", "many_to_one_", "tracing_", "section_")


def test_the_iis_ops_committed_per_run_are_exactly_the_binding_access_auth_mapping_and_tracing_ops():
    iis_ops = psparse.top_level_list(APPLY_MODULE, "IisConfigOps")
    assert len(iis_ops) == len(set(iis_ops))
    assert set(iis_ops) == {name for name in OP_NAMES if name.startswith(IIS_CONFIG_OP_PREFIXES)}


def test_the_simulator_commits_the_same_ops_per_run_as_the_module():
    assert set(psparse.top_level_list(APPLY_MODULE, "IisConfigOps")) == set(IIS_CONFIG_OPS)


def test_feature_install_is_not_committed_with_the_iis_ops():
    # It must run after the pending IIS changes are committed, like any other non-IIS op.
    assert "feature_install" in OP_NAMES
    assert "feature_install" not in psparse.top_level_list(APPLY_MODULE, "IisConfigOps")


@pytest.mark.parametrize(
    "path",
    [
        GATHER_MODULE,
        APPLY_MODULE,
        UTILS_DIR / "CertStore.psm1",
        UTILS_DIR / "CertStoreWrite.psm1",
        UTILS_DIR / "CertPfx.psm1",
        UTILS_DIR / "IisAuth.psm1",
        UTILS_DIR / "IisAuthWrite.psm1",
        UTILS_DIR / "IisMapping.psm1",
    ],
    ids=rel,
)
def test_no_double_quoted_string_mentions_a_password_or_the_secrets(path: Path):
    # Messages are built from double-quoted strings; a password (PFX, mapping) must never be one of their parts.
    assert psparse.interpolated_variables(path) & {"password", "secrets", "secret"} == set()


# --- $spec against the documentation ---------------------------------------------------------------------------


@pytest.mark.parametrize("module", MODULES, ids=rel)
def test_spec_options_equal_the_documented_options(module: Path):
    spec = psparse.spec_options(module)
    docs = documented_options(module)
    assert set(spec) == set(docs)
    for name in spec:
        from_spec = normalised_option(spec[name], no_log=bool(spec[name].get("no_log", False)))
        from_docs = normalised_option(docs[name], no_log=doc_says_no_log(docs[name]))
        assert from_spec == from_docs, f"option {name}: $spec {from_spec} != documentation {from_docs}"


@pytest.mark.parametrize(
    ("module", "secret_options"), [(GATHER_MODULE, set()), (APPLY_MODULE, {"secrets"})], ids=["gather", "apply"]
)
def test_spec_marks_only_secrets_no_log(module: Path, secret_options: set[str]):
    no_log = {name for name, option in psparse.spec_options(module).items() if option.get("no_log")}
    assert no_log == secret_options


def test_every_scope_key_the_gather_accepts_is_documented_under_scope():
    documented = documented_options(GATHER_MODULE)["scope"]["description"]
    text = " ".join(documented) if isinstance(documented, list) else str(documented)
    undocumented = [key for key in psparse.top_level_list(GATHER_MODULE, "ScopeKeys") if f"C({key})" not in text]
    assert not undocumented, f"scope keys missing from the scope description of host_state_gather.py: {undocumented}"


def test_spec_supports_check_mode_so_gather_runs_in_check_mode():
    assert psparse.spec_value(GATHER_MODULE, "supports_check_mode") is True


# --- the parsing helpers themselves ----------------------------------------------------------------------------


def write(tmp_path: Path, text: str, name: str = "sample.ps1") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_parse_errors_reports_a_syntax_error_with_its_position_and_id(tmp_path: Path):
    errors = psparse.parse_errors(write(tmp_path, "$ok = 1\nif ($x {\n"))
    assert errors and errors[0].startswith("2:")
    assert all(e.split(" ", 1)[0].replace(":", "").isdigit() for e in errors)


def test_parse_errors_is_empty_for_valid_code(tmp_path: Path):
    assert psparse.parse_errors(write(tmp_path, "Function Get-X {\n    param ($A)\n    $A\n}\n")) == []


def test_a_variable_followed_by_a_colon_in_a_double_quoted_string_is_a_parse_error(tmp_path: Path):
    # "$wanted: y" reads as a drive-qualified variable: Windows rejects the file (tree-sitter did not).
    assert psparse.parse_errors(write(tmp_path, '$a = "x $wanted: y"\n')) == ["1:9 InvalidVariableReferenceWithDrive"]


def test_dispatcher_op_names_reads_top_level_keys_only(tmp_path: Path):
    path = write(
        tmp_path,
        "# $OpHandlers = @{ commented = { } }\n"
        "$OpHandlers = @{\n"
        "    first = { param($Op, $Secrets) @{ nested = 1 } }\n"
        "    'second' = { param($Op, $Secrets) }\n"
        "}\n",
    )
    assert psparse.dispatcher_op_names(path) == {"first", "second"}


def test_dispatcher_op_names_refuses_a_file_without_exactly_one_dispatcher(tmp_path: Path):
    with pytest.raises(LookupError):
        psparse.dispatcher_op_names(write(tmp_path, "$Other = @{ a = { } }\n"))


def test_spec_options_reads_literals_and_leaves_out_the_rest(tmp_path: Path):
    path = write(
        tmp_path,
        "$spec = @{\n"
        "    options = @{\n"
        "        mode = @{ type = 'str'; required = $true; choices = 'a', \"b\" }\n"
        "        items = @{ type = 'list'; elements = 'dict'; default = @() }\n"
        "        computed = @{ type = $someType; no_log = $true }\n"
        "    }\n"
        "}\n",
    )
    assert psparse.spec_options(path) == {
        "mode": {"type": "str", "required": True, "choices": ["a", "b"]},
        "items": {"type": "list", "elements": "dict", "default": []},
        "computed": {"no_log": True},
    }


def test_requires_utils_reads_line_start_comments_in_any_case(tmp_path: Path):
    path = write(
        tmp_path,
        "#AnsibleRequires -PowerShell ..module_utils.One\n"
        "#ansiblerequires -powershell ansible_collections.mtls.iis.plugins.module_utils.Two\n"
        "#AnsibleRequires -CSharpUtil Ansible.Basic\n"
        "$x = '#AnsibleRequires -PowerShell ..module_utils.NotAComment'\n",
    )
    assert psparse.requires_utils(path) == [
        "..module_utils.One",
        "ansible_collections.mtls.iis.plugins.module_utils.Two",
    ]


def test_exported_functions_reads_each_export_call(tmp_path: Path):
    path = write(
        tmp_path,
        "Function Get-MtlsA { }\nExport-ModuleMember -Function Get-MtlsA\nExport-ModuleMember -Function @('B', 'C')\n",
        name="sample.psm1",
    )
    assert psparse.exported_functions(path) == {"Get-MtlsA", "B", "C"}


def test_dispatcher_handler_parameters_reads_each_param_block_in_order(tmp_path: Path):
    path = write(tmp_path, "$OpHandlers = @{\n    a = { param($Op, $Secrets, $Context) }\n    b = { }\n}\n")
    assert psparse.dispatcher_handler_parameters(path) == {"a": ["Op", "Secrets", "Context"], "b": []}


def test_dispatcher_argument_reads_takes_the_literal_name_of_each_reader_call(tmp_path: Path):
    path = write(
        tmp_path,
        "$OpHandlers = @{\n"
        "    a = { param($Op) Set-X -Name (Get-OpArgument -Op $Op -Name 'store') -Other (Get-Other -Name 'no') }\n"
        "    b = { param($Op) }\n"
        "}\n",
    )
    assert psparse.dispatcher_argument_reads(path) == {"a": {"store"}, "b": set()}


def test_top_level_list_reads_a_literal_array(tmp_path: Path):
    path = write(tmp_path, "$Names = @('a', \"b\")\n# $Names = @('c')\n")
    assert psparse.top_level_list(path, "Names") == ["a", "b"]


def test_top_level_list_refuses_a_value_that_is_not_literal(tmp_path: Path):
    with pytest.raises(psparse.NotLiteral):
        psparse.top_level_list(write(tmp_path, "$Names = @($a, 'b')\n"), "Names")


def test_interpolated_variables_finds_variables_in_strings_and_their_subexpressions(tmp_path: Path):
    path = write(tmp_path, "$a = \"x $One $($Two.Length) ${Three}\"\n$b = 'no $Four'\n$c = $Five\n")
    assert psparse.interpolated_variables(path) == {"one", "two", "three"}


def test_the_apply_module_replaces_invocation_so_secret_values_never_echo():
    """Ansible.Basic masks a dict no_log option only by its type name: the module must set invocation itself."""
    source = APPLY_MODULE.read_text()
    create = source.index("[Ansible.Basic.AnsibleModule]::Create(")
    override = source.index("$module.Result.invocation = ", create)
    between = source[create:override]
    assert "ExitJson(" not in between and "FailJson(" not in between
    assert "secrets = 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'" in between
