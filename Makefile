# Two commands do all the set-up on a fresh machine:
#   make demo   the app with demo data on http://127.0.0.1:8000 (embedded PostgreSQL)
#   make test   the whole test suite (ruff, pytest, browser journeys when Chromium is found)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000


.PHONY: install demo test test-fast lint typecheck format bench bench-data bench-load messages stop-db clean-db backup restore lock

# The versions come from the lock files (with their hashes), not from pyproject's ranges:
# requirements-dev.lock here, requirements.lock (no dev tools) in the Dockerfile. After
# changing pyproject.toml: `make lock`; to move to newer releases: `make lock UPGRADE=1`
# (or UPGRADE_PACKAGE=django), then `make test` (README "Dependencies").
$(VENV)/.installed: pyproject.toml requirements.lock requirements-dev.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

install: $(VENV)/.installed

demo: install
	DJANGO_ENV=development $(PY) manage.py migrate --noinput
	DJANGO_ENV=development $(PY) manage.py load_demo
	@echo ""
	@echo "Open http://$(HOST):$(PORT)/ and log in, e.g. as griet (midwife) with password moederschap-demo."
	@echo "Stop with Ctrl+C. The embedded PostgreSQL keeps running for the next 'make demo'"
	@echo "(data in .data/postgres); 'make stop-db' stops it."
	DJANGO_ENV=development $(PY) manage.py runserver $(HOST):$(PORT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The browser tests' accessibility checker (axe-core, package.json + package-lock.json),
# installed with npm where Node.js is (CI installs it; the tests fail without it under CI=true).
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: the browser tests' accessibility checks will be skipped"; fi

# mypy with the Django and DRF plugins (pyproject.toml [tool.mypy]): strict on the access
# rules and the services, mypy's defaults elsewhere, a listed few not yet typed. The plugin
# imports the settings; nothing connects to the database named here.
typecheck: install
	DJANGO_ENV=test DATABASE_URL=postgres://typecheck@127.0.0.1:5432/typecheck $(VENV)/bin/mypy

test: lint typecheck node_modules/.installed
	DJANGO_ENV=test $(VENV)/bin/pytest $(PYTEST_ARGS)

# The inner loop: no browser, no slow tests (tests/conftest.py SLOW_MODULES, SLOW_TESTS),
# spread over the cores (pytest-xdist: one test database per worker). The test databases
# are kept between runs (--reuse-db; new migrations are applied to them, and
# tests/conftest.py puts back the rows the migrations seed, which a transactional test
# empties); after editing a migration in place: `make test-fast PYTEST_ARGS=--create-db`.
# Bytecode is cached even where PYTHONDONTWRITEBYTECODE is set. CI runs `make test`.
test-fast: install
	PYTHONDONTWRITEBYTECODE= DJANGO_ENV=test TEST_FAST=1 $(VENV)/bin/pytest -m "not browser and not slow" -q \
		-n auto --reuse-db -p no:schemathesis $(PYTEST_ARGS)

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Benchmarks (bench/): `make bench` rebuilds the small data set (10,000 records) in
# moederschapsdossier_bench_small and prints BENCH lines in under a minute;
# `make bench-data` builds the national one (five years of births, ~550,000 records, about
# 5 minutes) in moederschapsdossier_bench, kept until `make bench-data FORCE=1`;
# `make bench SCALE=national` then measures it.
bench: install
	DJANGO_ENV=test SCALE=$(or $(SCALE),small) $(PY) -m bench

bench-data: install
	DJANGO_ENV=test SCALE=$(or $(SCALE),national) FORCE=$(FORCE) $(PY) -m bench.generate

# The load benchmark (bench/load.py): gunicorn with the production settings on the bench data,
# sync and gthread workers, 1, 10 and 50 signed-in people; `make bench-load SCALE=national`
# on the national data set (LOAD_SECONDS per level, default 20; LOAD_USERS=1,10,50).
bench-load: install
	DJANGO_ENV=test SCALE=$(or $(SCALE),small) $(PY) -m bench.load

# After changing a translatable text: extract, translate in locale/*/LC_MESSAGES/django.po,
# then compile. tests/test_translations.py fails while any nl or fr text is missing.
messages: install
	DJANGO_ENV=development $(PY) manage.py makemessages -l nl -l fr -l en --no-obsolete \
		--ignore=.venv --ignore=.data --ignore=tests --ignore=bench --ignore=node_modules
	DJANGO_ENV=development $(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules

UV_COMPILE = $(VENV)/bin/uv pip compile pyproject.toml --generate-hashes --python-version 3.11 \
	--quiet --custom-compile-command "make lock" $(if $(UPGRADE),--upgrade) \
	$(if $(UPGRADE_PACKAGE),--upgrade-package $(UPGRADE_PACKAGE))

# Both lock files from pyproject.toml, keeping every pin they hold unless told to upgrade.
lock:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	test -x $(VENV)/bin/uv || $(PY) -m pip install --quiet uv
	$(UV_COMPILE) -o requirements.lock
	$(UV_COMPILE) --extra dev -o requirements-dev.lock

# Backup and restore (README "Backup and restore"): `make backup` writes a folder with the
# database dump, the eBirth export files and a manifest into BACKUP_DIR (default
# .data/backups; or `make backup TO=/mnt/backups/today`); `make restore FROM=<folder>`
# restores one into an EMPTY database (DATABASE_URL) and checks it. DJANGO_ENV defaults to
# development (the demo's embedded database); a server sets DJANGO_ENV=production.
backup: install
	DJANGO_ENV=$(or $(DJANGO_ENV),development) $(PY) manage.py backup $(TO)

restore: install
	@test -n "$(FROM)" || { echo "make restore FROM=<backup folder>"; exit 2; }
	DJANGO_ENV=$(or $(DJANGO_ENV),development) $(PY) manage.py restore "$(FROM)"

stop-db:
	@$(PY) -c "from config.database import stop_embedded_server; print(stop_embedded_server())"

clean-db: stop-db
	rm -rf .data/postgres
