# ONE⚡CASH: every job on a fresh machine starts here (README.md; docs/architecture.md).
#
# Each target installs what it needs first, so `make dev` and `make test` work with no step before
# them. Installs are recorded in stamp files whose prerequisites are the files that pin them, so a
# second run costs a few stat calls and an edit to pyproject.toml or package-lock.json reinstalls.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.installed
# pywrangler (package workers-py) shells out to `uv` to vendor dependencies for Pyodide.
UV := $(VENV)/bin/uv
UV_SPEC := uv>=0.13.4
# pywrangler finds uv on PATH and wrangler through `npx`, which picks node_modules/.bin first.
PYWRANGLER := PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/pywrangler

NODE_MODULES_STAMP := node_modules/.installed
WRANGLER := $(CURDIR)/node_modules/.bin/wrangler

# wrangler 4.87+ refuses Node older than 22.12. When the system Node is older (Debian ships 20),
# the npm package node@22 brings a Node 22 binary into .tools/, first on PATH for every recipe.
# This probe must run before PATH is changed below, or it would find our own Node.
TOOLS := .tools
NODE_VERSION := 22.23.3
SYSTEM_NODE_OK := $(shell node -e 'const [a, b] = process.versions.node.split(".").map(Number); \
	process.exit(a > 22 || (a === 22 && b >= 12) ? 0 : 1)' 2>/dev/null && echo yes)
ifeq ($(SYSTEM_NODE_OK),yes)
NODE_STAMP :=
else
NODE_STAMP := $(TOOLS)/.node-$(NODE_VERSION)
export PATH := $(CURDIR)/$(TOOLS)/node_modules/.bin:$(PATH)
endif

# The local host is the top-level package `devhost`; the core `orders` lives in src/ because
# wrangler uploads that folder, so both roots go on the path of our Python commands (only ours:
# pywrangler drives other interpreters through uv).
RUN_PY := PYTHONPATH=src:. $(PY)
# wrangler's usage telemetry: off, these machines are offline and CI runs unattended.
export WRANGLER_SEND_METRICS := false

# The Pyodide tiers: the runtime is the npm package `pyodide` (package.json); the wheels it loads
# are PyPI's Pyodide 314 builds of tests/pyodide/requirements.txt, downloaded once into this cache.
PYODIDE_WHEELS := .cache/pyodide-wheels
PYODIDE_STAMP := $(PYODIDE_WHEELS)/.installed
# Pyodide runs `async def` tests to completion with JSPI, which Node 22 keeps behind a V8 flag that
# only works on the command line. Newer Node has JSPI on and may not know the flag: probe for it.
JSPI_FLAG := $(shell node --experimental-wasm-stack-switching -e 0 >/dev/null 2>&1 \
	&& echo --experimental-wasm-stack-switching)
IN_PYODIDE := node $(JSPI_FLAG) tests/pyodide/run.mjs

CHROMIUM := /usr/bin/chromium
# `make test TESTS=tests/edge PYTEST_ARGS=-x` narrows a run to those CPython tests; left as it
# is, `make test` runs the Pyodide tiers first and the whole CPython suite last.
TESTS ?= tests
PYTEST_ARGS ?=
ifeq ($(TESTS),tests)
PYODIDE_TIERS := test-pyodide
endif

.PHONY: help install dev dev-workerd test test-python test-pyodide bench check lint deploy \
	check-site chromium clean

help:
	@echo "make dev          run the local host: API on :8787, site on :8788, console on :8788/admin/"
	@echo "make test         all test tiers (installs what is missing first)"
	@echo "make test-pyodide the Pyodide 314 tiers alone"
	@echo "make bench        D1 round trips and CPU per endpoint (CPython, and Pyodide at the edge)"
	@echo "make check        ruff format --check, ruff check, mypy, then make test"
	@echo "make dev-workerd  the real edge runtime via pywrangler dev (needs the internet)"
	@echo "make deploy       check pages/env.js, vendor deps, migrate D1 and apply schema.sql, deploy"
	@echo "                  the Worker and Pages"
	@echo "make clean        remove installed tools and caches (keeps .dev.vars and .data/)"

install: $(VENV_STAMP) $(NODE_MODULES_STAMP) $(PYODIDE_STAMP) chromium

$(VENV_STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[dev]'
	@# setuptools leaves build metadata in src/; wrangler would upload its .txt files to the edge.
	rm -rf src/*.egg-info
	touch $@

$(UV): $(VENV_STAMP)
	$(PY) -m pip install --quiet '$(UV_SPEC)'
	touch $@

$(TOOLS)/.node-%:
	npm install --prefix $(TOOLS) --no-save --no-package-lock --no-audit --no-fund node@$*
	touch $@

# Exactly the pinned files, no resolving: what the edge vendors is what the tests load.
$(PYODIDE_STAMP): tests/pyodide/requirements.txt $(VENV_STAMP)
	rm -rf $(PYODIDE_WHEELS)
	$(PY) -m pip download --quiet --no-deps --only-binary=:all: --implementation cp \
		--python-version 3.14 --platform pyemscripten_2026_0_wasm32 \
		--dest $(PYODIDE_WHEELS) --requirement tests/pyodide/requirements.txt
	touch $@

# npm ci wipes node_modules/ first, so the stamp is written after it.
$(NODE_MODULES_STAMP): package.json package-lock.json $(NODE_STAMP)
	npm ci --no-audit --no-fund
	touch $@

# Browser tests drive Debian's Chromium (Playwright's own download does not work here). Without
# root we cannot install it; those tests then skip and say why.
chromium:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "installing chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
		echo "note: $(CHROMIUM) is missing and we are not root: browser tests will skip"; \
	fi

# Never overwrite an existing .dev.vars: it holds the developer's own secrets.
.dev.vars:
	cp .dev.vars.example $@

dev: $(VENV_STAMP) .dev.vars
	$(RUN_PY) -m devhost

dev-workerd: $(VENV_STAMP) $(UV) $(NODE_MODULES_STAMP)
	$(PYWRANGLER) dev

test: $(PYODIDE_TIERS) test-python

# The tool tests (tests/tools) run the pinned wrangler named by $WRANGLER.
test-python: $(VENV_STAMP) $(NODE_MODULES_STAMP) chromium
	WRANGLER="$(WRANGLER)" $(RUN_PY) -m pytest $(PYTEST_ARGS) $(TESTS)

# The runtime the Worker is deployed to, Python 3.14 in Pyodide 314: the core's tests on Pyodide's
# own event loop, then src/entry.py under the real `workers` SDK, called as workerd calls it, over
# stand-ins for D1, KV, rate limits and fetch. Each tier prints its own pytest summary; a failure
# fails `make test`.
test-pyodide: $(NODE_MODULES_STAMP) $(PYODIDE_STAMP)
	@echo "== Pyodide 314 tier: tests/core =="
	$(IN_PYODIDE) -q tests/core
	@echo "== Pyodide 314 edge tier: src/entry.py with the real workers SDK =="
	$(IN_PYODIDE) -q tests/pyodide/edge

# Two tables: D1 round trips, CPython CPU and latency at 25 ms per round trip (bench/round_trips.py);
# then CPU per request in Pyodide through the real SDK against CPython and a bare Worker
# (bench/edge.mjs). About two minutes; figures are ratios measured in one run.
bench: $(VENV_STAMP) $(NODE_MODULES_STAMP) $(PYODIDE_STAMP)
	$(RUN_PY) -m bench.round_trips
	node $(JSPI_FLAG) bench/edge.mjs

lint: $(VENV_STAMP)
	$(PY) -m ruff format --check .
	$(PY) -m ruff check .
	$(PY) -m mypy

check: lint
	$(MAKE) --no-print-directory test

# Before anything is changed: the site goes out with pages/env.js as it is, and one with no
# support contact (SUPPORT_EMAIL or SUPPORT_URL) or no OPERATOR_NAME leaves a customer whose
# payment went wrong nobody to turn to. The script says which is missing.
check-site:
	node scripts/check_site_env.mjs pages/env.js

# Schema first: the new Worker may read tables the old one did not have. The migrations in
# migrations/ that this D1 has not had yet (wrangler lists those it applied in d1_migrations; each
# also refuses a second run by itself), then schema.sql, which only adds (docs/operations.md).
# --branch main makes the Pages upload the production deployment whatever branch is checked out.
deploy: check-site $(VENV_STAMP) $(UV) $(NODE_MODULES_STAMP)
	$(PYWRANGLER) sync
	$(WRANGLER) d1 migrations apply onecash --remote
	$(WRANGLER) d1 execute onecash --remote --yes --file schema.sql
	$(PYWRANGLER) deploy
	$(WRANGLER) pages deploy pages --project-name onncx --branch main

# .venv-workers/ and python_modules/ are what pywrangler sync builds.
clean:
	rm -rf $(VENV) $(TOOLS) .cache node_modules .venv-workers python_modules .wrangler \
		.pytest_cache .mypy_cache .ruff_cache test-results
	find . -name __pycache__ -type d -prune -not -path './.git/*' -exec rm -rf {} +
