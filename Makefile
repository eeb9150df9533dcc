# Polyglot Ninja executable course: set up, build the book, run the tests.
# Every target installs what it needs first (a venv in .venv, node_modules).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup book lab test exercises lint clean

setup: $(STAMP) node_modules/.installed

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

## make book: build the HTML book into _build/html (warnings are errors)
book: setup
	$(VENV)/bin/jupyter-book build . -W -n --keep-going
	@echo "Open _build/html/index.html in your browser."

## make lab: open JupyterLab on the course
lab: setup
	$(VENV)/bin/jupyter lab --ServerApp.ip=127.0.0.1 $(if $(filter 0,$(shell id -u)),--allow-root)

## make test: lint, then every test — helpers, checks, notebooks (nbval), book build, headless browser
## make test CHAPTER=<slug>: one chapter's tests and notebooks only, for fast work on a chapter
NBVAL  := --nbval --nbval-current-env --nbval-sanitize-with tests/sanitize.cfg --nbval-cell-timeout=300
test: setup lint
ifdef CHAPTER
	paths=$$($(PY) -m course.chapters $(CHAPTER) --paths) && $(PY) -m pytest $(NBVAL) $$paths
else
	$(PY) -m pytest $(NBVAL) tests notebooks solutions
endif

## make exercises: regenerate exercises/ from solutions/
exercises: setup
	$(PY) -m course.exercises

## make lint: ruff on the package, the tests and the notebooks
lint: setup
	$(VENV)/bin/ruff check course tests notebooks solutions
	$(VENV)/bin/ruff format --check course tests notebooks solutions

clean:
	rm -rf _build .jupyter_cache
