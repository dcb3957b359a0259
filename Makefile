# The two commands: `make run` (console + worker + Redis on http://127.0.0.1:8000 with
# demo data on the embedded Cognito service) and `make test`. Both set up .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
MANAGE := $(BIN)/python manage.py
export PATH := $(BIN):$(PATH)

.PHONY: run test lint format bench emulator install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: export DEBUG ?= true
run: $(VENV)/.installed
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	$(MANAGE) demo_admin
	mkdir -p .run
	REDIS_URL="$$($(MANAGE) redis_url)" $(BIN)/honcho start

emulator: export DEBUG ?= true
emulator: $(VENV)/.installed
	$(MANAGE) migrate --noinput
	$(MANAGE) emulator

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

bench: $(VENV)/.installed-dev
	DEBUG=true $(BIN)/python -m bench

clean:
	rm -rf $(VENV) .run staticfiles
