# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint format bench clean system messages

demo: system $(STAMP)  ## check the example issue, print what it holds, build it into dist/
	$(BIN)/lettre check --verbose
	$(BIN)/lettre build

test: system lint $(STAMP)  ## every test, after the linters
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix src tests
	$(BIN)/ruff format src tests

system:  ## the Debian packages the tests need (chromium, poppler, pango), installed when missing
	@bash .ci/system-packages

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m compileall -q src/lettre
	touch $@

LOCALE := src/lettre/locale
PO := $(LOCALE)/fr/LC_MESSAGES/lettre.po
messages: $(STAMP)  ## re-extract every message (lettre's and click's), update the French .po, compile it
	mkdir -p build
	$(BIN)/pybabel extract -F babel.cfg -k _fail:2 --no-location --sort-output \
		--project lettre --copyright-holder lettre --msgid-bugs-address '' \
		-o build/lettre.pot src/lettre \
		$$($(BIN)/python -c 'import click, os; print(os.path.dirname(click.__file__))')
	test -f $(PO) || $(BIN)/pybabel init -D lettre -l fr -i build/lettre.pot -d $(LOCALE)
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -D lettre -l fr \
		-i build/lettre.pot -d $(LOCALE)
	$(BIN)/pybabel compile --statistics -D lettre -l fr -d $(LOCALE)

clean:
	rm -rf $(VENV) dist .pytest_cache .mypy_cache .ruff_cache

bench: $(STAMP)  ## lettre against its engines (a year, a 10-year archive, the preview): prints a table, saves .artifacts/bench.json, exits 1 on a missed target; BENCH="--readme" rewrites the README table from it
	@# lettre's bytecode, as an installed lettre has it (pip compiles at install; an editable
	@# install does not, and PYTHONDONTWRITEBYTECODE keeps Python from writing it as it goes)
	$(BIN)/python -m compileall -q src/lettre
	$(BIN)/python -m tests.bench $(BENCH)
