# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the module is the action plugin plugins/action/site_binding.py.

DOCUMENTATION = r"""
module: site_binding
short_description: Manage one HTTPS binding of an IIS site with its HTTP.sys client certificate options
version_added: 0.1.0
description:
  - Adds, updates or removes one C(https) binding of an existing IIS site, its server certificate, the TLS options
    IIS keeps in the binding's C(sslFlags), and the client-certificate options HTTP.sys keeps for it
    (negotiate at handshake, client-auth issuer store, revocation checking, DS mapper).
  - Only the C(sslFlags) bits you give are changed; every other bit (for example C(DisableHTTP2) set by someone else)
    is kept. Existing modules accept only bits 0-3 and wipe the rest.
  - IIS rewrites the HTTP.sys record whenever a binding or its certificate changes and silently drops
    C(clientcertnegotiation), C(sslctlstorename) and C(dsmapperusage). This module plans for that. After any
    binding change it writes the whole HTTP.sys record again with every option you asked for and every option the
    record had before.
  - One module run on the host when nothing changes, two when something does.
options:
  site:
    description: Name of the existing IIS site.
    type: str
    required: true
  ip:
    description: IP address of the binding, C(*) for all addresses.
    type: str
    default: "*"
  port:
    description: TCP port, 1-65535.
    type: int
    default: 443
  host:
    description:
      - Host name of the binding (the SNI name when O(sni) is on). Empty for an IP binding.
      - A DNS name, or C(*.) and a DNS name for a wildcard binding; no port, scheme, path, IP address or trailing dot.
        An internationalised name (IDN) is written as its IDNA A-label (for example C(xn--mnchen-3ya.contoso.com)),
        as SNI sends it; the result's C(notices) show both forms.
    type: str
    default: ""
  sni:
    description:
      - Use Server Name Indication. Defaults to true when O(host) is given, false otherwise.
      - Set V(false) for a host-header binding without SNI.
    type: bool
  ccs:
    description:
      - Take the certificate from the IIS Central Certificate Store (CCS) instead of a certificate store on the host.
        The binding gets the sslFlags bit C(CentralCertStore) (with C(Sni) unless O(sni=false)) and no certificate,
        and IIS loads C(<host>.pfx) from the store's share for each handshake.
      - Needs O(host); O(certificate) cannot be given with V(true).
      - HTTP.sys keeps one C(ccs) record per port for all CCS bindings on it (C(netsh http ... sslcert ccs=<port>));
        the client-certificate options (O(negotiate_client_certificate), O(client_auth_issuer_store),
        O(revocation_check), O(revocation_freshness_seconds), O(ds_mapper)) are written there, so they apply to every
        CCS binding of the port.
      - Needs the Windows feature C(Web-CertProvider) (Centralized SSL Certificate Support) installed and the Central
        Certificate Store configured (share, account, PFX password); this module does neither and refuses V(true)
        while the feature is not installed.
      - V(false) turns a CCS binding into one with O(certificate) (required then). Omitted, a CCS binding stays one
        unless O(certificate) is given.
    type: bool
  certificate:
    description:
      - The server certificate. Required when the binding does not exist yet; omit it to keep the current one.
      - Give O(certificate.thumbprint) for a certificate already on the host, or O(certificate.pfx) to ship a PFX from
        the controller (imported into LocalMachine with machine key storage when it is not there yet; the thumbprint
        is computed on the controller and a wrong password fails before anything is sent).
      - The PFX's intermediate CA certificates are imported into C(LocalMachine\CA), planned on the controller so
        check and diff mode show them; its root is never put into C(LocalMachine\Root) (list it in
        M(mtls.iis.trusted_certs) if the host should trust it).
      - Windows before build 17763 (Server 2016) cannot open a PFX encrypted with AES (what OpenSSL 3 writes by
        default); for such a host the PFX is re-encrypted with 3DES and a SHA-1 MAC on the controller, with the same
        password. A PFX without a password cannot be re-encrypted and is refused for such a host.
      - Warns when the certificate is not valid yet, expires within O(expiry_warning_days) or lacks the serverAuth
        extended key usage.
    type: dict
    suboptions:
      thumbprint:
        description: SHA-1 thumbprint; spaces, colons, lower case and invisible marks from copy-paste are accepted.
        type: str
      store:
        description: LocalMachine store of the certificate.
        type: str
        choices: [My, WebHosting]
        default: My
      pfx:
        description: Path of a PFX (PKCS#12) file on the controller (vault-encrypted files are decrypted).
        type: path
      password:
        description: Password of O(certificate.pfx). Never logged, never shown in results or diffs.
        type: str
  expiry_warning_days:
    description: Warn when the server certificate expires within this many days.
    type: int
    default: 30
  disable_tls13:
    description:
      - IIS binding flag C(DisableTLS13). Omit to leave it as it is.
      - Disabling TLS 1.3 is the second-best fix for the TLS 1.3 trap (see O(negotiate_client_certificate)).
    type: bool
  disable_legacy_tls:
    description: IIS binding flag C(DisableLegacyTLS) (TLS 1.0 and 1.1 off for this binding). Omit to leave it.
    type: bool
  disable_http2:
    description: IIS binding flag C(DisableHTTP2). Omit to leave it.
    type: bool
  disable_quic:
    description: IIS binding flag C(DisableQUIC) (HTTP/3). Omit to leave it.
    type: bool
  disable_ocsp_stapling:
    description: IIS binding flag C(DisableOCSPStp) (bit 8, OCSP stapling off). Omit to leave it.
    type: bool
  negotiate_client_certificate:
    description:
      - Ask for the client certificate in the TLS handshake (HTTP.sys C(clientcertnegotiation)) for every path of this
        binding.
      - The fix for the TLS 1.3 trap. TLS 1.3 (default from Server 2022) cannot renegotiate, so a path whose SSL
        settings accept or require client certificates fails with a connection reset (Server 2022) or HTTP 500
        (Server 2025) unless the certificate is negotiated here or TLS 1.3 is disabled on the binding.
      - Omit to keep the current value.
    type: bool
  client_auth_issuer_store:
    description:
      - LocalMachine store HTTP.sys uses as the binding's trusted issuer list (C(sslctlstorename)), typically
        C(ClientAuthIssuer). Schannel trust modes C(exclusive_root)/C(exclusive_ca) accept only client certificates
        chaining to it. An empty string removes it. Omit to keep the current value.
    type: str
  revocation_check:
    description:
      - Client certificate revocation checking. V(online) checks (the HTTP.sys default), V(cached_only) uses only
        cached CRLs, V(disabled) turns it off. Omit to keep the current value.
    type: str
    choices: [online, cached_only, disabled]
  revocation_freshness_seconds:
    description: HTTP.sys C(revocationfreshnesstime) in seconds; 0 turns it off. Omit to keep the current value.
    type: int
  ds_mapper:
    description:
      - HTTP.sys C(dsmapperusage), needed by Active Directory client certificate mapping. Omit to keep it.
    type: bool
  state:
    description: V(absent) removes the binding and the HTTP.sys record for its key.
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
  diff_mode:
    support: full
    details: Shows the binding (certificate, sslFlags) and its HTTP.sys record before and after.
  platform:
    platforms: windows
notes:
  - Runs the engine (C(mtls.iis.host_state_gather), C(mtls.iis.host_state_apply)) on the host at most twice. HTTP.sys
    state is read from the registry, never from localized C(netsh) output; writes go through
    C(netsh http add|update|delete sslcert).
  - Switching a binding between a fixed certificate and the Central Certificate Store replaces the binding; the HTTP.sys
    record it leaves is deleted when no other binding uses it. A non-SNI binding with a fixed certificate on the same
    port has an C(ipport) record, which HTTP.sys consults before the C(ccs) record.
seealso:
  - module: mtls.iis.ssl_settings
  - module: mtls.iis.trusted_certs
author:
  - mtls.iis contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: SNI binding with a PFX from the controller, client certificates negotiated in the handshake
  mtls.iis.site_binding:
    site: Default Web Site
    host: api.contoso.com
    certificate:
      pfx: files/api.contoso.com.pfx
      password: "{{ vault_api_pfx_password }}"
    negotiate_client_certificate: true
    client_auth_issuer_store: ClientAuthIssuer

- name: Keep the certificate, turn TLS 1.3 off on this binding only
  mtls.iis.site_binding:
    site: Default Web Site
    host: api.contoso.com
    disable_tls13: true

- name: Remove the binding and its HTTP.sys record
  mtls.iis.site_binding:
    site: Default Web Site
    host: old.contoso.com
    state: absent
"""

RETURN = r"""
plan:
  description: The ops planned for this host, in execution order (PFX bytes and passwords never included).
  returned: always
  type: list
  elements: dict
ops_ran:
  description: The ops that ran on the host with their C(status).
  returned: when something was applied
  type: list
  elements: dict
reboot_required:
  description: Always false for this module.
  returned: always
  type: bool
"""
