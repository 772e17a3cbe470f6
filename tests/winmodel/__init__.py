"""A Python model of Windows at the level of the boundary functions of docs/POWERSHELL.md (issue 20).

The fakes of ``tests/pwshhost/fakes`` send each boundary call to :mod:`winmodel.server`, which answers it from the
host's state file (the same file the simulated op engine of ``tests/simhost`` reads and writes). Each modelled fact
names its entry of docs/WINDOWS_FACTS.md. Test infrastructure only: never part of the built collection.
"""
