# huizhi — the README's two commands, and a few more.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HUIZHI_PORT ?= 8000
export HUIZHI_PORT
# The suite runs in this many processes (pytest-xdist; CI has two cores); 0 runs it in one process
# (for a debugger or -x): `make test HUIZHI_TEST_WORKERS=0`.
HUIZHI_TEST_WORKERS ?= 2

.PHONY: run test lint format messages bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Stamps: reinstall only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py demo
	@echo "\nhuizhi is at http://127.0.0.1:$(HUIZHI_PORT)/  (Ctrl-C stops it)\n"
	# The laptop demo runs in debug mode, the one mode allowed on the repository's development keys.
	HUIZHI_DEBUG=$${HUIZHI_DEBUG:-true} $(BIN)/python manage.py runserver 127.0.0.1:$(HUIZHI_PORT)

test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest -n $(HUIZHI_TEST_WORKERS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Needs GNU gettext (msgfmt); the compiled .mo files are committed so running does not.
messages: $(VENV)/.installed-dev
	cd huizhi && ../$(BIN)/django-admin makemessages -l zh_Hans --no-obsolete --settings=config.settings --pythonpath=..
	cd huizhi && ../$(BIN)/django-admin compilemessages --settings=config.settings --pythonpath=..

bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/grid_lookup.py

clean:
	rm -rf $(VENV) staticfiles test-output .pytest_cache
