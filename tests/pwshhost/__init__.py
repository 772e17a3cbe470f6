"""The pwsh test host (issue 20): the real engine modules through Ansible's exec wrapper on pwsh, with the Windows
boundary (docs/POWERSHELL.md) replaced by fakes that ask the Python Windows model (``tests/winmodel``)."""
