# Everything the project needs is installed into .venv from pyproject.toml.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test eval bench bench-full clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

run: $(VENV)/.installed
	$(PY) -m bot

test: $(VENV)/.installed
	$(PY) -m pytest -q

# Benchmarks print tables and save JSON under data/benchmarks/ (untracked); pass --out to a tool to update
# the figures kept in benchmarks/results/.
eval: $(VENV)/.installed
	$(PY) -m bot eval

bench: $(VENV)/.installed
	$(PY) -m benchmarks.handler_latency
	$(PY) -m benchmarks.upload_memory
	$(PY) -m benchmarks.reading_overhead
	$(PY) -m benchmarks.speed --sizes 10000,100000 --parts index,live

bench-full: $(VENV)/.installed
	$(PY) -m benchmarks.speed

clean:
	rm -rf $(VENV) data .pytest_cache
