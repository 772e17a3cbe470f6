"""Failure paths (issue 17 item 3): for every op, a plan that holds it, made to fail there on the simulated host.

:data:`FAILING` maps each op name of ``plugins/plugin_utils/ops.py`` to a scenario (a row in the shape of the option
matrix: seeds, the options converged first, the options whose plan holds the op). ``tests/e2e/test_failure_paths.py``
injects a fault on that op (before it takes effect, and after) and checks ``changed``, ``reboot_required``,
``ops_ran`` and the message against what the plan and the fault say, then that a rerun without the fault converges.
``tests/unit/test_failure_paths.py`` holds the table equal to the op vocabulary: a new op without a row fails there.
Where a plan has several ops, the scenario puts the op late, so the ops before it make a partial apply.
"""

from __future__ import annotations

from support import option_matrix as om
from support.option_matrix import ONE, Row

FEATURE_NEEDS_REBOOT = (
    "feature_needs_reboot"  # Web-Cert-Auth / Web-Http-Tracing not installed; installing asks a reboot
)
EXTRA_MANY = "extra_many"  # a many-to-one mapping "old" at SITE, one no task lists

_MATRIX = {row.name: row for row in om.ROWS}
# a certificate change on a binding whose HTTP.sys options the task leaves as they are: IIS rewrites the record
# without them at commit, so they are saved first and set again after (three ops, two of them before httpsys_set)
_SAVE = Row(
    "site_binding",
    "failure:certificate_keeping_options",
    om.binding_options(ds_mapper=True),
    om.binding_options(certificate={"thumbprint": "@B"}),
    ("httpsys_save", "binding_set_cert", "httpsys_set"),
    "",
    (om.MY_CERTS,),
)
_MAPPING_FEATURE = Row(
    "cert_mapping",
    "failure:install_feature",
    None,
    om.mapping_options(enabled=True, install_feature=True),
    ("feature_install", "auth_set"),
    "",
    (om.NO_MAPPING_FEATURE, FEATURE_NEEDS_REBOOT),
)
_TRACING_FEATURE = Row(
    "failed_request_tracing",
    "failure:install_feature",
    None,
    om.tracing_options(install_feature=True),
    ("feature_install", "tracing_set"),
    "",
    (om.NO_TRACING_FEATURE, FEATURE_NEEDS_REBOOT),
)

#: op name -> the scenario whose plan holds it
FAILING: dict[str, Row] = {
    "store_create": _MATRIX["trusted_certs:client_auth_issuers.path"],
    "cert_import": _MATRIX["trusted_certs:client_auth_issuers.path"],
    "cert_move": _MATRIX["trusted_certs:non_self_signed_roots=move"],
    "cert_remove": _MATRIX["trusted_certs:exclusive_client_auth_issuers"],
    "schannel_set": _MATRIX["schannel:client_auth_trust_mode=exclusive_ca"],
    "schannel_unset": _MATRIX["schannel:client_auth_trust_mode=default"],
    "pfx_import": _MATRIX["site_binding:certificate.pfx"],
    "binding_add": _MATRIX["site_binding:port"],
    "binding_remove": _MATRIX["site_binding:state=absent"],
    "binding_set_cert": _SAVE,
    "binding_set_flags": _MATRIX["site_binding:sni"],
    "httpsys_set": _SAVE,
    "httpsys_remove": _MATRIX["site_binding:state=absent"],  # not sni: its commit drops the record first
    "httpsys_save": _SAVE,
    "access_set": _MATRIX["ssl_settings:client_certificates=require"],
    "access_unset": _MATRIX["ssl_settings:state=absent"],
    "feature_install": _MAPPING_FEATURE,
    # two IIS ops in one run: the fault on the second discards the first (it reports changed=false)
    "auth_set": Row(
        "cert_mapping",
        "failure:map_and_enable",
        om.mapping_options(enabled=False),
        om.mapping_options(enabled=True, one_to_one=[ONE]),
        ("one_to_one_set", "auth_set"),
        "",
        (om.MAPPING_FEATURES,),
    ),
    "one_to_one_set": _MATRIX["cert_mapping:one_to_one.user"],
    "one_to_one_remove": _MATRIX["cert_mapping:exclusive"],
    "many_to_one_set": _MATRIX["cert_mapping:many_to_one.permission=deny"],
    "many_to_one_remove": Row(
        "cert_mapping",
        "failure:exclusive_many",
        om.mapping_options(many_to_one=[om.MANY], exclusive=False),
        om.mapping_options(many_to_one=[om.MANY], exclusive=True),
        ("many_to_one_remove",),
        "",
        (om.MAPPING_FEATURES, EXTRA_MANY),
    ),
    "tracing_set": _TRACING_FEATURE,  # after a feature install that asks a reboot
    "tracing_remove": Row(
        "failed_request_tracing",
        "failure:off",
        om.tracing_options(enabled=True),
        om.tracing_options(enabled=False),
        ("tracing_remove",),
        "",
        (om.TRACING_FEATURE,),
    ),
    "section_clear": _MATRIX["cert_mapping:clear_below_site"],
}

#: when the injected fault fires (see tests/simhost/faults.py): before the op changes anything, or after it took
#: effect (a commit or netsh that wrote and then reported an error)
STAGES = ("before", "after")
FAULT_MESSAGE = "Access is denied. (injected by the failure-path test)"
