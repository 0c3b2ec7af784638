#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds every fuzz/<target>_fuzzer.c as a libFuzzer binary with clang, runs each for SECONDS,
# then merges the inputs that reached new coverage into fuzz/corpora/<target>/ for review and
# commit. Exits 1 if any target crashed; its reproducer is in BUILD/fuzz-artifacts/<target>/.
#
# Usage: tools/fuzz-all.sh SECONDS
# Environment: FUZZ_BUILD (build directory, default build-fuzz), FUZZ_MAX_LEN (longest
# generated input, default 4096; the corpus may hold longer seeds), FUZZ_TARGETS (space-
# separated subset, default all).
set -euo pipefail
seconds=${1:?usage: tools/fuzz-all.sh SECONDS}
cd "$(dirname "$0")/.."
build=${FUZZ_BUILD:-build-fuzz}
max_len=${FUZZ_MAX_LEN:-4096}

command -v clang >/dev/null || { echo "fuzz-all: clang is needed (scripts/install-deps.sh)" >&2; exit 2; }
CC=clang cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTBY_BUILD_FUZZERS=ON \
  -DTBY_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" >/dev/null

targets=${FUZZ_TARGETS:-$(for f in fuzz/*_fuzzer.c; do [ -e "$f" ] && basename "$f" _fuzzer.c; done)}
status=0
for target in $targets; do
  bin="$build/fuzz/${target}_fuzzer"
  corpus="fuzz/corpora/$target"
  work="$build/fuzz-work/$target"
  artifacts="$build/fuzz-artifacts/$target/"
  log="$build/fuzz-work/$target.log"
  rm -rf "$work"
  mkdir -p "$work" "$artifacts" "$corpus"
  args=(-max_total_time="$seconds" -max_len="$max_len" -artifact_prefix="$artifacts"
        -print_final_stats=1)
  [ -f "fuzz/$target.dict" ] && args+=(-dict="fuzz/$target.dict")

  echo "fuzz-all: $target for ${seconds}s (log: $log)"
  # New inputs go to the first directory ($work); the corpus is only read.
  if ! "$bin" "${args[@]}" "$work" "$corpus" >"$log" 2>&1; then
    echo "fuzz-all: $target FAILED; reproduce with: $bin $artifacts<file>" >&2
    tail -n 40 "$log" >&2
    status=1
  fi
  before=$(find "$corpus" -type f | wc -l)
  # Keep only what adds coverage over the committed corpus, so it grows slowly.
  "$bin" -merge=1 "$corpus" "$work" >>"$log" 2>&1
  after=$(find "$corpus" -type f | wc -l)
  echo "fuzz-all: $target: $(grep -m1 -o 'number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?') runs, corpus $before -> $after files"
done
exit $status
