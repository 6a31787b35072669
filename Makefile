# zhili — the two commands a fresh machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-sqlite test-postgres install migrate seed schema lint bench-fanout bench-ingest clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/zhili migrate

seed: migrate
	$(BIN)/zhili seed --demo

## make run: install, migrate, load the demo data and serve on http://127.0.0.1:8000
run: seed
	$(BIN)/zhili serve --host 127.0.0.1 --port 8000

## make test: install and run the whole suite on SQLite, then on PostgreSQL + Redis when reachable
test: install
	$(BIN)/python tests/run_all.py

test-sqlite: install
	ZHILI_TEST_BACKEND=sqlite $(BIN)/python -m pytest -q

test-postgres: install
	ZHILI_TEST_BACKEND=postgres $(BIN)/python -m pytest -q

schema: install
	$(BIN)/zhili schema export schema.graphql

## make lint: ruff (lint and format) and mypy --strict
lint: install
	$(BIN)/ruff check api schema resolvers tests bench
	$(BIN)/ruff format --check api schema resolvers tests bench
	$(BIN)/mypy api schema resolvers

## benchmarks (figures, not tests): see bench/README.md
bench-fanout: install
	$(BIN)/python -m bench.fanout

bench-ingest: install
	$(BIN)/python -m bench.ingest

clean:
	rm -rf $(VENV) zhili.sqlite3 media
