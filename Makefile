# Everyday commands. PYTHON is the project's virtualenv (scripts/test.sh makes .venv) if there
# is one, else python3; override with `make test PYTHON=/path/to/python`.
PYTHON ?= $(if $(wildcard .venv/bin/python),.venv/bin/python,python3)

.PHONY: test test-fast lint bench

test:  ## the whole suite, as CI runs it
	$(PYTHON) -m pytest

test-fast:  ## without the multi-process and large-data tests
	$(PYTHON) -m pytest -m "not slow"

lint:  ## ruff, as configured in pyproject.toml
	$(PYTHON) -m ruff check src tests bench migrations

bench:  ## the county-scale benchmark; results go to docs/benchmarks.md (ARGS="--only due")
	$(PYTHON) bench/run.py $(ARGS)
