# improve — every command a new user needs. `make demo` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
EXTRAS ?= dev,examples,scale
comma := ,
STAMP := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))

.PHONY: setup demo test test-fast lint lab bench reports references clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[$(EXTRAS)]"
	@touch $@

demo: setup  ## run every workbook on the demo data; open reports/index.html
	$(BIN)/improve demo

test: setup  ## the whole test suite (executes every notebook; the demo build runs once)
	$(BIN)/python -m pytest -n 2 --dist loadgroup

test-fast: setup  ## the inner loop: everything but notebook runs and Monte Carlo studies
	$(BIN)/python -m pytest -n 2 --dist loadgroup -m "not slow"

lint: setup  ## ruff on code, tests, benchmarks and notebooks
	$(BIN)/ruff check src tests benchmarks notebooks

lab: setup  ## JupyterLab on the workbooks, with this environment's kernel
	$(BIN)/python -m ipykernel install --prefix $(VENV) --name python3 --display-name "Python 3 (improve)" >/dev/null
	cd notebooks && ../$(BIN)/jupyter lab

reports: setup  ## run the analyses listed in reports.yaml (what CI publishes)
	$(BIN)/improve build reports.yaml

bench:  ## time improve against peer packages (installs the reference extra)
	$(MAKE) setup EXTRAS=dev,examples,reference
	$(BIN)/python benchmarks/run_all.py

references:  ## regenerate stored reference results with the peer packages
	$(MAKE) setup EXTRAS=dev,examples,reference
	$(BIN)/python tests/reference/make_all.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
	find reports -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} +
