# careersite: `make help` lists what you can do.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The uv that made uv.lock. When uv is not on PATH it is installed into .tools/, never with
# pip into the system Python, which Debian and Ubuntu mark as externally managed (PEP 668).
UV_VERSION := 0.13.9
UV_TOOL := .tools/uv-$(UV_VERSION)/bin/uv

# PYTHON is the first of these that runs and is 3.11 to 3.13: being on PATH is not enough,
# since pyenv puts shims there for versions that are installed but not selected.
# `make PYTHON=/path/to/python3.X` picks another.
SUPPORTED_PYTHON := import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))
ifeq ($(origin PYTHON),undefined)
PYTHON := $(shell for p in python3.11 python3.12 python3.13 python3; do \
	$$p -c '$(SUPPORTED_PYTHON)' >/dev/null 2>&1 && { echo $$p; break; }; done)
endif
ifeq ($(origin UV),undefined)
UV := $(or $(shell command -v uv 2>/dev/null),$(UV_TOOL))
endif
ifneq ($(PYTHON),)
export UV_PYTHON := $(PYTHON)
endif
# .venv is made with PYTHON, never with an interpreter uv would download.
export UV_PYTHON_DOWNLOADS ?= never
export UV_LINK_MODE := copy
MANAGE := $(UV) run --frozen python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help python uv install install-dev checkers run demo test lint format check bench bench-reports bench-scale clean

help: ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-10s %s\n", $$1, $$2}'

python:
	@if [ -z "$(PYTHON)" ]; then \
		echo "make: no Python 3.11 to 3.13 found (tried python3.11, python3.12, python3.13, python3): run sudo apt-get install python3, or make PYTHON=/path/to/python3.X" >&2; \
		exit 1; \
	fi
	@$(PYTHON) -c '$(SUPPORTED_PYTHON)' 2>/dev/null || { \
		echo "make: $(PYTHON) is not Python 3.11 to 3.13: run make PYTHON=/path/to/python3.X" >&2; \
		exit 1; \
	}

uv: python
ifeq ($(UV),$(UV_TOOL))
uv: $(UV_TOOL)
endif

# Debian and Ubuntu ship venv without ensurepip until python3.X-venv is installed; their
# venv then fails after half-making the directory, which is removed so the next try starts clean.
$(UV_TOOL): | python
	@venv=$(patsubst %/bin/uv,%,$@); \
	if ! out=$$($(PYTHON) -m venv "$$venv" 2>&1); then \
		rm -rf "$$venv"; \
		if ! $(PYTHON) -c 'import ensurepip' >/dev/null 2>&1 || grep -q ensurepip <<<"$$out"; then \
			echo "make: $(PYTHON) cannot create the virtual environment for uv (ensurepip is missing): run sudo apt-get install $$($(PYTHON) -c 'import sys; print("python3.%d-venv" % sys.version_info[1])')" >&2; \
		else \
			echo "$$out" >&2; \
		fi; \
		exit 1; \
	fi
	@$(dir $@)python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

install: uv ## Install the locked runtime dependencies into .venv
	@$(UV) sync --frozen --no-dev --inexact

install-dev: uv ## Install runtime and test dependencies into .venv
	@$(UV) sync --frozen

demo: install ## Migrate and load the demo content (safe to repeat)
	@$(MANAGE) migrate --no-input
	@$(MANAGE) load_demo_content

# The job worker (imports, exports, link checks, Wagtail's own tasks) runs beside the
# server and stops with it: Ctrl-C, a kill of make or of the recipe, or the server
# stopping. Both run in the background so the shell can wait for either and its trap
# can stop the other: a shell waiting on a foreground command would leave it running.
# The worker finishes the task in hand on the first signal; one still running 10 s later
# gets a second, which the worker takes as "stop now" (a job cut short is taken up again
# as a stalled job: affiliates/jobs/running.py), so stopping never hangs on a slow task.
run: demo ## Install, load demo content, serve on http://127.0.0.1:8000/ and run the job worker
	@echo "Serving on http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/), with the job worker"
	@trap 'trap - EXIT INT TERM; kill $$worker $$server 2>/dev/null; \
		for _ in $$(seq 50); do [ -z "$$(jobs -rp)" ] && break; sleep 0.2; done; \
		kill $$worker $$server 2>/dev/null; wait' EXIT INT TERM; \
	$(MANAGE) db_worker & worker=$$!; \
	$(MANAGE) runserver $(HOST):$(PORT) & server=$$!; \
	wait -n $$worker $$server

checkers: ## Install the page checkers (axe-core, Nu HTML checker, Lighthouse) from package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund --loglevel=error; \
	else \
		echo "npm not found: accessibility and HTML-validity tests will be skipped"; \
	fi

test: install-dev checkers ## Install and run every test, then the linters and Django's checks
	@$(UV) run --frozen pytest
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory check

lint: install-dev ## ruff, the import contracts (lint-imports), mypy on the typed modules, djlint
	@$(UV) run --frozen ruff check .
	@$(UV) run --frozen ruff format --check .
	@$(UV) run --frozen lint-imports --no-cache
	@$(UV) run --frozen mypy
	@$(UV) run --frozen djlint templates --lint

format: install-dev ## Format and fix what ruff can
	@$(UV) run --frozen ruff format .
	@$(UV) run --frozen ruff check --fix .

check: install-dev ## Django system checks and missing-migration check
	@$(MANAGE) check
	@$(MANAGE) makemigrations --check --dry-run

bench: install ## Benchmark under production settings and write docs/performance.md (root: installs wrk, nginx, Varnish)
	@$(UV) run --frozen python bench/run.py

bench-reports: install ## Benchmark click reports on 1M clicks in PostgreSQL; figures into README.md
	@$(UV) run --frozen python bench/reports.py --readme

bench-scale: install ## Benchmark 10,000 guides and 10M clicks in PostgreSQL and Redis; figures into docs/performance.md
	@$(UV) run --frozen python bench/scale.py

clean: ## Remove the virtual environments, the bootstrapped uv and the local database
	rm -rf .venv .tools node_modules db.sqlite3 db.sqlite3-* staticfiles .test-media test-artifacts
