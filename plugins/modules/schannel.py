# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the module is the action plugin plugins/action/schannel.py.

DOCUMENTATION = r"""
module: schannel
short_description: Set Schannel's client certificate trust mode and trusted issuer list
version_added: 0.1.0
description:
  - Manages the two values under C(HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL) that decide
    which client certificates IIS (through HTTP.sys and Schannel) accepts. No other value of that key is touched.
  - Schannel runs inside LSASS, so a change takes effect after a reboot; the module then returns
    RV(reboot_required=true). Rebooting is left to you (or to the C(mtls.iis.client_cert_auth) role).
  - Warns when a trust mode of C(exclusive_root) or C(exclusive_ca) is set and no HTTPS binding on the host has a
    client-auth issuer store (HTTP.sys C(sslctlstorename)), because every client certificate would then be rejected.
options:
  client_auth_trust_mode:
    description:
      - C(ClientAuthTrustMode).
      - V(machine) (0) accepts client certificates whose issuer is in the machine's trusted issuers (the Windows
        default).
      - V(exclusive_root) (1) accepts only client certificates that chain to a root in the binding's client-auth
        issuer store.
      - V(exclusive_ca) (2) accepts only client certificates that chain to an intermediate or root in that store.
      - V(default) removes the value, so Windows uses its default (machine trust).
      - Omit it to leave the value as it is.
    type: str
    choices: [machine, exclusive_root, exclusive_ca, default]
  send_trusted_issuer_list:
    description:
      - C(SendTrustedIssuerList). V(true) makes the server send the list of trusted CAs to clients during the
        handshake (at most 16 KB; a long list is truncated and clients may then send no certificate, giving 403.7).
      - V(false) writes 0; V(default) removes the value (Windows Server 2012 and later then do not send it).
      - Omit it to leave the value as it is.
    type: raw
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
    support: full
    details: Shows both values before and after, with their meaning.
  platform:
    platforms: windows
notes:
  - Runs the engine on the host at most twice, C(mtls.iis.host_state_gather) and then C(mtls.iis.host_state_apply) when
    something changes.
seealso:
  - module: mtls.iis.trusted_certs
author:
  - mtls.iis contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Accept only client certificates issued by the CAs in ClientAuthIssuer
  mtls.iis.schannel:
    client_auth_trust_mode: exclusive_ca
    send_trusted_issuer_list: false
  register: schannel

- name: Reboot when Schannel needs it
  ansible.windows.win_reboot:
  when: schannel.reboot_required

- name: Back to the Windows defaults
  mtls.iis.schannel:
    client_auth_trust_mode: default
    send_trusted_issuer_list: default
"""

RETURN = r"""
plan:
  description: The ops planned for this host, in execution order.
  returned: always
  type: list
  elements: dict
  sample:
    - op: schannel_set
      name: ClientAuthTrustMode
      value: 2
      summary: set ClientAuthTrustMode to 2 (REG_DWORD)
ops_ran:
  description: The ops that ran on the host with their C(status).
  returned: when something was applied
  type: list
  elements: dict
reboot_required:
  description: True when a value was changed (Schannel reads it at boot). False in check mode.
  returned: always
  type: bool
"""
