#AnsibleRequires -CSharpUtil Ansible.Basic
# A no-op module: Ansible's own floor on a PowerShell host (exec wrapper, Ansible.Basic compiled, one JSON answer).
# tools/bench_wire.py runs it beside our converges (docs/PERFORMANCE.md).

$module = [Ansible.Basic.AnsibleModule]::Create($args, @{ options = @{} })
$module.ExitJson()
