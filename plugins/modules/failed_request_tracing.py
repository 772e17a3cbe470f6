# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation only: the module is the action plugin plugins/action/failed_request_tracing.py.

DOCUMENTATION = r"""
module: failed_request_tracing
short_description: Turn IIS Failed Request Tracing on or off for the client certificate failures of a site
version_added: 0.1.0
description:
  - Turns on Failed Request Tracing for a site (C(traceFailedRequestsLogging)) with one rule for all paths that
    traces the given status codes with the C(WWW Server) provider's Authentication and Security areas, so every
    403.7, 403.13, 403.16 or 403.17 leaves a trace that says why.
  - Installs the Windows feature C(Web-Http-Tracing) when it is missing and O(install_feature) is true.
  - One module run on the host when nothing changes, two when something does.
options:
  site:
    description: Name of the IIS site.
    type: str
    required: true
  enabled:
    description: V(true) traces the O(status_codes); V(false) removes the rule and turns tracing off for the site.
    type: bool
    default: true
  status_codes:
    description: IIS status codes to trace (C(403.16), C(401), ranges such as C(400-499)).
    type: list
    elements: str
    default: ["401", "403.7", "403.12", "403.13", "403.16", "403.17"]
  directory:
    description: Where IIS writes the trace files.
    type: str
    default: '%SystemDrive%\inetpub\logs\FailedReqLogFiles'
  max_log_files:
    description: How many trace files IIS keeps for the site, from 1 to 10000 (the range IIS accepts).
    type: int
    default: 50
  install_feature:
    description: Install C(Web-Http-Tracing) when missing; with V(false) a missing feature is an error.
    type: bool
    default: true
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
  platform:
    platforms: windows
seealso:
  - module: mtls.iis.diagnose
author:
  - mtls.iis contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Trace the client certificate failures of the API site
  mtls.iis.failed_request_tracing:
    site: Default Web Site

- name: Turn it off again
  mtls.iis.failed_request_tracing:
    site: Default Web Site
    enabled: false
"""

RETURN = r"""
plan:
  description: The ops planned for this host.
  returned: always
  type: list
  elements: dict
reboot_required:
  description: True when installing Web-Http-Tracing asked for a restart.
  returned: always
  type: bool
"""
