# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the module is the action plugin plugins/action/ssl_settings.py.

DOCUMENTATION = r"""
module: ssl_settings
short_description: Set IIS SSL settings (require SSL, client certificates) for a site, application or folder
version_added: 0.1.0
description:
  - Sets C(system.webServer/security/access@sslFlags), what IIS Manager shows as "SSL Settings", for one path.
  - The section is locked, so the value is written into C(applicationHost.config) with a location path, never into a
    C(web.config). Flags are compared as bitmasks, so the order or spelling of the flag names never causes a change.
  - A path that already inherits the wanted value is not rewritten. V(state=absent) removes the override so the path
    inherits again.
  - One module run on the host when nothing changes, two when something does.
options:
  path:
    description: C(Site), C(Site/application) or C(Site/application/folder) (no leading slash needed).
    type: str
    required: true
  require_ssl:
    description: Require SSL (C(Ssl)). Omit to leave it as it is.
    type: bool
  require_128bit:
    description: Require 128-bit SSL (C(Ssl128)). Omit to leave it.
    type: bool
  client_certificates:
    description:
      - V(ignore), V(accept) (C(SslNegotiateCert)) or V(require) (C(SslNegotiateCert,SslRequireCert)). Omit to leave it.
      - V(require) implies O(require_ssl) and is refused together with O(require_ssl=false).
      - With V(accept) or V(require) under TLS 1.3 (default from Server 2022) the binding must negotiate the client
        certificate in the handshake
        (O(mtls.iis.site_binding#module:negotiate_client_certificate)) or disable TLS 1.3, otherwise
        clients get a connection reset or HTTP 500; the module warns when it sees that.
    type: str
    choices: [ignore, accept, require]
  state:
    description: V(present) sets the flags; V(absent) removes the override at this path.
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
    details: Shows the flags at the path before and after, and whether they are inherited.
  platform:
    platforms: windows
seealso:
  - module: mtls.iis.site_binding
author:
  - mtls.iis contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Require SSL and client certificates for the API application
  mtls.iis.ssl_settings:
    path: Default Web Site/api
    client_certificates: require

- name: Accept (not require) client certificates on one folder
  mtls.iis.ssl_settings:
    path: Default Web Site/portal/partners
    require_ssl: true
    client_certificates: accept

- name: Let the folder inherit again
  mtls.iis.ssl_settings:
    path: Default Web Site/portal/partners
    state: absent
"""

RETURN = r"""
plan:
  description: The ops planned for this host.
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
