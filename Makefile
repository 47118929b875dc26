# The README's two commands: `make demo` and `make test`. Both install what they need first; a second
# run finds everything in place and starts in seconds.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCAL_NODE := functions/sapa/local/node_modules
APT_PACKAGES := chromium fonts-noto-color-emoji postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl

.PHONY: demo test install dashboard lint test-suites system-packages clean

demo: install dashboard
	$(BIN)/sapa start --profile demo

test: install system-packages dashboard lint
	$(BIN)/sapa exec --profile test --reset -- $(MAKE) --no-print-directory test-suites

test-suites:
	$(BIN)/pytest
	scripts/pgtap.sh
	cd dashboard && npm test

install: $(VENV)/.installed $(LOCAL_NODE)/.installed dashboard/node_modules/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

$(LOCAL_NODE)/.installed: functions/sapa/local/package-lock.json
	cd functions/sapa/local && npm ci --no-audit --no-fund
	touch $@

dashboard/node_modules/.installed: dashboard/package-lock.json
	cd dashboard && npm ci --no-audit --no-fund
	touch $@

dashboard: dashboard/dist/index.html

dashboard/dist/index.html: dashboard/node_modules/.installed $(shell find dashboard/src dashboard/index.html dashboard/vite.config.* dashboard/tsconfig*.json -type f 2>/dev/null)
	cd dashboard && npm run build

# Debian packages the tests need (Chromium for the browser tests, pgTAP and pg_prove). Installed when
# running as root; otherwise the missing ones are named.
system-packages:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "missing Debian packages: $$missing (run as root, or: sudo apt-get install $$missing)"; exit 1; \
	  fi; \
	fi

lint: install
	$(BIN)/ruff check functions tests scripts
	$(BIN)/ruff format --check functions tests scripts
	$(BIN)/mypy

clean:
	rm -rf .sapa dashboard/dist
