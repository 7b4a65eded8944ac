# Every target sets itself up: a fresh clone needs only `make run` or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | sha1sum | cut -c1-12)
HTMX := api/static/htmx.min.js
export TRIAGE_TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run test lint unit bench setup clean servers lock

GENERATOR := $(VENV)/tools/openapi-python-client
GENERATOR_STAMP := $(GENERATOR)/.installed-$(shell sha1sum tests/tools/openapi-python-client.txt | cut -c1-12)

setup: $(STAMP) $(HTMX) $(GENERATOR_STAMP)

# constraints.txt pins every package to the versions the suite last passed with;
# `make lock` refreshes it from the current environment after a deliberate upgrade.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

# The test that generates an API client from our OpenAPI schema uses openapi-python-client,
# which pins an older httpx than ours: it gets a venv of its own, pinned in tests/tools/.
$(GENERATOR_STAMP): tests/tools/openapi-python-client.txt
	test -x $(GENERATOR)/bin/python || $(PYTHON) -m venv $(GENERATOR)
	$(GENERATOR)/bin/python -m pip install --quiet --disable-pip-version-check -r $<
	rm -f $(GENERATOR)/.installed-*
	touch $@

# The UI's htmx comes from the npm registry (pinned in package-lock.json), never a CDN.
$(HTMX): package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	cp node_modules/htmx.org/dist/htmx.min.js $@

run: setup
	$(BIN)/triage db upgrade
	$(BIN)/triage train --if-missing
	$(BIN)/triage user create admin --role admin --generate --if-none
	$(BIN)/triage serve --demo-mailbox tests/fixtures/emails

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint servers
	$(BIN)/pytest

# Servers the tests start themselves; PostgreSQL already runs on every machine.
servers:
	@missing=""; \
	command -v dovecot >/dev/null || missing="$$missing dovecot-imapd"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then apt-get update && apt-get install -y $$missing; fi

# Every benchmark records the figures of issue 16's table; summary.py prints them last,
# next to the figures measured before (bench/baseline.toml) and the goals.
bench: setup servers
	command -v wrk >/dev/null || (apt-get update && apt-get install -y wrk)
	$(BIN)/triage train --if-missing
	rm -f var/bench/figures.json
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/parse.py
	$(BIN)/python bench/peers/parse.py
	$(BIN)/python bench/classify.py
	$(BIN)/python bench/api.py
	$(BIN)/python bench/imap_backfill.py
	$(BIN)/python bench/cascade.py
	$(BIN)/python bench/unfamiliar.py
	$(BIN)/python bench/multi_intent.py
	$(BIN)/python bench/hostile.py
	$(BIN)/python bench/documents.py
	$(BIN)/python bench/summary.py

lock:
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade --upgrade-strategy eager -e '.[dev]'
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^triage' > constraints.txt

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache node_modules $(HTMX) test-output
