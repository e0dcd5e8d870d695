# `make dev` serves the service locally; `make test` runs every test. Each target first
# installs what it needs, pinned and idempotently: Python packages into .venv/ (from
# requirements.lock) and npm packages into node_modules/ (from package-lock.json).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STACK ?= staging

BENCH_WORK := bench/.work

.PHONY: setup dev build engine engine-toolchain browser test lint clean bench

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
	$(BIN)/codeexec dev --stack $(STACK)

build: setup
	$(BIN)/codeexec build --stack $(STACK)

# Rebuilds the committed engine (engine/quickjs-ng.wasm) from the pinned quickjs-ng source
# and checks it reproduces the pinned digest. Needs Debian's clang-19 lld-19 wasi-libc
# libclang-rt-19-dev-wasm32; `make engine PIN=1` records a new build after a change.
engine: setup
	$(BIN)/python -m infra.build.engine_build $(if $(PIN),--pin)

# The engine's C toolchain from Debian (a maintainer's and CI's, never needed by dev/test).
ENGINE_TOOLCHAIN := clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32
engine-toolchain:
	command -v clang-19 >/dev/null || (apt-get update -qq && apt-get install -y -qq $(ENGINE_TOOLCHAIN))

# Debian's chromium for the dashboard's browser tests (CI installs it; elsewhere they skip).
browser:
	test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

lint: setup
	$(BIN)/ruff check infra tests bench
	$(BIN)/ruff format --check infra tests bench
	$(BIN)/mypy
	node_modules/.bin/tsc --project jsconfig.json
	node_modules/.bin/tsc --project jsconfig.guest.json
	node_modules/.bin/tsc --project jsconfig.dashboard.json

test: lint
	$(BIN)/pytest

# `make bench` (never part of `make test`): what the bench alone needs, then one run that
# writes bench/results.json, bench/results.md and bench/latency.png. isolated-vm is built
# from source by npm into bench/.work/; if it cannot be built, the results say so.
$(VENV)/.bench-installed: $(VENV)/.installed requirements-bench.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-bench.lock
	touch $@

$(BENCH_WORK)/.installed: bench/node/package.json bench/node/package-lock.json
	mkdir -p $(BENCH_WORK)
	cp bench/node/package.json bench/node/package-lock.json $(BENCH_WORK)/
	cd $(BENCH_WORK) && (npm ci --no-audit --no-fund || echo "make bench: isolated-vm did not build; reported as unavailable")
	touch $@

bench: setup $(VENV)/.bench-installed $(BENCH_WORK)/.installed
	$(BIN)/python -m bench --stack $(STACK)

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache
