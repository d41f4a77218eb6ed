# Everyday commands. PYTHON is the project's virtualenv (scripts/test.sh makes .venv) if there
# is one, else python3; override with `make test PYTHON=/path/to/python`.
PYTHON ?= $(if $(wildcard .venv/bin/python),.venv/bin/python,python3)
LINTED = src tests bench migrations scripts

.PHONY: test test-fast lint format bench

test:  ## the whole suite, as CI runs it (lint, then SQLite and PostgreSQL)
	bash scripts/test.sh

test-fast:  ## without the multi-process and large-data tests, SQLite only
	$(PYTHON) -m pytest -m "not slow"

lint:  ## what CI checks before the tests: ruff, ruff format, mypy (configured in pyproject.toml)
	$(PYTHON) -m ruff check $(LINTED)
	$(PYTHON) -m ruff format --check $(LINTED)
	$(PYTHON) -m mypy

format:  ## apply ruff's formatting and safe fixes
	$(PYTHON) -m ruff format $(LINTED)
	$(PYTHON) -m ruff check --fix $(LINTED)

bench:  ## the county-scale benchmark; results go to docs/benchmarks.md (ARGS="--only due")
	$(PYTHON) bench/run.py $(ARGS)
