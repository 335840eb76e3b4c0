# Set-up for a fresh machine: `make demo` (install + run the main job) and
# `make test` (install + run the whole test suite). Both create .venv when missing and
# install the CPU build of torch first. Elsewhere than the project's machines, point pip
# at PyTorch's CPU wheels, e.g. PIP_FLAGS="--extra-index-url https://download.pytorch.org/whl/cpu".
PYTHON ?= python3
VENV ?= .venv
TORCH ?= torch==2.13.0
PIP_FLAGS ?=
PIP = $(VENV)/bin/python -m pip install --disable-pip-version-check $(PIP_FLAGS)

.PHONY: demo test lint

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) "$(TORCH)"

demo: $(VENV)/bin/python
	$(PIP) -e ".[demo]"
	$(VENV)/bin/spikeflow demo

test: $(VENV)/bin/python
	$(PIP) -e ".[dev]"
	$(VENV)/bin/ruff check src tests benchmarks
	SPIKEFLOW_REQUIRE_COMPILED_LOOP=1 $(VENV)/bin/python -m pytest
