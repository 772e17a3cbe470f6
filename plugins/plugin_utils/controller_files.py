# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Files the user names in a task, read on the controller the way ``copy`` finds them. I/O at the edge."""

from __future__ import annotations

import os
from typing import Any

from ansible.errors import AnsibleError

from .errors import OptionError


def read_controller_file(action: Any, path: str, option: str) -> bytes:
    """A file on the controller, searched like ``copy`` does (role/playbook ``files/``), vault-aware.

    ``action`` is the running action plugin (its ``_find_needle`` and ``_loader``); ``option`` names the option in
    errors.
    """
    try:
        found = action._find_needle("files", path)
    except AnsibleError:
        raise OptionError(
            option,
            f"file {path} was not found on the controller.",
            "give an absolute path or one relative to the playbook's or role's files/ directory.",
        ) from None
    if os.path.isdir(found):
        raise OptionError(
            option, f"{path} is a directory, not a file.", "give the path of the file itself (e.g. .../server.pfx)."
        )
    try:
        real = action._loader.get_real_file(found, decrypt=True)
    except AnsibleError as exc:  # unreadable, or a vault that cannot be opened
        raise OptionError(
            option, f"file {path} cannot be read ({exc.message}).", "check the file, its permissions and vault secret."
        ) from None
    try:
        with open(real, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise OptionError(
            option, f"file {path} cannot be read ({exc.strerror}).", "check the path and that you may read the file."
        ) from None
    finally:
        action._loader.cleanup_tmp_file(real)
