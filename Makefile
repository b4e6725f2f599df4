# SPDX-License-Identifier: Apache-2.0
# The two commands for a new user: `make demo` and `make test`.
# Both install what is missing (scripts/setup) and build first.

JOBS ?= $(shell nproc)
FUZZ_RUNS ?= 250000

.PHONY: demo test setup build-release build-dev build-fuzz fuzz-smoke python-env python-test bench clean

demo: setup
	cmake --preset release
	cmake --build --preset release -j $(JOBS) --target ikeharness
	./build/release/harness/cli/ikeharness run

test: setup python-env build-dev
	ctest --preset dev
	$(MAKE) python-test
	$(MAKE) fuzz-smoke

setup:
	./scripts/setup

# build/venv: the interpreter the Python package is built for and tested with.
python-env:
	./scripts/python-env

# The package as a user gets it (pip install .), then tests/python against it.
python-test: setup python-env
	build/venv/bin/python -m pip install --no-build-isolation .
	build/venv/bin/python -m pytest tests/python

build-release:
	cmake --preset release
	cmake --build --preset release -j $(JOBS)

# The dev tree also builds the Python extension (sanitized; CTest runs
# tests/python against it as python.build_tree) for build/venv's interpreter.
build-dev: python-env
	cmake --preset dev -DIKEH_PYTHON=ON -DPython_EXECUTABLE=$(CURDIR)/build/venv/bin/python
	cmake --build --preset dev -j $(JOBS)

build-fuzz:
	cmake --preset fuzz
	cmake --build --preset fuzz -j $(JOBS)

# Every libFuzzer target for a fixed number of executions under ASan+UBSan,
# starting from its committed corpus.
fuzz-smoke: build-fuzz
	./scripts/fuzz-smoke build/fuzz $(FUZZ_RUNS)

bench: setup build-release
	./build/release/bench/codec_bench
	./bench/compare_codec.sh build/release
	./build/release/bench/suite_bench
	$(MAKE) python-env
	build/venv/bin/python -m pip install --no-build-isolation .
	build/venv/bin/python bench/python_bench.py build/release/bench/codec_bench

clean:
	rm -rf build
