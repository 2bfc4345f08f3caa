# Two entry points a new user needs: `make demo` and `make test`. Both build .venv first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install clean golden

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,notify]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/crawl demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

# Regenerate golden files (parser records, diffs) and show what changed.
golden: $(STAMP)
	UPDATE_GOLDEN=1 $(BIN)/python -m pytest -q tests -k golden
	git --no-pager diff --stat -- tests/golden

clean:
	rm -rf $(VENV) *.egg-info
