# The two commands: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DJANGO_DEBUG ?= true

.PHONY: run test install lint screenshots benchmark benchmark-http benchmark-scale

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
	@echo "A worker runs beside the server for large imports; both stop with Ctrl-C."
	@echo ""
	@$(BIN)/python manage.py worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit --quiet --recursive adr_app decisions --exclude decisions/migrations
	$(BIN)/lint-imports --no-cache

# log4brains (npm) checks that a MADR export builds a site; without npm that one test skips.
LOG4BRAINS := tests/log4brains/node_modules/.installed
$(LOG4BRAINS): tests/log4brains/package.json tests/log4brains/package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix tests/log4brains --no-audit --no-fund --loglevel=error \
	&& touch $@; else echo "npm not found: the log4brains test will skip"; fi

# A real OpenID Connect provider (npm's oidc-provider) for the single sign-on tests; without npm they skip.
OIDC_PROVIDER := tests/oidc/node_modules/.installed
$(OIDC_PROVIDER): tests/oidc/package.json tests/oidc/package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix tests/oidc --no-audit --no-fund --loglevel=error \
	&& touch $@; else echo "npm not found: the single sign-on browser tests will skip"; fi

# axe-core (npm) checks every page for accessibility faults in the browser tests; without npm they skip.
AXE := tests/axe/node_modules/.installed
$(AXE): tests/axe/package.json tests/axe/package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix tests/axe --no-audit --no-fund --loglevel=error \
	&& touch $@; else echo "npm not found: the accessibility checks will skip"; fi

# Runs the whole suite on SQLite, then again on PostgreSQL when DATABASE_URL is set, one worker per
# core (pytest-xdist; each worker has a test database of its own).
PYTEST := $(BIN)/pytest --numprocesses auto
test: lint $(LOG4BRAINS) $(OIDC_PROVIDER) $(AXE)
	env -u DATABASE_URL $(PYTEST)
	@if [ -n "$$DATABASE_URL" ]; then echo "--- again on PostgreSQL ($$DATABASE_URL)"; $(PYTEST); fi

# The benchmarks run in databases of their own: bench.sqlite3, and BENCH_DATABASE_URL's when it is set.
BENCH_ENV = DJANGO_DEBUG=false DJANGO_SECRET_KEY=benchmark-only-not-a-secret-0123456789abcdef
ON_BENCH_SQLITE = env -u DATABASE_URL $(BENCH_ENV) SQLITE_PATH=bench.sqlite3 $(BIN)/python manage.py
ON_BENCH_POSTGRES = $(BENCH_ENV) DATABASE_URL=$$BENCH_DATABASE_URL $(BIN)/python manage.py
define on_bench_databases
	$(BENCH_ENV) $(BIN)/python manage.py collectstatic --noinput -v0
	$(ON_BENCH_SQLITE) migrate -v0
	$(ON_BENCH_SQLITE) $(1)
	@if [ -n "$$BENCH_DATABASE_URL" ]; then $(ON_BENCH_POSTGRES) migrate -v0 && $(ON_BENCH_POSTGRES) $(1); fi
endef

# Builds a 100,000-decision log and times the main pages in-process (minutes).
benchmark: $(BIN)/.installed
	$(call on_bench_databases,run_benchmark)

# The same pages at 10,000 and 100,000 decisions, side by side (the smaller log is built beside the larger).
benchmark-scale: $(BIN)/.installed
	$(call on_bench_databases,benchmark_scale)

# The same pages over HTTP (gunicorn + wrk, from Debian) beside a bare 25-row floor, on the same data.
benchmark-http: $(BIN)/.installed
	$(call on_bench_databases,run_benchmark --build-only)
	$(call on_bench_databases,benchmark_http)

# Retakes the README's screenshots through the browser tests.
screenshots: $(BIN)/.installed
	env -u DATABASE_URL UPDATE_SCREENSHOTS=1 $(BIN)/pytest tests/browser -q
