# metaan: `make` sets up .venv, installs, executes every notebook and writes figures/ and report/;
# `make test` runs the unit, golden, property and notebook tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: all build test lint lab clean reference bench

all: build

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 > /dev/null
	touch $(STAMP)

build: $(STAMP)
	$(BIN)/metaan build

test: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider tests notebooks \
		--nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

lint: $(STAMP)
	$(BIN)/ruff check metaan tests benchmarks
	$(BIN)/ruff format --check metaan tests benchmarks

lab: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[lab]"
	$(BIN)/jupyter lab notebooks/

# Regenerate the metafor golden values (needs R with metafor and jsonlite; never run in CI).
reference:
	Rscript tests/reference/make_reference.R

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_engine.py

clean:
	rm -rf $(VENV) report build *.egg-info
