# 正义街1号 · Zhengyi — the two commands of the quick start are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export ZHENGYI_LOG_FORMAT ?= text

.PHONY: install assets demo serve test test-fast lint types check-migrations ci clean lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Python dependencies from the lock file (uv for speed), the project itself, then the assets.
$(VENV)/.installed: $(BIN)/python requirements.lock pyproject.toml package.json package-lock.json
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	npm ci --no-audit --no-fund --loglevel=error
	$(BIN)/python scripts/vendor_assets.py
	touch $@

install: $(VENV)/.installed

assets: install
	$(BIN)/python scripts/vendor_assets.py

demo: install
	$(BIN)/zhengyi migrate --no-input -v 0
	$(BIN)/zhengyi demo load
	$(BIN)/zhengyi collectstatic --no-input -v 0
	PORT=$(PORT) $(BIN)/zhengyi serve --allow-demo-accounts --port $(PORT)

serve: install
	PORT=$(PORT) $(BIN)/zhengyi serve --port $(PORT)

# The whole suite: unit, service, page, API and browser tests.
test: install
	$(BIN)/pytest -q -n 2 --dist loadgroup

test-fast: install
	$(BIN)/pytest -q -n 2 -m "not browser"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: install
	$(BIN)/mypy zhengyi

check-migrations: install
	ZHENGYI_DATA_DIR=$$(mktemp -d) $(BIN)/zhengyi makemigrations --check --dry-run

# Re-resolve requirements.lock after changing dependencies in pyproject.toml.
lock: $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements.lock

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) node_modules zhengyi/static/vendor var
