# chanrong — the two commands: `make demo` and `make test`; `make serve` for the API and console.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= $(CHANRONG_TEST_POSTGRES_URL)

.PHONY: demo test serve lint format bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/chanrong demo

serve: $(STAMP)
	$(BIN)/chanrong serve

test: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,bench]'
	command -v wrk >/dev/null && command -v mosquitto_pub >/dev/null || \
	  (apt-get update -qq && apt-get install -y -qq --no-install-recommends wrk mosquitto-clients)
	$(BIN)/python bench/identifiers.py --quick
	$(BIN)/python bench/ledger.py --quick
	$(BIN)/python bench/observatory.py --quick
	$(BIN)/python bench/telemetry.py --quick
	$(BIN)/python bench/credit.py --quick

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
