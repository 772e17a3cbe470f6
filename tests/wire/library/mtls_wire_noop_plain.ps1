#Requires -Version 5.1
# A no-op module without Ansible.Basic: the exec wrapper alone, no C# to compile. tools/bench_wire.py subtracts it
# from mtls_wire_noop to tell the compile of Ansible.Basic apart (docs/PERFORMANCE.md).

'{"changed": false}'
