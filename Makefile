# Two commands set everything up on a fresh machine with Python >= 3.11:
#   make run   install into .venv, migrate, load the demo city if empty and bring its dates
#              up to today (fixboard demo), serve web + worker
#   make test  install dev dependencies and run the whole suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT

.PHONY: run test bench lint install dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

dev: $(VENV)/.dev-installed

run: install
	$(BIN)/fixboard migrate --no-input
	$(BIN)/fixboard demo
	$(BIN)/fixboard run --port $(PORT)

test: dev
	$(BIN)/ruff check fixboard tests bench
	$(BIN)/lint-imports
	$(BIN)/pytest -n auto --dist loadfile $(PYTEST_ARGS)

bench: dev
	$(BIN)/python -m bench $(BENCH_ARGS)

lint: dev
	$(BIN)/ruff format fixboard tests bench
	$(BIN)/ruff check --fix fixboard tests bench

clean:
	rm -rf $(VENV) var build *.egg-info
