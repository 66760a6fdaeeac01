# Two commands on a fresh machine: `make demo` and `make test`.
# Both create .venv when it is missing or pyproject.toml changed.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# PostgreSQL tests use the local server; set TEST_DATABASE_URL= (empty) to skip them.
TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/test
export TEST_DATABASE_URL

.PHONY: install demo run test lint bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

demo: install
	$(VENV)/bin/rapport demo

run: install
	$(VENV)/bin/rapport run

test: install
	$(PY) -m pytest -q

# Benchmarks print their figures; record them in docs/benchmarks.md with the date.
bench: install
	$(PY) -m bench.pipeline --all

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
