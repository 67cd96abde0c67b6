# Every task is one command. `make run` serves the API on the embedded SQLite default;
# `make test` installs what the tests need and runs lint, type checks and the whole suite.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
ARGS   ?=

.PHONY: run test check lint format typecheck docs bench reliability lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# pyproject.toml gives ranges (the package installs beside an app's own libraries);
# constraints.txt pins the exact versions CI tests, and every install here uses it.
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check

$(VENV)/.run-deps: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -c constraints.txt -e '.[postgresql]'
	touch $@

$(VENV)/.test-deps: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -c constraints.txt -e '.[test]'
	touch $@

run: $(VENV)/.run-deps  ## start the server (extra options: make run ARGS="--port 9000")
	$(BIN)/ecwid-customers serve $(ARGS)

lint: $(VENV)/.test-deps  ## ruff, the import contracts of pyproject.toml (the layers), hadolint
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/hadolint Dockerfile

typecheck: $(VENV)/.test-deps
	$(BIN)/mypy

check: lint typecheck

test: check  ## lint, type-check, then every test (in parallel), on SQLite and PostgreSQL
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)
	@url=$$(scripts/postgres.sh) || url=""; \
	ECWID_TEST_POSTGRES_URL="$$url" $(BIN)/pytest -n auto

bench: $(VENV)/.test-deps  ## load the server with wrk and write BENCHMARKS.md (about 15 minutes)
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check py-spy==0.4.3
	$(BIN)/python bench/run.py $(ARGS)

format: $(VENV)/.test-deps
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

reliability: $(VENV)/.test-deps  ## repeat the crash, fault and fuzz tests; print docs/reliability.md's figures
	$(BIN)/python scripts/reliability.py $(ARGS)

docs: $(VENV)/.run-deps  ## regenerate the README sections made from code (CLI, endpoints)
	$(BIN)/python scripts/readme_sections.py --write

# py-spy is left out: `make bench` installs it by hand, and the lock is the same either way.
lock: | $(BIN)/python  ## after changing pyproject.toml's dependencies: install them, pin .venv's versions
	$(PIP) -e '.[test]'
	@{ echo "# Exact versions CI tests (every extra); written by \`make lock\` from .venv."; \
	  $(BIN)/python -m pip freeze --exclude-editable --exclude ecwid-customers --exclude py-spy; \
	} > constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache src/*.egg-info
