# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The shape of a task's options, checked against its argument spec before ansible-core's own validation. Pure.

ansible-core's ``validate_argument_spec`` reports only its first error, and for a string where a mapping is expected
that first error is "dictionary requested, could not parse JSON or key=value" without the option's name; nested
options are named without their list index (``sites -> bindings``). This walk reports every problem at once, each
under the option's full path (``sites[1].bindings[0].certificate``), with the fix; a value is shown only when its
option is not a secret (``no_log``).
"""

from __future__ import annotations

import difflib
from typing import Any

from ansible.module_utils.common.validation import check_type_bool, check_type_int

_TYPE_WORDS = {"dict": "a mapping (key: value lines)", "list": "a list (lines starting with '- ')"}


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return "a string"


def _shown(value: Any, entry: dict[str, Any]) -> str:
    if entry.get("no_log"):
        return "(a secret, not shown)"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def check_arguments(
    spec: dict[str, Any],
    args: Any,
    path: str = "",
    mutually_exclusive: list | tuple = (),
    required_one_of: list | tuple = (),
) -> list[str]:
    """Every problem of ``args`` against ``spec`` (unknown, missing, wrongly typed options), one message each."""
    if not isinstance(args, dict):
        return [f"{path or 'the task'}: expected a mapping of options, got {_kind(args)}."]
    problems: list[str] = []
    names = set(spec) | {alias for entry in spec.values() for alias in entry.get("aliases", ())}
    unknown = sorted(str(key) for key in args if key not in names)
    if unknown:
        hints = []
        for key in unknown:
            close = difflib.get_close_matches(key, list(spec), n=1)
            hints.append(f"{key} (did you mean {close[0]}?)" if close else key)
        problems.append(
            f"{path or 'the task'}: unknown option(s) {', '.join(hints)}. "
            f"Fix: correct or remove them; the options here are {', '.join(sorted(spec))}."
        )
    for group in mutually_exclusive:
        given = [name for name in group if args.get(name) is not None]
        if len(given) > 1:
            where = ", ".join(_join(path, name) for name in given)
            problems.append(f"{where}: these options exclude each other. Fix: give only one of them.")
    for group in required_one_of:
        if all(args.get(name) is None for name in group):
            where = " or ".join(_join(path, name) for name in group)
            problems.append(f"{path or 'the task'}: one of {where} is required. Fix: give one of them.")
    for name, entry in spec.items():
        problems += _check_option(entry, args.get(name), _join(path, name))
    return problems


def _check_option(entry: dict[str, Any], value: Any, option: str) -> list[str]:
    if value is None:
        return [f"{option}: this option is required. Fix: give it."] if entry.get("required") else []
    kind = entry.get("type", "str")
    if kind == "dict":
        if not isinstance(value, dict):
            return [
                f"{option}: expected {_TYPE_WORDS['dict']}, got {_kind(value)} {_shown(value, entry)}. "
                "Fix: write its sub-options indented under it."
            ]
        return _check_nested(entry, value, option)
    if kind == "list":
        return _check_list(entry, value, option)
    return _check_scalar(entry, value, option)


def _check_nested(entry: dict[str, Any], value: dict[str, Any], option: str) -> list[str]:
    if "options" not in entry:
        return []
    return check_arguments(
        entry["options"],
        value,
        option,
        entry.get("mutually_exclusive", ()),
        entry.get("required_one_of", ()),
    )


def _check_list(entry: dict[str, Any], value: Any, option: str) -> list[str]:
    elements = entry.get("elements", "str")
    if isinstance(value, dict) or (elements == "dict" and not isinstance(value, list)):
        return [
            f"{option}: expected {_TYPE_WORDS['list']}, got {_kind(value)} {_shown(value, entry)}. "
            "Fix: give a list, one item per line starting with '- '."
        ]
    if not isinstance(value, list):
        return []  # ansible-core splits a comma-separated string into a list of strings
    problems: list[str] = []
    for index, item in enumerate(value):
        where = f"{option}[{index}]"
        if elements == "dict":
            if not isinstance(item, dict):
                problems.append(
                    f"{where}: expected a mapping (key: value lines), got {_kind(item)} {_shown(item, entry)}. "
                    "Fix: write the item's options indented under its '- '."
                )
            else:
                problems += _check_nested(entry, item, where)
        elif isinstance(item, (dict, list)):
            problems.append(f"{where}: expected a single value, got {_kind(item)}. Fix: give a plain value.")
    return problems


def _check_scalar(entry: dict[str, Any], value: Any, option: str) -> list[str]:
    kind = entry.get("type", "str")
    if kind in ("str", "path", "int", "bool") and isinstance(value, (dict, list)):
        return [f"{option}: expected a single value, got {_kind(value)}. Fix: give a plain value."]
    try:
        if kind == "int":
            value = check_type_int(value)
        elif kind == "bool":
            value = check_type_bool(value)
    except TypeError:
        word = "a whole number" if kind == "int" else "true or false"
        return [f"{option}: {_shown(value, entry)} is not {word}. Fix: give {word}."]
    choices = entry.get("choices")
    if choices and value not in choices and str(value) not in choices:
        close = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        return [
            f"{option}: {_shown(value, entry)} is not one of {', '.join(map(str, choices))}{hint}. "
            "Fix: use one of those values."
        ]
    return []


def arguments_message(
    spec: dict[str, Any], args: Any, mutually_exclusive: list | tuple = (), required_one_of: list | tuple = ()
) -> str | None:
    """The task's failure message listing every problem of its options, or None when there is none."""
    problems = check_arguments(spec, args, "", mutually_exclusive, required_one_of)
    if not problems:
        return None
    return f"{len(problems)} problem(s) with the options; nothing was read or changed on the host:\n" + "\n".join(
        f"- {problem}" for problem in problems
    )
