# Two commands a new user needs (see README Quickstart):
#   make demo   -> installs into .venv when needed, then runs `opsrca analyze` on the bundled sample dump
#   make test   -> installs into .venv when needed, then runs the whole test suite
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench model samples clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/opsrca analyze

test: $(STAMP)
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks scripts
	$(VENV)/bin/ruff format --check src tests benchmarks scripts

# The bundled model from the shipped labeled data + every knowledge-base file
# (src/opsrca/data/kb/*.csv); features and abstain thresholds chosen on the real-world set.
# It ships inside the package and `opsrca train` never writes there: train into build/
# (starting from a copy, so the version and changelog continue), then replace the bundled folder.
REALWORLD := $(if $(wildcard data/realworld/realworld.csv),--realworld data/realworld/realworld.csv)
model: $(STAMP)
	rm -rf build/model && mkdir -p build && cp -R src/opsrca/models/default build/model
	$(VENV)/bin/opsrca train src/opsrca/samples/labeled_errors.csv --model build/model --note "make model" $(REALWORLD)
	rm -rf src/opsrca/models/default
	cp -R build/model src/opsrca/models/default
	$(VENV)/bin/opsrca evaluate src/opsrca/samples/labeled_errors.csv $(REALWORLD)

samples: $(STAMP)
	$(VENV)/bin/opsrca generate --out src/opsrca/samples --seed 7

bench: $(STAMP)
	$(PY) benchmarks/bench_analyze.py --rows 1000000
	$(PY) benchmarks/bench_templates.py
	$(PY) benchmarks/bench_incidents.py
	$(PY) benchmarks/bench_ingest.py --cli-rows 2000000
	$(PY) benchmarks/bench_classify.py
	$(PY) benchmarks/bench_dupes.py
	$(PY) benchmarks/bench_dupes.py --dense --sizes 5000 20000
	$(PY) benchmarks/bench_startup.py
	$(PY) benchmarks/bench_spark.py --rows 1000000

clean:
	rm -rf $(VENV) opsrca.duckdb opsrca-out .pytest_cache
