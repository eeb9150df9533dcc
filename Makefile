# Polyglot Ninja executable course: set up, build the book, run the tests.
# Every target installs what it needs first (a venv in .venv, node_modules).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
UV     := $(VENV)/bin/uv
STAMP  := $(VENV)/.installed
IMAGE_REQUIREMENTS := course/chapters/management_commands_docker/image-requirements.txt
LAB_OVERRIDES := $(VENV)/share/jupyter/lab/settings/overrides.d/polyglot-ninja.json5

.PHONY: setup book lab test exercises lint clean docker-base system-packages requirements test-latest linkcheck

setup: $(STAMP) $(LAB_OVERRIDES) node_modules/.installed .wheelhouse/.downloaded

# uv (pinned in requirements.txt) installs the pins, then the course itself, editable. Its cache
# (~/.cache/uv) then holds every pinned package, which the offline tests reuse: the check that
# requirements.txt is what compiling its source gives, and the notebooks run alone in an empty folder.
$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet $$(grep '^uv==' requirements.txt)
	$(UV) pip install --quiet --python $(PY) -r requirements.txt
	$(UV) pip install --quiet --python $(PY) --no-deps --editable .
	touch $@

## make requirements: compile requirements.txt (from pyproject.toml's dependencies and requirements.in) and
## requirements-test.txt (from requirements-test.in), keeping every pin the sources still allow; needs PyPI
COMPILE := $(UV) pip compile --quiet --python-version 3.11 --custom-compile-command "make requirements"
requirements: $(STAMP)
	$(COMPILE) pyproject.toml requirements.in --output-file requirements.txt
	$(COMPILE) requirements-test.in --output-file requirements-test.txt

# The course's JupyterLab defaults (no "Jupyter news?" popup): see jupyter/overrides.d/.
$(LAB_OVERRIDES): jupyter/overrides.d/polyglot-ninja.json5 $(STAMP)
	mkdir -p $(@D)
	cp $< $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# The wheels chapter 06's Docker image installs, so that building it needs no network.
.wheelhouse/.downloaded: $(IMAGE_REQUIREMENTS) $(STAMP)
	rm -rf .wheelhouse
	$(PY) -m pip download --quiet --only-binary=:all: --no-deps --dest .wheelhouse -r $(IMAGE_REQUIREMENTS)
	touch $@

## make docker-base: build chapter 06's base image from Debian's packages (needs root, debootstrap, Docker)
docker-base: setup
	$(PY) -m course.chapters.management_commands_docker.base

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
TEST_STAMP := $(VENV)/.installed-test
test: system-packages setup $(TEST_STAMP) lint
ifdef CHAPTER
	paths=$$($(PY) -m course.chapters $(CHAPTER) --paths) && $(PY) -m pytest $(NBVAL) $$paths
else
	$(PY) -m pytest $(NBVAL) tests notebooks solutions
endif

# Tools only the tests use (repo2docker for tests/test_binder.py), pinned apart from what learners install.
$(TEST_STAMP): requirements-test.txt $(STAMP)
	$(UV) pip install --quiet --python $(PY) -r requirements-test.txt
	touch $@

## make system-packages: install the Debian packages the tests need that are missing (as root or with
## passwordless sudo), or stop with the one command to run; does nothing when none is missing
system-packages:
	tools/system-packages

## make test-latest: the canary. Every chapter and solution notebook, in a fresh environment with the newest
## versions pyproject.toml and requirements.in allow, compared with the committed outputs; writes
## _build/canary/report.md (packages old → new, failed or changed cells with the claims they guard). Needs PyPI.
test-latest: setup
	$(PY) -m course.canary --compile='$(COMPILE)' --nbval='$(NBVAL)'

## make linkcheck: check every link of the book (external ones need the internet) into _build/linkcheck/output.txt
## (and .json), from the committed outputs as the published book shows them: no notebook runs again
linkcheck: setup
	rm -rf _build/linkcheck && mkdir -p _build/linkcheck
	sed -e 's/^  execute_notebooks: cache$$/  execute_notebooks: "off"/' -e 's|: book/_ext|: $(CURDIR)/book/_ext|' \
	  _config.yml > _build/linkcheck/config.yml  # local extensions are found from the config file's folder
	grep -q 'execute_notebooks: "off"' _build/linkcheck/config.yml
	$(VENV)/bin/jupyter-book build . --config _build/linkcheck/config.yml --builder linkcheck \
	  --path-output _build/linkcheck; status=$$?; \
	  cp _build/linkcheck/_build/html/output.* _build/linkcheck/ 2>/dev/null; exit $$status

## make exercises: regenerate exercises/ from solutions/, and every notebook's first (set-up) cell
exercises: setup
	$(PY) -m course.exercises

## make lint: ruff on the package, the tests, the notebooks and the tools; the README's generated links are current
LINTED := course tests notebooks solutions benchmarks tools book/_ext setup.py
lint: setup
	$(VENV)/bin/ruff check $(LINTED)
	$(VENV)/bin/ruff format --check $(LINTED)
	$(PY) tools/readme_links.py --check

clean:
	rm -rf _build .jupyter_cache .wheelhouse
