# SIPMAS — the two commands of the quick start are `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
SERVICE_MODULES := services.registry.service services.verification.service services.referral.service services.notifications.service

.PHONY: install services run test lint format bench bench-import bench-outbox clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip<26"
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

services: ## make sure PostgreSQL and RabbitMQ (with its management plugin) are up
	scripts/ensure-services

run: install services ## the whole system: migrations, reference data, queues, every service
	$(PY) -m sipmas.cli migrate
	@echo "SIPMAS running: $(SERVICE_MODULES) on $${AMQP_URI:-amqp://127.0.0.1:5672/}. Ctrl-C stops."
	$(VENV)/bin/nameko run --config config.yaml $(SERVICE_MODULES)

test: install services ## lint, unit, integration and end-to-end tests on the real broker and database
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: bench-outbox bench-import ## benchmarks (not tests): figures beside their raw baselines

bench-outbox: install services
	$(PY) -m benchmarks.outbox_relay

bench-import: install services
	$(PY) -m benchmarks.registry_import

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
