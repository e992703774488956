# The README's commands. `make serve` and `make test` set everything up from nothing.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8080
STAMP := $(VENV)/.installed

.PHONY: setup system-packages validate build serve test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

# What the tests start (Chromium, Virtuoso): installed when missing, or one line saying how.
system-packages:
	sh tools/system-packages.sh

validate: setup
	$(BIN)/ldkit validate

build: setup
	$(BIN)/ldkit build

serve: build
	$(BIN)/ldkit serve --host 127.0.0.1 --port $(PORT)

# mypy reads the installed names (`ldkit.server`, `ldkit.pipeline`) through links to the folders.
lint: setup
	mkdir -p $(VENV)/src/ldkit
	ln -sfn $(CURDIR)/server $(VENV)/src/ldkit/server
	ln -sfn $(CURDIR)/scripts $(VENV)/src/ldkit/pipeline
	$(BIN)/ruff check server scripts tests bench
	$(BIN)/ruff format --check server scripts tests bench
	$(BIN)/mypy

test: setup system-packages lint
	$(BIN)/pytest

bench: setup
	$(BIN)/python -m bench.pipeline

clean:
	rm -rf dist .dist.building .dist.old
