# One entry point per job. `make test` and `make demo` work from a fresh checkout:
# they build .venv from pyproject.toml first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test test-fast container-test demo bench lint format clean venv

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

demo: $(STAMP)
	$(BIN)/syncer demo

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache demo.duckdb* demo-daemon.duckdb* demo*.read.duckdb
