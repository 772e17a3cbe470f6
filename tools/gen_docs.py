"""Write the documents whose options are the part modules' documented options:

- ``plugins/modules/client_cert.py`` (the whole-host module's documentation), and
- ``roles/client_cert_auth/meta/argument_specs.yml`` (the role's variables).

The part modules' docs are the single source; ``tests/unit/test_module_docs.py`` fails when a
committed file differs from what this script writes. Run: ``python tools/gen_docs.py``.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

MODULES = Path(__file__).resolve().parents[1] / "plugins" / "modules"
TARGET = MODULES / "client_cert.py"
ROLE_SPECS = MODULES.parents[1] / "roles" / "client_cert_auth" / "meta" / "argument_specs.yml"
#: options whose values are secrets (no_log in the module specs)
SECRET_OPTIONS = ("password", "key_content")

#: the role variable of each option of the whole-host module
ROLE_VARIABLES = {
    "trust": "client_cert_auth_trust",
    "schannel": "client_cert_auth_schannel",
    "sites": "client_cert_auth_sites",
    "audit": "client_cert_auth_audit",
}
#: Ansible's semantic markup that names an option (``O``, ``OV``) or a return value (``RV``) of a plugin
_REFERENCE = re.compile(r"\b(O|OV|RV)\(([^)]*)\)")

#: rewrites one reference: (kind, reference without the markup) -> the new markup
Rewrite = Callable[[str, str], str]


class _IndentedDumper(yaml.SafeDumper):
    """Indents list items under their key, as yamllint and ansible-lint expect."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)

    def ignore_aliases(self, data: Any) -> bool:
        return True  # the role's entry points share option specs; write each out in full


def _dump(data: Any, width: int = 120) -> str:
    """YAML as yamllint wants it. PyYAML breaks a line at the first space past ``width``, so a line can run
    over by one word (an option path of up to ~60 characters)."""
    return yaml.dump(data, Dumper=_IndentedDumper, sort_keys=False, width=width, allow_unicode=True)


def _doc(name: str) -> dict[str, Any]:
    tree = ast.parse((MODULES / f"{name}.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "DOCUMENTATION":
            return yaml.safe_load(node.value.value)
    raise SystemExit(f"{name}.py has no DOCUMENTATION")


def _returns(name: str) -> set[str]:
    tree = ast.parse((MODULES / f"{name}.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "RETURN":
            return set(yaml.safe_load(node.value.value) or {})
    return set()


def _rewrite_references(options: dict[str, Any], rewrite: Rewrite) -> dict[str, Any]:
    """The options with every O()/OV()/RV() in their descriptions passed through ``rewrite``, recursively."""

    def text(value: Any) -> Any:
        if isinstance(value, list):
            return [text(item) for item in value]
        if isinstance(value, str):
            return _REFERENCE.sub(lambda m: rewrite(m.group(1), m.group(2)), value)
        return value

    out: dict[str, Any] = {}
    for name, body in options.items():
        body = dict(body)
        if "description" in body:
            body["description"] = text(body["description"])
        for nested in ("suboptions", "options"):
            if nested in body:
                body[nested] = _rewrite_references(body[nested], rewrite)
        out[name] = body
    return out


def _split(reference: str) -> tuple[str, str, str]:
    """``a[].b=value`` -> (``a``, ``[].b``, ``=value``)."""
    name, equals, value = reference.partition("=")
    root = re.match(r"[^.\[]*", name).group(0)  # type: ignore[union-attr]
    return root, name[len(root) :], equals + value


def embedded(module: str, prefix: str, renamed: dict[str, str] | None = None) -> Rewrite:
    """References of a part module's docs, seen from the whole-host module where its options sit under
    ``prefix`` (``sites[].bindings[].``): options get the prefix (or the path of the option that replaces a
    dropped one), return values the whole-host module does not have name the part module."""
    own_returns = _returns("client_cert")

    def rewrite(kind: str, reference: str) -> str:
        if "#" in reference:  # already names its plugin
            return f"{kind}({reference})"
        root, rest, value = _split(reference)
        if kind == "RV":
            return f"RV({reference})" if root in own_returns else f"RV(mtls.iis.{module}#module:{reference})"
        path = (renamed or {}).get(root) or prefix + root
        return f"{kind}({path}{rest}{value})"

    return rewrite


def role_reference(kind: str, reference: str) -> str:
    """References of the whole-host module's docs, seen from the role: options are role variables, return
    values are the module's."""
    if "#" in reference:
        return f"{kind}({reference})"
    if kind == "RV":
        return f"RV(mtls.iis.client_cert#module:{reference})"
    root, rest, value = _split(reference)
    return f"{kind}({ROLE_VARIABLES.get(root, root)}{rest}{value})"


def _options(name: str, prefix: str, *drop: str) -> dict[str, Any]:
    options = {k: v for k, v in _doc(name)["options"].items() if k not in drop}
    renamed = {"site": "sites[].name"} if "site" in drop else None
    return _rewrite_references(options, embedded(name, prefix, renamed))


def documentation() -> dict[str, Any]:
    ssl = _options("ssl_settings", "sites[].ssl[].")
    ssl["path"] = {
        "description": ["Application or folder below the site (C(api), C(api/reports)); empty for the site itself."],
        "type": "str",
        "default": "",
    }
    return {
        "module": "client_cert",
        "short_description": "The whole IIS client certificate state of a host in one task",
        "version_added": "0.1.0",
        "description": [
            "Declares trusted CA certificates, Schannel client authentication, and per site the HTTPS bindings, SSL "
            "settings and certificate mapping, with the same options as M(mtls.iis.trusted_certs), "
            "M(mtls.iis.schannel), M(mtls.iis.site_binding), M(mtls.iis.ssl_settings) and M(mtls.iis.cert_mapping).",
            "One gather, one plan across all parts in a safe global order (features, certificates in, bindings, "
            "HTTP.sys, IIS settings, registry, certificates out), one apply: at most two module runs on the host "
            "whatever the size of the state, one when nothing changes.",
            "Warnings that involve several parts (the TLS 1.3 trap, a trust mode without client-auth issuer store) "
            "are judged on the state the whole plan leads to.",
            "This is the module the role C(mtls.iis.client_cert_auth) uses.",
        ],
        "options": {
            "trust": {
                "description": ["Trusted CA certificates, as M(mtls.iis.trusted_certs). Omit to leave them alone."],
                "type": "dict",
                "suboptions": _options("trusted_certs", "trust."),
            },
            "schannel": {
                "description": ["Schannel client authentication, as M(mtls.iis.schannel). Omit to leave it alone."],
                "type": "dict",
                "suboptions": _options("schannel", "schannel."),
            },
            "sites": {
                "description": ["IIS sites and their client certificate settings."],
                "type": "list",
                "elements": "dict",
                "default": [],
                "suboptions": {
                    "name": {"description": ["Name of the existing IIS site."], "type": "str", "required": True},
                    "bindings": {
                        "description": [
                            "HTTPS bindings of the site, as M(mtls.iis.site_binding) (without its site option)."
                        ],
                        "type": "list",
                        "elements": "dict",
                        "default": [],
                        "suboptions": _options("site_binding", "sites[].bindings[].", "site"),
                    },
                    "ssl": {
                        "description": ["SSL settings of the site and paths below it, as M(mtls.iis.ssl_settings)."],
                        "type": "list",
                        "elements": "dict",
                        "default": [],
                        "suboptions": ssl,
                    },
                    "mapping": {
                        "description": ["Client certificate mapping of the site, as M(mtls.iis.cert_mapping)."],
                        "type": "dict",
                        "suboptions": _options("cert_mapping", "sites[].mapping.", "site"),
                    },
                    "tracing": {
                        "description": ["Failed Request Tracing of the site, as M(mtls.iis.failed_request_tracing)."],
                        "type": "dict",
                        "suboptions": _options("failed_request_tracing", "sites[].tracing.", "site"),
                    },
                },
            },
            "audit": {
                "description": [
                    "Also return RV(audit), computed from the same snapshot as the plan (still one gather): the "
                    "M(mtls.iis.diagnose) findings of every https binding of the listed O(sites) and an inventory of "
                    "certificates - the server certificate of every HTTP.sys SSL binding on the host and the CA "
                    "certificates client authentication relies on (the bindings' client-auth issuer stores, the "
                    "certificates of O(trust), and their chains through C(CA) and C(Root)), with their expiry.",
                    "The audit playbook (C(mtls.iis.audit)) sets it through the role variable "
                    "C(client_cert_auth_audit). Omit it to skip the audit.",
                ],
                "type": "dict",
                "suboptions": {
                    "expiry_days": {
                        "description": ["Certificates that expire within this many days are flagged as expiring."],
                        "type": "int",
                        "default": 30,
                    }
                },
            },
        },
        "extends_documentation_fragment": [
            "ansible.builtin.action_common_attributes",
            "ansible.builtin.action_common_attributes.flow",
        ],
        "attributes": {
            "action": {"support": "full"},
            "async": {"support": "none"},
            "bypass_host_loop": {"support": "none"},
            "check_mode": {"support": "full"},
            "diff_mode": {"support": "full", "details": "One before/after of everything the task manages."},
            "platform": {"platforms": "windows"},
        },
        "seealso": [
            {"module": f"mtls.iis.{m}"}
            for m in (
                "trusted_certs",
                "schannel",
                "site_binding",
                "ssl_settings",
                "cert_mapping",
                "failed_request_tracing",
            )
        ],
        "author": ["mtls.iis contributors (!UNKNOWN)"],
    }


EXAMPLES = """
- name: Converge the whole client certificate state of the host
  mtls.iis.client_cert:
    trust:
      certificates:
        - path: files/contoso-root.pem
        - path: files/contoso-issuing-ca.pem
      client_auth_issuers:
        - path: files/contoso-issuing-ca.pem
      non_self_signed_roots: move
    schannel:
      client_auth_trust_mode: exclusive_ca
    sites:
      - name: Default Web Site
        bindings:
          - host: api.contoso.com
            certificate:
              pfx: files/api.contoso.com.pfx
              password: "{{ vault_api_pfx_password }}"
            negotiate_client_certificate: true
            client_auth_issuer_store: ClientAuthIssuer
        ssl:
          - path: api
            client_certificates: require
        mapping:
          enabled: true
          many_to_one:
            - name: contoso-clients
              user: CONTOSO\\svc-api
              password: "{{ vault_svc_api_password }}"
              rules:
                - field: issuer
                  subfield: CN
                  match: Contoso Client Issuing CA
  register: mtls

- name: Reboot when Schannel or a feature install asks for it
  ansible.windows.win_reboot:
  when: mtls.reboot_required

- name: Plan without changing anything, and audit the bindings and certificates from the same gather
  mtls.iis.client_cert:
    sites:
      - name: Default Web Site
    audit:
      expiry_days: 45
  check_mode: true
  register: planned

- name: Show the error findings and the server certificates that expire within 45 days
  ansible.builtin.debug:
    msg:
      - "{{ planned.audit.findings | selectattr('severity', 'equalto', 'error') | map(attribute='title') | list }}"
      - "{{ planned.audit.server_certificates | selectattr('expiring') | map(attribute='subject') | list }}"
"""

RETURN = """
plan:
  description: Every op planned for the host, in execution order (no certificate bytes, no passwords).
  returned: always
  type: list
  elements: dict
ops_ran:
  description: The ops that ran with their C(status); on failure, which ones completed. Rerunning converges.
  returned: when something was applied
  type: list
  elements: dict
returned_certificates:
  description: Certificates removed from a store without a move, as base64 DER.
  returned: when something was applied
  type: list
  elements: dict
non_self_signed_roots:
  description: Certificates found in LocalMachine\\Root that are not self-signed.
  returned: when O(trust) is given
  type: list
  elements: dict
reboot_required:
  description: True when Schannel changed or a Windows feature install asks for a restart. False in check mode.
  returned: always
  type: bool
audit:
  description:
    - C(findings) - the M(mtls.iis.diagnose) findings of the https bindings of the listed sites (each once, with C(site)
      and the C(bindings) it was seen on), C(counts) per severity.
    - C(server_certificates) - one entry per certificate an HTTP.sys SSL binding serves (C(subject), C(sans),
      C(issuer), C(thumbprint), C(not_after), C(days_left), C(expiring), C(key), C(server_auth_eku), C(store),
      C(bindings)); C(missing) when the bound certificate is not in its store.
    - C(ca_certificates) - the CA certificates client authentication relies on, with C(stores), C(role) and expiry.
    - Computed from the snapshot gathered before any change.
  returned: when O(audit) is given
  type: dict
"""


def render() -> str:
    doc = _dump(documentation())
    return (
        "# Copyright: mtls.iis contributors\n"
        "# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)\n"
        "# Documentation only: the module is the action plugin plugins/action/client_cert.py.\n"
        "# GENERATED by tools/gen_docs.py from the part modules' docs: edit those, then rerun it.\n\n"
        f'DOCUMENTATION = r"""\n{doc}"""\n\nEXAMPLES = r"""{EXAMPLES}"""\n\nRETURN = r"""{RETURN}"""\n'
    )


def _role_option(name: str, doc: dict[str, Any]) -> dict[str, Any]:
    """A role variable (or nested option) with the description, type, choices and defaults of its documentation.
    The descriptions cost Ansible time in the argument check of every host (measured in docs/PERFORMANCE.md);
    without them ``ansible-doc -t role`` cannot render the role."""
    spec: dict[str, Any] = {"description": doc["description"], "type": doc.get("type", "str")}
    for key in ("required", "default", "choices", "elements"):
        if key in doc:
            spec[key] = doc[key]
    if name in SECRET_OPTIONS:
        spec["no_log"] = True
    if "suboptions" in doc:
        spec["options"] = {sub: _role_option(sub, body) for sub, body in doc["suboptions"].items()}
    return spec


VERIFY_VARIABLE: dict[str, Any] = {
    "description": [
        "Probes run after the converge, from the client's side: each item takes the options of M(mtls.iis.probe) "
        "(C(url), C(client_certificate), C(ca_bundle), C(expect_status) ...). C(expect_status) defaults to C([200]) "
        "here. A probe that does not get the expected status fails the host with its explanation.",
        "They run on C(client_cert_auth_verify_from), after pending handlers (a reboot), and not in check mode. "
        "C(playbooks/verify.yml) runs them alone for a fleet.",
    ],
    "type": "list",
    "elements": "dict",
    "default": [],
}
VERIFY_FROM_VARIABLE: dict[str, Any] = {
    "description": ["Host the probes run on (delegated to): the controller, or a Linux host that reaches the sites."],
    "type": "str",
    "default": "localhost",
}


def render_role_specs() -> str:
    options = _rewrite_references(documentation()["options"], role_reference)
    variables = {
        "client_cert_auth_trust": {**options["trust"], "default": {}},
        "client_cert_auth_schannel": {**options["schannel"], "default": {}},
        "client_cert_auth_sites": {
            **options["sites"],
            "description": [
                "IIS sites: C(name), and C(bindings) (options of M(mtls.iis.site_binding) without C(site)), C(ssl) "
                "(M(mtls.iis.ssl_settings), C(path) relative to the site), C(mapping) (M(mtls.iis.cert_mapping)) and "
                "C(tracing) (M(mtls.iis.failed_request_tracing)).",
                "Each nested option is that of M(mtls.iis.client_cert).",
            ],
        },
        "client_cert_auth_audit": {
            **options["audit"],
            "description": [
                "Options of O(mtls.iis.client_cert#module:audit): the audit playbook sets C(expiry_days) from "
                "C(mtls_audit_expiry_days). C({}) (the default) audits nothing.",
            ],
            "default": {},
        },
        "client_cert_auth_verify": VERIFY_VARIABLE,
        "client_cert_auth_verify_from": VERIFY_FROM_VARIABLE,
        "client_cert_auth_reboot": {
            "description": [
                "Reboot the host through C(ansible.windows.win_reboot) when Schannel or a Windows feature install "
                "needs it. The role fails with a clear message when that collection is not installed.",
            ],
            "type": "bool",
            "default": False,
        },
        "client_cert_auth_reboot_timeout": {
            "description": ["Seconds to wait for the host to come back after a reboot."],
            "type": "int",
            "default": 3600,
        },
    }
    variables["client_cert_auth_verify"] = {
        **VERIFY_VARIABLE,
        "suboptions": _rewrite_references(_options("probe", "client_cert_auth_verify[]."), role_reference),
    }
    verify = {name: variables[name] for name in ("client_cert_auth_verify", "client_cert_auth_verify_from")}
    specs = {
        "argument_specs": {
            "main": {
                "short_description": "Converge the IIS client certificate state of Windows hosts",
                "description": [
                    "Runs M(mtls.iis.client_cert) once per host: one module run when nothing changes, two when "
                    "something does. Works with serial, check mode, diff mode and tags (mtls, client_cert_auth).",
                ],
                "version_added": "0.1.0",
                "author": ["mtls.iis contributors (!UNKNOWN)"],
                "options": {name: _role_option(name, body) for name, body in variables.items()},
            },
            "verify": {
                "short_description": "Probe IIS client certificate authentication from the client's side",
                "description": [
                    "Runs M(mtls.iis.probe) for each item of C(client_cert_auth_verify), delegated to "
                    "C(client_cert_auth_verify_from). Used by C(playbooks/verify.yml) and after the converge of "
                    "C(main).",
                ],
                "version_added": "0.1.0",
                "author": ["mtls.iis contributors (!UNKNOWN)"],
                "options": {name: _role_option(name, body) for name, body in verify.items()},
            },
        }
    }
    header = "---\n# GENERATED by tools/gen_docs.py from the part modules' docs: edit those, then rerun it.\n"
    return header + _dump(specs, width=90)  # deep nesting + one long word stays under ansible-lint's 160


if __name__ == "__main__":
    TARGET.write_text(render())
    ROLE_SPECS.write_text(render_role_specs())
    sys.stdout.write(f"wrote {TARGET} and {ROLE_SPECS}\n")
