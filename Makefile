# mtls.iis — every set-up step is here; nothing needs installing by hand.
#   make demo   converge playbook against the simulated Windows host: plan (check+diff), apply, rerun changed=0
#   make test   lint, static PowerShell checks and every test, on the newest ansible-core and on 2.16,
#               ansible-test sanity and units on both, galaxy-importer and antsibull on the built collection
#   make pester the PowerShell (Pester) suite against the Ansible.Basic of both ansible-core versions, with coverage gates
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

VENV        ?= .venv
VENV_OLDEST ?= .venv-oldest
OLDEST_CORE ?= ansible-core>=2.16,<2.17
PY_NEWEST   := $(shell tools/pick-python newest)
PY_OLDEST   := $(shell tools/pick-python oldest)
PIP_FLAGS   := --disable-pip-version-check --quiet

VENV_BENCH  ?= .venv-bench
VENV_MUTATION ?= .venv-mutation
# e2e tests run one file per pytest-xdist worker (a file's fleets and endpoints are module fixtures); -n auto = cores
E2E_XDIST   ?= -n auto --dist loadfile

.PHONY: demo test test-lane-cpu test-lane-one-core system-packages bench mutation mutation-ps mutation-sample lint unit-newest unit-oldest pester e2e-pwsh e2e-pwsh-test psstatic e2e-wire e2e-wire-test sanity-newest sanity-oldest publish-check dist clean

$(VENV)/.installed: requirements.txt tests/requirements.txt tests/requirements-lint.txt tests/requirements-publish.txt
	$(PY_NEWEST) -m venv $(VENV)
	$(VENV)/bin/pip install $(PIP_FLAGS) --upgrade pip
	$(VENV)/bin/pip install $(PIP_FLAGS) ansible-core -r requirements.txt -r tests/requirements.txt \
		-r tests/requirements-lint.txt -r tests/requirements-publish.txt
	touch $@

$(VENV_OLDEST)/.installed: requirements.txt tests/requirements.txt
	$(PY_OLDEST) -m venv $(VENV_OLDEST)
	$(VENV_OLDEST)/bin/pip install $(PIP_FLAGS) --upgrade pip
	$(VENV_OLDEST)/bin/pip install $(PIP_FLAGS) '$(OLDEST_CORE)' -r requirements.txt -r tests/requirements.txt
	touch $@

# ENGINE=pwsh: the same demo on the pwsh host (the real engine modules on pwsh, tools/demo.py, docs/TESTING.md).
ENGINE ?= sim
demo: $(VENV)/.installed
	$(VENV)/bin/python tools/demo.py --engine $(ENGINE)

# The benchmark's own virtualenv: PyPI's `ansible` package brings the anchor's collections
# (ansible.windows, microsoft.iis); they never enter the test virtualenvs.
$(VENV_BENCH)/.installed: requirements.txt tools/bench/requirements.txt
	$(PY_NEWEST) -m venv $(VENV_BENCH)
	$(VENV_BENCH)/bin/pip install $(PIP_FLAGS) --upgrade pip
	$(VENV_BENCH)/bin/pip install $(PIP_FLAGS) -r requirements.txt -r tools/bench/requirements.txt
	touch $@

bench: $(VENV_BENCH)/.installed
	$(VENV_BENCH)/bin/python tools/bench.py

# Mutation testing (docs/TESTING.md "Mutation testing"): cosmic-ray in its own virtualenv mutates plugins/plugin_utils
# and plugins/action, one copy of the collection per module, against the fast unit tests in .venv. Not in make test: a
# full run takes hours on 2 cores. MUTATION_ARGS: module names, --sample (the planners), --limit N, --rerun, --jobs N.
$(VENV_MUTATION)/.installed: tests/requirements-mutation.txt
	$(PY_NEWEST) -m venv $(VENV_MUTATION)
	$(VENV_MUTATION)/bin/pip install $(PIP_FLAGS) --upgrade pip
	$(VENV_MUTATION)/bin/pip install $(PIP_FLAGS) -r tests/requirements-mutation.txt
	touch $@

mutation: $(VENV)/.installed $(VENV_MUTATION)/.installed mutation-ps
	$(VENV_MUTATION)/bin/python tools/mutation.py $(MUTATION_ARGS)

# The PowerShell mutants (tools/ps_mutation.py): hand-listed bugs in the utils and the dispatcher, each planted alone
# in a copy of the repository, against its Pester file; fails when one survives.
mutation-ps: $(VENV)/.installed
	$(VENV)/bin/python tools/ps_mutation.py --jobs 2

# The small sample: 6 mutants of each planner (36), a few minutes on the shared 2-core machine.
mutation-sample: $(VENV)/.installed $(VENV_MUTATION)/.installed
	$(VENV_MUTATION)/bin/python tools/mutation.py --sample --limit 6 --jobs 2

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ansible-lint --nocolor

# Debian packages the unit and e2e tests need (Chromium renders the audit report, the probe tests start nginx, the
# certificate corpus asks openssl), one apt run after another: two apt-get at once fail on dpkg's lock
system-packages:
	tools/ensure-chromium
	tools/ensure-nginx
	tools/ensure-openssl

# The static PowerShell checks alone (real parser, Windows PowerShell 5.1, .NET Framework 4.6.2, lint); make test runs
# them with every other test. Needs shared/pwsh/pwsh above the repository or pwsh on PATH (docs/TESTING.md).
psstatic: $(VENV)/.installed
	$(VENV)/bin/python -m pytest -q tests/unit/test_powershell_static.py tests/unit/test_psstatic_rules.py

# tests/unit runs under `ansible-test units` (as a collection's unit tests are run; requirements in
# tests/unit/requirements.txt); tests/e2e under plain pytest: they run ansible-playbook against the simulated
# hosts through a test connection plugin and a headless browser, which ansible-test's units sandbox is not for.
unit-newest: system-packages $(VENV)/.installed
	@$(VENV)/bin/python -c 'import ansible.release as r; print("ansible-core", r.__version__)'
	$(VENV)/bin/python tools/run_ansible_test.py units
	$(VENV)/bin/python -m pytest -q $(E2E_XDIST) tests/e2e

unit-oldest: system-packages $(VENV_OLDEST)/.installed
	@$(VENV_OLDEST)/bin/python -c 'import ansible.release as r; print("ansible-core", r.__version__)'
	$(VENV_OLDEST)/bin/python tools/run_ansible_test.py units
	$(VENV_OLDEST)/bin/python -m pytest -q $(E2E_XDIST) tests/e2e

# PowerShell under Pester (tests/powershell, docs/TESTING.md): pwsh is the nearest shared/pwsh/pwsh above the
# repository, else pwsh on PATH (tools/find-pwsh fails saying what is missing). Once per virtualenv, so the module
# runs with the Ansible.Basic of the newest ansible-core and of 2.16.
pester: $(VENV)/.installed $(VENV_OLDEST)/.installed
	@pwsh=$$(tools/find-pwsh); \
	for venv in $(VENV) $(VENV_OLDEST); do \
		ansible=$$($$venv/bin/python -c 'import ansible, os; print(os.path.dirname(ansible.__file__))'); \
		version=$$($$venv/bin/python -c 'import ansible.release as r; print(r.__version__)'); \
		echo "Pester against the Ansible.Basic of ansible-core $$version"; \
		"$$pwsh" -NoProfile -NonInteractive -File tests/powershell/Invoke-MtlsPester.ps1 \
			-AnsiblePath "$$ansible" -Label "ansible-core-$$version" || exit 1; \
	done

# The differential test of issue 20 (tests/differential, docs/TESTING.md): every scenario on the simulated op engine
# and on the pwsh host (the real engine modules through Ansible's exec wrapper on pwsh, the Windows boundary faked
# onto the Python Windows model), on the newest ansible-core and on 2.16; prints the scenario count and disagreements.
# E2E_PWSH_ONLY narrows it (MTLS_DIFF_ONLY: names, or prefixes ending in *).
e2e-pwsh: $(VENV)/.installed $(VENV_OLDEST)/.installed
	@tools/find-pwsh >/dev/null
	for venv in $(VENV) $(VENV_OLDEST); do \
		MTLS_DIFF_ONLY='$(E2E_PWSH_ONLY)' $$venv/bin/python -m pytest tests/differential -q -p no:cacheprovider || exit 1; \
	done

# What make test runs of it (every scenario takes about 11 CPU-minutes per ansible-core, docs/TESTING.md): every
# converge through an action plugin (the round trips), the engine contract, and per op family a change, a failure and
# what Windows does that the planner relies on.
E2E_PWSH_TEST := gather-host,gather-schannel-regsz,gather-features-wildcard,gather-unknown-scope,\
schannel-set-over-regsz,feature-install-reboot,apply-stops-at-first-failure,apply-in-check-mode,apply-unknown-op,\
module-*,action-*,iis-module-*,iis-gather-access-web-config,iis-gather-access-web-config-locked,iis-gather-auth,\
iis-many-to-one-duplicate-rule,iis-section-clear,iis-binding-remove,iis-access-set-missing-site,gather-httpsys-every-kind,\
httpsys-set-update-keeps-what-it-does-not-manage,httpsys-save-then-set,httpsys-remove,cert-move,\
cert-remove-missing-store,pfx-import-aes-before-17763,pfx-import-wrong-password
e2e-pwsh-test:
	$(MAKE) e2e-pwsh E2E_PWSH_ONLY='$(E2E_PWSH_TEST)'

# Our PowerShell behind the WinRM endpoint (issue 21, tests/wire, docs/TESTING.md): the differential scenarios with the
# pwsh host reached over ansible.builtin.winrm and pywinrm (Basic over HTTPS, NTLM with message encryption, certificate
# authentication), a pwsh process per WinRS command, on the newest ansible-core and on 2.16. WIRE_SCENARIOS=subset: the
# six scenarios make test runs, spread over the three transports; spread: every scenario once, the transports taking
# turns; all (default): every scenario per transport.
WIRE_SCENARIOS ?= all
e2e-wire: $(VENV)/.installed $(VENV_OLDEST)/.installed
	@tools/find-pwsh >/dev/null
	for venv in $(VENV) $(VENV_OLDEST); do \
		MTLS_WIRE_SCENARIOS=$(WIRE_SCENARIOS) $$venv/bin/python -m pytest tests/wire -q -p no:cacheprovider || exit 1; \
	done

# What make test runs of it: the six subset scenarios (two per transport: gathers, a changing and an unchanged
# converge with their round trips, a failure mid-apply, check mode) and the runner's own tests on both ansible-core
# versions; the failure paths and the 500-certificate gather on the newest (make e2e-wire runs them on both).
e2e-wire-test: $(VENV)/.installed $(VENV_OLDEST)/.installed
	@tools/find-pwsh >/dev/null
	MTLS_WIRE_SCENARIOS=subset $(VENV)/bin/python -m pytest tests/wire -q -p no:cacheprovider
	MTLS_WIRE_SCENARIOS=subset $(VENV_OLDEST)/bin/python -m pytest tests/wire/test_wire_differential.py \
		tests/wire/test_pwsh_runner.py -q -p no:cacheprovider

# ansible-test sanity, offline, every test but pslint (PSScriptAnalyzer cannot be installed here).
sanity-newest: $(VENV)/.installed
	$(VENV)/bin/python tools/run_ansible_test.py sanity

sanity-oldest: $(VENV_OLDEST)/.installed
	$(VENV_OLDEST)/bin/python tools/run_ansible_test.py sanity

# galaxy-importer on the built tarball, antsibull-docs and antsibull-changelog lint.
publish-check: $(VENV)/.installed
	$(VENV)/bin/python tools/publish_checks.py

# The tarball to publish: only with the project's real public repository address in galaxy.yml.
dist: $(VENV)/.installed
	@grep -q '^repository: ' galaxy.yml || { echo "galaxy.yml has no repository: add the project's public address first"; exit 1; }
	$(VENV)/bin/ansible-galaxy collection build --force --output-path .build/dist

# make test: lint, the Debian packages and both virtualenvs first, then two lanes side by side (-j2), each running its
# stages in order: the CPU lane (the xdist unit and e2e suites and the differential test, both cores each) and the
# one-core lane (ansible-test sanity, Pester, galaxy-importer: one process at a time, much of it pip filling
# ansible-test's virtualenvs; then the WinRM-path tests), so both cores stay busy (docs/TESTING.md "Layers").
# --output-sync prints each stage's output in one piece when it ends.
test: lint system-packages $(VENV_OLDEST)/.installed
	$(MAKE) -j2 --output-sync=target test-lane-cpu test-lane-one-core

test-lane-cpu:
	$(MAKE) unit-newest
	$(MAKE) unit-oldest
	$(MAKE) e2e-pwsh-test

test-lane-one-core:
	$(MAKE) sanity-newest
	$(MAKE) sanity-oldest
	$(MAKE) pester
	$(MAKE) e2e-wire-test
	$(MAKE) publish-check

clean:
	rm -rf $(VENV) $(VENV_OLDEST) $(VENV_BENCH) $(VENV_MUTATION) .build .ansible
