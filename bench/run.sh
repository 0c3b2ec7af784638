#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs every benchmark binary of a build, one after the other, and prints their reports.
# Numbers from a Debug or sanitizer build are not worth reading, so it warns about those.
# Usage: bench/run.sh BUILD_DIR   (`make bench` builds a Release and runs this)
set -euo pipefail
build=${1:?usage: bench/run.sh BUILD_DIR}
[ -d "$build/bench" ] || { echo "bench: no $build/bench; configure with TBY_BUILD_BENCH=ON and build" >&2; exit 2; }

cache="$build/CMakeCache.txt"
if [ -f "$cache" ]; then
  type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$cache")
  sanitizer=$(sed -n 's/^TBY_SANITIZER:[A-Z]*=//p' "$cache")
  [ "$type" = Release ] || echo "bench: warning: $build is a '${type:-unset}' build, not Release" >&2
  [ -z "$sanitizer" ] || echo "bench: warning: $build is built with sanitizers ($sanitizer)" >&2
fi

status=0
count=0
for bin in "$build"/bench/bench_*; do
  [ -f "$bin" ] && [ -x "$bin" ] || continue
  count=$((count + 1))
  echo "== $(basename "$bin")"
  "$bin" || { echo "bench: $(basename "$bin") exited with $?" >&2; status=1; }
done
[ "$count" -gt 0 ] || { echo "bench: no bench_* binaries in $build/bench" >&2; exit 2; }
exit $status
