# Two commands set everything up on a fresh machine (they create .venv on first use):
#   make demo   - the main job: a tour of civitai-kit against Civitai, or the bundled sandbox when no key/URL is set
#   make test   - the test suite (everything; CI runs this)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-fast check generate bench docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python examples/quickstart.py

# pytest-xdist workers: many tests wait on sockets and timeouts, but each worker collects the whole suite
# (~2.3 CPU-s) and on 2 cores every extra worker adds contention. Measured on this 2-core machine, shared with
# other sessions (so wall times vary by 20 %), non-slow suite with the ci profile, back to back (2026-12-06):
# 2 workers 59.7 s wall / 93 CPU-s, 3 workers 56.7 s / 107, 4 workers 57.9 s / 112.
TEST_WORKERS ?= 3
# Bytecode is written even where PYTHONDONTWRITEBYTECODE is set: pytest keeps its assertion-rewritten test
# modules there (gitignored __pycache__), and rewriting all of tests/ again costs ~15 s of CPU per worker.
# Temporary files (every tmp_path, every test's isolated home) go to a RAM disk when the machine has one: the
# suite makes ~10 000 folders and 300 MB of files, and on this machine's ext4 disk that cost 7-9 s of wall and
# ~12 CPU-s more (non-slow suite, back to back: 72.5-73.3 s vs 64.3-65.9 s). Passing tests' folders are removed
# as they pass (tmp_path_retention_policy in pyproject.toml), so nothing stays in RAM after a green run.
TEST_TMPDIR ?= $(shell test -d /dev/shm -a -w /dev/shm && echo /dev/shm || echo $${TMPDIR:-/tmp})
PYTEST := PYTHONDONTWRITEBYTECODE= TMPDIR=$(TEST_TMPDIR) $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal

# the whole suite, the tests marked `slow` included (processes, examples, multi-second waits): CI runs this
test: $(STAMP)
	$(PYTEST) --durations=10

# the quick loop while editing: everything but the `slow` tests, property tests on a fifth of their examples
test-fast: $(STAMP)
	HYPOTHESIS_PROFILE=fast $(PYTEST) -m "not slow" --durations=5

check: $(STAMP)
	$(BIN)/ruff check src tests examples bench scripts
	$(BIN)/ruff format --check --quiet src tests examples bench scripts
	$(BIN)/mypy src tests
	$(BIN)/lint-imports --no-cache
	$(BIN)/python scripts/deferred_imports.py --quiet
	$(BIN)/python scripts/generate_sdk_schema.py --check
	$(BIN)/python scripts/generate_sdk_recipes.py --check
	$(BIN)/python scripts/generate_coverage_docs.py --check

# generated code: civitai_kit.sdk.schema (docs/sdk-schema.md), then the recipes service written from it
generate: $(STAMP)
	$(BIN)/python scripts/generate_sdk_schema.py
	$(BIN)/python scripts/generate_sdk_recipes.py
	$(BIN)/python scripts/generate_coverage_docs.py

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache site
