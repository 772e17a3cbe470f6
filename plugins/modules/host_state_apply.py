# Copyright: (c) 2025, mtls.iis maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation only: the module is host_state_apply.ps1; its contract is docs/ENGINE.md.

DOCUMENTATION = r"""
---
module: host_state_apply
short_description: Internal engine run that changes the client-certificate state of a Windows host
version_added: 0.1.0
description:
  - Internal module, used by the action plugins of this collection; not meant to be called directly.
    Use M(mtls.iis.client_cert) or one of the single-part modules instead.
  - Runs the operations in O(ops) in order and stops at the first one that fails.
    It holds no desired-state logic; the action plugins plan the operations on the controller.
  - IIS configuration changes (the C(binding_*), C(access_*), C(auth_set), C(one_to_one_*),
    C(many_to_one_*) and C(tracing_*) operations) are saved to C(applicationHost.config) once per contiguous run of such
    operations, before the next other operation and at the end. Before saving, the pending configuration of
    every site whose authentication changed is checked for what IIS refuses (many-to-one mappings enabled
    together with Active Directory client certificate mapping). When an operation of a run, that check or
    the save fails, the changes of that run are not saved and its operations are reported with
    C(changed=false); the failure message lists them.
  - The gather/apply contract is described in C(docs/ENGINE.md) of the collection; M(mtls.iis.host_state_gather)
    reads the host. The two runs are two modules so that a gather sends only the code that reads.
options:
  ops:
    description:
      - What to do, in execution order. Each operation is a dictionary with an C(op) key naming it
        and its arguments.
      - C(store_create) (C(store)), C(cert_import) (C(store), C(der) base64 DER, C(thumbprint) its SHA-1 as computed
        on the controller; a mismatch fails the operation), C(cert_move) (C(from_store),
        C(to_store), C(thumbprint); adds to the target store before removing from the source), C(cert_remove)
        (C(store), C(thumbprint)), C(schannel_set) (C(name), C(value)), C(schannel_unset) (C(name)).
      - C(schannel_set) and C(schannel_unset) accept only C(ClientAuthTrustMode) and C(SendTrustedIssuerList).
        When one of them changes a value it first creates the volatile registry key
        C(HKLM\SOFTWARE\mtls.iis\SchannelRebootPending), which Windows removes at the next restart, so that
        M(mtls.iis.host_state_gather) can tell that a reboot is pending.
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
    details: It accepts check mode only to fail with a message that names the cause, before any operation runs;
      the action plugins stop after planning in check mode.
  diff_mode:
    support: none
  platform:
    platforms: windows
notes:
  - IIS is read and changed through C(Microsoft.Web.Administration); without IIS, the IIS operations fail.
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
  - module: mtls.iis.host_state_gather
  - module: mtls.iis.client_cert
  - module: mtls.iis.client_cert_info
author:
  - mtls.iis contributors (!UNKNOWN)
"""

EXAMPLES = r"""
# Internal: the action plugins of mtls.iis call this module; this task only shows the contract.
- name: Create the client-auth issuer store and restrict Schannel to it
  mtls.iis.host_state_apply:
    ops:
      - op: store_create
        store: ClientAuthIssuer
      - op: schannel_set
        name: ClientAuthTrustMode
        value: 2
"""

RETURN = r"""
results:
  description:
    - One entry per operation that ran, in order, with C(index), C(op) and C(changed).
    - C(returned.der) is the base64 DER of a certificate that left a store (C(cert_move), C(cert_remove)).
    - C(reboot_required) (C(feature_install) only) is true when Windows needs a restart to finish installing.
    - The operation that failed, if any, is the last entry and has C(failed=true). When saving the IIS
      configuration fails, the last IIS operation before the save is the one marked failed.
  returned: always
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
  returned: an operation failed
  type: int
  sample: 2
"""
