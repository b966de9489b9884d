# Two commands matter: `make run` and `make test`. Everything else is a step they share.
.DEFAULT_GOAL := help
SHELL := /bin/bash

VENV := .venv
PY := $(VENV)/bin/python
# Django 6.1 needs Python 3.12 or newer. Prefer the newest one on PATH, then pyenv's;
# PYTHON=... overrides.
PYTHON ?= $(shell for c in python3.14 python3.13 python3.12 python3 \
	$$(command -v pyenv >/dev/null 2>&1 && ls -d "$$(pyenv root)"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
	if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; \
	then command -v $$c; break; fi; done)

.PHONY: help run test lint check bench profile clean

help:
	@echo "make run    set up and serve the app on http://127.0.0.1:8000 (SQLite)"
	@echo "make test   set up and run the whole test suite"
	@echo "make lint   ruff check and format check"
	@echo "make bench  load-test the app under gunicorn (needs wrk; BENCH_ARGS=--help)"
	@echo "make profile  where one request's time goes, page by page (PROFILE_ARGS=--help)"

$(VENV)/.python:
	@if [ -z "$(PYTHON)" ]; then \
		echo "Attachment Guide needs Python 3.12 or newer, and none was found on PATH." >&2; \
		echo "Install one (for example from python.org, your package manager, or pyenv)," >&2; \
		echo "then run this again, or point to it: make run PYTHON=/path/to/python3.12" >&2; \
		exit 1; \
	fi
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@$(PY) -c 'import sys; print(sys.executable)' > $@

# Reinstall only when the dependency list changes, so a second run is fast.
$(VENV)/.installed: pyproject.toml $(VENV)/.python
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

run: $(VENV)/.installed
	$(PY) manage.py migrate --no-input
	$(PY) manage.py runserver 127.0.0.1:8000

# Lighthouse (tests/test_lighthouse.py, and make bench's scores) comes from npm; without npm the
# test says so and skips (or fails, in CI), and make bench says it did not score.
LIGHTHOUSE := tests/lighthouse/node_modules/.bin/lighthouse
$(LIGHTHOUSE): tests/lighthouse/package.json
	@if command -v npm >/dev/null 2>&1; then \
		npm install --prefix tests/lighthouse --no-package-lock --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: Lighthouse will not run" >&2; fi

test: $(VENV)/.installed-test $(LIGHTHOUSE)
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Load test under gunicorn with production settings; needs wrk (apt-get install wrk).
bench: $(VENV)/.installed $(LIGHTHOUSE)
	$(PY) tests/bench.py $(BENCH_ARGS)

# The same pages in-process, without a server: CPU time and queries per request.
profile: $(VENV)/.installed
	$(PY) tests/profile_pages.py $(PROFILE_ARGS)

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) staticfiles tests/screenshots .pytest_cache .ruff_cache
