# SIPMAS — the two commands of the quick start are `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
SERVICE_MODULES := services.registry.service services.verification.service services.referral.service services.notifications.service services.gateway.service
# Development stand-ins for the district's mail server and SMS provider (`sipmas sinks`): what
# notifications send lands in var/sinks/. Production sets real ones (deploy/README.md).
export SIPMAS_SMTP_PORT ?= 2525
export SIPMAS_SMS_GATEWAY_URL ?= http://127.0.0.1:9090/sms
export SIPMAS_NOTIFY_RATE_EMAIL_PER_MINUTE ?= 1200
export SIPMAS_NOTIFY_RATE_SMS_PER_MINUTE ?= 600

.PHONY: install services run web web-if-npm web-build web-check chromium test lint format bench bench-import bench-outbox bench-pipeline bench-search bench-web bench-field clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip<26"
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

services: ## make sure PostgreSQL and RabbitMQ (with its management plugin) are up
	scripts/ensure-services

# The browser application (web/): built into web/dist when that is missing or older than its
# sources; the gateway serves it at http://127.0.0.1:8000/. `npm ci` runs when the lock file
# changed (no install scripts: web/.npmrc). Without npm, `make run` goes on without the app.
WEB_SOURCES := $(shell find web/src web/public web/index.html web/field web/scripts web/vite.config.ts web/tsconfig.json web/package.json -type f 2>/dev/null)

web/node_modules/.package-lock.json: web/package-lock.json
	cd web && npm ci --no-audit --no-fund

web/dist/index.html: web/node_modules/.package-lock.json $(WEB_SOURCES)
	cd web && npm run build
	@touch $@

web: ## the browser application: web/dist from web/src (npm ci, then vite build)
	cd web && npm ci --no-audit --no-fund && npm run build

web-if-npm:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory web/dist/index.html; \
	 else echo "npm not found: the web application is not built (the API runs; see web/README.md)"; fi

# The tests need the app built and checked: npm (Node.js >= 20.19) is required there.
NEED_NPM = @command -v npm >/dev/null 2>&1 || { echo "make test needs npm (Node.js >= 20.19) for the web application (web/README.md)"; exit 1; }

web-build: ## web/dist when missing or older than its sources (npm ci first when the lock changed)
	$(NEED_NPM)
	@$(MAKE) --no-print-directory web/dist/index.html

web-check: web-build ## the web application's own checks: ESLint + no-HTML, TypeScript, Prettier
	cd web && npm run --silent lint && npm run --silent typecheck && npm run --silent format:check

# The browser tests drive Debian's Chromium with Playwright (its own browser download cannot work
# on the district's closed network, nor here): installed with apt-get when missing.
CHROMIUM ?= /usr/bin/chromium

chromium:
	@test -x $(CHROMIUM) || { echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

run: install services web-if-npm ## the whole system: migrations, reference data, queues, every service, the web app
	$(PY) -m sipmas_cli migrate
	@echo "SIPMAS running: $(SERVICE_MODULES) on $${AMQP_URI:-amqp://127.0.0.1:5672/}."
	@echo "  web  http://127.0.0.1:8000/   API  http://127.0.0.1:8000/api/v1   docs http://127.0.0.1:8000/docs"
	@echo "  metrics and health http://127.0.0.1:9100/metrics /health"
	@echo "  mail and SMS land in var/sinks/ (SMTP 127.0.0.1:$(SIPMAS_SMTP_PORT), SMS $(SIPMAS_SMS_GATEWAY_URL))"
	@echo "  the first admin: sipmas users create admin --role admin   (prints a temporary password: sign in at /)"
	@echo "  a day through the system: sipmas demo        Ctrl-C stops."
	export SIPMAS_LOG_FORMAT=$$(scripts/log-format); \
	$(PY) -m sipmas_cli sinks & sinks=$$!; trap 'kill $$sinks 2>/dev/null' EXIT INT TERM; \
	  $(VENV)/bin/nameko run --config config.yaml $(SERVICE_MODULES)

# tests/unit needs neither: it runs with the database and the broker pointed at closed ports.
UNREACHABLE := SIPMAS_DATABASE_URL_TEMPLATE=postgresql://postgres@127.0.0.1:9/unreachable_{service} AMQP_URI=amqp://guest:guest@127.0.0.1:9/

test: install services chromium web-check ## lint (Python and the web app); unit tests with no database or broker; then the rest on the real ones, the browser tests included
	$(VENV)/bin/ruff check --no-cache .
	$(VENV)/bin/ruff format --check .
	$(UNREACHABLE) $(VENV)/bin/pytest tests/unit
	$(VENV)/bin/pytest --ignore=tests/unit

lint:
	$(VENV)/bin/ruff check --no-cache .
	$(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: bench-outbox bench-import bench-pipeline bench-search bench-web bench-field ## benchmarks (not tests): figures beside their raw baselines

bench-outbox: install services
	$(PY) -m benchmarks.outbox_relay

bench-import: install services
	$(PY) -m benchmarks.registry_import

bench-pipeline: install services
	$(PY) -m benchmarks.pipeline

bench-search: install services
	$(PY) -m benchmarks.search

bench-web: install services chromium web-build ## the web app: first-screen bytes, loads over a slow link, search and dashboard with 1,000,000 people
	$(PY) -m benchmarks.web

bench-field: install services chromium web-build ## the field app: fifty visits with three photos each, queued offline, synced over a 400 kbit/s, 400 ms link
	$(PY) -m benchmarks.field_sync

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
