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

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Tools the tests drive for real: git, and ssh-keygen for review signatures.
tools:
	@command -v git >/dev/null && command -v ssh-keygen >/dev/null || \
	  { echo "installing git and openssh-client"; \
	    SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	    $$SUDO apt-get update -q && $$SUDO apt-get install -y -q git openssh-client; }

test: install lint tools
	$(BIN)/python -m pytest -q

# The signed-off reviews go to build/: legacy must FAIL (exit 1), migrated must PASS; both verify.
demo: install
	-$(BIN)/dsql-scan scan examples/legacy
	$(BIN)/dsql-scan scan examples/migrated
	$(BIN)/dsql-scan review examples/legacy -o build/review-legacy.md; test $$? -eq 1
	$(BIN)/dsql-scan review examples/migrated -o build/review-migrated.html
	$(BIN)/dsql-scan verify build/review-legacy.md
	$(BIN)/dsql-scan verify build/review-migrated.html

readme: install
	$(BIN)/python scripts/readme_rules.py --write

clean:
	rm -rf $(VENV) build dist *.egg-info .dsql-scan-cache .pytest_cache .ruff_cache
