# The two commands (README): `make demo` and `make test`. Both install what is missing first.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
VIGIL := build/release/vigil
DEMO_DATA ?= ./vigil-demo-data

.PHONY: all deps test-deps bench-deps build build-asan demo test bench format lint clean

all: build

deps:
	@scripts/install-deps

# What only the tests need besides: Debian's Chromium for the browser tests.
test-deps: deps
	@scripts/install-deps --test

# The binary users run: build/release/vigil.
# The dashboard (web/, bundled by esbuild) goes beside it, in build/release/web/, where the
# server finds it.
build: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

# clang with ASan+UBSan and libFuzzer's coverage: the unit tests, the server for its suites,
# and the fuzz targets (build/asan-ubsan/fuzz/*_fuzzer) from one set of objects.
build-asan: deps
	cmake --preset asan-ubsan >/dev/null
	cmake --build --preset asan-ubsan -j $(JOBS)

# Generates demo findings, ingests them (and the real samples), says what it did, then runs the
# server on them in the foreground and prints its URL (the dashboard comes later).
demo: build
	@scripts/demo "$(DEMO_DATA)"

# Every test: unit tests, integration tests against the real binary and the npm `flat`
# comparison, lint (release build); the unit tests, the server's suites and a bounded run of each
# fuzz target under ASan+UBSan.
test: test-deps build build-asan
	ctest --preset release -j $(JOBS)
	ctest --preset asan-ubsan -j $(JOBS)

# The peers of `bench ingest` need PostgreSQL and SQLite, and `bench query` needs ClickHouse, which
# `deps` does not install (the tests do not need them). They are installed before the build, which compiles the peer only when their
# libraries are there; build runs after, not beside, so that two apt-gets never race under -j.
bench-deps:
	@scripts/install-deps --bench

bench: bench-deps
	@$(MAKE) --no-print-directory build
	$(VIGIL) bench flatten
	$(VIGIL) bench ingest --count 100000
	$(VIGIL) bench query --count 1000000
	node bench/dashboard.mjs --count 1000000
	node bench/alerts.mjs --count 200000

format:
	clang-format -i $$(git ls-files 'src/*.cc' 'src/*.h' 'fuzz/*.cc')

lint: build
	run-clang-tidy -p build/release -quiet $$(git ls-files 'src/*.cc')

clean:
	rm -rf build
