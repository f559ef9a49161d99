# metroplan: `make run` starts the site with data; `make test` runs the test suite.
# Both create .venv/ and install what they need on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test install lint bench load clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

# The site on http://127.0.0.1:8000 with a Celery worker and beat. Embedded
# defaults (SQLite under var/, a file-system broker) unless DATABASE_URL and
# REDIS_URL are set. Ctrl-C stops all three.
run: export DEBUG ?= 1
run: export PATH := $(abspath $(BIN)):$(PATH)
run: $(STAMP)
	mkdir -p var
	python manage.py migrate --no-input
	python manage.py load_plan
	python manage.py seed_demo
	python manage.py collectstatic --no-input --verbosity 0
	honcho --procfile Procfile.dev start

# The whole suite. SQLite unless DATABASE_URL / REDIS_URL point at real servers.
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	DJANGO_SETTINGS_MODULE=metroplan.settings_test $(BIN)/python manage.py makemigrations --check --dry-run

bench: $(STAMP)
	$(BIN)/python -m bench.all $(BENCH_ARGS)

# The load and fault suite alone, with its figures (needs DATABASE_URL on PostgreSQL;
# README, "Load and faults"). `make test` runs it too.
load: $(STAMP)
	$(BIN)/python -m pytest tests/load -m load -s $(PYTEST_ARGS)

clean:
	rm -rf var/ test-output/
