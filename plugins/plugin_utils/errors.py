# Copyright: mtls.iis contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Errors raised on the controller before anything is sent to a host."""

from __future__ import annotations


class OptionError(ValueError):
    """Bad input for one option: says which option, what is wrong and how to fix it."""

    def __init__(self, option: str, problem: str, fix: str = "") -> None:
        self.option = option
        self.problem = problem
        self.fix = fix
        text = f"{option}: {problem}"
        if fix:
            text += f" Fix: {fix}"
        super().__init__(text)


class HostStateError(RuntimeError):
    """The Windows side answered with a failure or with something we cannot read."""
