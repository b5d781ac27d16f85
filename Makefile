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

.PHONY: synth-examples
synth-examples: $(CDK_STAMP)
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

test: install lint tools $(CDK_STAMP)
	$(BIN)/python -m pytest -q

# The signed-off reviews go to build/: legacy must FAIL (exit 1), migrated must PASS; all verify.
# The migrated example holds two flavours of one service, each a system of its own (one DSQL
# cluster each): CloudFormation, and the CDK app, each with the application code. A review
# speaks for a whole system: without the application code the health check (FR-004) is not
# evidenced, and the verdict says NOT EVIDENCED.
MIGRATED_CFN := examples/migrated/cloudformation examples/migrated/app
MIGRATED_CDK := examples/migrated/cdk examples/migrated/app
demo: install
	-$(BIN)/dsql-scan scan examples/legacy
	$(BIN)/dsql-scan scan examples/migrated/cloudformation
	$(BIN)/dsql-scan scan $(MIGRATED_CDK)
	$(BIN)/dsql-scan review examples/legacy -o build/review-legacy.md; test $$? -eq 1
	$(BIN)/dsql-scan review $(MIGRATED_CFN) -o build/review-migrated.html
	$(BIN)/dsql-scan review $(MIGRATED_CDK) -o build/review-migrated-cdk.md
	$(BIN)/dsql-scan verify build/review-legacy.md
	$(BIN)/dsql-scan verify build/review-migrated.html
	$(BIN)/dsql-scan verify build/review-migrated-cdk.md

readme: install
	$(BIN)/python scripts/readme_rules.py --write

clean:
	rm -rf $(VENV) build dist *.egg-info .dsql-scan-cache .pytest_cache .ruff_cache
