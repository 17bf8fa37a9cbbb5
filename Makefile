# Sandi — the two commands of the quick start are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-fast lint format check-flows bench clean chromium

run: $(VENV)/.installed ## start the server on http://127.0.0.1:5000 (sandbox, embedded Redis)
	$(BIN)/sandi run --host $(HOST) --port $(PORT)

test: chromium $(VENV)/.installed-dev ## lint, type-check and run the whole suite
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

test-fast: $(VENV)/.installed-dev ## the suite without the slow groups
	$(BIN)/pytest -m "not slow and not browser"

# First, so a machine without Chromium stops at once with the command to run (or,
# as root with apt-get, installs Debian's package) before anything is built.
chromium:
	@sh scripts/ensure-chromium

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

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

bench: $(VENV)/.installed-dev ## the benchmarks of docs/performance.md (needs wrk)
	$(BIN)/python -m bench.webhook
	$(BIN)/python bench/otp.py
	$(BIN)/python -m bench.memory

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
