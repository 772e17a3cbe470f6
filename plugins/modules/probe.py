#!/usr/bin/python
# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# The controller half is the action plugin plugins/action/probe.py: it reads the certificate files on the
# controller, runs this module where the task is delegated, and explains what it observed.

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: probe
short_description: Prove from the client's side that a client certificate gets in, and say why not
version_added: 0.1.0
description:
  - >-
    Talks TLS and HTTP to a site the way a client does, with an optional client certificate, and reports without
    changing anything - the TLS version and cipher, the server's certificate chain and whether it validates, whether
    the server asked for a client certificate during the handshake, only after the request (TLS 1.2 renegotiation,
    IIS C(SslNegotiateCert) without handshake negotiation) or not at all, the acceptable CA names the server sent
    (what C(SendTrustedIssuerList) and the binding's client-auth issuer store produce), whether the client
    certificate's issuer is among them, the HTTP status of a C(GET) of the path and IIS's sub-status when the response
    carries it (IIS detailed error pages).
  - >-
    Classic failures are named in plain words in RV(outcome) and RV(problems), each with the M(mtls.iis.diagnose)
    finding id it corresponds to where there is one - the connection reset or HTTP 500 of the TLS 1.3 trap (then
    probed again with TLS 1.2 to show the renegotiation), a client certificate whose issuer is not in the server's list
    (Windows and browsers do not even send it), an expired client certificate, handshake alerts, a server chain that
    does not validate.
  - >-
    B(Where it runs.) The certificate files are read on the controller (found like M(ansible.builtin.copy) finds
    them, vault-encrypted files decrypted there) and checked there; the TLS conversation is a Python module that runs
    on the host the task is delegated to, so the probe starts where a client sits - usually the controller
    (C(delegate_to: localhost)), or a Linux host inside the network that reaches the site. It cannot run on the
    Windows host itself (Ansible runs only PowerShell there): a task that is not delegated fails with that advice.
    The certificate and its key (in memory, never written to disk) travel as module arguments to that host, as
    C(no_log) values.
  - B(Why pyOpenSSL.) Python's C(ssl) module cannot show the CA names of the server's certificate request, nor
    whether and when a certificate was requested. pyOpenSSL exposes both (C(SSL_get_client_CA_list) and OpenSSL's
    handshake states). OpenSSL, like curl, sends the configured certificate whatever CA names the server lists;
    Windows and browsers offer only certificates whose chain matches a listed CA, so RV(client_issuer_in_ca_list)
    says what those clients would do.
  - The server chain is validated on the controller with the C(cryptography) library against O(ca_bundle) (or the
    controller's system trust), with the Web PKI rules browsers apply. That is evidence of what such clients decide;
    Windows clients may differ (revocation, AIA fetching, their own trust stores).
  - Needs C(pyOpenSSL) and C(cryptography) on the host the task is delegated to.
options:
  url:
    description:
      - C(https://host[:port]/path) of the site. The host name is also sent as SNI; an IP address sends no SNI
        (give O(server_name) for SNI bindings).
    type: str
    required: true
  server_name:
    description:
      - Host name sent as SNI and as the C(Host) header, when O(url) names the server by IP address or by a name the
        binding does not use.
    type: str
  client_certificate:
    description:
      - The client certificate to present, read on the controller. Either a PEM certificate (O(client_certificate.path)
        or O(client_certificate.content); the client's certificate first, then the intermediates the client sends) with
        its private key, or a PFX.
      - Omit it to probe as a client without certificate (the server's request and CA names are still reported).
    type: dict
    suboptions:
      path:
        description: PEM file with the certificate (and chain); it may also hold the private key.
        type: path
      content:
        description: PEM text of the certificate (and chain).
        type: str
      key_path:
        description: PEM file with the private key, when it is not in O(client_certificate.path).
        type: path
      key_content:
        description: PEM text of the private key.
        type: str
      pfx:
        description: PKCS#12 file (C(.pfx), C(.p12)) with certificate, key and chain.
        type: path
      password:
        description: Password of the PFX, or of an encrypted PEM private key.
        type: str
  ca_bundle:
    description:
      - CA certificates (PEM bundle or DER) that validate the server's certificate chain, read on the controller. Omit
        to validate against the controller's system trust store.
    type: dict
    suboptions:
      path:
        description: File on the controller.
        type: path
      content:
        description: PEM text.
        type: str
  tls_version:
    description:
      - C(auto) negotiates TLS 1.2 or 1.3 like a current client; C(1.2) or C(1.3) pins the version.
    type: str
    default: auto
    choices: [auto, '1.2', '1.3']
  retry_tls12:
    description:
      - When the TLS 1.3 trap shows (the request answered by a connection reset or HTTP 500 0x80070032), probe once
        more with TLS 1.2 and report it in RV(tls12_retry), which shows the renegotiation after the request.
    type: bool
    default: true
  timeout:
    description: Seconds for each connection (connect, handshake, request and answer together).
    type: int
    default: 10
  expect_status:
    description:
      - HTTP status codes the probe must get (IIS sub-status written C(403.16) also accepted, as a string). When the
        answer differs, or no answer comes, the task fails with the probe's explanation.
    type: list
    elements: str
  expiry_warning_days:
    description: Report the client and server certificates that expire within this many days.
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
    details: The probe changes nothing, so it runs in check mode too.
  diff_mode:
    support: none
  platform:
    platforms: posix
    details: Runs on the host the task is delegated to (usually the controller), never on the Windows host.
seealso:
  - module: mtls.iis.diagnose
  - module: mtls.iis.site_binding
notes:
  - The probe sends one C(GET) with C(Connection close) per connection; it follows no redirect.
  - IIS names the sub-status (403.7, 403.16, ...) only in its detailed error pages, which remote clients get when
    C(system.webServer/httpErrors@errorMode) is C(Detailed); otherwise RV(substatus) is null and the explanation rests
    on the handshake and the certificates.
author:
  - mtls.iis contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: A client with the partner certificate gets in
  mtls.iis.probe:
    url: https://api.contoso.com/orders
    client_certificate:
      pfx: files/partner-client.pfx
      password: "{{ vault_partner_pfx_password }}"
    ca_bundle:
      path: files/contoso-root.pem
    expect_status: [200]
  delegate_to: localhost

- name: Which CA names does the binding send, and when does it ask?
  mtls.iis.probe:
    url: https://10.0.4.21/api
    server_name: api.contoso.com
    client_certificate:
      path: files/alice.pem
      key_path: files/alice.key
  delegate_to: localhost
  register: probe

- name: Show the explanation
  ansible.builtin.debug:
    msg:
      - "{{ probe.outcome.summary }}"
      - "asked: {{ probe.client_certificate_requested }}, CA names: {{ probe.acceptable_ca_names | join('; ') }}"
"""

RETURN = r"""
outcome:
  description:
    - What happened, in plain words. C(id) is C(ACCEPTED) or the first of RV(problems); C(finding) is the
      M(mtls.iis.diagnose) finding id it corresponds to, or null.
  returned: always
  type: dict
  sample: {"id": "TLS13_TRAP", "severity": "error", "finding": "TLS13_RENEGOTIATION",
           "summary": "the server closed the connection after the request instead of answering ..."}
problems:
  description: Everything wrong or risky that the probe saw, most decisive first, each with C(id), C(severity),
    C(summary) and C(finding) (diagnose finding id or null).
  returned: always
  type: list
  elements: dict
status:
  description: HTTP status of the answer; null when none came.
  returned: always
  type: int
substatus:
  description: IIS sub-status (16 for 403.16) when the answer carries it; null otherwise.
  returned: always
  type: int
tls:
  description: C(version) (C(TLSv1.2), C(TLSv1.3)) and C(cipher) negotiated; null when the handshake failed.
  returned: always
  type: dict
client_certificate_requested:
  description: C(handshake), C(after_request) (TLS 1.2 renegotiation after the request) or C(no).
  returned: always
  type: str
acceptable_ca_names:
  description: Distinguished names of the CAs the server listed in its certificate request (empty when none).
  returned: always
  type: list
  elements: str
client_certificate_sent:
  description: Whether the probe sent its client certificate.
  returned: always
  type: bool
client_issuer_in_ca_list:
  description: Whether a CA of the client certificate's chain is among RV(acceptable_ca_names) (what Windows and
    browsers require before they offer a certificate); null when no list or no certificate.
  returned: always
  type: bool
server_chain:
  description: The certificates the server sent (C(subject), C(issuer), C(thumbprint), C(not_after), C(days_left)).
  returned: always
  type: list
  elements: dict
server_chain_validation:
  description: C(valid) (bool, null when not checked), C(error), C(against) (what it was validated against) and
    C(name) (the host name or IP it was checked for).
  returned: always
  type: dict
client_certificate:
  description: The client certificate presented (C(subject), C(issuer), C(thumbprint), C(not_after), C(days_left)).
  returned: when O(client_certificate) is given
  type: dict
tls12_retry:
  description: The same probe pinned to TLS 1.2 (C(status), C(substatus), C(client_certificate_requested),
    C(outcome)), after the TLS 1.3 trap showed.
  returned: when the TLS 1.3 trap showed and O(retry_tls12) is true
  type: dict
"""

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.mtls.iis.plugins.module_utils import tls_probe
from ansible_collections.mtls.iis.plugins.module_utils.probe_options import PROBE_OPTIONS


def main() -> None:
    module = AnsibleModule(
        argument_spec=PROBE_OPTIONS,
        supports_check_mode=True,
    )
    if not tls_probe.HAS_PYOPENSSL:
        module.fail_json(
            msg=missing_required_lib("pyOpenSSL", reason="to probe TLS as a client")
            + " It is needed on the host the probe task is delegated to (usually the controller).",
            exception=tls_probe.PYOPENSSL_IMPORT_ERROR,
        )
    params = module.params
    cert = params.get("client_certificate") or {}
    if cert and not (cert.get("content") and cert.get("key_content")):
        module.fail_json(
            msg="client_certificate reaches this module as content and key_content from the action plugin."
        )
    try:
        observation = tls_probe.observe_params(params)
    except Exception as exc:
        module.fail_json(msg=f"the probe itself failed: {exc}", exception=traceback.format_exc())
    module.exit_json(changed=False, observation=observation)


if __name__ == "__main__":
    main()
