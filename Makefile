# Two commands do all the set-up on a fresh machine:
#   make demo   the app with demo data on http://127.0.0.1:8000 (embedded PostgreSQL)
#   make test   the whole test suite (ruff, pytest, browser journeys when Chromium is found)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo test lint format bench messages stop-db clean-db

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

bench: install
	DJANGO_ENV=test $(PY) -m bench

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
