"""Static facts about the collection's PowerShell, read from tree-sitter-powershell syntax trees.

No PowerShell runs here: these helpers only parse. Every fact is taken from the syntax tree (never from a
regular expression over source text), so a commented-out hashtable key or a string that looks like code does
not count. The only regular expression matches the text of comment nodes, as Ansible itself does for
``#AnsibleRequires``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import tree_sitter_powershell
from tree_sitter import Language, Node, Parser, Tree

DISPATCHER_VARIABLE = "OpHandlers"
SPEC_VARIABLE = "spec"
SPEC_OPTION_KEYS = ("type", "elements", "choices", "default", "required", "no_log")

_LANGUAGE = Language(tree_sitter_powershell.language())

# Nodes the grammar wraps around every expression; a value is found by descending through them while they
# have exactly one named child.
_WRAPPERS = frozenset(
    {
        "pipeline",
        "pipeline_chain",
        "logical_expression",
        "bitwise_expression",
        "comparison_expression",
        "additive_expression",
        "multiplicative_expression",
        "format_expression",
        "range_expression",
        "array_literal_expression",
        "unary_expression",
        "parenthesized_expression",
        "left_assignment_expression",
    }
)

# Same pattern as ansible-core's PowerShell module manifest builder (case-insensitive, at line start).
_REQUIRES_POWERSHELL = re.compile(r"(?i)^#\s*ansiblerequires\s+-powershell\s+([\w.]+)")


class NotLiteral(ValueError):
    """A syntax node is not a literal value (a variable, a command, an expandable string...)."""


@cache
def _parse(path: str, mtime_ns: int) -> Tree:
    del mtime_ns  # part of the cache key only
    return Parser(_LANGUAGE).parse(Path(path).read_bytes())


def parse(path: str | Path) -> Tree:
    """The syntax tree of one file, parsed once per content version."""
    path = Path(path)
    return _parse(str(path.resolve()), path.stat().st_mtime_ns)


def _walk(node: Node) -> Iterator[Node]:
    yield node
    for child in node.children:
        yield from _walk(child)


def _position(node: Node) -> str:
    return f"{node.start_point.row + 1}:{node.start_point.column + 1}"


def parse_errors(path: str | Path) -> list[str]:
    """ERROR and MISSING nodes as ``"line:col ERROR"`` / ``"line:col MISSING <kind>"`` (1-based), in order.

    An ERROR node's descendants are not reported separately: one syntax error is one entry.
    """
    found: list[str] = []

    def visit(node: Node) -> None:
        if node.type == "ERROR":
            found.append(f"{_position(node)} ERROR")
            return
        if node.is_missing:
            found.append(f"{_position(node)} MISSING {node.type}")
        for child in node.children:
            visit(child)

    visit(parse(path).root_node)
    return found


def _unwrap(node: Node) -> Node:
    while node.type in _WRAPPERS and node.named_child_count == 1:
        node = node.named_children[0]
    return node


def _text(node: Node) -> str:
    return (node.text or b"").decode("utf-8")


def _literal(node: Node) -> Any:
    """The Python value of a literal PowerShell expression; NotLiteral otherwise."""
    node = _unwrap(node)
    kind = node.type
    if kind == "string_literal":
        return _string_literal(node)
    if kind == "integer_literal":
        return _integer_literal(node)
    if kind == "variable":
        constants = {"$true": True, "$false": False, "$null": None}
        name = _text(node).lower()
        if name in constants:
            return constants[name]
        raise NotLiteral(f"variable {_text(node)} at {_position(node)}")
    if kind == "expression_with_unary_operator":
        operator, operand = node.children[0], node.named_children[-1]
        value = _literal(operand)
        if operator.type == "-" and isinstance(value, int) and not isinstance(value, bool):
            return -int(value)  # pylint on 2.16 cannot narrow the isinstance check
        raise NotLiteral(f"unary expression at {_position(node)}")
    if kind == "array_literal_expression":
        return [_literal(child) for child in node.named_children]
    if kind == "array_expression":
        return _array_expression(node)
    if kind == "hash_literal_expression":
        return {key: _literal(value) for key, value in hash_entries(node)}
    raise NotLiteral(f"{kind} at {_position(node)}")


def _string_literal(node: Node) -> str:
    inner = node.named_children[0] if node.named_child_count else node
    text = _text(inner)
    if inner.type == "verbatim_string_characters":
        return text[1:-1].replace("''", "'")
    if inner.type == "expandable_string_literal" and inner.named_child_count == 0 and "`" not in text:
        return text[1:-1]
    raise NotLiteral(f"{inner.type} at {_position(node)}")


def _integer_literal(node: Node) -> int:
    text = _text(node)
    try:
        return int(text, 0)
    except ValueError:
        raise NotLiteral(f"integer literal {text} at {_position(node)}") from None


def _array_expression(node: Node) -> list[Any]:
    statements = [c for c in node.named_children if c.type == "statement_list"]
    if not statements:
        return []
    pipelines = statements[0].named_children
    if len(pipelines) != 1:
        raise NotLiteral(f"array expression with {len(pipelines)} statements at {_position(node)}")
    value = _literal(pipelines[0])
    return value if isinstance(value, list) else [value]


def _hash_key(key_expression: Node) -> str:
    inner = _unwrap(key_expression.named_children[0])
    if inner.type == "simple_name":
        return _text(inner)
    value = _literal(inner)
    if not isinstance(value, str):
        raise NotLiteral(f"hashtable key at {_position(key_expression)}")
    return value


def hash_entries(hash_literal: Node) -> list[tuple[str, Node]]:
    """The (key, value node) pairs of one ``@{}`` literal, in source order, without descending further."""
    if hash_literal.type != "hash_literal_expression":
        raise NotLiteral(f"{hash_literal.type} at {_position(hash_literal)} is not a hashtable literal")
    entries: list[tuple[str, Node]] = []
    for body in (c for c in hash_literal.named_children if c.type == "hash_literal_body"):
        for entry in (c for c in body.named_children if c.type == "hash_entry"):
            key_node = next(c for c in entry.named_children if c.type == "key_expression")
            value_node = entry.named_children[-1]
            entries.append((_hash_key(key_node), value_node))
    return entries


def _top_level_statements(tree: Tree) -> Iterator[Node]:
    for child in tree.root_node.named_children:
        if child.type == "statement_list":
            yield from child.named_children


def top_level_assignments(path: str | Path, variable: str) -> list[Node]:
    """Right-hand sides of the top-level assignments ``$<variable> = ...`` (name compared case-insensitively)."""
    wanted = f"${variable}".lower()
    found: list[Node] = []
    for statement in _top_level_statements(parse(path)):
        assignment = _unwrap(statement)
        if assignment.type != "assignment_expression":
            continue
        left = _unwrap(assignment.named_children[0])
        if left.type == "variable" and _text(left).lower() == wanted:
            found.append(_unwrap(assignment.named_children[-1]))
    return found


def _single_hashtable_assignment(path: str | Path, variable: str) -> Node:
    values = top_level_assignments(path, variable)
    if len(values) != 1:
        raise LookupError(f"{path}: expected one top-level assignment to ${variable}, found {len(values)}")
    return values[0]


def dispatcher_op_names(path: str | Path) -> set[str]:
    """The keys of the op-dispatch hashtable (``$OpHandlers = @{ name = { ... }; ... }``) of host_state.ps1."""
    table = _single_hashtable_assignment(path, DISPATCHER_VARIABLE)
    return {key for key, _value in hash_entries(table)}


def top_level_hashtable(path: str | Path, variable: str) -> dict[str, Any]:
    """The literal value of the single top-level ``$<variable> = @{...}`` assignment."""
    value = _literal(_single_hashtable_assignment(path, variable))
    if not isinstance(value, dict):
        raise NotLiteral(f"{path}: ${variable} is not a hashtable literal")
    return value


def _named_parameter_values(command: Node, parameter: str) -> list[Any]:
    arguments = _command_arguments(command)
    values = []
    for position, argument in enumerate(arguments[:-1]):
        if argument.type == "command_parameter" and _text(argument).lower() == f"-{parameter.lower()}":
            values.append(_literal(arguments[position + 1]))
    return values


def dispatcher_argument_reads(path: str | Path, reader: str = "Get-OpArgument") -> dict[str, set[str]]:
    """Op name -> the literal ``-Name`` values its handler passes to ``reader`` (the op arguments it reads)."""
    table = _single_hashtable_assignment(path, DISPATCHER_VARIABLE)
    reads: dict[str, set[str]] = {}
    for key, handler in hash_entries(table):
        names: set[str] = set()
        for node in _walk(handler):
            command_name = next((c for c in node.named_children if c.type == "command_name"), None)
            if node.type == "command" and command_name is not None and _text(command_name).lower() == reader.lower():
                names.update(_named_parameter_values(node, "Name"))
        reads[key] = names
    return reads


def top_level_list(path: str | Path, variable: str) -> list[Any]:
    """The literal value of the single top-level ``$<variable> = @(...)`` (or ``'a', 'b'``) assignment."""
    value = _literal(_single_hashtable_assignment(path, variable))
    if not isinstance(value, list):
        raise NotLiteral(f"{path}: ${variable} is not a list literal")
    return value


def dispatcher_handler_parameters(path: str | Path) -> dict[str, list[str]]:
    """Op name -> the parameter names of its handler's ``param()`` block, in order, without ``$``."""
    table = _single_hashtable_assignment(path, DISPATCHER_VARIABLE)
    parameters: dict[str, list[str]] = {}
    for key, handler in hash_entries(table):
        block = _unwrap(handler)
        # The grammar puts param() beside the script_block when there is a body, inside it when there is none.
        candidates = [*block.named_children]
        for child in block.named_children:
            if child.type == "script_block":
                candidates.extend(child.named_children)
        param_block = next((c for c in candidates if c.type == "param_block"), None)
        names: list[str] = []
        if param_block is not None:
            for node in _walk(param_block):
                if node.type == "script_parameter":
                    variable = next(c for c in node.named_children if c.type == "variable")
                    names.append(_text(variable).lstrip("$"))
        parameters[key] = names
    return parameters


def interpolated_variables(path: str | Path) -> set[str]:
    """Lower-case names (without ``$``) of the variables used anywhere inside double-quoted strings.

    Sub-expressions count (``"$($a.Length)"`` uses ``a``): whatever a double-quoted string mentions can end up
    in a message.
    """
    names: set[str] = set()
    for node in _walk(parse(path).root_node):
        if node.type not in ("expandable_string_literal", "expandable_here_string_literal"):
            continue
        for inner in _walk(node):
            if inner.type == "variable":
                text = _text(inner)
                names.add(text.lstrip("$").strip("{}").split(":")[-1].lower())
    return names


def dispatcher_handler_kinds(path: str | Path) -> dict[str, str]:
    """Op name -> syntax node kind of its handler (``script_block_expression`` for a scriptblock)."""
    table = _single_hashtable_assignment(path, DISPATCHER_VARIABLE)
    return {key: _unwrap(value).type for key, value in hash_entries(table)}


def spec_options(path: str | Path) -> dict[str, dict[str, Any]]:
    """The top-level ``options`` of the module's ``$spec``: name -> the literal keys among SPEC_OPTION_KEYS.

    A key whose value is not a literal is left out, so a comparison with the documentation fails loudly.
    """
    spec = _single_hashtable_assignment(path, SPEC_VARIABLE)
    options_node = dict(hash_entries(spec)).get("options")
    if options_node is None:
        raise LookupError(f"{path}: $spec has no options")
    options: dict[str, dict[str, Any]] = {}
    for name, option_node in hash_entries(_unwrap(options_node)):
        facts: dict[str, Any] = {}
        for key, value in hash_entries(_unwrap(option_node)):
            if key not in SPEC_OPTION_KEYS:
                continue
            try:
                facts[key] = _literal(value)
            except NotLiteral:
                continue
        options[name] = facts
    return options


def spec_value(path: str | Path, key: str) -> Any:
    """A literal top-level key of ``$spec`` other than options, e.g. ``supports_check_mode``."""
    spec = _single_hashtable_assignment(path, SPEC_VARIABLE)
    entries = dict(hash_entries(spec))
    if key not in entries:
        raise LookupError(f"{path}: $spec has no {key}")
    return _literal(entries[key])


def requires_utils(path: str | Path) -> list[str]:
    """The ``#AnsibleRequires -PowerShell <name>`` names, from comment nodes that start a line, in order."""
    names: list[str] = []
    for node in _walk(parse(path).root_node):
        if node.type != "comment" or node.start_point.column != 0:
            continue
        match = _REQUIRES_POWERSHELL.match(_text(node))
        if match:
            names.append(match.group(1))
    return names


def defined_functions(path: str | Path) -> set[str]:
    """Names of the functions defined anywhere in the file (a ``scope:`` prefix is dropped)."""
    names: set[str] = set()
    for node in _walk(parse(path).root_node):
        if node.type == "function_statement":
            name_node = next(c for c in node.named_children if c.type == "function_name")
            names.add(_text(name_node).split(":")[-1])
    return names


def called_commands(path: str | Path) -> set[str]:
    """Names of the commands invoked by name (``& $scriptblock`` and other computed calls are not names)."""
    names: set[str] = set()
    for node in _walk(parse(path).root_node):
        if node.type != "command":
            continue
        for child in node.named_children:
            if child.type == "command_name":
                names.add(_text(child))
    return names


def _command_arguments(command: Node) -> list[Node]:
    elements = next((c for c in command.named_children if c.type == "command_elements"), None)
    if elements is None:
        return []
    return [c for c in elements.named_children if c.type != "command_argument_sep"]


def _function_parameter_value(command: Node) -> list[str]:
    arguments = _command_arguments(command)
    for position, argument in enumerate(arguments):
        if argument.type == "command_parameter" and _text(argument).lower() == "-function":
            if position + 1 == len(arguments):
                raise NotLiteral(f"-Function without a value at {_position(argument)}")
            value = arguments[position + 1]
            if value.type == "generic_token":
                return [_text(value)]
            literal = _literal(value)
            return [str(v) for v in literal] if isinstance(literal, list) else [str(literal)]
    return []


def exported_functions(path: str | Path) -> set[str]:
    """Function names passed to ``Export-ModuleMember -Function`` anywhere in the file."""
    names: set[str] = set()
    for node in _walk(parse(path).root_node):
        if node.type != "command":
            continue
        name = next((c for c in node.named_children if c.type == "command_name"), None)
        if name is not None and _text(name).lower() == "export-modulemember":
            names.update(_function_parameter_value(node))
    return names


def variable_colon_hazards(path: str | Path) -> list[str]:
    """``"$name: ..."`` inside double-quoted strings, as ``"line:col $name:"``.

    PowerShell reads ``$name:`` as a scope- or drive-qualified variable, so ``"$wanted: text"`` does not parse
    on Windows ("':' was not followed by a valid variable name character") although tree-sitter accepts it.
    Write ``${wanted}:`` or ``$($wanted):`` instead.
    """
    source = Path(path).read_bytes()
    hazards: list[str] = []
    for node in _walk(parse(path).root_node):
        if node.type not in ("expandable_string_literal", "expandable_here_string_literal"):
            continue
        for child in node.named_children:
            text = _text(child)
            if child.type != "variable" or text.startswith("${") or ":" in text:
                continue
            if source[child.end_byte : child.end_byte + 1] == b":":
                hazards.append(f"{_position(child)} {text}:")
    return hazards
