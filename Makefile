# handshake: two commands on a fresh machine — `make demo` and `make test`.
PYTHON ?= python3.11
TEST_WORKERS ?= 2
VENV ?= .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: demo test check lint typecheck imports bench eval clean serve screenshots

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11+ is needed (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@ $(STAMP_RUN)

## demo: install, migrate the embedded SQLite database, load demo data, serve :8000 + demo apps
demo: $(STAMP_RUN)
	$(BIN)/handshake db upgrade
	$(BIN)/handshake demo load
	$(BIN)/handshake demo serve

serve: $(STAMP_RUN)
	$(BIN)/handshake serve

## test: quality gates then the whole suite
test: $(STAMP_DEV) check
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile -m "not serial"
	$(BIN)/python -m pytest -m serial

## check: ruff, mypy strict, import-linter layers
check: lint typecheck imports

lint: $(STAMP_DEV)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

typecheck: $(STAMP_DEV)
	$(BIN)/mypy

imports: $(STAMP_DEV)
	$(BIN)/lint-imports

## bench: benchmarks against a baseline measured in the same run (JSON under bench/results/)
bench: $(STAMP_DEV)
	$(BIN)/python -m bench

## eval: retrieval quality of the assistant (nDCG@10, recall@50, MRR; BM25, dense, hybrid)
eval: $(STAMP_DEV)
	$(BIN)/python -m bench.assistant_eval

## screenshots: the README's pictures, taken from a running `make demo` (docs/images/)
screenshots: $(STAMP_DEV)
	$(BIN)/python scripts/readme_screenshots.py

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
