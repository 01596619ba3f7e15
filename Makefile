# One entry point per job. `make test` and `make demo` work from a fresh checkout:
# they build .venv from pyproject.toml first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test test-fast container-test api-check demo bench lint format clean venv

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check syncer tests bench
	$(BIN)/ruff format --check syncer tests bench
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format syncer tests bench
	$(BIN)/ruff check --fix syncer tests bench

test: lint
	$(BIN)/pytest -q tests

# the in-process tier only: no sandbox or syncer subprocess (tests marked slow are the loopback acceptance tests)
test-fast: lint
	$(BIN)/pytest -q -m "not slow" tests

# the image built from the Dockerfile (on a local Debian base, cached) and run with podman against the sandbox;
# installs podman, runc and debootstrap with apt-get when missing (root, as in CI). See tests/container/.
container-test: $(STAMP)
	$(BIN)/python -m tests.container.check_image

# schemathesis (pinned) against a loopback sandbox with RECT's OpenAPI document, every check, a bounded seeded run;
# fails on a finding not in tests/api_check_baseline.json (each accepted one says why). Not part of `make test`:
# schemathesis is heavy, so it lives in its own virtualenv in the user's cache, built once from PyPI.
SCHEMATHESIS_VERSION := 4.32.5
SCHEMATHESIS_VENV := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/ecf-syncer/schemathesis-$(SCHEMATHESIS_VERSION)
API_CHECK_ARGS ?=

$(SCHEMATHESIS_VENV)/.installed:
	$(PYTHON) -m venv $(SCHEMATHESIS_VENV)
	$(SCHEMATHESIS_VENV)/bin/pip install --quiet schemathesis==$(SCHEMATHESIS_VERSION)
	touch $@

api-check: $(STAMP) $(SCHEMATHESIS_VENV)/.installed
	$(BIN)/python -m tests.api_check --schemathesis $(SCHEMATHESIS_VENV)/bin/schemathesis $(API_CHECK_ARGS)

demo: $(STAMP)
	$(BIN)/syncer demo

# syncer's bytecode first, as an installed wheel has it (pip compiles on install): where PYTHONDONTWRITEBYTECODE is
# set, an editable checkout would compile every module again in each process the bench starts (~30 ms each)
bench: $(STAMP)
	$(BIN)/python -m compileall -q syncer
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache demo.duckdb* demo-daemon.duckdb* demo*.read.duckdb
