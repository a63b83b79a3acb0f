# gancourse: `make lab` to study, `make test` to check everything. Needs only python3 (3.10+).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The versions CI tested (`make lock` rewrites it from a venv that passed `make test`).
CONSTRAINTS := requirements/constraints.txt
# Extra JupyterLab arguments, e.g. make lab LAB_ARGS="--no-browser --port=8890"
LAB_ARGS ?=
# Jupyter refuses to start as root unless told; containers and CI often run as root.
ROOT_ARGS := $(if $(filter 0,$(shell id -u)),--allow-root)
PYTEST_ARGS ?=
comma := ,

.PHONY: preflight setup setup-dev lab test test-fast test-browser demo lessons lock clean-venv

# Python >= 3.10 with venv/ensurepip, on a platform PyTorch serves; otherwise one line says what to do.
preflight:
	@$(PYTHON) tools/preflight.py

# A .venv whose Python or gancourse no longer imports (a deleted interpreter, a half-made venv) is rebuilt.
HEALTHY = $(BIN)/python -c "import gancourse, torch" >/dev/null 2>&1 || rm -f $(VENV)/.installed-*

setup: preflight  # what students need: the course and JupyterLab
	@$(HEALTHY)
	@$(MAKE) --no-print-directory -q $(VENV)/.installed-lab-dev 2>/dev/null || $(MAKE) --no-print-directory $(VENV)/.installed-lab

setup-dev: preflight  # and the test tools
	@$(HEALTHY)
	@$(MAKE) --no-print-directory $(VENV)/.installed-lab-dev

$(VENV)/.installed-%: pyproject.toml $(CONSTRAINTS)
	@$(BIN)/python -m pip --version >/dev/null 2>&1 || { rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e ".[$(subst -,$(comma),$*)]"
	$(BIN)/python -m ipykernel install --user --name gancourse --display-name "Python (gancourse)" >/dev/null
	@touch $@

# Your own copies live in work/ (git-ignored): lessons are copied there once and never overwritten.
lab: setup
	$(BIN)/gancourse workspace --work work
	$(BIN)/jupyter lab --notebook-dir=work $(ROOT_ARGS) $(LAB_ARGS)

test: setup-dev
	GANCOURSE_FAST=1 $(BIN)/python -m pytest tests solutions \
		--nbval-lax --nbval-current-env --nbval-cell-timeout=90 -p no:cacheprovider $(PYTEST_ARGS)

# The inner loop (under 3 minutes on 2 cores): unit tests without the ones marked slow (sandboxed grading of
# every lesson's fixtures, DDP, a second Python, the browser) and without the notebooks. CI runs `make test`.
test-fast: setup-dev
	GANCOURSE_FAST=1 $(BIN)/python -m pytest tests -m "not slow" -p no:cacheprovider $(PYTEST_ARGS)

# JupyterLab in headless Chromium (needs `apt-get install chromium`; installs playwright into .venv).
test-browser: setup-dev
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e ".[browser]"
	GANCOURSE_FAST=1 $(BIN)/python -m pytest tests/browser -p no:cacheprovider -rs $(PYTEST_ARGS)

demo: setup
	$(BIN)/gancourse demo --out runs/demo

lessons: setup
	$(BIN)/gancourse lessons

# Pin what this .venv holds (run after `make test` passed with new versions, then commit the file).
lock: setup-dev
	$(BIN)/python tools/lock.py $(CONSTRAINTS)

clean-venv:
	-@$(BIN)/python -m jupyter kernelspec remove -y gancourse >/dev/null 2>&1
	rm -rf $(VENV)
