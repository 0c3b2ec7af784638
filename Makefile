# SPDX-License-Identifier: Apache-2.0
# Everyday commands. `make run` builds a release and runs the main job on the sample data;
# `make test` builds with ASan and UBSan and runs every test (unit, golden, CLI, fuzz corpus
# replay, format check). On a fresh machine use scripts/dev.sh, which installs what is missing.
JOBS ?= $(shell nproc)
BUILD ?= build
TEST_BUILD ?= build-test

.PHONY: all build run test format format-check bench clean

all: build

build:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

run: build
	bash examples/run.sh $(BUILD)/src/cli/tabayyun

test:
	cmake -S . -B $(TEST_BUILD) -DCMAKE_BUILD_TYPE=Debug -DTBY_SANITIZER="address;undefined" >/dev/null
	cmake --build $(TEST_BUILD) -j $(JOBS)
	cd $(TEST_BUILD) && ctest --output-on-failure -j $(JOBS)

format:
	git ls-files '*.c' '*.h' | xargs clang-format -i

format-check:
	git ls-files '*.c' '*.h' | xargs clang-format --dry-run --Werror

bench: build
	bash bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(TEST_BUILD)
