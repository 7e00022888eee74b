# The two commands: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DJANGO_DEBUG ?= true

.PHONY: run test install lint screenshots benchmark

$(BIN)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

install: $(BIN)/.installed

run: $(BIN)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo --if-empty
	@echo ""
	@echo "Decision Log on http://127.0.0.1:$(PORT)/"
	@echo "Demo sign-ins: architect / demo, reviewer / demo, manager / demo"
	@echo ""
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Runs the whole suite on SQLite, then again on PostgreSQL when DATABASE_URL is set.
test: lint
	env -u DATABASE_URL $(BIN)/pytest
	@if [ -n "$$DATABASE_URL" ]; then echo "--- again on PostgreSQL ($$DATABASE_URL)"; $(BIN)/pytest; fi

# Retakes the README's screenshots through the browser tests.
screenshots: $(BIN)/.installed
	env -u DATABASE_URL UPDATE_SCREENSHOTS=1 $(BIN)/pytest tests/browser -q
