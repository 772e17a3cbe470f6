# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the module is the action plugin plugins/action/cert_mapping.py.

DOCUMENTATION = r"""
module: cert_mapping
short_description: Map client certificates to Windows accounts on an IIS site (one-to-one, many-to-one, AD)
version_added: 0.1.0
description:
  - Manages IIS client certificate mapping authentication (C(iisClientCertificateMappingAuthentication)) of a site,
    its one-to-one and many-to-one mappings, Active Directory client certificate mapping
    (C(clientCertificateMappingAuthentication)) and anonymous authentication, all in C(applicationHost.config) at the
    site's location path (the sections are locked).
  - Mappings are honoured at site level only; a path below the site is refused, and mappings found configured below
    site level are reported.
  - Installs the Windows features C(Web-Cert-Auth) / C(Web-Client-Auth) when the mapping needs them and
    O(install_feature) is true, and returns RV(reboot_required) when Windows asks for a restart.
  - Passwords are stored encrypted by IIS and cannot be read back, so they follow O(update_password). They are never
    shown in results, diffs, warnings, errors or logs.
  - One module run on the host when nothing changes, two when something does.
options:
  site:
    description: Name of the IIS site. A path below it (C(Site/app)) is refused because IIS ignores mappings there.
    type: str
    required: true
  enabled:
    description: Enable IIS client certificate mapping authentication for the site. Omit to leave it.
    type: bool
  logon_method:
    description: How IIS logs the mapped account on. Omit to leave it (IIS default V(clear_text)).
    type: str
    choices: [clear_text, network, batch, interactive]
  default_logon_domain:
    description: Domain used for mapped user names without one. Omit to leave it.
    type: str
  one_to_one_enabled:
    description: Allow one-to-one mappings (IIS default true). Omit to leave it.
    type: bool
  many_to_one_enabled:
    description: Allow many-to-one mappings (IIS default true). Omit to leave it.
    type: bool
  one_to_one:
    description:
      - One-to-one mappings, keyed by the client certificate. Omit to leave the existing mappings alone.
      - The certificate comes from a file on the controller or PEM content and is stored as IIS wants it (base64 DER
        on one line). CA certificates, private keys and the same certificate twice are refused.
    type: list
    elements: dict
    suboptions:
      path:
        description: Path of the client certificate (PEM or DER) on the controller.
        type: path
      content:
        description: PEM text of the client certificate.
        type: str
      user:
        description: Windows account the certificate maps to (C(DOMAIN\user)).
        type: str
        required: true
      password:
        description: Password of O(one_to_one[].user). Written on creation, or every run with O(update_password=always).
        type: str
      enabled:
        description: Whether the mapping is enabled.
        type: bool
        default: true
  many_to_one:
    description:
      - Many-to-one mappings, keyed by name. Omit to leave the existing mappings alone.
      - Cannot be used together with O(ad_mapping=true) (IIS refuses it).
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - Unique name of the mapping. IIS compares names without case, so C(Partners) is the mapping C(partners),
            which the module renames.
        type: str
        required: true
      description:
        description: Free text.
        type: str
        default: ""
      user:
        description: Windows account the matching certificates map to.
        type: str
        required: true
      password:
        description: Password of O(many_to_one[].user), following O(update_password).
        type: str
      permission:
        description: Allow or deny access to matching certificates.
        type: str
        choices: [allow, deny]
        default: allow
      enabled:
        description: Whether the mapping is enabled.
        type: bool
        default: true
      rules:
        description: Rules a client certificate must all match.
        type: list
        elements: dict
        default: []
        suboptions:
          field:
            description: Certificate field.
            type: str
            required: true
            choices: [subject, issuer]
          subfield:
            description: Name part, case-sensitive as IIS compares it (C(CN), C(O), C(OU), C(L), C(S), C(C) ...).
            type: str
            required: true
          match:
            description: Value to match; wildcards (C(*)) allowed.
            type: str
            required: true
          case_sensitive:
            description: Compare the value case-sensitively.
            type: bool
            default: true
  exclusive:
    description:
      - Remove one-to-one / many-to-one mappings of the site that the given lists do not contain.
      - A mapping the site inherits from the server level of applicationHost.config cannot be removed at the site (the
        mapping collections have no remove element); the module fails naming it instead of removing it.
    type: bool
    default: false
  update_password:
    description:
      - V(on_create) writes a password only when the mapping is created (never reports a change for it).
      - V(always) writes it on every run (and so always reports a change), because IIS cannot tell whether it differs.
    type: str
    choices: [on_create, always]
    default: on_create
  ad_mapping:
    description:
      - Active Directory client certificate mapping for the site. It needs the DS mapper option on the site's HTTPS
        bindings (M(mtls.iis.site_binding) O(mtls.iis.site_binding#module:ds_mapper)), which the module warns about,
        and an IIS restart to take effect when changed outside IIS Manager.
    type: bool
  anonymous_authentication:
    description: Anonymous authentication for the site. Omit to leave it.
    type: bool
  install_feature:
    description:
      - Install C(Web-Cert-Auth) / C(Web-Client-Auth) when needed and missing.
      - With V(false), a missing feature is an error and nothing is applied.
      - The mapping settings themselves can be written without the features (IIS keeps them), but IIS acts on them
        only with the features installed.
    type: bool
    default: true
  clear_below_site:
    description:
      - Remove the client certificate mapping configuration that applicationHost.config holds for applications or
        folders of the site (for example C(Default Web Site/api)). IIS honours mappings at site level only and
        ignores those, which the module otherwise reports as a warning (and M(mtls.iis.diagnose) as
        C(MAPPING_BELOW_SITE)).
      - Only that configuration goes; the site's own mappings are not touched.
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
    support: full
    details: Shows the sections and mappings before and after; passwords appear only as C((written)).
  platform:
    platforms: windows
seealso:
  - module: mtls.iis.site_binding
  - module: mtls.iis.ssl_settings
author:
  - mtls.iis contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Map two client certificates and a partner organisation
  mtls.iis.cert_mapping:
    site: Default Web Site
    enabled: true
    one_to_one:
      - path: files/clients/build-agent.pem
        user: CONTOSO\svc-build
        password: "{{ vault_svc_build_password }}"
      - path: files/clients/monitoring.pem
        user: CONTOSO\svc-monitor
        password: "{{ vault_svc_monitor_password }}"
    many_to_one:
      - name: fabrikam
        user: CONTOSO\svc-fabrikam
        password: "{{ vault_svc_fabrikam_password }}"
        rules:
          - field: issuer
            subfield: CN
            match: Fabrikam Issuing CA*
          - field: subject
            subfield: O
            match: Fabrikam
    exclusive: true
    anonymous_authentication: false
"""

RETURN = r"""
plan:
  description: The ops planned for this host (passwords never included; they travel as references).
  returned: always
  type: list
  elements: dict
ops_ran:
  description: The ops that ran on the host with their C(status).
  returned: when something was applied
  type: list
  elements: dict
reboot_required:
  description: True when a Windows feature install asked for a restart.
  returned: always
  type: bool
"""
