"""What one module run sends: the payload Ansible builds for a Windows host, split by who wrote each part.

Reads the raw ``in_data`` of a pipelined PowerShell module run (as ``mtls_sim`` dumps it) in the ansible-core >=
2.19 layout: bootstrap JSON (the exec wrapper script as text) + separator + exec manifest (``scripts``: name ->
base64 source, ``actions``). Sizes are what travels inside the payload (base64 in JSON) and the source itself.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

from simhost.payload import NEW_SEPARATOR

OURS_PREFIX = "ansible_collections.mtls.iis."


@dataclass(frozen=True)
class PayloadPart:
    name: str
    owner: str  # "Ansible" or "mtls.iis" or "manifest"
    payload_bytes: int  # bytes this part takes in the payload (base64 inside JSON)
    source_bytes: int  # size of the script itself


def _owner(name: str) -> str:
    return "mtls.iis" if name.startswith(OURS_PREFIX) else "Ansible"


def breakdown(payload: bytes) -> list[PayloadPart]:
    """Every script in the payload, plus the manifest's own JSON (paths, actions, module args)."""
    parts = payload.split(NEW_SEPARATOR, 2)
    if len(parts) < 2:
        raise ValueError("not an exec_manifest payload (ansible-core >= 2.19)")
    bootstrap, manifest = json.loads(parts[0]), json.loads(parts[1])
    wrapper = str(bootstrap["script"])  # the bootstrap carries the exec wrapper as text, not base64
    found = [PayloadPart("bootstrap exec wrapper", "Ansible", len(json.dumps(wrapper)), len(wrapper.encode()))]
    for name, info in manifest["scripts"].items():
        found.append(PayloadPart(name, _owner(name), len(info["script"]), len(base64.b64decode(info["script"]))))
    scripts = sum(part.payload_bytes for part in found)
    found.append(PayloadPart("JSON, paths, actions, module args", "manifest", len(payload) - scripts, 0))
    return found
