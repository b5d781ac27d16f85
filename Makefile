# Two commands on a fresh machine: `make test` and `make demo`. Both create the virtualenv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test lint format demo readme clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# The CDK extra is only for the tests (real synth); `make demo` scans the shipped cdk.out.
CDK_STAMP := $(VENV)/.installed-cdk
$(CDK_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[test,cdk]'
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

test: install lint $(CDK_STAMP)
	$(BIN)/python -m pytest -q

# The migrated example holds two flavours of one service (CloudFormation; CDK with its
# application code): each is scanned as a project of its own, as its repository would be.
demo: install
	-$(BIN)/dsql-scan scan examples/legacy
	cd examples/migrated/cloudformation && $(abspath $(BIN))/dsql-scan scan .
	cd examples/migrated && $(abspath $(BIN))/dsql-scan scan cdk app

readme: install
	$(BIN)/python scripts/readme_rules.py --write

clean:
	rm -rf $(VENV) build dist *.egg-info .dsql-scan-cache .pytest_cache .ruff_cache
