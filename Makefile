VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: run test lint install install-test migrate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'

run: install
	GURUBOT_DEMO=1 $(BIN)/gurubot demo

migrate: install
	$(BIN)/gurubot migrate

lint: install-test
	$(BIN)/ruff check bot handlers tests bench
	$(BIN)/mypy bot handlers

test: install-test lint
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
