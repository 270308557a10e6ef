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

.PHONY: install tools browser run test test-unit test-integration bench demo openapi package deploy destroy clean

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

tools: $(TOOLS)/.installed

$(TOOLS)/.installed: infra/requirements-tools.txt
	test -x $(TOOLS)/bin/python || $(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet -r infra/requirements-tools.txt
	touch $@

browser:
	@command -v chromium >/dev/null 2>&1 || test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends chromium; \
	  else echo "Chromium is missing: sudo apt-get install chromium (the browser tests need it)"; exit 1; fi; }

run: install
	$(PY) -m devstack

test: install tools browser
	$(PY) -m pytest $(PYTEST_ARGS)

test-unit: install
	$(PY) -m pytest tests --ignore=tests/integration --ignore=tests/infra $(PYTEST_ARGS)

test-integration: install
	$(PY) -m pytest tests/integration $(PYTEST_ARGS)

bench: install
	$(PY) -m bench

demo: install
	$(PY) -m devstack.demo

# chalicelib/openapi.json from the routes and their models (tests/unit/test_openapi.py asks for it).
openapi: install
	$(PY) -m devstack.openapi

package: install tools
	$(PY) infra/package.py --stage $(STAGE)

deploy: package
	$(PY) infra/deploy.py apply --stage $(STAGE)

destroy: package
	$(PY) infra/deploy.py destroy --stage $(STAGE)

clean:
	rm -rf $(VENV) $(TOOLS) .local build .pytest_cache .hypothesis
