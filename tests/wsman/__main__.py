"""Serve simulated hosts over WinRM until interrupted, for trying playbooks by hand.

    PYTHONPATH=tests .venv/bin/python -m wsman --hosts web01,web02 --transport ntlm-http --state-dir /tmp/fleet
    ansible-playbook -i /tmp/fleet/inventory.yml playbooks/converge.yml -e mtls_hosts=windows

The inventory it writes reaches each host on its own loopback address with the transport's settings
(``support.wire``); the hosts' state files are ``<state-dir>/<host>.json`` (fresh hosts when missing).
"""

from __future__ import annotations

import argparse
import signal
from pathlib import Path

import yaml
from support import wire


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m wsman", description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", default="web01", help="comma-separated host names")
    parser.add_argument("--transport", default="basic-http", choices=wire.TRANSPORTS)
    parser.add_argument("--state-dir", type=Path, required=True)
    args = parser.parse_args()
    args.state_dir.mkdir(parents=True, exist_ok=True)
    hosts = tuple(name.strip() for name in args.hosts.split(",") if name.strip())
    profile = wire.WinRM(args.transport)
    served = wire.serve(hosts, args.state_dir, profile)
    inventory = {"windows": {"hosts": served, "vars": wire.group_vars(profile)}}
    path = args.state_dir / "inventory.yml"
    path.write_text(yaml.safe_dump(inventory))
    print(f"serving {', '.join(hosts)} over {args.transport}; inventory: {path} (Ctrl-C to stop)", flush=True)
    signal.sigwait({signal.SIGINT, signal.SIGTERM})


if __name__ == "__main__":
    main()
