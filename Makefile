# The two commands a new machine needs: `make demo` and `make test`.

CARGO ?= cargo
BIN := target/release/fastscore

.PHONY: demo test lint bench generated build clean

build:
	$(CARGO) build --release

## The guide's walk-through on the embedded fleet, in a private demo directory.
demo: build
	./scripts/demo.sh $(BIN)

## Everything the tests need, then all tests.
test:
	$(CARGO) test

## Formatting and lints, as CI checks them.
lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

## Start-up (and later, engine) benchmarks; figures go into BENCHMARKS.md.
bench:
	$(CARGO) bench --bench startup

## Rewrite completions/ and man/ from the command tree.
generated:
	FASTSCORE_UPDATE_GENERATED=1 $(CARGO) test --test generated

clean:
	rm -rf demo-work
	$(CARGO) clean
