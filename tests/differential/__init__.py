"""The differential test of issue 20: the simulated op engine against the pwsh host (``make e2e-pwsh``)."""
