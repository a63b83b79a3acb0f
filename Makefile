# gancourse: `make lab` to study, `make test` to check everything. Needs only python3.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.gancourse-installed
# Extra JupyterLab arguments, e.g. make lab LAB_ARGS="--no-browser --port=8890"
LAB_ARGS ?=
# Jupyter refuses to start as root unless told; containers and CI often run as root.
ROOT_ARGS := $(if $(filter 0,$(shell id -u)),--allow-root)
PYTEST_ARGS ?=

.PHONY: setup lab test test-browser demo lessons clean-venv

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --user --name gancourse --display-name "Python (gancourse)" >/dev/null
	@touch $(STAMP)

# Your own copies live in work/ (git-ignored): lessons are copied there once and never overwritten.
lab: $(STAMP)
	$(BIN)/gancourse workspace --lessons lessons --work work
	$(BIN)/jupyter lab --notebook-dir=work $(ROOT_ARGS) $(LAB_ARGS)

test: $(STAMP)
	GANCOURSE_FAST=1 $(BIN)/python -m pytest tests solutions \
		--nbval-lax --nbval-current-env --nbval-cell-timeout=90 -p no:cacheprovider $(PYTEST_ARGS)

# JupyterLab in headless Chromium (needs `apt-get install chromium`; installs playwright into .venv).
test-browser: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[browser]"
	GANCOURSE_FAST=1 $(BIN)/python -m pytest tests/browser -p no:cacheprovider -rs $(PYTEST_ARGS)

demo: $(STAMP)
	$(BIN)/gancourse demo --out runs/demo

lessons: $(STAMP)
	$(BIN)/gancourse lessons

clean-venv:
	rm -rf $(VENV)
