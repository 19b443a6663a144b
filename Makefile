# make run  : install everything, migrate, serve the CRM on http://localhost:3000 (SQLite in data/)
# make test : install what the tests need and run them all
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
BUN_VERSION := 1.4.5
BUN := .tools/node_modules/.bin/bun
PORT ?= 3000
export PATH := $(CURDIR)/.tools/node_modules/.bin:$(CURDIR)/$(BIN):$(PATH)
export REFLEX_TELEMETRY_ENABLED := false
export REFLEX_CHECK_LATEST_VERSION := false
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test test-unit test-e2e bench lint format migrate clean help

help:
	@echo "make run | make test | make bench | make lint | make migrate | make clean"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test]'
	touch $@

$(BUN):
	npm install --prefix .tools --no-audit --no-fund bun@$(BUN_VERSION)

migrate: $(VENV)/.installed
	$(BIN)/crm db upgrade

run: $(VENV)/.installed $(BUN) migrate
	$(BIN)/reflex run --env prod --single-port --frontend-port $(PORT) --backend-port $(PORT)

chromium:
	@bash scripts/ensure-chromium.sh

test: $(VENV)/.installed-test $(BUN) chromium
	$(BIN)/python -m pytest tests

test-unit: $(VENV)/.installed-test
	$(BIN)/python -m pytest tests/unit tests/state

test-e2e: $(VENV)/.installed-test $(BUN) chromium
	$(BIN)/python -m pytest tests/e2e

bench: $(VENV)/.installed $(BUN)
	$(BIN)/python -m bench
	$(BIN)/python -m bench --only search --leads 1000000

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pyright

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf .web .web-e2e .states
