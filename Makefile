# Two commands on a fresh machine: `make test` and `make demo`. Both create the virtualenv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test lint format demo readme clean tools

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,sql]'
	touch $(STAMP)

install: $(STAMP)

# The CDK extra is only for the tests (real synth); `make demo` scans the shipped cdk.out.
CDK_STAMP := $(VENV)/.installed-cdk
$(CDK_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[test,sql,cdk]'
	touch $(CDK_STAMP)

# The TypeScript example apps compile and synthesize with the real aws-cdk-lib, constructs and
# typescript from npm, pinned in scripts/node/ (package.json and its package-lock.json) and
# installed into .node/ (ignored). Only the tests and synth-examples need it, never `make demo`.
NODE_DIR := .node
NODE_STAMP := $(NODE_DIR)/.installed
$(NODE_STAMP): scripts/node/package.json scripts/node/package-lock.json
	@command -v npm >/dev/null || { echo "npm not found: install Node.js (Debian: nodejs npm)"; exit 1; }
	@echo "installing the pinned TypeScript CDK toolchain into $(NODE_DIR)/"
	@mkdir -p $(NODE_DIR)
	@cp scripts/node/package.json scripts/node/package-lock.json $(NODE_DIR)/
	@cd $(NODE_DIR) && npm ci --silent --no-audit --no-fund --ignore-scripts
	@touch $(NODE_STAMP)

.PHONY: node
node: $(NODE_STAMP)

.PHONY: synth-examples
synth-examples: $(CDK_STAMP) $(NODE_STAMP)
	$(BIN)/python scripts/synth_examples.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Tools the tests drive for real (command:Debian package): git, ssh-keygen for review signatures,
# and headless Chromium with its WebDriver for the rendered HTML review. Silent when all present.
TOOLS := git:git ssh-keygen:openssh-client chromium:chromium chromedriver:chromium-driver
tools:
	@missing=$$(for tool in $(TOOLS); do command -v $${tool%%:*} >/dev/null || echo $${tool#*:}; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing" $$missing; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

test: install lint tools $(CDK_STAMP) $(NODE_STAMP)
	$(BIN)/python -m pytest -q

# What dsql-scan says about the examples, one line per step (scripts/demo.py): the legacy scan
# and review must fail (exit 1, checked), the migrated ones pass, every review verifies; the
# reviews are written to build/.
demo: install
	$(BIN)/python scripts/demo.py

readme: install
	$(BIN)/python scripts/readme_rules.py --write

clean:
	rm -rf $(VENV) $(NODE_DIR) build dist *.egg-info .dsql-scan-cache .pytest_cache .ruff_cache
