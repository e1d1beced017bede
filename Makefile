# Two commands set everything up on a fresh machine: `make demo` and `make test`.
# Both create .venv (numpy, pandas, scikit-learn, xgboost) for the models the engine runs.

CARGO ?= cargo
PYTHON3 ?= python3
BIN := target/release/fastscore
VENV := .venv
PY := $(VENV)/bin/python
ATTACHMENT := target/fixtures/xgboost_explicit.tar.gz
MATURIN_VENV := target/maturin-venv
MATURIN := $(MATURIN_VENV)/bin/maturin
WHEELS := target/wheels
# the original FastScore CLI and SDK, as clients of `fleet serve` in the tests
ORIG_VENV := target/orig-fastscore
ORIG_CLI := $(ORIG_VENV)/bin/fastscore
# PFA models run in titus2, in a venv of their own
PFA_VENV := .venv-pfa
PFA_PY := $(PFA_VENV)/bin/python
# titus2 and what it needs as wheels for the Python the engine makes its own PFA venv
# with: the test of that installs from here, without the package index
PFA_WHEELS := target/pfa-wheels
PFA_WHEELS_DONE := $(PFA_WHEELS)/.done

export FASTSCORE_PYTHON := $(CURDIR)/$(PY)
export FASTSCORE_TEST_ATTACHMENT := $(CURDIR)/$(ATTACHMENT)
export FASTSCORE_TEST_WHEELS := $(CURDIR)/$(WHEELS)
export FASTSCORE_TEST_ORIG_CLI := $(CURDIR)/$(ORIG_CLI)
export FASTSCORE_PFA_PYTHON := $(CURDIR)/$(PFA_PY)
export FASTSCORE_TEST_PFA_WHEELS := $(CURDIR)/$(PFA_WHEELS)

.PHONY: demo kafka-demo kafka-soak test lint bench generated build venv wheel clean

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

## The binary as a Python wheel (pyproject.toml), in target/wheels: `pip install` it.
wheel: $(MATURIN)
	rm -f $(WHEELS)/fastscore_rs-*.whl
	$(MATURIN) build --release --out $(WHEELS)
$(MATURIN):
	$(PYTHON3) -m venv $(MATURIN_VENV)
	$(MATURIN_VENV)/bin/pip install --quiet --disable-pip-version-check "maturin>=1.9,<2"

## The original CLI 1.10.3 and its SDK from PyPI (they run on Python 3.11).
$(ORIG_CLI):
	$(PYTHON3) -m venv $(ORIG_VENV)
	$(ORIG_VENV)/bin/pip install --quiet --disable-pip-version-check \
		fastscore-cli==1.10.3 fastscore==1.10.3 python-dateutil

## Debian's Chromium and its ChromeDriver: the dashboard's test runs in a real browser.
CHROMEDRIVER := /usr/bin/chromedriver
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
$(CHROMEDRIVER):
	$(SUDO) env DEBIAN_FRONTEND=noninteractive sh -c \
		'apt-get update -q && apt-get install -y -q --no-install-recommends chromium chromium-driver'

## The runners of models in other languages: R with jsonlite, a JDK, gcc with Jansson
## (Debian's packages), titus2 for PFA (its own venv).
R_JSONLITE := /usr/lib/R/site-library/jsonlite/DESCRIPTION
$(R_JSONLITE):
	$(SUDO) env DEBIAN_FRONTEND=noninteractive sh -c \
		'apt-get update -q && apt-get install -y -q --no-install-recommends r-base-core r-cran-jsonlite'
JAVAC := $(shell command -v javac || echo /usr/bin/javac)
$(JAVAC):
	$(SUDO) env DEBIAN_FRONTEND=noninteractive sh -c \
		'apt-get update -q && apt-get install -y -q --no-install-recommends openjdk-17-jdk-headless'
JANSSON := /usr/include/jansson.h
$(JANSSON):
	$(SUDO) env DEBIAN_FRONTEND=noninteractive sh -c \
		'apt-get update -q && apt-get install -y -q --no-install-recommends gcc libc6-dev libjansson-dev'
$(PFA_PY): python/pfa-requirements.txt
	$(PYTHON3) -m venv $(PFA_VENV)
	$(PFA_PY) -m pip install --quiet --disable-pip-version-check -r python/pfa-requirements.txt
	touch $(PFA_PY)
RUNNERS := $(R_JSONLITE) $(JAVAC) $(JANSSON) $(PFA_PY)
$(PFA_WHEELS_DONE): python/pfa-requirements.txt
	rm -rf $(PFA_WHEELS)
	python3.11 -m pip wheel --quiet --disable-pip-version-check -w $(PFA_WHEELS) \
		-r python/pfa-requirements.txt
	touch $@

## A real Kafka broker for people: tansu 0.6 (SQLite storage) from crates.io, in target/tansu.
TANSU := target/tansu/bin/tansu
$(TANSU):
	$(CARGO) install tansu --version '^0.6' --features libsql --root target/tansu --locked

## The guide's model Kafka-in/Kafka-out on tansu, two engines in one group, in ./kafka-demo-work.
kafka-demo: build $(ATTACHMENT) $(TANSU)
	./scripts/kafka-demo.sh $(BIN) $(ATTACHMENT) $(TANSU)

## The Kafka soak test against tansu (the broker's outages: kill -9 and restart).
kafka-soak: $(TANSU) $(PY)
	FASTSCORE_SOAK_TANSU=$(CURDIR)/$(TANSU) $(CARGO) test --test kafka_soak -- --nocapture

## Everything the tests need (the models' venv, the guide's attachment, the wheel, the
## original CLI, Chromium, the other languages' runners, PFA's wheels), then all tests.
test: $(ATTACHMENT) wheel $(ORIG_CLI) $(CHROMEDRIVER) $(RUNNERS) $(PFA_WHEELS_DONE)
	$(CARGO) test

## Formatting and lints, as CI checks them.
lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

## The Kafka benchmark's yardstick: a bare Python loop with confluent-kafka.
BENCH_VENV := target/bench-venv
BENCH_PY := $(BENCH_VENV)/bin/python
export FASTSCORE_BENCH_PYTHON := $(CURDIR)/$(BENCH_PY)
$(BENCH_PY):
	$(PYTHON3) -m venv $(BENCH_VENV)
	$(BENCH_PY) -m pip install --quiet --disable-pip-version-check "confluent-kafka==2.16.1"

## Start-up and engine benchmarks; the figures go into BENCHMARKS.md.
bench: $(ATTACHMENT) $(RUNNERS) $(BENCH_PY)
	$(CARGO) bench --bench startup
	$(CARGO) bench --bench engine
	$(CARGO) bench --bench kafka
	$(CARGO) bench --bench sensors
	$(CARGO) bench --bench first_output
	$(CARGO) bench --bench runners

## Rewrite completions/ and man/ from the command tree.
generated:
	FASTSCORE_UPDATE_GENERATED=1 $(CARGO) test --test generated

clean:
	rm -rf demo-work $(VENV)
	$(CARGO) clean
