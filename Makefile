# Two commands set everything up on a fresh machine: `make demo` and `make test`.
# Both create .venv (numpy, pandas, scikit-learn, xgboost) for the models the engine runs.

CARGO ?= cargo
PYTHON3 ?= python3
BIN := target/release/fastscore
VENV := .venv
PY := $(VENV)/bin/python
ATTACHMENT := target/fixtures/xgboost_explicit.tar.gz

export FASTSCORE_PYTHON := $(CURDIR)/$(PY)
export FASTSCORE_TEST_ATTACHMENT := $(CURDIR)/$(ATTACHMENT)

.PHONY: demo test lint bench generated build venv clean

build:
	$(CARGO) build --release

## The Python environment models run in (the guide's model needs pandas and xgboost).
venv: $(PY)
$(PY): python/requirements.txt
	$(PYTHON3) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r python/requirements.txt
	touch $(PY)

## The guide's attachment: an XGBoost iris classifier, trained and packed.
$(ATTACHMENT): $(PY) fixtures/guide/train_iris.py fixtures/guide/iris_classifier.py
	$(PY) fixtures/guide/train_iris.py target/fixtures > /dev/null

## The guide's walk-through on the embedded fleet, in ./demo-work.
demo: build $(ATTACHMENT)
	./scripts/demo.sh $(BIN) $(ATTACHMENT)

## Everything the tests need, then all tests.
test: $(ATTACHMENT)
	$(CARGO) test

## Formatting and lints, as CI checks them.
lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

## Start-up and engine benchmarks; the figures go into BENCHMARKS.md.
bench: $(ATTACHMENT)
	$(CARGO) bench --bench startup
	$(CARGO) bench --bench engine

## Rewrite completions/ and man/ from the command tree.
generated:
	FASTSCORE_UPDATE_GENERATED=1 $(CARGO) test --test generated

clean:
	rm -rf demo-work $(VENV)
	$(CARGO) clean
