# The two commands: `make run` (demo on a fresh machine) and `make test` (the suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export DJANGO_SETTINGS_MODULE ?= config.settings.dev

.PHONY: run test install install-dev check lint messages bench soak clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## make run: install, migrate the embedded SQLite database under var/, load reference and
## demo data, then serve http://127.0.0.1:8000 with a Celery worker + beat.
run: install
	mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_reference_data
	$(PY) manage.py seed_demo
	./scripts/run_dev.sh

## make test: lint and checks, then the test suite on a throwaway PostgreSQL and Redis.
test: install-dev
	DJANGO_SETTINGS_MODULE=config.settings.test ./scripts/test_services.sh $(MAKE) --no-print-directory check-and-pytest

check-and-pytest:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy .
	$(PY) scripts/check_type_ignores.py
	$(VENV)/bin/lint-imports --no-cache
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) scripts/check_translations.py
	$(VENV)/bin/pytest

## make bench: region-scale benchmark (issue 8) on a throwaway PostgreSQL and Redis: generates
## 20,000 providers / 500,000 residents, measures every case against a limit measured in the same
## run, then the site under load (issue 20: gunicorn and Locust), and writes docs/performance.md.
## Not part of make test (30 to 40 minutes on 2 cores); BENCH_ARGS="--quick" runs only the query
## counts on small data, "--skip-load" leaves the load test out, "--load-only" runs only it.
$(VENV)/.installed-bench: $(VENV)/.installed-dev requirements-bench.txt
	$(PIP) install --quiet -r requirements-bench.txt
	touch $@

bench: $(VENV)/.installed-bench
	DJANGO_SETTINGS_MODULE=config.settings.test ./scripts/test_services.sh $(PY) tests/perf/bench.py $(BENCH_ARGS)

## make soak: the 30-minute soak with faults (issue 20) on a stack of its own (PostgreSQL, Redis,
## gunicorn with the production settings, one worker, one beat): moderate load while the worker
## is killed in a grant run and Redis and PostgreSQL restart, then the five checks; writes the
## soak section of docs/performance.md. SOAK_ARGS="--minutes 10" for a shorter one.
soak: $(VENV)/.installed-bench
	$(PY) tests/perf/soak/run.py $(SOAK_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

## make messages: refresh the translation catalogues after changing strings.
messages: install-dev
	$(PY) manage.py makemessages -l zh_Hans -l mn --no-obsolete --ignore=.venv --ignore=var --ignore=tests
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
