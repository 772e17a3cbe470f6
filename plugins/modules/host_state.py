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
    LocalMachine certificate stores, the two Schannel registry values the collection manages, the
    HTTP.sys SSL bindings, the https bindings of IIS sites, the C(sslFlags) of IIS location paths, the
    client certificate mapping and anonymous authentication settings of IIS sites, the Failed Request Tracing
    settings of IIS sites, and whether Windows features are installed. Gathering never changes the host, never
    creates a certificate store and never reads a mapping password.
  - With O(mode=apply) it runs the operations in O(ops) in order and stops at the first one that fails.
    It holds no desired-state logic; the action plugins plan the operations on the controller.
  - IIS configuration changes (the C(binding_*), C(access_*), C(auth_set), C(one_to_one_*),
    C(many_to_one_*) and C(tracing_*) operations) are saved to C(applicationHost.config) once per contiguous run of such
    operations, before the next other operation and at the end. Before saving, the pending configuration of
    every site whose authentication changed is checked for what IIS refuses (many-to-one mappings enabled
    together with Active Directory client certificate mapping). When an operation of a run, that check or
    the save fails, the changes of that run are not saved and its operations are reported with
    C(changed=false); the failure message lists them.
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
        C(HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL), and whether a change made by this
        module to one of them still waits for a reboot (C(pending_reboot)).
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
  ops:
    description:
      - What O(mode=apply) does, in execution order. Each operation is a dictionary with an C(op) key naming it
        and its arguments.
      - C(store_create) (C(store)), C(cert_import) (C(store), C(der) base64 DER, C(thumbprint) its SHA-1 as computed
        on the controller; a mismatch fails the operation), C(cert_move) (C(from_store),
        C(to_store), C(thumbprint); adds to the target store before removing from the source), C(cert_remove)
        (C(store), C(thumbprint)), C(schannel_set) (C(name), C(value)), C(schannel_unset) (C(name)).
      - C(schannel_set) and C(schannel_unset) accept only C(ClientAuthTrustMode) and C(SendTrustedIssuerList).
        When one of them changes a value it first creates the volatile registry key
        C(HKLM\SOFTWARE\mtls.iis\SchannelRebootPending), which Windows removes at the next restart, so that
        gather can tell that a reboot is pending.
      - C(pfx_import) (C(store), C(pfx) base64 PFX, C(password_ref) the key in O(secrets) holding the PFX password,
        C(thumbprint)) imports a certificate with its private key into the LocalMachine store (machine key set,
        persisted, not exportable); it is a no-op when the store already has that certificate with a key.
      - C(binding_add) (C(site), C(binding_information) such as C(*:443:www.contoso.com), C(ssl_flags),
        C(certificate_hash), C(certificate_store)), C(binding_remove) (C(site), C(binding_information)),
        C(binding_set_cert) (C(site), C(binding_information), C(certificate_hash), C(certificate_store)) and
        C(binding_set_flags) (C(site), C(binding_information), C(ssl_flags) the whole binding C(sslFlags) integer)
        change the https bindings of an IIS site. A site that does not exist fails the operation. IIS rewrites
        the HTTP.sys record of a binding it changes and drops its client certificate options.
      - C(httpsys_set) (C(key), C(kind) C(ipport) or C(hostnameport), C(certificate_hash), C(certificate_store),
        C(app_id), C(negotiate_client_certificate), C(ctl_store_name) or null, C(ds_mapper), C(revocation) one of
        C(online), C(cached_only), C(off), C(revocation_freshness_seconds) with 0 for none, C(disable_tls13),
        C(disable_legacy_tls), C(disable_http2), C(disable_quic), C(disable_ocsp_stapling)) writes the whole
        HTTP.sys SSL record of that key with C(netsh http update sslcert), or C(add) when there is none.
        C(httpsys_remove) (C(key), C(kind)) deletes it.
      - C(access_set) (C(location), C(ssl_flags) integer of C(Ssl)=8, C(SslNegotiateCert)=32,
        C(SslRequireCert)=64, C(Ssl128)=256) writes C(system.webServer/security/access) C(sslFlags) at that
        location path in C(applicationHost.config); C(access_unset) (C(location)) removes it there so that the
        path inherits.
      - C(feature_install) (C(name)) installs a Windows feature with C(Install-WindowsFeature) (no-op when it is
        installed); its entry in RV(results) has C(reboot_required). Pending IIS changes are saved before it runs.
      - C(auth_set) (C(location) the site name, C(section) one of C(iis_mapping), C(ad_mapping), C(anonymous),
        C(attributes) a dictionary of IIS attribute names and values) sets those attributes of the section at the
        site. C(iis_mapping) takes C(enabled), C(oneToOneCertificateMappingsEnabled),
        C(manyToOneCertificateMappingsEnabled), C(logonMethod) (C(Interactive), C(Batch), C(Network) or
        C(ClearText)) and C(defaultLogonDomain); C(ad_mapping) and C(anonymous) take C(enabled). Another section or
        attribute fails the operation.
      - C(one_to_one_set) (C(location), C(certificate) the client certificate's DER as base64, C(user),
        C(enabled), optional C(password_ref)) adds or updates the one-to-one mapping of that certificate;
        C(one_to_one_remove) (C(location), C(certificate)) removes it.
      - C(many_to_one_set) (C(location), C(name), C(description), C(enabled), C(permission) C(Allow) or C(Deny),
        C(user), C(rules) a list of C(field) C(Subject) or C(Issuer), C(subfield) such as C(O) or C(CN),
        C(match) with wildcards allowed, C(case_sensitive); optional C(password_ref)) adds or updates the
        many-to-one mapping of that name and replaces its rules when they differ; C(many_to_one_remove)
        (C(location), C(name)) removes it.
      - C(tracing_set) (C(site), C(enabled), C(directory), C(max_log_files), C(path) such as C(*),
        C(status_codes) a list such as C([403.7, 403.16])) sets the site's Failed Request Tracing switch, log
        directory and number of kept trace files, and adds or replaces the rule for that path at the site, with provider
        C(WWW Server), areas C(Authentication,Security), verbosity C(Verbose), those status codes (compared in any
        order). It fails when the site's own C(web.config) already has a rule for that path.
      - C(tracing_remove) (C(site), C(path)) removes the rule for that path at the site, if any, and turns the
        site's Failed Request Tracing switch off.
      - Both tracing operations fail when Failed Request Tracing (Windows feature C(Web-Http-Tracing)) is not
        installed. A site that does not exist fails C(tracing_set); C(tracing_remove) then changes nothing.
      - A mapping password is written only when the operation has C(password_ref) (the key in O(secrets));
        it cannot be read back, so such an operation always reports C(changed=true). A mapping without a user,
        or a rule field other than C(Subject) or C(Issuer), fails the operation, as IIS refuses them.
      - Mappings are written at the site (IIS ignores them at an application); a location that is not a site
        name fails the operation, and so does a site that does not exist, except for the C(*_remove) operations,
        which then change nothing.
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
  - IIS is read and changed through C(Microsoft.Web.Administration); without IIS, gather returns
    C(iis.available=false) and the IIS operations fail.
  - HTTP.sys records are written with C(netsh http), judged by its exit code only (its output is localized).
    The C(disable*) settings exist only on newer Windows builds; they are passed to netsh only when set or
    when the current record has them.
  - The Schannel values are read with their registry type; a value of another type than REG_DWORD is returned
    as a string. Changes to them take effect after a reboot (Schannel runs in LSASS, which reads them at start).
    The module records the boot during which it changed one in its own key C(HKLM\SOFTWARE\mtls.iis); it never
    writes anything else under the C(SCHANNEL) key.
  - The HTTP.sys registry value names the snapshot is read from are community-sourced, not documented by
    Microsoft.
  - Certificate mappings are written through C(Microsoft.Web.Administration), never C(appcmd) (whose escaping
    breaks the base64 certificate). IIS stores mapping passwords encrypted.
  - Turning Active Directory client certificate mapping on or off outside IIS Manager takes effect after IIS
    restarts; this module does not restart IIS.
seealso:
  - module: mtls.iis.client_cert
  - module: mtls.iis.client_cert_info
author:
  - mtls.iis contributors (!UNKNOWN)
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
results:
  description:
    - One entry per operation that ran, in order, with C(index), C(op) and C(changed).
    - C(returned.der) is the base64 DER of a certificate that left a store (C(cert_move), C(cert_remove)).
    - C(reboot_required) (C(feature_install) only) is true when Windows needs a restart to finish installing.
    - The operation that failed, if any, is the last entry and has C(failed=true). When saving the IIS
      configuration fails, the last IIS operation before the save is the one marked failed.
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
