#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The README's first command stays true: examples/run.sh sets up the store on the sample
# data, starts the server, and the curl command it prints screens a name (--once stops after
# it); the batch demo (--batch) still runs. Usage: tests/cli/examples.sh PATH/TO/tabayyun
set -u
bin=$1
fail=0
passed=0
check() {
    if [ "$2" = "$3" ]; then passed=$((passed + 1)); else echo "FAIL: $1 (expected '$2', got '$3')"; fail=$((fail + 1)); fi
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

TABAYYUN_EXAMPLE_DIR=$tmp/example PORT=0 bash examples/run.sh --once "$bin" > "$tmp/out" 2>&1
check "examples/run.sh --once" 0 $?
grep -q 'one-time password [A-Za-z0-9_-]\{24\}$' "$tmp/out"; check "prints the sample admin's one-time password" 0 $?
grep -q "curl -s -H 'Authorization: Bearer tby_" "$tmp/out"; check "prints a curl command with a token" 0 $?
grep -q '^outcome: identifier_check' "$tmp/out"; check "the curl command screens a name" 0 $?
grep -q 'watchlist:WL-006' "$tmp/out"; check "... and finds the listed person" 0 $?
"$bin" audit verify --db "$tmp/example/tabayyun.db" >/dev/null; check "its database's audit chain holds" 0 $?
# Without --once it serves until stopped (Ctrl-C, or SIGTERM here); the printed command,
# pasted as it is, screens a name.
TABAYYUN_EXAMPLE_DIR=$tmp/served PORT=0 bash examples/run.sh "$bin" > "$tmp/served.out" 2>&1 &
script=$!
for _ in $(seq 1 300); do
    grep -q 'serving until Ctrl-C' "$tmp/served.out" && break
    kill -0 "$script" 2>/dev/null || break
    sleep 0.1
done
printed=$(sed -n '/^  curl -s/,/v1\/screen$/p' "$tmp/served.out")
answer=$(eval "$printed")
check "the printed curl command, pasted, screens a name" identifier_check \
    "$(echo "$answer" | python3 -c 'import json,sys; print(json.load(sys.stdin)["outcome"])' 2>&1)"
kill -TERM "$script"
wait "$script"; check "stops on SIGTERM" 0 $?
grep -q 'SIGTERM: stopping' "$tmp/served/serve.err"; check "... and stops the server" 0 $?

TMPDIR=$tmp bash examples/run.sh --batch "$bin" > "$tmp/batch" 2>&1; check "examples/run.sh --batch" 0 $?
grep -q '== Alerts' "$tmp/batch"; check "the batch demo screens the registry" 0 $?

echo "$passed passed, $fail failed"
[ "$fail" -eq 0 ]
