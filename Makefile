# rez_agent — every command a developer or CI needs. Nothing here assumes anything installed by hand:
# `setup` bootstraps uv for the interpreter .python-version selects, then syncs every package.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

UV := $(shell uv --version >/dev/null 2>&1 && echo uv || echo "python3 -m uv")
STAGE ?= dev
SERVICE ?=
export UV_PYTHON_DOWNLOADS := never
# Called from inside `uv run` (a deploy packages through make), VIRTUAL_ENV would point uv at
# the wrong environment for the harness's own project.
unexport VIRTUAL_ENV

PACKAGE_DIRS := $(wildcard libs/*/pyproject.toml services/*/pyproject.toml tools/*/pyproject.toml)
PACKAGE_DIRS := $(patsubst %/pyproject.toml,%,$(PACKAGE_DIRS))
SERVICES := $(patsubst services/%,%,$(wildcard services/*))

.PHONY: help setup test lint format package demo e2e up down deploy deploy-local bench clean

help: ## list the targets
	@grep -E '^[a-zA-Z_%-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

setup: ## install uv when missing, then sync every package (and the local AWS harness)
	@uv --version >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet --disable-pip-version-check uv
	@$(UV) sync --all-packages --all-groups --frozen --quiet
	@$(MAKE) --no-print-directory -C localstack setup

test: setup ## every package's tests, the harness tests, then the end-to-end suite
	@failed=""; \
	for dir in $(PACKAGE_DIRS); do \
	  $(MAKE) --no-print-directory test-$$(basename $$dir) || failed="$$failed $$dir"; \
	done; \
	$(MAKE) --no-print-directory -C localstack test || failed="$$failed localstack"; \
	if [ -d tests/e2e ]; then $(MAKE) --no-print-directory e2e || failed="$$failed e2e"; fi; \
	if [ -n "$$failed" ]; then echo "FAILED:$$failed"; exit 1; fi

test-%: ## one package's tests alone, e.g. make test-telemetry, make test-web-api
	@dir=$$(for d in libs/$* services/$* tools/$*; do if [ -f $$d/pyproject.toml ]; then echo $$d; fi; done | head -1); \
	[ -n "$$dir" ] || { echo "no package named $*"; exit 2; }; \
	name=$$(sed -n 's/^name = "\(.*\)"/\1/p' $$dir/pyproject.toml | head -1); \
	echo "== $$name ($$dir)"; \
	$(UV) run --frozen --package $$name pytest $$dir

lint: setup ## ruff, mypy, cfn-lint on every template, and the harness's own lint
	$(UV) run --frozen ruff check --no-cache .
	$(UV) run --frozen ruff format --no-cache --check .
	$(UV) run --frozen mypy $(addsuffix /src,$(PACKAGE_DIRS))
	@if ls infra/cloudformation/*.yaml >/dev/null 2>&1; then $(UV) run --frozen cfn-lint infra/cloudformation/*.yaml; fi
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

e2e: setup ## the end-to-end suite against the local AWS (starts it when none runs)
	$(UV) run --frozen pytest tests/e2e

demo: setup ## the system's main job, locally: deploy everything and follow messages end to end
	@$(UV) run --frozen --package rez-demo python -m rez_demo

deploy: ## deploy every stack (or SERVICE=<name>) to AWS, or to the harness when LOCALSTACK_ENDPOINT is set
	$(UV) run --frozen --package rez-deploy python -m rez_deploy --stage $(STAGE) $(if $(SERVICE),--service $(SERVICE),--all)

# On the harness: ntfy is the mock (no rate limit), spans go to the functions' logs.
LOCAL_PARAMETERS := --parameter common.TracingBackend=otel \
	--parameter notifier.NtfyUrl=http://127.0.0.1:$${MOCK_NTFY_PORT:-8090} \
	--parameter notifier.NtfyRatePerSecond=0

deploy-local: ## deploy every stack (or SERVICE=<name>) to the local harness (starts it when none runs)
	@$(MAKE) --no-print-directory -C localstack up >/dev/null
	LOCALSTACK_ENDPOINT=$${LOCALSTACK_ENDPOINT:-http://127.0.0.1:4566} $(UV) run --frozen --package rez-deploy python -m rez_deploy --stage $(STAGE) $(if $(SERVICE),--service $(SERVICE),--all) $(LOCAL_PARAMETERS)

clean: ## remove build output
	rm -rf build
