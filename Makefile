# Two commands do all the set-up on a fresh machine:
#   make demo   the app with demo data on http://127.0.0.1:8000 (embedded PostgreSQL)
#   make test   the whole test suite (ruff, pytest, browser journeys when Chromium is found)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo run test lint format bench messages clean-db

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
	@echo "Stop with Ctrl+C; the data stay in .data/postgres for the next 'make demo'."
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

clean-db:
	rm -rf .data/postgres
