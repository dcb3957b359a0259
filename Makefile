# The two commands: `make run` (console + worker + Redis on http://127.0.0.1:8000 with
# demo data on the embedded Cognito service) and `make test`. Both set up .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
MANAGE := $(BIN)/python manage.py
export PATH := $(BIN):$(PATH)

.PHONY: run user test lint format bench emulator install install-dev lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Every install comes from a lock: each transitive version with its hashes (docs/deploy.md:
# updating the locks). requirements-local.lock = runtime + honcho and the embedded Redis.
$(VENV)/.installed: requirements-local.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements-local.lock
	touch $@

$(VENV)/.installed-dev: requirements-dev.lock $(VENV)/.installed
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: export DEBUG ?= true
run: export AWS_REGIONS ?= us-east-1,eu-west-1
run: $(VENV)/.installed
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	$(MANAGE) demo_admin
	$(MANAGE) demo_sync
	mkdir -p .run
	REDIS_URL="$$($(MANAGE) redis_url)" $(BIN)/honcho start

# A console user for the local run: `make user NAME=alice ROLE=support` (prompts for the
# password; run again to change a user's role and password). DEBUG as `make run` sets it.
user: export DEBUG ?= true
user: $(VENV)/.installed
	@test -n "$(NAME)" && test -n "$(ROLE)" || { echo "Usage: make user NAME=alice ROLE=admin|support|viewer" >&2; exit 2; }
	$(MANAGE) migrate --noinput
	$(MANAGE) create_console_user "$(NAME)" --role "$(ROLE)"

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

# The OpenID Provider the single sign-on tests sign in through (tests/oidc/, on Node), from its
# lock. Without npm it is not installed and those tests are skipped (CI requires them).
OIDC_PROVIDER := tests/oidc/node_modules/.installed
$(OIDC_PROVIDER): tests/oidc/package-lock.json
	npm ci --prefix tests/oidc --no-audit --no-fund --silent
	touch $@

test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(OIDC_PROVIDER); fi
	$(BIN)/pytest

bench: $(VENV)/.installed-dev
	DEBUG=true $(BIN)/python -m bench $(BENCH_ARGS)
	@# Scale-out: two Celery workers on one delete job, the call rate beside the shared bucket's.
	$(BIN)/pytest -q -s tests/jobs/test_scale_out.py

# Re-resolve the locks after editing a requirements*.txt (`make lock`), or move every
# dependency to its newest allowed version (`make lock UPGRADE=--upgrade`). Commit the .lock files.
PIP_TOOLS := pip-tools==7.6.2
COMPILE = $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links $(UPGRADE)
lock: export CUSTOM_COMPILE_COMMAND = make lock
lock: | $(BIN)/python
	$(BIN)/pip install --quiet $(PIP_TOOLS)
	$(COMPILE) --output-file requirements.lock requirements.txt
	$(COMPILE) --output-file requirements-local.lock requirements-local.txt
	$(COMPILE) --output-file requirements-dev.lock requirements-dev.txt

clean:
	rm -rf $(VENV) .run staticfiles
