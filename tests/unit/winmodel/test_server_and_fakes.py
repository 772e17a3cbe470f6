"""The Windows model server (one long-lived local server) and the generated fake boundary utils."""

from __future__ import annotations

import base64
import json
import re
import socket

import pytest
from pwshhost.build import BOUNDARY_UTILS, FAKE_MARKER, MODULE_UTILS, build, fake_source, fakes
from support.pki import make_root
from winmodel.dispatch import FUNCTIONS, NOT_MODELLED
from winmodel.server import WinModelServer
from winmodel.state import load_state


def _ask(path: str, request: dict) -> dict:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.connect(path)
        client.sendall(json.dumps(request).encode() + b"\n")
        return json.loads(client.makefile("rb").readline())


@pytest.fixture
def server():
    with WinModelServer() as running:
        yield running


def test_a_boundary_call_changes_the_host_file_it_names(server, tmp_path):
    host = tmp_path / "web01.json"
    request = {
        "state": str(host),
        "function": "Set-MtlsWinRegistryValue",
        "parameters": {"Path": r"SYSTEM\X", "Name": "v", "Kind": "REG_DWORD", "Data": 7},
    }
    assert _ask(server.socket_path, request) == {"ok": True}
    assert load_state(host)["registry"][r"HKLM\SYSTEM\X"] == {"v": {"type": "REG_DWORD", "value": 7}}


def test_byte_arrays_travel_as_base64_both_ways(server, tmp_path):
    host, der = str(tmp_path / "web01.json"), make_root("Wire Root").der
    wire_der = {"__bytes__": base64.b64encode(der).decode()}
    _ask(server.socket_path, {"state": host, "function": "Add-MtlsWinCertStoreCertificate",
                              "parameters": {"Name": "Root", "Der": wire_der}})  # fmt: skip
    answer = _ask(
        server.socket_path, {"state": host, "function": "Get-MtlsWinCertStore", "parameters": {"Name": "Root"}}
    )
    assert answer["value"]["certificates"] == [{"der": wire_der, "has_private_key": False}]


def test_a_function_the_model_does_not_answer_fails_loudly(server, tmp_path):
    answer = _ask(server.socket_path, {"state": str(tmp_path / "h.json"), "function": "Get-MtlsWinNothing"})
    assert answer == {
        "ok": False,
        "error": "the Windows model does not answer Get-MtlsWinNothing (not a boundary function of docs/POWERSHELL.md)",
    }


def test_a_windows_exception_travels_with_its_type_and_hresult_but_never_the_password(server, tmp_path):
    pfx = make_root("CN=Pfx Root").pfx("right-password")
    request = {
        "state": str(tmp_path / "h.json"),
        "function": "Read-MtlsWinPfx",
        "parameters": {
            "Pfx": {"__bytes__": base64.b64encode(pfx).decode()},
            "Password": "wrong-password",
            "KeyStorageFlags": ["MachineKeySet"],
        },
    }
    answer = _ask(server.socket_path, request)
    assert answer == {
        "ok": False,
        "error": "The specified network password is not correct.",
        "exception_type": "System.Security.Cryptography.CryptographicException",
        "hresult": 0x80070056,
    }


def _exported(text: str) -> list[str]:
    return re.findall(r"^Export-ModuleMember -Function ([\w-]+)$", text, re.MULTILINE)


@pytest.mark.parametrize("name", BOUNDARY_UTILS)
def test_every_boundary_function_is_faked_with_its_real_parameter_block(name):
    real = (MODULE_UTILS / f"{name}.psm1").read_text()
    fake = fake_source(name, real)
    assert fake.startswith(FAKE_MARKER)
    assert _exported(fake) == _exported(real)
    for function in _exported(real):
        params = re.search(rf"Function {function} \{{\n(.*?)\n    Invoke-MtlsWinModel", fake, re.DOTALL)[1]
        real_lines = [line for line in real.splitlines() if line.strip()]
        assert "\n".join(line for line in params.splitlines()) in "\n".join(real_lines)


def test_every_boundary_function_is_either_modelled_or_listed_as_not_yet():
    exported = {f for name in BOUNDARY_UTILS for f in _exported(fakes()[f"{name}.psm1"])}
    assert exported == set(FUNCTIONS) | set(NOT_MODELLED)


def test_a_util_added_after_a_build_is_in_the_next_build(tmp_path):
    utils = tmp_path / "plugins" / "module_utils"
    utils.mkdir(parents=True)
    (utils / "CertStore.psm1").write_text("# reader\n")
    build(tmp_path)
    (utils / "CertStoreWrite.psm1").write_text("# writer\n")
    rebuilt = build(tmp_path) / "ansible_collections" / "mtls" / "iis" / "plugins" / "module_utils"
    assert (rebuilt / "CertStoreWrite.psm1").read_text() == "# writer\n"
