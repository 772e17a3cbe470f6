# mtls.iis — every set-up step is here; nothing needs installing by hand.
#   make demo   converge playbook against the simulated Windows host: plan (check+diff), apply, rerun changed=0
#   make test   lint, static PowerShell checks and every test, on the newest ansible-core and on 2.16
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

.PHONY: demo test bench lint unit-newest unit-oldest pester chromium nginx openssl clean

$(VENV)/.installed: requirements.txt tests/requirements.txt tests/requirements-lint.txt
	$(PY_NEWEST) -m venv $(VENV)
	$(VENV)/bin/pip install $(PIP_FLAGS) --upgrade pip
	$(VENV)/bin/pip install $(PIP_FLAGS) ansible-core -r requirements.txt -r tests/requirements.txt \
		-r tests/requirements-lint.txt
	touch $@

$(VENV_OLDEST)/.installed: requirements.txt tests/requirements.txt
	$(PY_OLDEST) -m venv $(VENV_OLDEST)
	$(VENV_OLDEST)/bin/pip install $(PIP_FLAGS) --upgrade pip
	$(VENV_OLDEST)/bin/pip install $(PIP_FLAGS) '$(OLDEST_CORE)' -r requirements.txt -r tests/requirements.txt
	touch $@

demo: $(VENV)/.installed
	$(VENV)/bin/python tools/demo.py

# The benchmark's own virtualenv: PyPI's `ansible` package brings the anchor's collections
# (ansible.windows, microsoft.iis); they never enter the test virtualenvs.
$(VENV_BENCH)/.installed: requirements.txt tools/bench/requirements.txt
	$(PY_NEWEST) -m venv $(VENV_BENCH)
	$(VENV_BENCH)/bin/pip install $(PIP_FLAGS) --upgrade pip
	$(VENV_BENCH)/bin/pip install $(PIP_FLAGS) -r requirements.txt -r tools/bench/requirements.txt
	touch $@

bench: $(VENV_BENCH)/.installed
	$(VENV_BENCH)/bin/python tools/bench.py

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/python -c 'import sys; sys.path.insert(0, "tests"); \
		from support.collection import ensure_collection_link; ensure_collection_link()'
	ANSIBLE_COLLECTIONS_PATH=.build/collections $(VENV)/bin/ansible-lint --nocolor roles/client_cert_auth playbooks

chromium:
	tools/ensure-chromium

# the probe tests start Debian's nginx on loopback
nginx:
	tools/ensure-nginx

# the certificate corpus cross-checks verdicts with Debian's openssl
openssl:
	tools/ensure-openssl

unit-newest: chromium nginx openssl $(VENV)/.installed
	@$(VENV)/bin/python -c 'import ansible.release as r; print("ansible-core", r.__version__)'
	$(VENV)/bin/python -m pytest -q

unit-oldest: chromium nginx openssl $(VENV_OLDEST)/.installed
	@$(VENV_OLDEST)/bin/python -c 'import ansible.release as r; print("ansible-core", r.__version__)'
	$(VENV_OLDEST)/bin/python -m pytest -q

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
			-AnsiblePath "$$ansible" -Label "ansible-core-$$version"; \
	done

test: lint unit-newest unit-oldest pester

clean:
	rm -rf $(VENV) $(VENV_OLDEST) $(VENV_BENCH) .build
