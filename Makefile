# `make dev` serves the service locally; `make test` runs every test. Each target first
# installs what it needs, pinned and idempotently: Python packages into .venv/ (from
# requirements.lock) and npm packages into node_modules/ (from package-lock.json).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STACK ?= staging
PORT ?= 8787

.PHONY: setup dev build engine bench-native-fuel test lint clean

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

dev: setup
	$(BIN)/codeexec dev --stack $(STACK) --port $(PORT)

build: setup
	$(BIN)/codeexec build --stack $(STACK)

# The fuel-metered engine wasm (engine/meter-wasm.mjs; digests pinned in infra/metering.py).
engine: setup
	$(BIN)/python -m infra.metering

bench-native-fuel: setup
	$(BIN)/python bench/native_fuel.py

lint: setup
	$(BIN)/ruff check infra tests
	$(BIN)/ruff format --check infra tests
	$(BIN)/mypy
	node_modules/.bin/tsc --project jsconfig.json
	node_modules/.bin/tsc --project jsconfig.guest.json

test: lint
	$(BIN)/pytest

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache
