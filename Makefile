# Two entry points a new user needs: `make demo` and `make test`. Both build .venv first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast install clean golden bench bench-quick bench-scale

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,notify]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/crawl demo

# Two workers (pytest-xdist): most tests wait on crawl subprocesses and the mirror, so both cores stay busy.
test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2

# Everything but the tests marked `slow` (crawl subprocesses, full crawls of the mirror, kill and soak tests).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 -m "not slow"

# Regenerate golden files (parser records, diffs) and show what changed.
golden: $(STAMP)
	UPDATE_GOLDEN=1 $(BIN)/python -m pytest -q tests -k golden
	git --no-pager diff --stat -- tests/golden

# Benchmarks (issue 7; not part of the test run). urlwatch goes into bench/.venv, its own environment.
BENCH_VENV := bench/.venv
$(BENCH_VENV)/.installed:
	$(PY) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet urlwatch || echo "urlwatch could not be installed: scenario 6 runs ministry-watch only"
	touch $(BENCH_VENV)/.installed

bench: $(STAMP) $(BENCH_VENV)/.installed
	$(BIN)/python -m bench.run

bench-quick: $(STAMP) $(BENCH_VENV)/.installed
	$(BIN)/python -m bench.run --statements 300 --big-edits 200 --s6-statements 100 --s6-repeats 2 --sim-days 7 --sim-archive 10000 --s1-repeats 1 --label quick

# Archive scale (issue 17): stores of 15,000 and 150,000 statements built through the store's API, ~1 hour.
bench-scale: $(STAMP)
	$(BIN)/python -m bench.scale

clean:
	rm -rf $(VENV) *.egg-info
