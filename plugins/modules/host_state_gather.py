# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation only: the module is host_state_gather.ps1; its contract is docs/ENGINE.md.

DOCUMENTATION = r"""
---
module: host_state_gather
short_description: Internal engine run that reads the client-certificate state of a Windows host
version_added: 0.1.0
description:
  - Internal module, used by the action plugins of this collection; not meant to be called directly.
    Use M(mtls.iis.client_cert) or one of the single-part modules instead.
  - Returns a snapshot of exactly the parts of the host named in O(scope), among
    LocalMachine certificate stores, the two Schannel registry values the collection manages, the
    HTTP.sys SSL bindings, the https bindings of IIS sites, the C(sslFlags) of IIS location paths, the
    client certificate mapping and anonymous authentication settings of IIS sites, the Failed Request Tracing
    settings of IIS sites, and whether Windows features are installed. Gathering never changes the host, never
    creates a certificate store and never reads a mapping password.
  - The gather/apply contract is described in C(docs/ENGINE.md) of the collection; M(mtls.iis.host_state_apply)
    runs the operations. The two runs are two modules so that a gather sends only the code that reads.
options:
  scope:
    description:
      - What to read. An absent key is not read.
      - C(stores) is a list of LocalMachine certificate store names, for example C([Root, CA, ClientAuthIssuer]).
        Store names are case-insensitive on Windows.
      - C(schannel) true reads C(ClientAuthTrustMode) and C(SendTrustedIssuerList) under
        C(HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL), and whether a change made by
        M(mtls.iis.host_state_apply) to one of them still waits for a reboot (C(pending_reboot)).
      - C(httpsys) true reads the HTTP.sys SSL bindings (IP:port and SNI host:port) from the registry.
      - C(ctl_stores) true reads the HTTP.sys SSL bindings (as C(httpsys) does) and also reads, into C(stores),
        every certificate store that a binding names as its client certificate issuer store (CTL store name,
        for example C(ClientAuthIssuer)) and that is not already in the C(stores) list (compared ignoring case).
        A store that does not exist is reported with C(exists=false), never created.
      - C(sites) is a list of IIS site names. For each site that exists it reads the site id, its https bindings
        (binding information, C(sslFlags) as an integer, certificate hash and store), and the C(sslFlags) of the
        site root and of every location under the site that sets them. A site that does not exist is left out.
      - C(access_paths) is a list of IIS location paths such as C(Default Web Site) or C(Default Web Site/api)
        (no leading slash). For each it reads the C(sslFlags) in effect there and the value written for exactly
        that path in C(applicationHost.config), if any.
      - C(auth_sites) is a list of IIS site names. For each site that exists it reads, at the site (where IIS
        honours certificate mappings), the IIS client certificate mapping authentication (its switches, logon
        method, default logon domain, one-to-one and many-to-one mappings without their passwords), whether
        Active Directory client certificate mapping and anonymous authentication are enabled, and the paths
        below the site that configure IIS client certificate mapping (which IIS ignores there).
      - C(features) is a list of Windows feature names such as C(Web-Cert-Auth), C(Web-Client-Auth),
        C(Web-Http-Tracing); each is reported installed or not. It needs the C(ServerManager) PowerShell module
        of Windows Server; on other editions, or for a name Windows does not know, gather fails.
      - C(tracing_sites) is a list of IIS site names. For each site that exists it reads the site's Failed Request
        Tracing switch (C(traceFailedRequestsLogging) C(enabled), C(directory), C(maxLogFiles)) and the Failed
        Request Tracing rules written for the site in C(applicationHost.config) (rules in the site's own
        C(web.config) are not read).
    type: dict
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: It only reads, in check mode as without it.
  diff_mode:
    support: none
  platform:
    platforms: windows
notes:
  - IIS is read through C(Microsoft.Web.Administration); without IIS, gather returns
    C(iis.available=false).
  - The Schannel values are read with their registry type; a value of another type than REG_DWORD is returned
    as a string. Changes to them take effect after a reboot (Schannel runs in LSASS, which reads them at start).
    M(mtls.iis.host_state_apply) records the boot during which it changed one in its own key
    C(HKLM\SOFTWARE\mtls.iis), which gather reads for C(pending_reboot).
  - The HTTP.sys registry value names the snapshot is read from are community-sourced, not documented by
    Microsoft.
seealso:
  - module: mtls.iis.host_state_apply
  - module: mtls.iis.client_cert
  - module: mtls.iis.client_cert_info
author:
  - mtls.iis contributors (!UNKNOWN)
"""

EXAMPLES = r"""
# Internal: the action plugins of mtls.iis call this module; this task only shows the contract.
- name: Read the trust stores and Schannel values of a host
  mtls.iis.host_state_gather:
    scope:
      stores: [Root, CA, ClientAuthIssuer]
      schannel: true
"""

RETURN = r"""
snapshot:
  description:
    - The parts of the host named in O(scope). Keys not asked for are absent.
    - C(host) is always present, with C(os_version) (major.minor.build, read from the registry key
      C(HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion)) and C(computer_name).
    - C(stores) maps each requested store name (as requested) to C(exists) and C(certificates), a list of
      C(thumbprint) (upper-case hex SHA-1), C(der) (base64 DER) and C(has_private_key). With C(ctl_stores), the
      CTL stores of the HTTP.sys bindings are there too, keyed by the name the binding gives.
    - C(schannel) maps C(ClientAuthTrustMode) and C(SendTrustedIssuerList) to the REG_DWORD as an integer,
      null when absent, or a string for a value of another registry type; C(pending_reboot) is true when this
      module changed one of them since the host last restarted.
    - C(httpsys) is a list of bindings with C(key), C(kind) (C(ipport) or C(hostnameport)), C(cert_hash),
      C(cert_store), C(app_id), C(ctl_store_name), C(default_flags), C(cert_check_mode) and
      C(revocation_freshness_time).
    - C(iis) (when O(scope) has C(sites) or C(access_paths)) has C(available) (false without IIS), C(sites)
      keyed by the requested site names, with C(id) and C(bindings) (C(protocol), C(binding_information),
      C(ssl_flags) integer, C(certificate_hash) upper-case hex or empty, C(certificate_store)), and C(access)
      keyed by location path, with C(effective) (the C(sslFlags) integer in effect) and C(explicit) (the
      C(sslFlags) text written for exactly that path, or null when it inherits).
    - C(auth) (when O(scope) has C(auth_sites); empty without IIS) maps each existing requested site to
      C(iis_mapping) (C(enabled), C(one_to_one_enabled), C(many_to_one_enabled), C(logon_method),
      C(default_logon_domain), C(one_to_one) a list of C(certificate) base64 DER on one line, C(user),
      C(enabled), and C(many_to_one) a list of C(name), C(description), C(enabled), C(permission), C(user),
      C(rules) with C(field), C(subfield), C(match), C(case_sensitive)), C(ad_mapping) and C(anonymous) (each
      C(enabled)), and C(below_site) (location paths under the site that configure IIS client certificate
      mapping). A section whose Windows feature is not installed (C(iis_mapping) needs Web-Cert-Auth,
      C(ad_mapping) needs Web-Client-Auth) is null. Passwords are never returned.
    - C(features) (when O(scope) has C(features)) maps each requested feature name to true when installed.
    - C(tracing) (when O(scope) has C(tracing_sites); empty without IIS) maps each existing requested site to
      C(enabled), C(directory), C(max_log_files) and C(rules), a list of C(path), C(status_codes) (a list),
      C(provider), C(areas) and C(verbosity) (those three from the rule's first trace area, null when it has
      none). C(rules) is null when Failed Request Tracing (Web-Http-Tracing) is not installed.
  returned: success
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
      pending_reboot: true
    iis:
      available: true
      sites:
        Default Web Site:
          id: 1
          bindings:
            - protocol: https
              binding_information: "*:443:www.contoso.com"
              ssl_flags: 1
              certificate_hash: 0123456789ABCDEF0123456789ABCDEF01234567
              certificate_store: My
      access:
        Default Web Site:
          effective: 0
          explicit: null
        Default Web Site/api:
          effective: 104
          explicit: Ssl, SslNegotiateCert, SslRequireCert
    auth:
      Default Web Site:
        iis_mapping:
          enabled: true
          one_to_one_enabled: true
          many_to_one_enabled: true
          logon_method: ClearText
          default_logon_domain: ""
          one_to_one: []
          many_to_one:
            - name: partners
              description: ""
              enabled: true
              permission: Allow
              user: CONTOSO\svc-partners
              rules:
                - field: Subject
                  subfield: O
                  match: Fabrikam*
                  case_sensitive: true
        ad_mapping:
          enabled: false
        anonymous:
          enabled: true
        below_site: []
    features:
      Web-Cert-Auth: true
    tracing:
      Default Web Site:
        enabled: true
        directory: "%SystemDrive%\\inetpub\\logs\\FailedReqLogFiles"
        max_log_files: 50
        rules:
          - path: "*"
            status_codes: ["403.7", "403.16"]
            provider: WWW Server
            areas: Authentication,Security
            verbosity: Verbose
"""
