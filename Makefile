# The two commands: `make demo` and `make test`. Everything installs into .venv.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT
# Links and QR codes of the demo point at the port it serves on.
LMS_BASE_URL ?= http://127.0.0.1:$(PORT)
export LMS_BASE_URL

PO := $(wildcard src/lms/locale/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)

.PHONY: all demo test lint typecheck pytest messages catalogues clean

all: $(VENV)/.installed catalogues

$(VENV)/bin/python:
	@$(PYTHON) -m venv $(VENV) || { echo "error: '$(PYTHON) -m venv' failed; on Debian install python3-venv (apt-get install python3-venv)" >&2; exit 1; }
	@$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(VENV)/.installed $@

%.mo: %.po | $(VENV)/.installed
	$(BIN)/pybabel compile -i $< -o $@

catalogues: $(MO)

# Serves the demo on http://127.0.0.1:$(PORT); data under LMS_DATA_DIR (default ./var).
demo: $(VENV)/.installed catalogues
	$(BIN)/lms demo
	$(BIN)/lms serve --port $(PORT)

# Lint, types, then the suite on SQLite; with LMS_TEST_DATABASE_URL set (as .ci/run
# does), every database test again on PostgreSQL.
test: $(VENV)/.installed-dev catalogues lint typecheck pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

# Two passes on each backend: the tests without a browser on $(WORKERS) processes
# (pytest-xdist), then the browser tests in one, since Playwright's sync API keeps an
# event loop running beside the async tests of its process. Exit 5 is "no test selected".
WORKERS ?= 2
PYTEST_PASSES = $(BIN)/pytest -n $(WORKERS) -m "not browser" $(PYTEST_ARGS) && \
	{ $(BIN)/pytest -m browser $(PYTEST_ARGS) || [ $$? -eq 5 ]; }

pytest: $(VENV)/.installed-dev catalogues
	env -u LMS_TEST_DATABASE_URL bash -c '$(PYTEST_PASSES)'
	@if [ -n "$$LMS_TEST_DATABASE_URL" ]; then \
		echo "== the database tests again, on PostgreSQL"; \
		bash -c '$(PYTEST_PASSES)'; \
	elif [ "$$CI" = "true" ]; then \
		echo "error: under CI, LMS_TEST_DATABASE_URL must name the PostgreSQL server" >&2; exit 1; \
	fi

# Pull new strings from the code and templates into the catalogues.
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output --omit-header \
		--msgid-bugs-address "the project issue tracker" --project lms \
		-o src/lms/locale/messages.pot .
	$(BIN)/pybabel update -i src/lms/locale/messages.pot -d src/lms/locale -D messages \
		--no-fuzzy-matching --ignore-obsolete --width 100

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts $(MO)
