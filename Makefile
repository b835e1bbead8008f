# UnionCore: `make run` and `make test` do all set-up themselves on a fresh machine.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PYTHONPATH := $(CURDIR)

.PHONY: run test setup site chromium lint typecheck unit integration e2e browser infra-lint bench reset clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

setup: $(STAMP) site

# The vendored libraries (when package*.json changed), then always the service worker's precache list
# (SHELL and its content-hash version in static_site/sw.js): any change to a shell file changes it.
site: static_site/vendor/.stamp
	npm run --silent precache

static_site/vendor/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	npm run --silent vendor
	touch $@

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null; }

run: setup
	$(BIN)/python -m infrastructure.local_runtime.run

reset:
	rm -rf .data

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check chalicelib/*/domain.py chalicelib/*/domain/

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q tests/unit

integration: $(STAMP)
	$(BIN)/pytest -q tests/integration

e2e: setup
	$(BIN)/pytest -q tests/e2e

browser: setup chromium
	$(BIN)/pytest -q tests/browser

include infrastructure/infra.mk

test: setup chromium
	$(MAKE) --no-print-directory lint typecheck
	$(BIN)/pytest -q -p no:cacheprovider tests/unit tests/integration tests/infra tests/e2e tests/browser
	$(MAKE) --no-print-directory infra-lint

bench: setup
	$(BIN)/python tests/bench/bench_api.py

clean:
	rm -rf $(VENV) node_modules static_site/vendor build .pytest_cache .mypy_cache .ruff_cache
