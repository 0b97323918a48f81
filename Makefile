# Two commands matter: `make demo` and `make test`. Both set themselves up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP_VENV := $(VENV)/.installed
STAMP_SYS := .localcloud/.sysdeps

.PHONY: setup sysdeps venv test demo up lint bench clean

setup: sysdeps venv

venv: $(STAMP_VENV)

$(STAMP_VENV): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

sysdeps: $(STAMP_SYS)

$(STAMP_SYS): scripts/install-system-deps.sh
	bash scripts/install-system-deps.sh
	mkdir -p .localcloud && touch $@

test: setup
	$(PY) -m pytest

demo: setup
	$(PY) -m shared.localcloud.demo

up: setup
	$(PY) -m shared.localcloud.up

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# Benchmarks print figures (the resolution one needs the team kit beside the repo).
bench: setup
	$(PY) -m benchmarks.localcloud_startup
	$(PY) -m benchmarks.pipeline_bench
	$(PY) -m benchmarks.derived_bench
	$(PY) -m benchmarks.burst_bench
	$(PY) -m benchmarks.resolution_bench ../shared/bench/resolution

clean:
	rm -rf $(VENV) .localcloud .pytest_cache .mypy_cache .ruff_cache
