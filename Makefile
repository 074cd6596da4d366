# rez_agent — every command a developer or CI needs. Nothing here assumes anything installed by hand:
# `setup` installs uv when none works (into .tools/, never into a system Python), then syncs every
# package; uv fetches the Python 3.13 of .python-version when the machine has none
# (UV_PYTHON_DOWNLOADS=never, uv's own setting, forbids that: offline machines need 3.13 installed).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# uv on PATH, else .tools/bin/uv, else `python3 -m uv` (tools/bootstrap-uv.sh); looked up when used,
# so what `setup` has just installed is found by the targets after it.
UV = $(shell sh tools/bootstrap-uv.sh --find 2>/dev/null || echo uv)
STAGE ?= dev
SERVICE ?=
# Called from inside `uv run` (a deploy packages through make), VIRTUAL_ENV would point uv at
# the wrong environment for the harness's own project.
unexport VIRTUAL_ENV

PACKAGE_DIRS := $(wildcard libs/*/pyproject.toml services/*/pyproject.toml tools/*/pyproject.toml)
PACKAGE_DIRS := $(patsubst %/pyproject.toml,%,$(PACKAGE_DIRS))
SERVICES := $(patsubst services/%,%,$(wildcard services/*))

.PHONY: help setup test test-deployed deployed-suites run-tests harness-tests lint format package demo e2e up down status deploy deploy-code deploy-local bench clean

help: ## list the targets
	@grep -E '^[a-zA-Z_%-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

SYNC := sync --all-packages --all-groups --frozen

setup: ## install uv when missing (into .tools/), then sync every package (and the local AWS harness)
	@sh tools/bootstrap-uv.sh >/dev/null
	@$(UV) $(SYNC) --check >/dev/null 2>&1 || { \
	  echo "syncing $$(grep -c '^\[\[package\]\]' uv.lock) packages into .venv (the first time downloads a few hundred MB; uv fetches Python 3.13 if the machine has none)..."; \
	  $(UV) $(SYNC); }
	@$(MAKE) --no-print-directory -C localstack setup
	@$(UV) sync --project infra/lint --frozen --check >/dev/null 2>&1 || { \
	  echo "syncing $$(grep -c '^\[\[package\]\]' infra/lint/uv.lock) packages into infra/lint/.venv (the template checks)..."; \
	  $(UV) sync --project infra/lint --frozen; }

# Suites that need the deployed system: `make test` runs them on one shared harness.
HARNESS_SUITES := tools/rezctl/tests/harness tools/deploy/tests/harness tests/e2e tests/chaos
LAUNCHER = $(UV) run --project localstack --frozen --quiet python -m rez_localstack.launcher
FREE_PORT = python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'

# GNU make 4 groups each suite's output; macOS's make 3.81 has no --output-sync (it still works).
OUTPUT_SYNC := $(if $(filter 3.%,$(MAKE_VERSION)),,--output-sync=target)

test: setup ## every package's tests, the harness's tests, then the deployed-system suites
	@$(MAKE) --no-print-directory -k -j2 $(OUTPUT_SYNC) \
	  harness-tests $(addprefix unit-,$(notdir $(PACKAGE_DIRS))) || { echo "FAILED: unit or harness tests"; exit 1; }
	@$(MAKE) --no-print-directory test-deployed

test-%: ## one package's tests alone, e.g. make test-telemetry, make test-web-api
	@$(MAKE) --no-print-directory run-tests PACKAGE=$* PYTEST_ARGS="$(PYTEST_ARGS)"

unit-%: # a package's tests without its suites that need a deployed system (run by test-deployed)
	@$(MAKE) --no-print-directory run-tests PACKAGE=$* PYTEST_ARGS="$(addprefix --ignore=,$(HARNESS_SUITES))"

run-tests:
	@dir=$$(for d in libs/$(PACKAGE) services/$(PACKAGE) tools/$(PACKAGE); do if [ -f $$d/pyproject.toml ]; then echo $$d; fi; done | head -1); \
	[ -n "$$dir" ] || { echo "no package named $(PACKAGE)"; exit 2; }; \
	name=$$(sed -n 's/^name = "\(.*\)"/\1/p' $$dir/pyproject.toml | head -1); \
	echo "== $$name ($$dir)"; \
	$(UV) run --frozen --package $$name pytest $$dir $(PYTEST_ARGS)

harness-tests: # the local AWS harness's own tests (it starts its own LocalStack on a free port)
	@$(MAKE) --no-print-directory -C localstack test

test-deployed: setup ## rezctl's, rez_deploy's and the end-to-end suites on one shared harness (LOCALSTACK_ENDPOINT's, else a new one)
	@if [ -n "$${LOCALSTACK_ENDPOINT:-}" ]; then \
	  $(MAKE) --no-print-directory deployed-suites; exit $$?; fi; \
	port=$$($(FREE_PORT)); ntfy=$$($(FREE_PORT)); \
	echo "starting the local AWS on 127.0.0.1:$$port (about 15 s)..."; \
	$(LAUNCHER) up --port $$port --ntfy-port $$ntfy >/dev/null || exit 1; \
	trap '$(LAUNCHER) down --port '$$port' >/dev/null' EXIT; \
	LOCALSTACK_ENDPOINT=http://127.0.0.1:$$port MOCK_NTFY_URL=http://127.0.0.1:$$ntfy \
	  $(MAKE) --no-print-directory deployed-suites

deployed-suites:
	@rc=0; \
	$(UV) run --frozen --package rezctl pytest tools/rezctl/tests/harness || rc=1; \
	$(UV) run --frozen --package rez-deploy pytest tools/deploy/tests/harness || rc=1; \
	$(UV) run --frozen pytest tests/e2e || rc=1; \
	$(UV) run --frozen pytest tests/chaos || rc=1; \
	exit $$rc

lint: setup ## ruff, mypy, the import graph, cfn-lint and checkov on every template, and the harness's own lint
	$(UV) run --frozen ruff check --no-cache .
	$(UV) run --frozen ruff format --no-cache --check .
	$(UV) run --frozen mypy $(addsuffix /src,$(PACKAGE_DIRS))
	$(UV) run --frozen lint-imports --no-cache --no-logo
	@if ls infra/cloudformation/*.yaml >/dev/null 2>&1; then $(UV) run --frozen cfn-lint infra/cloudformation/*.yaml; fi
	$(UV) run --project infra/lint --frozen checkov --config-file infra/lint/checkov.yaml
	@$(MAKE) --no-print-directory -C localstack lint

format: ## apply ruff's fixes and formatting
	$(UV) run --frozen ruff check --fix .
	$(UV) run --frozen ruff format .

package: setup ## build/<service>.zip for every service, or SERVICE=<name> for one
	$(UV) run --frozen --package rez-packaging python -m rez_packaging $(if $(SERVICE),--service $(SERVICE),--all) --out build

up: ## start the local AWS (LocalStack without Docker) and the mock ntfy on 127.0.0.1
	@$(MAKE) --no-print-directory -C localstack up

down: ## stop exactly what `make up` started
	@$(MAKE) --no-print-directory -C localstack down

status: ## is the local AWS up? (JSON; exit 0 when healthy)
	@$(MAKE) --no-print-directory -C localstack status

e2e: setup ## the end-to-end suite against the local AWS (starts it when none runs)
	$(UV) run --frozen pytest tests/e2e

demo: setup ## the system's main job, locally: deploy everything and follow messages end to end
	@$(UV) run --frozen --package rez-demo python -m rez_demo

# DRY_RUN=1 previews the change sets; YES=1 applies to prod without asking (CI);
# PARAMETERS="--parameter SECTION.NAME=VALUE ..." overrides the stage file (deploy-code needs the
# same overrides as the deploy it follows, or it sees drift).
DEPLOY_FLAGS = $(if $(DRY_RUN),--dry-run,) $(if $(YES),--yes,) $(PARAMETERS)

deploy: ## deploy every stack (or SERVICE=<name>) to AWS, or to the harness when LOCALSTACK_ENDPOINT is set; DRY_RUN=1 previews, YES=1 skips prod's question
	$(UV) run --frozen --package rez-deploy python -m rez_deploy --stage $(STAGE) $(if $(SERVICE),--service $(SERVICE),--all) $(DEPLOY_FLAGS)

deploy-code: ## push one function's code only (SERVICE=<name>), refused when its stack's configuration drifted
	@[ -n "$(SERVICE)" ] || { echo "usage: make deploy-code SERVICE=<name> [STAGE=dev]"; exit 2; }
	$(UV) run --frozen --package rez-deploy python -m rez_deploy --stage $(STAGE) --service $(SERVICE) --code-only $(if $(YES),--yes,) $(PARAMETERS)

# On the harness: ntfy is the mock (no rate limit); traces go to the harness's X-Ray exactly as
# on AWS (OpenTelemetry spans over UDP to each function's AWS_XRAY_DAEMON_ADDRESS).
LOCAL_PARAMETERS := --parameter common.TracingBackend=otel \
	--parameter notifier.NtfyUrl=http://127.0.0.1:$${MOCK_NTFY_PORT:-8090} \
	--parameter notifier.NtfyRatePerSecond=0

deploy-local: ## deploy every stack (or SERVICE=<name>) to the local harness (starts it when none runs)
	@$(MAKE) --no-print-directory -C localstack up >/dev/null
	LOCALSTACK_ENDPOINT=$${LOCALSTACK_ENDPOINT:-http://127.0.0.1:4566} $(UV) run --frozen --package rez-deploy python -m rez_deploy --stage $(STAGE) $(if $(SERVICE),--service $(SERVICE),--all) $(LOCAL_PARAMETERS)

# bench/README.md says what each script measures; BENCH=<name> runs one (harness, telemetry,
# telemetry_logging, e2e). The e2e bench starts its own harness unless LOCALSTACK_ENDPOINT is set.
BENCH ?= harness telemetry telemetry_logging e2e

bench: setup ## run the benchmark scripts (they print figures; BENCH=<name> for one)
	@for name in $(BENCH); do echo "== bench/$$name.py"; case $$name in \
	  harness) $(MAKE) --no-print-directory -C localstack bench ;; \
	  telemetry|telemetry_logging) $(UV) run --frozen --package rez-telemetry python bench/$$name.py --quick ;; \
	  e2e) $(UV) run --frozen python bench/e2e.py ;; \
	  *) echo "no bench named $$name"; exit 2 ;; esac; done

clean: ## remove build output
	rm -rf build
