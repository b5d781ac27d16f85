# Two commands on a fresh machine: `make test` and `make demo`. Both create the virtualenv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test lint format demo readme clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,sql]'
	touch $(STAMP)

install: $(STAMP)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: install lint
	$(BIN)/python -m pytest -q

demo: install
	-$(BIN)/dsql-scan scan examples/legacy
	$(BIN)/dsql-scan scan examples/migrated

readme: install
	$(BIN)/python scripts/readme_rules.py --write

clean:
	rm -rf $(VENV) build dist *.egg-info .dsql-scan-cache .pytest_cache .ruff_cache
