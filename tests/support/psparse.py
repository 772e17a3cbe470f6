"""Static facts about the collection's PowerShell, read by PowerShell's own parser.

The facts come from the syntax tree of ``System.Management.Automation.Language.Parser`` (through
tests/support/psstatic.py), never from a regular expression over source text, so a commented-out hashtable key or
a string that looks like code does not count. A file under ``plugins/`` is read with every other shipped file in
one request; any other file alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from support import psstatic

DISPATCHER_VARIABLE = "OpHandlers"
SPEC_VARIABLE = "spec"
SPEC_OPTION_KEYS = ("type", "elements", "choices", "default", "required", "no_log")


class NotLiteral(ValueError):
    """A value is not a literal (a variable, a command, an expandable string with variables...)."""


@dataclass(frozen=True)
class ScriptBlock:
    """A literal ``{ ... }``: its ``param()`` names and the commands it runs, with their literal arguments."""

    params: list[str]
    commands: list[dict[str, Any]]


def _result(path: str | Path) -> psstatic.Result:
    path = Path(path).resolve()
    if path.is_relative_to(psstatic.PLUGINS_DIR):
        return psstatic.analyze_shipped()[psstatic.rel(path)]
    return psstatic.analyze_one(psstatic.Source(str(path), path=path))


def facts(path: str | Path) -> dict[str, Any]:
    return _result(path).facts


def parse_errors(path: str | Path) -> list[str]:
    """The parser's errors as ``"line:col ErrorId"`` (1-based), in order."""
    return [f"{e['line']}:{e['column']} {e['id']}" for e in _result(path).parse_errors]


def value(node: dict[str, Any]) -> Any:
    """The Python value of a tagged literal; :class:`NotLiteral` for anything that is not one."""
    kind = node["k"]
    if kind in ("str", "int", "bool"):
        return node["v"]
    if kind == "null":
        return None
    if kind == "list":
        return [value(item) for item in node["v"]]
    if kind == "hashtable":
        table = {}
        for key, item in node["v"]:
            if not isinstance(key, str):
                raise NotLiteral(f"hashtable key {key} is not a literal string")
            table[key] = value(item)
        return table
    if kind == "scriptblock":
        return ScriptBlock(params=node["params"], commands=node["commands"])
    raise NotLiteral(f"{node.get('ast')} at {node.get('line')}:{node.get('column')}")


def _single_assignment(path: str | Path, variable: str) -> dict[str, Any]:
    assignments = {name.lower(): values for name, values in facts(path)["assignments"].items()}
    found = assignments.get(variable.lower(), [])
    if len(found) != 1:
        raise LookupError(f"{path}: expected one top-level assignment to ${variable}, found {len(found)}")
    return found[0]


def _hashtable_entries(node: dict[str, Any], what: str) -> list[tuple[str, dict[str, Any]]]:
    if node["k"] != "hashtable":
        raise NotLiteral(f"{what} is not a hashtable literal")
    return [tuple(entry) for entry in node["v"]]  # JSON gives [key, value] pairs


def top_level_hashtable(path: str | Path, variable: str) -> dict[str, Any]:
    """The literal value of the single top-level ``$<variable> = @{...}`` assignment."""
    found = value(_single_assignment(path, variable))
    if not isinstance(found, dict):
        raise NotLiteral(f"{path}: ${variable} is not a hashtable literal")
    return found


def top_level_list(path: str | Path, variable: str) -> list[Any]:
    """The literal value of the single top-level ``$<variable> = @(...)`` (or ``'a', 'b'``) assignment."""
    found = value(_single_assignment(path, variable))
    if not isinstance(found, list):
        raise NotLiteral(f"{path}: ${variable} is not a list literal")
    return found


def dispatcher_op_names(path: str | Path) -> set[str]:
    """The keys of the op-dispatch hashtable (``$OpHandlers = @{ name = { ... }; ... }``) of host_state_apply.ps1."""
    return {key for key, _value in _hashtable_entries(_single_assignment(path, DISPATCHER_VARIABLE), "$OpHandlers")}


def dispatcher_handler_kinds(path: str | Path) -> dict[str, str]:
    """Op name -> kind of its handler's literal (``scriptblock`` for ``{ ... }``)."""
    return {
        key: item["k"] for key, item in _hashtable_entries(_single_assignment(path, DISPATCHER_VARIABLE), "$OpHandlers")
    }


def _handlers(path: str | Path) -> dict[str, ScriptBlock]:
    handlers = {}
    for key, item in _hashtable_entries(_single_assignment(path, DISPATCHER_VARIABLE), "$OpHandlers"):
        handler = value(item)
        if not isinstance(handler, ScriptBlock):
            raise NotLiteral(f"{path}: the handler of {key} is not a script block")
        handlers[key] = handler
    return handlers


def dispatcher_handler_parameters(path: str | Path) -> dict[str, list[str]]:
    """Op name -> the parameter names of its handler's ``param()`` block, in order, without ``$``."""
    return {key: handler.params for key, handler in _handlers(path).items()}


def dispatcher_argument_reads(path: str | Path, reader: str = "Get-OpArgument") -> dict[str, set[str]]:
    """Op name -> the literal ``-Name`` values its handler passes to ``reader`` (the op arguments it reads)."""
    reads: dict[str, set[str]] = {}
    for key, handler in _handlers(path).items():
        names: set[str] = set()
        for command in handler.commands:
            if command["name"].lower() != reader.lower():
                continue
            for parameter, argument in command["parameters"].items():
                if parameter.lower() == "name":
                    names.add(value(argument))
        reads[key] = names
    return reads


def spec_options(path: str | Path) -> dict[str, dict[str, Any]]:
    """The top-level ``options`` of the module's ``$spec``: name -> the literal keys among SPEC_OPTION_KEYS.

    A key whose value is not a literal is left out, so a comparison with the documentation fails loudly.
    """
    spec = dict(_hashtable_entries(_single_assignment(path, SPEC_VARIABLE), "$spec"))
    if "options" not in spec:
        raise LookupError(f"{path}: $spec has no options")
    options: dict[str, dict[str, Any]] = {}
    for name, option in _hashtable_entries(spec["options"], "$spec.options"):
        found: dict[str, Any] = {}
        for key, item in _hashtable_entries(option, f"option {name}"):
            if key not in SPEC_OPTION_KEYS:
                continue
            try:
                found[key] = value(item)
            except NotLiteral:
                continue
        options[name] = found
    return options


def spec_value(path: str | Path, key: str) -> Any:
    """A literal top-level key of ``$spec`` other than options, e.g. ``supports_check_mode``."""
    spec = dict(_hashtable_entries(_single_assignment(path, SPEC_VARIABLE), "$spec"))
    if key not in spec:
        raise LookupError(f"{path}: $spec has no {key}")
    return value(spec[key])


def requires_utils(path: str | Path) -> list[str]:
    """The ``#AnsibleRequires -PowerShell <name>`` names, from comments that start a line, in order."""
    return list(facts(path)["requires"])


def defined_functions(path: str | Path) -> set[str]:
    """Names of the functions defined anywhere in the file (a ``scope:`` prefix is dropped)."""
    return {function["name"] for function in facts(path)["functions"]}


def called_commands(path: str | Path) -> set[str]:
    """Names of the commands invoked by name (``& $scriptblock`` and other computed calls are not names)."""
    return {command["name"] for command in facts(path)["commands"]}


def exported_functions(path: str | Path) -> set[str]:
    """Function names passed to ``Export-ModuleMember -Function`` anywhere in the file."""
    names: set[str] = set()
    for command in facts(path)["commands"]:
        if command["name"].lower() != "export-modulemember":
            continue
        for parameter, argument in command["parameters"].items():
            if "function".startswith(parameter.lower()):
                exported = value(argument)
                names.update(exported if isinstance(exported, list) else [exported])
    return names


def interpolated_variables(path: str | Path) -> set[str]:
    """Lower-case names (without ``$`` and scope) of the variables used anywhere inside double-quoted strings.

    Sub-expressions count (``"$($a.Length)"`` uses ``a``): whatever a double-quoted string mentions can end up
    in a message.
    """
    return set(facts(path)["interpolated_variables"])
