# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the module is the action plugin plugins/action/trusted_certs.py.

DOCUMENTATION = r"""
module: trusted_certs
short_description: Put CA certificates in the right LocalMachine stores for IIS client certificate authentication
version_added: 0.1.0
description:
  - Imports root CA certificates into C(LocalMachine\Root) and intermediate CA certificates into
    C(LocalMachine\CA) (Intermediate Certification Authorities). Whether a certificate is a root or an
    intermediate is decided from the certificate itself, never by you. Self-signed means issuer equals subject and
    the signature, checked with the certificate's own key for every algorithm Windows accepts (RSA with MD5, SHA-1
    or SHA-2, RSA-PSS, ECDSA), does not disprove it. A SHA-1-signed enterprise root is a root, as Windows treats it.
  - Says what Windows accepts but you should know, once per certificate (a CA not yet valid, an RSA key under 2048
    bits, a SHA-1 or MD5 signature), as warnings, or as RV(notices) for a root's own signature.
  - Fills a client-auth issuer store (default C(LocalMachine\ClientAuthIssuer), created when missing), the
    store that Schannel trust modes C(exclusive_root)/C(exclusive_ca) and the trusted issuer list use,
    optionally making it exclusive.
  - Finds certificates in C(LocalMachine\Root) that are not self-signed, the classic cause of IIS answering
    B(403.16) (or B(403.7) when C(SendTrustedIssuerList=1)) to every client, and reports them or moves them to
    C(LocalMachine\CA), the fix Microsoft documents.
  - Certificates leave a store only after their replacement is in place, and are moved or returned in
    RV(returned_certificates), never silently deleted.
  - One module run on the host when nothing changes, two when something does.
options:
  certificates:
    description:
      - Root and intermediate CA certificates to trust.
      - Each item gives a certificate file on the controller (O(certificates[].path), with PEM bundles, DER
        C(.cer)/C(.crt) and PKCS#7 C(.p7b) bundles in DER or PEM, as the Windows export wizard writes them;
        vault-encrypted files decrypted) or PEM text (O(certificates[].content)). With O(state=absent) an item may
        also be a O(certificates[].thumbprint).
      - Leaf certificates (C(CA:FALSE)), files holding private keys and PFX/PKCS#12 files are refused, naming the
        file, before anything is sent to the host. An expired CA certificate is imported with a warning.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description:
          - Path of a PEM, DER or PKCS#7 (C(.p7b)) file on the controller, searched like C(ansible.builtin.copy)
            searches C(src).
        type: path
      content:
        description: PEM text of one or more certificates (or a C(-----BEGIN PKCS7-----) bundle).
        type: str
      thumbprint:
        description:
          - SHA-1 thumbprint of a certificate to remove (O(state=absent) only). Spaces, colons, lower case and the
            invisible marks that copying from the Windows certificate dialog adds are accepted.
        type: str
  client_auth_issuers:
    description:
      - CA certificates (roots or intermediates) to put in O(client_auth_issuer_store), in the same forms as
        O(certificates).
      - With Schannel C(ClientAuthTrustMode) C(exclusive_root) or C(exclusive_ca) (see M(mtls.iis.schannel)) only
        client certificates chaining to this store are accepted; with C(SendTrustedIssuerList) they are the CA hint
        list sent to clients.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Path of a PEM, DER or PKCS#7 (C(.p7b)) file on the controller.
        type: path
      content:
        description: PEM text of one or more certificates (or a C(-----BEGIN PKCS7-----) bundle).
        type: str
      thumbprint:
        description: SHA-1 thumbprint of a certificate to remove (O(state=absent) only).
        type: str
  client_auth_issuer_store:
    description:
      - Name of the LocalMachine store that holds the client-auth issuers (the HTTP.sys C(sslctlstorename) of your
        HTTPS bindings). Created when missing and needed.
      - Letters, digits, space, C(.), C(_) and C(-) only; no C(Cert:) path and no backslash.
    type: str
    default: ClientAuthIssuer
  exclusive_client_auth_issuers:
    description:
      - Remove every certificate from O(client_auth_issuer_store) that O(client_auth_issuers) does not list, after the
        listed ones are in place. Removed certificates are returned in RV(returned_certificates).
      - Refused for stores Windows itself uses (Root, CA, My, WebHosting, Trust, Disallowed, AuthRoot).
      - Refused when O(client_auth_issuers) is empty (it would empty the store).
    type: bool
    default: false
  non_self_signed_roots:
    description:
      - What to do with certificates in C(LocalMachine\Root) that are not self-signed (checked by verifying the
        signature, so a cross-signed CA with the same name as a root is found too).
      - V(report) warns and lists them in RV(non_self_signed_roots).
      - V(move) moves each to C(LocalMachine\CA), adding it there first and then removing it from Root.
    type: str
    choices: [report, move]
    default: report
  state:
    description:
      - V(present) makes sure the certificates are in their stores.
      - V(absent) removes the listed certificates from Root and CA, and the listed client-auth issuers from
        O(client_auth_issuer_store); removed certificates are returned in RV(returned_certificates).
    type: str
    choices: [present, absent]
    default: present
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
    details: Gathers the host state and reports the plan; changes nothing.
  diff_mode:
    support: full
    details: Shows the affected stores before and after, one line per certificate (subject and thumbprint).
  platform:
    platforms: windows
notes:
  - Needs the C(cryptography) Python library on the controller.
  - Runs the engine on the host at most twice, C(mtls.iis.host_state_gather) and then C(mtls.iis.host_state_apply) when
    something changes.
seealso:
  - module: mtls.iis.schannel
  - module: mtls.iis.client_cert_info
author:
  - mtls.iis contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Trust the Contoso client CA chain (root to Root, intermediate to CA, decided from the certificates)
  mtls.iis.trusted_certs:
    certificates:
      - path: files/contoso-root.pem
      - path: files/contoso-issuing-ca.pem

- name: Accept only Contoso client certificates (with ClientAuthTrustMode exclusive_ca)
  mtls.iis.trusted_certs:
    client_auth_issuers:
      - path: files/contoso-issuing-ca.pem
    exclusive_client_auth_issuers: true

- name: Fix the 403.16 cause "non-self-signed certificate in Trusted Root"
  mtls.iis.trusted_certs:
    non_self_signed_roots: move

- name: Stop trusting an old CA (its DER comes back in returned_certificates)
  mtls.iis.trusted_certs:
    certificates:
      - thumbprint: "0A 1B 2C 3D 4E 5F 60 71 82 93 A4 B5 C6 D7 E8 F9 0A 1B 2C 3D"
    state: absent
"""

RETURN = r"""
plan:
  description: The ops planned for this host, in execution order (certificate DER omitted).
  returned: always
  type: list
  elements: dict
  sample:
    - op: cert_move
      from_store: Root
      to_store: CA
      thumbprint: 3B1EFD3A66EA28B16697394703A72CA340A05BD5
      summary: move CN=Contoso Issuing CA (3B1E...) from LocalMachine\Root to LocalMachine\CA (added there first)
ops_ran:
  description: The ops that ran on the host with their C(status) (C(changed), C(ok) or C(failed)). On failure it
    tells which ops completed; running the task again converges.
  returned: when something was applied
  type: list
  elements: dict
returned_certificates:
  description: Certificates that left a store without being moved to another one, as base64 DER, so nothing is lost.
  returned: when something was applied
  type: list
  elements: dict
  contains:
    thumbprint:
      description: SHA-1 thumbprint.
      type: str
    der:
      description: Base64 of the certificate's DER encoding.
      type: str
non_self_signed_roots:
  description: Certificates found in LocalMachine\Root that are not self-signed (before any move).
  returned: always
  type: list
  elements: dict
  sample:
    - thumbprint: 3B1EFD3A66EA28B16697394703A72CA340A05BD5
      subject: CN=Contoso Issuing CA
      issuer: CN=Contoso Root
      self_signed: false
      ca: true
notices:
  description:
    - Things Windows accepts that you should know, not problems, e.g. a root signed with SHA-1 (a root's own signature
      carries no trust, and Microsoft's SHA-1 deprecation covers only its public root programme).
  returned: when there are any
  type: list
  elements: str
  sample:
    - "certificates[0] (file root.cer): CN=Contoso Root (3B1E...) is a root signed with SHA-1. Windows trusts it"
reboot_required:
  description: Always false for this module (certificate store changes take effect at once).
  returned: always
  type: bool
"""
