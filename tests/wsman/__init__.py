"""A WS-Management (WinRM) endpoint on loopback in front of the simulated Windows hosts (test infrastructure).

``soap`` reads and writes the envelopes, ``service`` holds the WinRM service's limits and faults, ``auth`` the
transports' authentication, ``shells`` the WinRS service of one host, ``commands`` what executes a command (the
pluggable part), ``server`` the HTTP listeners. See README.md.
"""
