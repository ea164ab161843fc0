# careersite: `make help` lists what you can do.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
UV := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
export UV_PYTHON := $(PYTHON)
export UV_LINK_MODE := copy
MANAGE := $(UV) run --frozen python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help uv install install-dev checkers run demo test lint format check bench bench-reports clean

help: ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-10s %s\n", $$1, $$2}'

uv:
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv

install: uv ## Install the locked runtime dependencies into .venv
	@$(UV) sync --frozen --no-dev --inexact

install-dev: uv ## Install runtime and test dependencies into .venv
	@$(UV) sync --frozen

demo: install ## Migrate and load the demo content (safe to repeat)
	@$(MANAGE) migrate --no-input
	@$(MANAGE) load_demo_content

run: demo ## Install, load demo content and serve on http://127.0.0.1:8000/
	@echo "Serving on http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)"
	@$(MANAGE) runserver $(HOST):$(PORT)

checkers: ## Install the page checkers (axe-core, Nu HTML checker) from package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund --loglevel=error; \
	else \
		echo "npm not found: accessibility and HTML-validity tests will be skipped"; \
	fi

test: install-dev checkers ## Install and run every test, then the linters
	@$(UV) run --frozen pytest
	@$(MAKE) --no-print-directory lint

lint: install-dev ## ruff check and ruff format --check
	@$(UV) run --frozen ruff check .
	@$(UV) run --frozen ruff format --check .

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

clean: ## Remove the virtual environment and local database
	rm -rf .venv node_modules db.sqlite3 db.sqlite3-* staticfiles .test-media test-artifacts
