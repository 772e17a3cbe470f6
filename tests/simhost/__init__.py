"""A simulated Windows host for testing ``mtls.iis`` without Windows.

It implements the ``host_state`` gather/apply contract of ``docs/ENGINE.md`` over a JSON state file
(one per host). See ``README.md`` in this directory for what it models and what it does not.
"""
