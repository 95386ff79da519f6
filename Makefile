# One entry point for everything. `make run` and `make test` install what they need themselves.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run web test check lint types bench clean

LOCK := requirements.lock
LOCK_TOOL := .venv-lock
PIP_TOOLS := pip-tools==7.6.2

.PHONY: lock

# Exactly what the lock names (every package, with hashes), then our own package without
# dependencies and without build isolation, so not even the build backend comes from elsewhere.
$(STAMP): $(LOCK) pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --require-hashes -r $(LOCK)
	$(BIN)/pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Refresh the lock on purpose (a scheduled upgrade): `make lock && make test`, review the diff.
COMPILE = $(CURDIR)/$(LOCK_TOOL)/bin/pip-compile -q --upgrade --generate-hashes --allow-unsafe \
	--strip-extras --no-emit-index-url --no-emit-find-links --no-emit-trusted-host
lock:
	test -x $(LOCK_TOOL)/bin/pip-compile || ($(PY) -m venv $(LOCK_TOOL) && $(LOCK_TOOL)/bin/pip install -q $(PIP_TOOLS))
	$(COMPILE) --extra test --build-deps-for editable -o $(LOCK) pyproject.toml
	cd harness && $(COMPILE) -o synapse.lock synapse.in

# With no tokens set, a chat in this terminal; `make web` serves the web chat instead.
run: $(STAMP)
	$(BIN)/vrede run

web: $(STAMP)
	$(BIN)/vrede web --listen 127.0.0.1:8081

test: $(STAMP)
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff format --check bot tests bench harness
	$(BIN)/ruff check bot tests bench harness

types: $(STAMP)
	$(BIN)/mypy

check: lint types test
	$(BIN)/vrede check

bench: $(STAMP)
	for f in bench/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) $(LOCK_TOOL) .pytest_cache .mypy_cache .ruff_cache
