# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation only: the module is host_state.ps1; its contract is docs/ENGINE.md.

DOCUMENTATION = r"""
---
module: host_state
short_description: Internal engine that reads and changes the client-certificate state of a Windows host
version_added: 0.1.0
description:
  - Internal module, used by the action plugins of this collection; not meant to be called directly.
    Use M(mtls.iis.client_cert) or one of the single-part modules instead.
  - With O(mode=gather) it returns a snapshot of exactly the parts of the host named in O(scope), among
    LocalMachine certificate stores, the two Schannel registry values the collection manages, and the
    HTTP.sys SSL bindings. Gathering never changes the host and never creates a certificate store.
  - With O(mode=apply) it runs the operations in O(ops) in order and stops at the first one that fails.
    It holds no desired-state logic; the action plugins plan the operations on the controller.
  - The gather/apply contract is described in C(docs/ENGINE.md) of the collection.
options:
  mode:
    description:
      - V(gather) reads the parts of the host listed in O(scope) and returns them as RV(snapshot).
      - V(apply) runs O(ops) in order and returns one entry per operation that ran in RV(results).
    type: str
    required: true
    choices: [gather, apply]
  scope:
    description:
      - What O(mode=gather) reads. An absent key is not read.
      - C(stores) is a list of LocalMachine certificate store names, for example C([Root, CA, ClientAuthIssuer]).
        Store names are case-insensitive on Windows.
      - C(schannel) true reads C(ClientAuthTrustMode) and C(SendTrustedIssuerList) under
        C(HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL).
      - C(httpsys) true reads the HTTP.sys SSL bindings (IP:port and SNI host:port) from the registry.
    type: dict
  ops:
    description:
      - What O(mode=apply) does, in execution order. Each operation is a dictionary with an C(op) key naming it
        and its arguments.
      - C(store_create) (C(store)), C(cert_import) (C(store), C(der) base64 DER, C(thumbprint) its SHA-1 as computed
        on the controller; a mismatch fails the operation), C(cert_move) (C(from_store),
        C(to_store), C(thumbprint); adds to the target store before removing from the source), C(cert_remove)
        (C(store), C(thumbprint)), C(schannel_set) (C(name), C(value)), C(schannel_unset) (C(name)).
      - C(schannel_set) and C(schannel_unset) accept only C(ClientAuthTrustMode) and C(SendTrustedIssuerList).
      - An argument not listed for an operation fails that operation before it changes anything.
      - Every operation is safe to repeat; one that finds the host already as asked reports C(changed=false).
    type: list
    elements: dict
  secrets:
    description:
      - Secret values that operations refer to by key, so that operations never carry a secret themselves
        and can be returned in RV(results).
      - Marked C(no_log) in the module's argument spec, so the values are masked everywhere in the module output;
        the module never returns them and never puts them in messages.
    type: dict
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: partial
    details: O(mode=gather) runs in check mode (it only reads); O(mode=apply) fails in check mode.
  diff_mode:
    support: none
  platform:
    platforms: windows
notes:
  - The Schannel values are read with their registry type; a value of another type than REG_DWORD is returned
    as a string. Changes to them take effect after a reboot.
  - The HTTP.sys registry value names the snapshot is read from are community-sourced, not documented by
    Microsoft.
seealso:
  - module: mtls.iis.client_cert
  - module: mtls.iis.client_cert_info
author:
  - mtls.iis maintainers
"""

EXAMPLES = r"""
# Internal: the action plugins of mtls.iis call this module; these tasks only show the contract.
- name: Read the trust stores and Schannel values of a host
  mtls.iis.host_state:
    mode: gather
    scope:
      stores: [Root, CA, ClientAuthIssuer]
      schannel: true

- name: Create the client-auth issuer store and restrict Schannel to it
  mtls.iis.host_state:
    mode: apply
    ops:
      - op: store_create
        store: ClientAuthIssuer
      - op: schannel_set
        name: ClientAuthTrustMode
        value: 2
"""

RETURN = r"""
snapshot:
  description:
    - The parts of the host named in O(scope). Keys not asked for are absent.
    - C(host) (C(os_version), C(computer_name)) is always present.
    - C(stores) maps each requested store name (as requested) to C(exists) and C(certificates), a list of
      C(thumbprint) (upper-case hex SHA-1), C(der) (base64 DER) and C(has_private_key).
    - C(schannel) maps C(ClientAuthTrustMode) and C(SendTrustedIssuerList) to the REG_DWORD as an integer,
      null when absent, or a string for a value of another registry type.
    - C(httpsys) is a list of bindings with C(key), C(kind) (C(ipport) or C(hostnameport)), C(cert_hash),
      C(cert_store), C(app_id), C(ctl_store_name), C(default_flags), C(cert_check_mode) and
      C(revocation_freshness_time).
  returned: mode is gather
  type: dict
  sample:
    host:
      os_version: 10.0.20348
      computer_name: WEB01
    stores:
      ClientAuthIssuer:
        exists: false
        certificates: []
    schannel:
      ClientAuthTrustMode: 2
      SendTrustedIssuerList: null
results:
  description:
    - One entry per operation that ran, in order, with C(index), C(op) and C(changed).
    - C(returned.der) is the base64 DER of a certificate that left a store (C(cert_move), C(cert_remove)).
    - The operation that failed, if any, is the last entry and has C(failed=true).
  returned: mode is apply
  type: list
  elements: dict
  sample:
    - index: 0
      op: cert_move
      changed: true
      returned:
        der: MIIB...
failed_index:
  description: Index in O(ops) of the operation that failed; the operations before it were applied.
  returned: mode is apply and an operation failed
  type: int
  sample: 2
"""
