# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the module is the action plugin plugins/action/client_cert_info.py.

DOCUMENTATION = r"""
module: client_cert_info
short_description: Read the client certificate state of an IIS host
version_added: 0.1.0
description:
  - Returns, in one module run, the certificates of the requested LocalMachine stores (parsed on the controller, with
    thumbprint, subject, issuer, validity, self-signed by signature, CA or not), the Schannel client
    authentication values and the HTTP.sys SSL bindings with their client certificate options.
  - Changes nothing.
options:
  stores:
    description: LocalMachine certificate stores to read. A store that does not exist is reported with C(exists=false).
    type: list
    elements: str
    default: [Root, CA, ClientAuthIssuer, My, WebHosting]
  schannel:
    description: Read C(ClientAuthTrustMode) and C(SendTrustedIssuerList).
    type: bool
    default: true
  httpsys:
    description: Read the HTTP.sys SSL bindings (from the registry, not from localized C(netsh) output).
    type: bool
    default: true
  include_der:
    description: Also return each certificate's base64 DER.
    type: bool
    default: false
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
author:
  - mtls.iis contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Read the trust state
  mtls.iis.client_cert_info:
    stores: [Root, CA, ClientAuthIssuer]
  register: info

- name: Show certificates in Root that are not self-signed (403.16 cause)
  ansible.builtin.debug:
    msg: "{{ info.stores.Root.certificates | rejectattr('self_signed') | map(attribute='subject') | list }}"
"""

RETURN = r"""
host:
  description: Facts about the host (OS version, computer name).
  returned: always
  type: dict
stores:
  description: Per requested store, whether it exists and its certificates.
  returned: always
  type: dict
  sample:
    Root:
      exists: true
      certificates:
        - thumbprint: 3B1EFD3A66EA28B16697394703A72CA340A05BD5
          subject: CN=Contoso Root
          issuer: CN=Contoso Root
          not_before: "2026-01-01T00:00:00+00:00"
          not_after: "2036-01-01T00:00:00+00:00"
          self_signed: true
          ca: true
          expired: false
          client_auth_eku: null
          server_auth_eku: null
          has_private_key: false
schannel:
  description: C(ClientAuthTrustMode) and C(SendTrustedIssuerList) as stored (C(value), null when absent) and as
    Windows acts on them (C(effective)).
  returned: when O(schannel=true)
  type: dict
httpsys_bindings:
  description: HTTP.sys SSL bindings (C(key) like C(0.0.0.0:443) or C(www.contoso.com:443), C(kind) ipport or
    hostnameport, certificate hash and store, C(ctl_store_name) = client-auth issuer store, flags).
  returned: when O(httpsys=true)
  type: list
  elements: dict
"""
