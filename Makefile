# Two commands for a newcomer: `make run` and `make test`. Everything else is optional.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV     ?= .venv
PY       := $(VENV)/bin/python
CELERY   := $(VENV)/bin/celery
STAMP    := $(VENV)/.installed
HOST     ?= 127.0.0.1
PORT     ?= 8000
CONCURRENCY ?= 2

# PostgreSQL + RabbitMQ on this machine (used by `make test` when reachable, and by *-pg targets).
PG_URL   ?= postgresql://postgres@127.0.0.1:5432/elections
AMQP_URL ?= amqp://guest:guest@127.0.0.1:5672//
SERVICES_ENV := DATABASE_URL=$(PG_URL) CELERY_BROKER_URL=$(AMQP_URL)

# System libraries WeasyPrint needs; libharfbuzz-subset0 makes font subsetting ~0.3 s/PDF faster.
# PyICU (roll order) compiles against libicu-dev with pkg-config and g++; gettext compiles the
# label catalogs (locale/).
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
                   fonts-noto-core fonts-noto-cjk libicu-dev pkg-config g++ gettext
TEST_SYSTEM_PACKAGES := chromium poppler-utils

.PHONY: help install system-packages test-system-packages run web worker beat demo migrate \
        test test-embedded test-services lint format bench run-pg worker-pg beat-pg web-pg \
        lock check-services clean screenshots compose-secrets messages

help:
	@echo "make run    install, prepare and run the console (web + worker + beat) on SQLite"
	@echo "make test   install and run every test (lint, embedded default, PostgreSQL + RabbitMQ)"
	@echo "make web | worker | beat        one process alone (embedded default)"
	@echo "make run-pg | web-pg | worker-pg | beat-pg   the same on PostgreSQL + RabbitMQ"
	@echo "make bench   every benchmark (python -m bench), written to docs/benchmarks.md"
	@echo "             (about 2 hours; shorter: make bench BENCH_ARGS=\"--strategy-sizes 10000,100000\")"
	@echo "             one render: python -m bench.pdf; a center's set: python -m bench.pdf_set"
	@echo "             the talk's code beside ours: make bench TALK_DIR=/path/to/its/clone"
	@echo "make lint | format | lock"
	@echo "make compose-secrets   random passwords and keys under secrets/ for compose.yaml"

# --- installation --------------------------------------------------------------------------
system-packages:
	@./.ci/apt-install $(SYSTEM_PACKAGES)

test-system-packages:
	@./.ci/apt-install $(SYSTEM_PACKAGES) $(TEST_SYSTEM_PACKAGES)

# pip itself is installed first, at the version and hashes the lock records: the pip a new
# virtualenv brings (23.2 with Python 3.11.7) resolves an extra a dependency asks for
# (weasyprint's fonttools[woff]) to the newest release rather than the locked pin, and then
# refuses it as unpinned in --require-hashes mode (fixed in pip 23.3).
$(STAMP): requirements.lock
	@test -x $(PY) || python3.11 -m venv $(VENV) || python3 -m venv $(VENV)
	@awk '/^pip==/ {p = 1; print; next} p && /^ +--hash/ {print; next} p {exit}' \
	    requirements.lock > $(VENV)/pip.lock
	@test -s $(VENV)/pip.lock || { echo "requirements.lock pins no pip: regenerate it with make lock" >&2; exit 1; }
	$(PY) -m pip install --quiet --require-hashes --no-deps -r $(VENV)/pip.lock
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	@touch $(STAMP)

# Translations are compiled from the committed .po catalogs at install; .mo files are not
# committed. Only the project's own locale/ folder (the virtualenv has Django's, compiled).
messages: $(STAMP)
	$(PY) manage.py compilemessages --ignore=.venv --ignore=var

install: system-packages $(STAMP) messages

# Regenerate both lock files after editing pyproject.toml dependencies: requirements.lock
# (everything, with the dev extra: make install, make test) and requirements.prod.lock (the
# image: no test tools). The production lock is constrained by the full one, so the image
# runs exactly the versions the tests ran.
PIP_COMPILE = $(VENV)/bin/pip-compile --quiet --generate-hashes --no-emit-index-url \
              --no-emit-find-links --strip-extras --allow-unsafe

lock: $(STAMP)
	$(PIP_COMPILE) --extra dev -o requirements.lock pyproject.toml
	$(PIP_COMPILE) -c requirements.lock -o requirements.prod.lock pyproject.toml

# --- running (embedded default: SQLite + filesystem broker under var/) ----------------------
# What the Procfile's processes read (honcho overrides PORT for all but the first process,
# so the login process gets the console's address as CONSOLE_URL).
DEVRUN_ENV = PY=$(PY) CELERY=$(CELERY) HOST=$(HOST) PORT=$(PORT) CONCURRENCY=$(CONCURRENCY) \
             CONSOLE_URL=http://$(HOST):$(PORT)/admin/
migrate: install
	$(PY) manage.py migrate --no-input

demo: migrate
	$(PY) manage.py prepare_demo

# honcho (config/devrun.py) exits 130 after Ctrl-C: the way `make run` is meant to end,
# not an error for make to report.
# The Procfile's login process prints the address, user and password last, once web, a
# worker and beat answer (manage.py announce_login).
run: demo
	@echo "Starting web, worker and beat; the login is printed once they answer."
	@$(DEVRUN_ENV) $(PY) -m config.devrun start -f Procfile; rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 130 ]

web: migrate
	$(PY) manage.py runserver $(HOST):$(PORT)

worker: migrate
	$(CELERY) -A config worker -l INFO -c $(CONCURRENCY) -n worker1@%h

beat: migrate
	$(CELERY) -A config beat -l INFO --pidfile=

# --- the same on PostgreSQL + RabbitMQ -------------------------------------------------------
pg-database: install
	@$(PY) manage.py ensure_database

run-pg: pg-database
	$(SERVICES_ENV) $(PY) manage.py migrate --no-input
	$(SERVICES_ENV) $(PY) manage.py prepare_demo
	@$(SERVICES_ENV) $(DEVRUN_ENV) $(PY) -m config.devrun start -f Procfile; \
	  rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 130 ]

web-pg: pg-database
	$(SERVICES_ENV) $(PY) manage.py migrate --no-input
	$(SERVICES_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

worker-pg: pg-database
	$(SERVICES_ENV) $(CELERY) -A config worker -l INFO -c $(CONCURRENCY) -n worker1@%h

beat-pg: pg-database
	$(SERVICES_ENV) $(CELERY) -A config beat -l INFO --pidfile=

# --- quality ---------------------------------------------------------------------------------
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The two passes run side by side, each in its own folder under var/ (so a running `make run`
# is never disturbed, nor one pass by the other), its own database and its own broker: on 2
# cores that takes about 18 minutes where one after the other took about 28. Every line of
# output is prefixed with its pass ([embedded] or [services]); make waits for both and fails
# when either does. `make test-embedded` or `make test-services` runs one pass alone.
EMBEDDED_ENV := VAR_DIR=$(CURDIR)/var/test
SERVICES_TEST_ENV := VAR_DIR=$(CURDIR)/var/test-services $(SERVICES_ENV)
# PASS_PREFIX is set by `make test` only: a pass run alone prints as pytest does.
PASS_PREFIX ?=
labelled = set -o pipefail; PYTHONUNBUFFERED=1 $(1) 2>&1 | \
           { if [ -n "$(PASS_PREFIX)" ]; then sed -u 's/^/[$(2)] /'; else cat; fi; }

test: test-system-packages $(STAMP) messages lint
	@$(MAKE) --no-print-directory -j2 test-embedded test-services PASS_PREFIX=1

test-embedded:
	@echo "=== suite on the embedded default (SQLite + filesystem broker) ==="
	@$(call labelled,$(EMBEDDED_ENV) $(PY) -m pytest,embedded)

test-services:
	@echo "=== suite on PostgreSQL + RabbitMQ ==="
	@if $(PY) -m tests.services postgres rabbitmq; then \
	  $(call labelled,$(SERVICES_TEST_ENV) $(PY) -m pytest -m "not embedded_only",services); \
	else \
	  echo "SKIPPED the PostgreSQL + RabbitMQ run: services not reachable (reason above)"; \
	fi

check-services: $(STAMP)
	$(PY) -m tests.services postgres rabbitmq

# TALK_DIR: a clone of the talk's code (outside this repository) for the part talk, which
# runs it beside ours; without it that part says how to give one and is skipped.
TALK_DIR ?=
bench: install
	VAR_DIR=$(CURDIR)/var/bench TALK_DIR="$(TALK_DIR)" $(PY) -m bench --page docs/benchmarks.md $(BENCH_ARGS)

clean:
	rm -rf var/test var/test-services var/bench

# --- production (compose.yaml) ------------------------------------------------------------------
# Standard library only, so the machine that runs compose needs no virtualenv.
compose-secrets:
	python3 deploy/compose_secrets.py secrets

# Refresh the docs' screenshots (docs/screenshots/) from the browser test that takes them (a
# whole run clicked through with a worker: tests/browser/test_console.py), not the whole suite.
screenshots: test-system-packages $(STAMP) messages
	UPDATE_SCREENSHOTS=1 $(EMBEDDED_ENV) $(PY) -m pytest tests/browser/test_console.py -q
