"""Module option checks in the manner of ``Ansible.Basic.AnsibleModule`` (ansible-core's C# util).

Only what the engine's modules need: types str/bool/int/dict/list (with ``elements``), ``required``,
``choices``, ``default``, nested ``options``, ``required_if``. Messages follow Ansible.Basic's wording
so tests read the same failure they would get from Windows. :data:`GATHER_SPEC` and :data:`APPLY_SPEC` mirror
the ``$spec`` of ``plugins/modules/host_state_gather.ps1`` and ``host_state_apply.ps1`` (``scope`` is a plain
dict there: its keys are checked by gather, see :meth:`simhost.host.SimulatedHost.gather`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from winmodel.errors import StateError

Spec = Mapping[str, Mapping[str, Any]]

_TRUE = frozenset({"yes", "on", "1", "true", "y", "t"})
_FALSE = frozenset({"no", "off", "0", "false", "n", "f"})


class ArgSpecError(ValueError):
    """The module would call FailJson with this message before doing anything."""


GATHER_SPEC: dict[str, dict[str, Any]] = {
    "scope": {"type": "dict"},
}

APPLY_SPEC: dict[str, dict[str, Any]] = {
    "ops": {"type": "list", "elements": "dict"},
    "secrets": {"type": "dict", "no_log": True},
}


def _convert(kind: str, value: Any, where: str) -> Any:
    def refuse() -> ArgSpecError:
        return ArgSpecError(
            f"argument for {where} is of type {type(value).__name__} and we were unable to convert to {kind}"
        )

    if kind == "str":
        if isinstance(value, (dict, list)):
            raise refuse()
        return value if isinstance(value, str) else str(value)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise refuse()
    if kind == "int":
        if isinstance(value, bool):
            raise refuse()
        try:
            return int(value)
        except (TypeError, ValueError):
            raise refuse() from None
    if kind == "dict":
        if not isinstance(value, Mapping):
            raise refuse()
        return dict(value)
    if kind == "list":
        if isinstance(value, (str, Mapping)) or not isinstance(value, Sequence):
            raise refuse()
        return list(value)
    raise StateError(f"argspec type {kind!r} is not simulated")


def _context(path: Sequence[str]) -> str:
    return f" found in {' -> '.join(path)}" if path else ""


def validate(
    spec: Spec,
    params: Mapping[str, Any],
    module_name: str,
    path: Sequence[str] = (),
    required_if: Sequence[tuple[str, Any, Sequence[str]]] = (),
) -> dict[str, Any]:
    """Checked and converted params, defaults filled in; raises :class:`ArgSpecError`."""
    unknown = sorted(set(params) - set(spec))
    if unknown:
        raise ArgSpecError(
            f"Unsupported parameters for ({module_name}) module: {', '.join(unknown)}{_context(path)}. "
            f"Supported parameters include: {', '.join(sorted(spec))}"
        )
    missing = [name for name, option in spec.items() if option.get("required") and params.get(name) is None]
    if missing:
        raise ArgSpecError(f"missing required arguments: {', '.join(missing)}{_context(path)}")

    result: dict[str, Any] = {}
    for name, option in spec.items():
        value = params.get(name, option.get("default"))
        if value is None:
            result[name] = None
            continue
        kind = option.get("type", "str")
        value = _convert(kind, value, name)
        if kind == "list" and option.get("elements"):
            value = [_convert(option["elements"], item, f"{name} elements") for item in value]
        if kind == "dict" and option.get("options") is not None:
            value = validate(option["options"], value, module_name, (*path, name))
        choices = option.get("choices")
        if choices is not None and value not in choices:
            raise ArgSpecError(
                f"value of {name} must be one of: {', '.join(map(str, choices))}. Got no match for: {value}"
                f"{_context(path)}"
            )
        result[name] = value

    for key, wanted, needed in required_if:
        if result.get(key) == wanted:
            absent = [name for name in needed if result.get(name) is None]
            if absent:
                raise ArgSpecError(f"{key} is {wanted} but all of the following are missing: {', '.join(absent)}")
    return result
