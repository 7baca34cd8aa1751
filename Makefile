# Two commands do all the set-up on a fresh machine:
#   make demo   the app with demo data on http://127.0.0.1:8000 (embedded PostgreSQL)
#   make test   the whole test suite (ruff, pytest, browser journeys when Chromium is found)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo test lint format bench bench-data messages stop-db clean-db

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
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

test: lint
	DJANGO_ENV=test $(VENV)/bin/pytest $(PYTEST_ARGS)

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

# After changing a translatable text: extract, translate in locale/*/LC_MESSAGES/django.po,
# then compile. tests/test_translations.py fails while any nl or fr text is missing.
messages: install
	DJANGO_ENV=development $(PY) manage.py makemessages -l nl -l fr -l en --no-obsolete \
		--ignore=.venv --ignore=.data --ignore=tests --ignore=bench
	DJANGO_ENV=development $(PY) manage.py compilemessages --ignore=.venv

stop-db:
	@$(PY) -c "from config.database import stop_embedded_server; print(stop_embedded_server())"

clean-db: stop-db
	rm -rf .data/postgres
