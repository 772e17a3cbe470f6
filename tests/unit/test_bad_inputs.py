"""The bad-input catalogue (tests/support/bad_inputs.py) through the controller's validation layer, no host.

Each row the controller can judge from the options alone is a named test: the argument walk
(plugin_utils/arguments.py), ansible-core's argument spec as the second line, then the part's ``from_options``.
The same rows run end to end in tests/e2e/test_bad_inputs.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ansible.errors import AnsibleError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from support import pki
from support.bad_inputs import CASES, PFX_PASSWORD, BadInput, materialise
from support.collection import make_importable

make_importable()

from ansible_collections.mtls.iis.plugins.module_utils.probe_options import PROBE_OPTIONS
from ansible_collections.mtls.iis.plugins.plugin_utils import specs
from ansible_collections.mtls.iis.plugins.plugin_utils.arguments import arguments_message
from ansible_collections.mtls.iis.plugins.plugin_utils.binding import BindingDesired
from ansible_collections.mtls.iis.plugins.plugin_utils.controller_files import read_controller_file
from ansible_collections.mtls.iis.plugins.plugin_utils.errors import OptionError
from ansible_collections.mtls.iis.plugins.plugin_utils.mapping import MappingDesired
from ansible_collections.mtls.iis.plugins.plugin_utils.probe_inputs import ProbeRequest
from ansible_collections.mtls.iis.plugins.plugin_utils.schannel import SchannelDesired
from ansible_collections.mtls.iis.plugins.plugin_utils.ssl_settings import SslDesired
from ansible_collections.mtls.iis.plugins.plugin_utils.tracing import TracingDesired
from ansible_collections.mtls.iis.plugins.plugin_utils.trust import TrustDesired
from ansible_collections.mtls.iis.plugins.plugin_utils.whole_host import HostDesired

#: module -> (argument spec, what builds the desired state from the validated options; None: the action does)
MODULES: dict[str, tuple[dict[str, Any], Any]] = {
    "site_binding": (specs.SITE_BINDING_OPTIONS, BindingDesired),
    "ssl_settings": (specs.SSL_SETTINGS_OPTIONS, SslDesired),
    "cert_mapping": (specs.CERT_MAPPING_OPTIONS, MappingDesired),
    "failed_request_tracing": (specs.FAILED_REQUEST_TRACING_OPTIONS, TracingDesired),
    "trusted_certs": (specs.TRUST_OPTIONS, TrustDesired),
    "schannel": (specs.SCHANNEL_OPTIONS, SchannelDesired),
    "client_cert": (specs.CLIENT_CERT_OPTIONS, HostDesired),
    "probe": (PROBE_OPTIONS, ProbeRequest),
}

PURE_ERRORS = [c for c in CASES if c.module in MODULES and not c.host and not c.warning]
OPTION_WARNINGS = [
    c for c in CASES if c.warning and c.module in ("site_binding", "cert_mapping", "failed_request_tracing")
]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("bad-inputs")
    ca = pki.make_root("Contoso Catalogue CA")
    server = pki.make_leaf("www.contoso.com", ca, eku=("serverAuth",), san=("www.contoso.com",))
    client = pki.make_leaf("alice", ca)
    (root / "server.pfx").write_bytes(server.pfx(PFX_PASSWORD))
    (root / "ca.pem").write_text(ca.pem)
    (root / "dir").mkdir()
    return {
        "@PFX": str(root / "server.pfx"),
        "@OTHER_PFX": str(root / "server.pfx"),
        "@CA_PEM": str(root / "ca.pem"),
        "@CA_PEM_CONTENT": ca.pem,
        "@LEAF_PEM_CONTENT": client.pem,
        "@DIR": str(root / "dir"),
        "@THUMBPRINT": server.thumbprint,
    }


class _Loader:
    def get_real_file(self, path: str, decrypt: bool = True) -> str:
        return path

    def cleanup_tmp_file(self, path: str) -> None:
        return None


class _Action:
    """What read_controller_file uses of the running action: the playbook search finds absolute paths only."""

    _loader = _Loader()

    def _find_needle(self, kind: str, path: str) -> str:
        if not Path(path).exists():
            raise AnsibleError(f"could not find {path}")
        return path


def read(path: str, option: str) -> bytes:
    return read_controller_file(_Action(), path, option)


def judge(case: BadInput, files: dict[str, str]) -> tuple[str | None, Any]:
    """The failure message of the validation layer, or None and the desired state it built."""
    spec, builder = MODULES[case.module]
    args = materialise(case.args, files)
    message = arguments_message(spec, args)
    if message:
        return message, None
    validated = ArgumentSpecValidator(spec).validate(args)
    if validated.error_messages:
        return f"ansible-core: {'; '.join(validated.error_messages)}", None
    try:
        return None, builder.from_options(validated.validated_parameters, read)
    except OptionError as exc:
        return str(exc), None


@pytest.mark.parametrize("case", PURE_ERRORS, ids=[c.name for c in PURE_ERRORS])
def test_mistake_is_refused_naming_the_option_and_the_fix(case: BadInput, files: dict[str, str]) -> None:
    message, _desired = judge(case, files)
    assert message is not None, f"{case.name}: accepted"
    assert case.option in message
    assert case.fix in message
    assert "Fix:" in message
    assert "Traceback" not in message
    assert not [secret for secret in case.secrets if secret in message]


@pytest.mark.parametrize("case", OPTION_WARNINGS, ids=[c.name for c in OPTION_WARNINGS])
def test_likely_mistake_is_warned_about_naming_the_option_and_the_fix(case: BadInput, files: dict[str, str]) -> None:
    message, desired = judge(case, files)
    assert message is None
    found = [w for w in desired.warnings if case.option in w and case.fix in w and "Fix:" in w]
    assert found, desired.warnings
    assert not [secret for secret in case.secrets if any(secret in w for w in desired.warnings)]


def test_the_catalogue_covers_every_module_and_the_role_with_at_least_120_named_cases() -> None:
    modules = {c.module for c in CASES}
    assert len(CASES) >= 120
    assert len({c.name for c in CASES}) == len(CASES)
    assert modules >= {*MODULES, "client_cert_info", "diagnose", "role"}


def test_the_argument_walk_reports_every_unknown_option_at_once() -> None:
    message = arguments_message(specs.CLIENT_CERT_OPTIONS, {"site": "x", "sites": [{"name": "a", "bindngs": []}]})
    assert message is not None
    assert message.startswith("2 problem(s)")
    assert "- the task: unknown option(s) site (did you mean sites?)" in message
    assert "- sites[0]: unknown option(s) bindngs (did you mean bindings?)" in message


def test_the_argument_walk_accepts_a_comma_separated_string_for_a_list_of_strings() -> None:
    assert arguments_message(specs.INFO_OPTIONS, {"stores": "Root,CA"}) is None


def test_a_secret_option_of_the_wrong_type_is_named_without_its_value() -> None:
    message = arguments_message(
        specs.SITE_BINDING_OPTIONS, {"site": "s", "certificate": {"pfx": "a.pfx", "password": ["Hidden-Pa55"]}}
    )
    assert message is not None and "certificate.password" in message
    assert "Hidden-Pa55" not in message


def test_the_argument_walk_accepts_neither_of_two_exclusive_options() -> None:
    # client_certificate: key_path and key_content exclude each other, and a PFX needs neither
    args = {"url": "https://shop.contoso.com/", "client_certificate": {"pfx": "alice.pfx", "password": "pw"}}
    assert arguments_message(PROBE_OPTIONS, args) is None
