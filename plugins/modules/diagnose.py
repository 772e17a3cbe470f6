# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the module is the action plugin plugins/action/diagnose.py.

DOCUMENTATION = r"""
module: diagnose
short_description: Explain why IIS answers 403.7, 403.13, 403.16 or 403.17 to client certificates
version_added: 0.1.0
description:
  - Reads the host in one module run (certificate stores, the client-auth issuer stores the bindings use, Schannel,
    HTTP.sys, the site's bindings, SSL settings, certificate mapping, features and Failed Request Tracing) and returns
    RV(findings), each with a stable C(id), a C(severity), the IIS C(status) it causes, the C(evidence) and the C(fix)
    as the option of this collection's module that repairs it.
  - With O(client_certificate) (and the chain the client sends) it also builds the client's chain the way Windows
    would, from what the client sends plus C(LocalMachine\CA), C(LocalMachine\Root) and (trust modes
    C(exclusive_root)/C(exclusive_ca)) the binding's client-auth issuer store, without downloading missing
    intermediates (IIS does not), and judges it by Windows' rules - validity, basicConstraints and path length, EKU
    nesting (unless the binding has no usage check), directoryName name constraints, RSA keys under 1024 bits, and
    signatures checked for every algorithm Windows accepts (a SHA-1 enterprise PKI is fine). What cannot be judged
    on the controller is one C(CHAIN_CANNOT_TELL) warning with the reasons, never an error.
  - The C(cryptography) library's Web PKI verifier runs too, as evidence only; when it alone rejects the chain the
    finding is the informational C(LIBRARY_REJECTS_CHAIN), never 403.16.
  - Findings include the root of the client's chain missing from Root (403.16), non-self-signed certificates in Root
    (403.16, or 403.7 with C(SendTrustedIssuerList)), a missing intermediate, expired or not-yet-valid certificates
    (403.17), a missing clientAuth EKU, trust modes without or outside the binding's issuer store, the TLS 1.3 trap
    (connection reset / HTTP 500), client certificates required without SSL or without an HTTPS binding, mapping
    problems (feature missing, below site level, AD mapping without DS mapper, many-to-one with AD mapping, no mapping
    matching the client, a Deny rule giving 403.12), server certificate problems, an oversized trusted issuer list, a
    Schannel change waiting for a reboot, and Failed Request Tracing being off.
  - Changes nothing.
options:
  site:
    description: IIS site that answers the request.
    type: str
    required: true
  host:
    description: Host name the client connects to (selects the SNI binding). Empty for IP bindings.
    type: str
    default: ""
  port:
    description: HTTPS port.
    type: int
    default: 443
  path:
    description: Application or folder below the site the request goes to (C(api), C(api/reports)); empty for the site.
    type: str
    default: ""
  client_certificate:
    description:
      - The client's certificate and the CA certificates the client sends with it, in any order (PEM bundle, DER or
        a PKCS#7 C(.p7b) bundle); the client's certificate is the one that issues none of the others.
      - A file with a private key, a PFX, or a bundle with two client certificates is refused.
    type: dict
    suboptions:
      path:
        description: File on the controller.
        type: path
      content:
        description: PEM text.
        type: str
  issuer_certificates:
    description:
      - CA certificates of the client's PKI known on the controller but not sent by the client. A chain that needs one
        of them is reported as C(INTERMEDIATE_MISSING) (or C(CLIENT_ROOT_NOT_TRUSTED)) naming it exactly.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: File on the controller.
        type: path
      content:
        description: PEM text.
        type: str
      thumbprint:
        description:
          - A CA certificate already on the host, by its SHA-1 thumbprint. The diagnosis reads the host's stores
            anyway, so such an entry adds nothing; it is accepted (and checked to be a thumbprint) for symmetry
            with the other certificate lists.
        type: str
  expiry_warning_days:
    description: Warn when the server certificate expires within this many days.
    type: int
    default: 30
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: windows
seealso:
  - module: mtls.iis.failed_request_tracing
  - module: mtls.iis.client_cert
author:
  - mtls.iis contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Why does this client get 403.16?
  mtls.iis.diagnose:
    site: Default Web Site
    host: api.contoso.com
    path: api
    client_certificate:
      path: files/failing-client-with-chain.pem
  register: diag

- name: Show the errors
  ansible.builtin.debug:
    msg: "{{ diag.findings | selectattr('severity', 'equalto', 'error') | map(attribute='title') | list }}"
"""

RETURN = r"""
findings:
  description: What is wrong or risky, errors first.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Stable identifier, for example C(CLIENT_ROOT_NOT_TRUSTED) or C(TLS13_RENEGOTIATION).
      type: str
    severity:
      description: C(error), C(warning) or C(info).
      type: str
    status:
      description: What IIS answers because of it (C(403.16), C(403.7), C(403.17), C(401), C(reset) ...).
      type: str
    title:
      description: One line.
      type: str
    detail:
      description: The explanation.
      type: str
    evidence:
      description: The certificates, stores and settings that show it.
      type: dict
    fix:
      description: The module and options that repair it (C(module), C(options)), or a C(text) when no module does.
      type: dict
counts:
  description: Number of findings per severity.
  returned: always
  type: dict
client_chain:
  description:
    - The client chain as built (C(links) with where each certificate was found), C(windows_verdict) (C(accepted),
      C(rejected) or C(cannot tell)) with its C(problems), C(usage_check), and the C(cryptography) library's opinion
      (C(x509_valid), C(x509_error)) with a C(note) on how it differs from Windows.
  returned: when O(client_certificate) is given
  type: dict
  contains:
    complete:
      description: Whether the chain reaches a self-signed root.
      type: bool
    links:
      description: The certificates of the chain from the client certificate up, each with C(subject), C(thumbprint)
        and C(found) (where the certificate came from).
      type: list
      elements: dict
    x509_valid:
      description: Whether the chain passes X.509 validation with cryptography (evidence, not the verdict of Windows).
      type: bool
    x509_error:
      description: Why X.509 validation failed; empty when it passed.
      type: str
    note:
      description: Where Windows can decide differently from this validation (revocation, AIA, NTAuth).
      type: str
"""
