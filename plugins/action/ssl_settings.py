# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin of mtls.iis.ssl_settings (documentation: plugins/modules/ssl_settings.py)."""

from __future__ import annotations

from ansible_collections.mtls.iis.plugins.plugin_utils.action_base import PartAction
from ansible_collections.mtls.iis.plugins.plugin_utils.specs import SSL_SETTINGS_OPTIONS
from ansible_collections.mtls.iis.plugins.plugin_utils.ssl_settings import SslDesired


class ActionModule(PartAction):
    ARGUMENT_SPEC = SSL_SETTINGS_OPTIONS
    DESIRED = SslDesired
    DIFF_HEADER = "IIS SSL settings"
