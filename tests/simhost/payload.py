"""Decode the payload Ansible pipes to a Windows host for one module run.

Two layouts, both observed by running ``ansible-playbook`` through ``mtls_sim`` (see README.md):

- ansible-core >= 2.19 (``exec_manifest``): bootstrap JSON ``{"name": "exec_wrapper", "script",
  "params"}`` + ``b"\\n\\0\\0\\0\\0\\n"`` + exec manifest JSON ``{"scripts": {name: {"path", "script":
  base64}}, "actions": [{"name", "params", "secure_params"}], "signed_hashlist": []}``. The last
  action is ``module_wrapper.ps1``; its params hold ``Script`` (``ansible_collections.<ns>.<col>.
  plugins.modules.<name>.ps1``), ``Variables`` (``complex_args`` = the module args),
  ``PowerShellModules`` and ``CSharpModules`` (script names with ``.psm1`` / ``.cs``).
- ansible-core <= 2.18 (``legacy_manifest``): exec wrapper script text + ``b"\\0\\0\\0\\0"`` + JSON
  ``{"module_entry": base64 module source, "module_args", "powershell_modules": {name: base64},
  "csharp_utils": {name: base64}, "csharp_utils_module", "actions": ["module_powershell_wrapper"],
  "environment", ...}``. The module name is only in ``module_args["_ansible_module_name"]`` as
  written in the task, and util names are as written in ``#AnsibleRequires`` (``..module_utils.X``).

Util names are normalised to one form for both: no ``.psm1``/``.cs`` suffix, and relative names
(``..module_utils.X``) resolved against the module's collection when that is known.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

NEW_SEPARATOR = b"\n\0\0\0\0\n"
LEGACY_SEPARATOR = b"\0\0\0\0"

PayloadFormat = Literal["exec_manifest", "legacy_manifest"]


class PayloadError(ValueError):
    """The bytes are not a PowerShell module payload in a known layout."""


@dataclass(frozen=True)
class DecodedPayload:
    format: PayloadFormat
    #: Module name as Ansible sent it: the ``Script`` name without ``.ps1`` (>= 2.19), or
    #: ``_ansible_module_name`` (<= 2.18). None when the payload runs no module (e.g. mkdtemp).
    module_name: str | None
    module_args: dict[str, Any]
    powershell_utils: tuple[str, ...]
    csharp_utils: tuple[str, ...]
    byte_count: int
    module_source: str | None = None
    util_sources: Mapping[str, str] = field(default_factory=dict)
    #: Exec wrapper actions in order (``module_wrapper.ps1`` / ``module_powershell_wrapper`` last).
    actions: tuple[str, ...] = ()

    def bundles(self, util: str) -> bool:
        """True when the PowerShell or C# util ``util`` (normalised name) was sent."""
        return util in self.powershell_utils or util in self.csharp_utils


def _b64_text(data: str) -> str:
    return base64.b64decode(data).decode("utf-8-sig")


def _strip_suffix(name: str) -> str:
    for suffix in (".psm1", ".cs", ".ps1"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def module_fqn(module_name: str | None) -> str | None:
    """``ansible_collections.<ns>.<col>.plugins.modules.<name>`` for a module name, when derivable."""
    if not module_name:
        return None
    name = _strip_suffix(module_name)
    if name.startswith("ansible_collections."):
        return name
    parts = name.split(".")
    if len(parts) < 3:
        return None  # a short name (``collections:`` keyword on <= 2.18): the collection is unknown
    return ".".join(["ansible_collections", parts[0], parts[1], "plugins", "modules", *parts[2:]])


def normalise_util_name(name: str, module_name: str | None) -> str:
    """One spelling for a util in both layouts; relative names resolved like Ansible resolves them."""
    name = _strip_suffix(name)
    if not name.startswith("."):
        return name
    fqn = module_fqn(module_name)
    if fqn is None:
        return name
    parts = name.split(".")
    base = fqn.split(".")
    while parts and parts[0] == "":
        parts.pop(0)
        base.pop()
    return ".".join(base + parts)


def _names(names: Iterable[str], module_name: str | None) -> tuple[str, ...]:
    return tuple(sorted({normalise_util_name(name, module_name) for name in names}))


def _decode_exec_manifest(data: bytes) -> DecodedPayload:
    parts = data.split(NEW_SEPARATOR, 2)
    try:
        bootstrap = json.loads(parts[0])
        manifest = json.loads(parts[1])
    except (IndexError, ValueError) as err:
        raise PayloadError(f"bootstrap or exec manifest is not JSON: {err}") from err
    if bootstrap.get("name") != "exec_wrapper" or "actions" not in manifest:
        raise PayloadError("not an exec_wrapper bootstrap with an exec manifest")
    actions = tuple(str(action["name"]) for action in manifest["actions"])
    scripts: dict[str, Any] = manifest.get("scripts", {})
    last = manifest["actions"][-1] if manifest["actions"] else {}
    if last.get("name") != "module_wrapper.ps1":
        return DecodedPayload("exec_manifest", None, {}, (), (), len(data), actions=actions)

    params = last.get("params", {})
    script = str(params["Script"])
    module_name = _strip_suffix(script)
    module_args: dict[str, Any] = {}
    for variable in params.get("Variables") or []:
        if variable.get("Name") == "complex_args":
            module_args = dict(variable.get("Value") or {})
    ps_names = list(params.get("PowerShellModules") or [])
    cs_names = list(params.get("CSharpModules") or [])
    module_source = _b64_text(scripts[script]["script"]) if script in scripts else None
    util_sources = {
        normalise_util_name(name, module_name): _b64_text(scripts[name]["script"])
        for name in ps_names + cs_names
        if name in scripts
    }
    return DecodedPayload(
        format="exec_manifest",
        module_name=module_name,
        module_args=module_args,
        powershell_utils=_names(ps_names, module_name),
        csharp_utils=_names(cs_names, module_name),
        byte_count=len(data),
        module_source=module_source,
        util_sources=util_sources,
        actions=actions,
    )


def _decode_legacy_manifest(data: bytes) -> DecodedPayload:
    _wrapper, _separator, manifest_bytes = data.partition(LEGACY_SEPARATOR)
    try:
        manifest = json.loads(manifest_bytes)
    except ValueError as err:
        raise PayloadError(f"legacy exec manifest is not JSON: {err}") from err
    if not isinstance(manifest, dict) or "actions" not in manifest:
        raise PayloadError("not a legacy exec manifest")
    module_args = dict(manifest.get("module_args") or {})
    module_name = module_args.get("_ansible_module_name")
    ps_utils: dict[str, str] = manifest.get("powershell_modules") or {}
    cs_utils: dict[str, str] = manifest.get("csharp_utils") or {}
    util_sources = {
        normalise_util_name(name, module_name): _b64_text(source) for name, source in {**ps_utils, **cs_utils}.items()
    }
    return DecodedPayload(
        format="legacy_manifest",
        module_name=str(module_name) if module_name else None,
        module_args=module_args,
        powershell_utils=_names(ps_utils, module_name),
        csharp_utils=_names(cs_utils, module_name),
        byte_count=len(data),
        module_source=_b64_text(manifest["module_entry"]) if manifest.get("module_entry") else None,
        util_sources=util_sources,
        actions=tuple(str(action) for action in manifest["actions"]),
    )


def decode_payload(data: bytes) -> DecodedPayload:
    """Decode ``in_data`` of one pipelined PowerShell run, in either layout."""
    if data.lstrip().startswith(b"{") and NEW_SEPARATOR in data:
        return _decode_exec_manifest(data)
    if LEGACY_SEPARATOR in data:
        return _decode_legacy_manifest(data)
    raise PayloadError("no manifest separator: not a PowerShell exec wrapper payload")
