# Sandi — the two commands of the quick start are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-fast lint format check-flows bench clean chromium lock node wrk

# Twilio's official Node SDK for tests/web/verify_v2/test_node_sdk.py, at the versions
# tests/node/package-lock.json pins (npm writes the hidden lockfile last).
NODE_SDK := tests/node/node_modules/.package-lock.json

run: $(VENV)/.installed ## start the server on http://127.0.0.1:5000 (sandbox, embedded Redis)
	$(BIN)/sandi run --host $(HOST) --port $(PORT)

test: chromium lint $(NODE_SDK) ## lint, type-check, check the layers and run the whole suite
	$(BIN)/pytest

test-fast: $(VENV)/.installed-dev $(NODE_SDK) ## the suite without the slow groups
	$(BIN)/pytest -m "not slow and not browser"

# First, so a machine without Chromium stops at once with the command to run (or,
# as root with apt-get, installs Debian's package) before anything is built.
chromium:
	@sh scripts/ensure-chromium

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

# The locked set first (exact versions, hashes checked), then Sandi itself on top.
$(VENV)/.installed: pyproject.toml requirements.lock | $(VENV)/bin/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --editable .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml requirements-dev.lock | $(VENV)/bin/python
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps --editable .
	@touch $@ $(VENV)/.installed

# Re-resolve both lock files from pyproject.toml (uv: a universal resolution for
# every Python 3.11+, with hashes), e.g. after changing a dependency.
lock: | $(VENV)/bin/python
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
	  --custom-compile-command "make lock" pyproject.toml -o requirements.lock
	$(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
	  --custom-compile-command "make lock" --extra dev pyproject.toml -o requirements-dev.lock

$(NODE_SDK): tests/node/package-lock.json tests/node/package.json
	@command -v node >/dev/null && command -v npm >/dev/null || $(MAKE) --no-print-directory node
	cd tests/node && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

node: ## Node.js and npm from Debian (as root), for the twilio-node tests
	@if [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; \
	else \
		echo "The twilio-node tests need Node.js 18+ and npm: sudo apt-get install nodejs npm" >&2; exit 1; \
	fi

bench: $(VENV)/.installed-dev wrk ## the benchmarks of docs/performance.md
	$(BIN)/python -m bench.webhook
	$(BIN)/python bench/otp.py --compare
	$(BIN)/python -m bench.faq --entries 15,100,300,1000
	$(BIN)/python -m bench.memory

wrk: ## the HTTP load generator the benchmarks use, from Debian (as root)
	@command -v wrk >/dev/null || if [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	else \
		echo "The benchmarks need wrk: sudo apt-get install wrk" >&2; exit 1; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache tests/node/node_modules
