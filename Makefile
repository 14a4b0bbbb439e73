VENV ?= .venv
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
# Test processes: pytest-xdist workers, each with its own database (`make test TEST_WORKERS=0` runs in one).
TEST_WORKERS ?= auto
BIN := $(VENV)/bin
RUNTIME_LOCK := requirements/runtime.lock
TEST_LOCK := requirements/test.lock
LOCK_OPTIONS := --quiet --python-version 3.11 --generate-hashes --no-strip-extras

.PHONY: run test lint install install-test migrate lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# One stamp per lock file: the install runs again only when the lock or pyproject.toml changed.
# Dependencies come only from the lock (hash-checked); the project itself is installed without
# dependencies, and `pip check` fails when pyproject.toml declares a package the lock lacks.
$(VENV)/.installed-runtime: $(RUNTIME_LOCK) pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes --no-deps -r $(RUNTIME_LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/pip check
	touch $@

$(VENV)/.installed-test: $(TEST_LOCK) pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes --no-deps -r $(TEST_LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/pip check
	touch $@

install: $(VENV)/.installed-runtime

install-test: $(VENV)/.installed-test

run: install
	GURUBOT_DEMO=1 $(BIN)/gurubot demo --host $(HOST) --port $(PORT)

migrate: install
	$(BIN)/gurubot migrate

lint: install-test
	$(BIN)/ruff check bot handlers tests bench
	$(BIN)/mypy bot handlers

# Byte-code caches (__pycache__, git-ignored) spare each test process, and each `gurubot` the suite
# starts, about a second of compiling; some environments switch them off (PYTHONDONTWRITEBYTECODE).
test: install-test lint
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/pytest -q -n $(TEST_WORKERS)

# After changing dependencies in pyproject.toml: re-resolve both locks (current pins are kept
# where they still fit; `make lock UPGRADE=--upgrade` moves everything to the newest allowed).
lock: | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes --no-deps -r $(TEST_LOCK)
	$(BIN)/uv pip compile pyproject.toml $(LOCK_OPTIONS) $(UPGRADE) -o $(RUNTIME_LOCK)
	$(BIN)/uv pip compile pyproject.toml $(LOCK_OPTIONS) $(UPGRADE) --extra test --extra dev \
		-c $(RUNTIME_LOCK) -o $(TEST_LOCK)

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
