"""Payload decoding details that do not need ansible-playbook (the layouts are covered end to end)."""

from __future__ import annotations

import base64
import json

import pytest
from simhost.payload import PayloadError, decode_payload, module_fqn, normalise_util_name


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_bytes_without_a_manifest_separator_are_refused() -> None:
    with pytest.raises(PayloadError):
        decode_payload(b"Write-Output 'hello'")


def test_relative_util_names_resolve_against_the_module_collection() -> None:
    name = normalise_util_name("..module_utils.CertStore", "mtls.iis.host_state")
    assert name == "ansible_collections.mtls.iis.plugins.module_utils.CertStore"


def test_util_suffixes_are_dropped() -> None:
    assert normalise_util_name("Ansible.Basic.cs", None) == "Ansible.Basic"
    assert normalise_util_name("Ansible.ModuleUtils.AddType.psm1", None) == "Ansible.ModuleUtils.AddType"


def test_a_short_module_name_leaves_relative_utils_unresolved() -> None:
    assert module_fqn("host_state") is None
    assert normalise_util_name("..module_utils.CertStore", "host_state") == "..module_utils.CertStore"


def test_legacy_payload_without_module_name_resolves_nothing() -> None:
    manifest = {
        "module_entry": _b64("#!powershell\n"),
        "module_args": {"mode": "gather"},
        "powershell_modules": {"..module_utils.Probe": _b64("function Get-Probe {}")},
        "csharp_utils": {},
        "actions": ["module_powershell_wrapper"],
    }
    payload = decode_payload(b"begin {}\n" + b"\0\0\0\0" + json.dumps(manifest).encode())
    assert payload.format == "legacy_manifest"
    assert payload.module_name is None
    assert payload.powershell_utils == ("..module_utils.Probe",)
