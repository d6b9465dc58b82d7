# Two commands on a fresh machine with Python 3.11+ and make: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
PIP_FLAGS ?= --quiet --disable-pip-version-check

.PHONY: run test e2e check lint lint-openapi sdk typecheck bench soak install install-dev migrate \
	seed clean cluster cluster-stop cluster-test cluster-bench

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required, found " + sys.version) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install $(PIP_FLAGS) --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install $(PIP_FLAGS) -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install $(PIP_FLAGS) -e ".[dev]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/nato-api migrate

seed: migrate
	$(BIN)/nato-api seed

## Install, migrate, seed, and serve on http://$(HOST):$(PORT)
run: seed
	$(BIN)/nato-api serve --host $(HOST) --port $(PORT)

## Install with the dev tools and run the test suite; the tests that need Chromium
## (`make e2e`), a PostgreSQL server of their own (.ci/run) or a generated client (`make sdk`)
## are left to those
test: install-dev
	$(BIN)/pytest -m "not browser and not postgres and not sdk"

## End-to-end tests in headless Chromium (installs Debian's chromium when missing; needs root)
e2e: install-dev
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)
	$(BIN)/pytest -m browser

## Style, format, and the import contracts of pyproject.toml (the whiteboard of docs/development.md)
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo

## The OpenAPI document through openapi-spec-validator, Spectral and Redocly (needs node, npm)
lint-openapi: install-dev
	.ci/openapi lint

## Generate the Python client from the document and call every operation through it
sdk: install-dev
	.ci/openapi sdk

typecheck: install-dev
	$(BIN)/mypy app seed

## What CI and humans run before a merge: lint, types, tests
check: lint typecheck test

bench: install-dev seed
	$(BIN)/python -m bench.run

soak: install-dev seed
	$(BIN)/python -m bench.soak

## PostgreSQL primary + streaming standby, two API replicas, nginx on 127.0.0.1:$(CLUSTER_PORT)
## (Debian's postgresql and nginx, installed when missing); see deploy/README.md
CLUSTER_PORT ?= 8080
# Another CLUSTER_PORT, another directory: a second cluster never stops or wipes the first.
CLUSTER_DIR ?= $(if $(filter 8080,$(CLUSTER_PORT)),var/cluster,var/cluster-$(CLUSTER_PORT))
export CLUSTER_PORT CLUSTER_DIR
cluster: install-dev
	deploy/cluster-up

cluster-stop:
	deploy/cluster-down

## Kill a replica under load, stop the standby, re-seed: through nginx, on a running cluster
cluster-test: install-dev
	$(BIN)/python deploy/cluster_test.py

## req/s through nginx (cached, uncached) against a static file and one API process (wrk)
cluster-bench: install-dev
	$(BIN)/python -m bench.cluster

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
