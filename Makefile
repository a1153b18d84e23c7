# Pilot Workbench. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
KERNEL := pilot-workbench

.PHONY: help setup browser report test test-fast lab lint format bench clean

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the project's dependencies change.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Pilot Workbench" >/dev/null
	@touch $(STAMP)

setup: $(STAMP) ## create .venv, install the project and the Jupyter kernel (only when pyproject.toml changed)

# Headless Chromium for tests/pipeline/test_browser.py: Debian's package, installed
# when missing and we are root (as on CI); elsewhere the browser tests skip and say why.
CHROMIUM := /usr/bin/chromium

browser: ## install headless Chromium for the browser tests (Debian package; needs root)
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing Debian's chromium for the browser tests"; \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
	    || echo "warning: apt-get could not install chromium: the browser tests will be skipped"; \
	else \
	  echo "note: no $(CHROMIUM) and no root to install it (apt-get install chromium):" \
	    "the browser tests will be skipped"; \
	fi

report: setup ## run the main job on the demo data: reports/index.html
	$(BIN)/workbench report

# The notebooks run in a second, single-process pytest: nbval executes a notebook's cells in
# order in one kernel, which must not be split between xdist workers.
test: setup browser ## run the whole test suite and every notebook (installs Chromium)
	$(BIN)/python -m pytest -n 2 --dist loadgroup
	$(BIN)/python -m pytest --nbval-lax notebooks

test-fast: setup ## run the tests that need no notebook execution
	$(BIN)/python -m pytest -m "not slow"

lab: setup ## open JupyterLab on notebooks/ with the pilot-workbench kernel (root or not)
	$(BIN)/workbench lab $(LAB_OPTIONS)

lint: setup ## ruff lint and format check (code and notebooks)
	$(BIN)/ruff check src tests benchmarks notebooks conftest.py
	$(BIN)/ruff format --check src tests benchmarks notebooks conftest.py

format: setup ## apply ruff fixes and formatting
	$(BIN)/ruff check --fix src tests benchmarks notebooks conftest.py
	$(BIN)/ruff format src tests benchmarks notebooks conftest.py

bench: setup ## run the benchmarks against their limits and naive alternatives (about an hour)
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/methods.py
	$(BIN)/python benchmarks/did_simulation.py
	$(BIN)/python benchmarks/batch.py
	$(BIN)/python benchmarks/charts.py
	$(BIN)/python benchmarks/synth_pysyncon.py
	$(BIN)/python benchmarks/summary.py

clean: ## remove generated data, reports and caches (keeps .venv and raw data you added)
	rm -rf data/processed/* reports/* .pytest_cache .ruff_cache
	git checkout -- data/processed/README.md reports/README.md 2>/dev/null || true
