# The two commands (README): `make demo` and `make test`. Both install what is missing first.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
VIGIL := build/release/vigil
DEMO_DATA ?= ./vigil-demo-data

.PHONY: all deps build build-asan build-fuzz demo test test-unit test-asan test-fuzz bench format lint clean

all: build

deps:
	@scripts/install-deps

# The binary users run: build/release/vigil.
build: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

build-asan: deps
	cmake --preset asan-ubsan >/dev/null
	cmake --build --preset asan-ubsan -j $(JOBS)

build-fuzz: deps
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS) --target reader_fuzzer wal_fuzzer storage_fuzzer

# Generates demo findings, ingests them (and the real samples) into the archive, and says what
# it did. Later: starts the server and prints the dashboard URL.
demo: build
	@scripts/demo "$(DEMO_DATA)"

# Every test: unit tests, integration tests against the real binary and the npm `flat`
# comparison (release build), the unit tests again under ASan+UBSan, and a bounded fuzz run.
test: build build-asan build-fuzz
	ctest --preset release -j $(JOBS)
	ctest --preset asan-ubsan -j $(JOBS)
	ctest --preset fuzz

bench: build
	$(VIGIL) bench flatten

format:
	clang-format -i $$(git ls-files 'src/*.cc' 'src/*.h' 'fuzz/*.cc')

lint: build
	run-clang-tidy -p build/release -quiet $$(git ls-files 'src/*.cc')

clean:
	rm -rf build
