# Two commands do everything on a fresh Debian 12 machine (as root):
#   make demo   - the local environment, then every deploying phase on it
#   make test   - lint, unit, Molecule and end-to-end tests
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
ROOT := $(abspath .)
VENV := $(ROOT)/.venv
STATE := $(ROOT)/.local
export PATH := $(VENV)/bin:$(PATH)
export ANSIBLE_CONFIG := $(ROOT)/ansible.cfg
# Caches shared with the test containers (apt archives and lists).
export MASCLET_CACHE ?= $(ROOT)/.cache
# Serialises everything that drives the local environment's host (demo, host tests, bench).
HOSTLOCK := flock $(STATE)/host.lock
INVENTORY ?= inventory/local
PYTEST_ARGS ?=

APT_PACKAGES := docker.io debootstrap pebble git curl openssl iproute2 util-linux socat openssh-client \
	ca-certificates testssl.sh chromium chromium-driver postgresql-client jq gnupg

.PHONY: help setup local-up local-client-up local-down sample-repo demo test lint unit molecule e2e bench clean

help:
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

setup: $(STATE)/apt.done $(VENV)/.done ## install what the project needs (idempotent)

$(STATE)/apt.done: Makefile
	@mkdir -p $(STATE)
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "setup: apt-get install $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	@# Node.js may come from elsewhere with its own npm; Debian's only when none is there.
	@command -v npm >/dev/null || { apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null; }
	@touch $@

$(VENV)/.done: requirements.txt requirements-dev.txt
	@test -x $(VENV)/bin/python || python3 -m venv $(VENV)
	@$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt 2>&1 | grep -v '^WARNING: Location' || true
	@$(VENV)/bin/python -c 'import ansible, ansible_mitogen, boto3, moto, molecule' # fails loudly when the install did not
	@touch $@

local-up: setup ## start dockerd, the host container, moto and pebble
	@$(ROOT)/scripts/local-up.sh

local-client-up: local-up ## the client's account and host beside the local ones (an account move's target)
	@$(ROOT)/scripts/local-client-up.sh

local-down: ## stop what local-up started (and nothing else)
	@$(ROOT)/scripts/local-down.sh

sample-repo: ## the sample application as a git repository in .cache/sample-app
	@$(ROOT)/examples/make-sample-repo.sh $(ROOT)/.cache/sample-app >/dev/null

demo: local-up sample-repo ## run every deploying phase on the local environment
	@mkdir -p $(STATE)/logs
	@$(HOSTLOCK) ansible-playbook -i $(INVENTORY) playbooks/site.yml | tee $(STATE)/logs/demo.log
	@python3 $(ROOT)/scripts/demo_summary.py $(STATE)/logs/demo.log

lint: setup ## ansible-lint (production profile), yamllint, ruff
	yamllint -s .
	ruff check .
	ruff format --check .
	ansible-lint --profile production

unit: setup ## unit tests: custom modules against moto in-process, templates
	pytest tests/unit $(PYTEST_ARGS)

TESTS := tests/unit tests/integration tests/molecule tests/e2e

test: setup ## every test: lint, then pytest (unit, Molecule scenarios, end to end)
	@mkdir -p $(STATE)/logs
	@# Lint (CPU) beside the stand-ins' start (on a clean machine mostly the image's download):
	@# both must pass before any test runs. The sample repository is read by every session.
	@$(MAKE) lint >$(STATE)/logs/lint.log 2>&1 & lint=$$!; \
	$(MAKE) local-up && $(MAKE) sample-repo && up=0 || up=$$?; \
	wait $$lint && linted=0 || linted=$$?; \
	cat $(STATE)/logs/lint.log; \
	echo "make test: lint exit $$linted, local-up exit $$up"; \
	[ $$linted = 0 ] && [ $$up = 0 ]
	@# Three sessions side by side: the host's tests, the shared Molecule instance's scenarios
	@# (each one after another), and the tests that share nothing with either but the local
	@# stand-ins (tests/conftest.py marks which is which).
	@pytest -p no:cacheprovider -m "not host and not containers" --durations=20 $(TESTS) $(PYTEST_ARGS) >$(STATE)/logs/pytest-beside.log 2>&1 & beside=$$!; \
	pytest -p no:cacheprovider -m containers --durations=12 $(TESTS) $(PYTEST_ARGS) >$(STATE)/logs/pytest-containers.log 2>&1 & containers=$$!; \
	$(HOSTLOCK) pytest -m host --durations=30 $(TESTS) $(PYTEST_ARGS) && host=0 || host=$$?; \
	wait $$containers && shared=0 || shared=$$?; \
	wait $$beside && others=0 || others=$$?; \
	echo "=== the shared Molecule instance's scenarios (pytest -m containers, $(STATE)/logs/pytest-containers.log):"; \
	cat $(STATE)/logs/pytest-containers.log; \
	echo "=== the other tests (pytest -m 'not host and not containers', $(STATE)/logs/pytest-beside.log):"; \
	cat $(STATE)/logs/pytest-beside.log; \
	echo "make test: host tests exit $$host, shared-instance scenarios exit $$shared, the others exit $$others"; \
	[ $$host = 0 ] && [ $$shared = 0 ] && [ $$others = 0 ]

bench: local-up sample-repo ## benchmark figures into bench/results.json
	$(HOSTLOCK) python bench/run.py --out bench/results.json

clean: local-down
	rm -rf .cache .local/logs
