# SPDX-License-Identifier: Apache-2.0
# Everyday commands. `make run` builds a release and starts the server on the sample data (a
# fresh database in out/example/, a sample admin, a curl command to screen a name; Ctrl-C
# stops it); `make demo` runs the batch demo instead. `make test` builds with ASan and UBSan
# and runs every test (unit, golden, CLI, fuzz corpus replay, format check). On a fresh
# machine use scripts/dev.sh, which installs what is missing.
JOBS ?= $(shell nproc)
BUILD ?= build
TEST_BUILD ?= build-test
VALGRIND_BUILD ?= build-valgrind

.PHONY: all build cli run demo test valgrind fuzz format format-check lint bench clean

all: build

build:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

# The main job needs the command only, not the tests and benchmarks `make build` also builds.
cli:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(BUILD) -j $(JOBS) --target tabayyun

run: cli
	bash examples/run.sh $(BUILD)/src/cli/tabayyun

demo: cli
	bash examples/run.sh --batch $(BUILD)/src/cli/tabayyun

test:
	cmake -S . -B $(TEST_BUILD) -DCMAKE_BUILD_TYPE=Debug -DTBY_SANITIZER="address;undefined" >/dev/null
	cmake --build $(TEST_BUILD) -j $(JOBS)
	cd $(TEST_BUILD) && ctest --output-on-failure -j $(JOBS)

# The unit tests under valgrind memcheck, in a build without sanitizers (they cannot be combined)
# and with TBY_ARENA_MALLOC so that every arena allocation is a block valgrind can track. Not
# part of CI (time budget): ASan+UBSan there catch the same classes of bug much faster.
valgrind:
	@command -v valgrind >/dev/null || { echo "make valgrind: valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
	cmake -S . -B $(VALGRIND_BUILD) -DCMAKE_BUILD_TYPE=Debug -DTBY_SANITIZER= -DTBY_ENABLE_VALGRIND=ON \
	  -DTBY_BUILD_BENCH=OFF -DCMAKE_C_FLAGS=-DTBY_ARENA_MALLOC >/dev/null
	cmake --build $(VALGRIND_BUILD) -j $(JOBS)
	cd $(VALGRIND_BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

# Every fuzz target for SECONDS each (clang + libFuzzer), merging new coverage into fuzz/corpora.
SECONDS ?= 60
fuzz:
	bash tools/fuzz-all.sh $(SECONDS)

format:
	git ls-files '*.c' '*.h' | xargs clang-format -i

format-check:
	git ls-files '*.c' '*.h' | xargs clang-format --dry-run --Werror

lint:
	bash tools/lint.sh

bench: build
	bash bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(TEST_BUILD) $(VALGRIND_BUILD) build-fuzz
