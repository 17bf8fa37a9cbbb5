# Sandi — the two commands of the quick start are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-fast lint format check-flows bench clean

run: $(VENV)/.installed ## start the server on http://127.0.0.1:5000 (sandbox, embedded Redis)
	$(BIN)/sandi run --host $(HOST) --port $(PORT)

test: lint ## lint, type-check, check the layers and run the whole suite
	$(BIN)/pytest

test-fast: $(VENV)/.installed-dev ## the suite without the slow groups
	$(BIN)/pytest -m "not slow and not browser"

lint: $(VENV)/.installed-dev ## ruff, mypy --strict, and the import-linter layer contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

check-flows: $(VENV)/.installed ## sandi flows check on ./flows and ./templates
	$(BIN)/sandi flows check

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Sandi needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet --editable .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet --editable '.[dev]'
	@touch $@ $(VENV)/.installed

bench: $(VENV)/.installed-dev ## the benchmarks of the README's Performance section (needs wrk)
	$(BIN)/python -m bench.webhook
	$(BIN)/python bench/otp.py
	$(BIN)/python -m bench.memory

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
