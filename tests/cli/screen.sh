#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end checks of `tabayyun screen` and `tabayyun model show` on the sample data.
# Usage: tests/cli/screen.sh PATH/TO/tabayyun
set -u
bin=$1
fail=0
passed=0
check() {
    if [ "$2" = "$3" ]; then passed=$((passed + 1)); else echo "FAIL: $1 (expected '$2', got '$3')"; fail=$((fail + 1)); fi
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$bin" screen --help | grep -q 'default threshold'; check "help states the default threshold" 0 $?
"$bin" screen --list examples/watchlist.csv >/dev/null 2>&1; check "no --name/--input is usage" 1 $?
"$bin" screen --list examples/watchlist.csv --name x --threshold 2 >/dev/null 2>&1; check "bad threshold is usage" 1 $?

"$bin" screen --list examples/watchlist.csv --input examples/registry.csv --out "$tmp/a.csv" 2>"$tmp/err"
check "registry screening exits 0" 0 $?
check "alerts header" "record_id,list_id,score,grade,matched_name,explanation" "$(head -1 "$tmp/a.csv")"
grep -q '^REG-0013,WL-008,[0-9.]*,probable,' "$tmp/a.csv"; check "passport pair is probable" 0 $?
grep -q 'screened 40 records' "$tmp/err"; check "summary on stderr" 0 $?
[ -z "$(grep -c '\[#' "$tmp/err" | grep -v '^0$')" ]; check "no progress bar when not a terminal" 0 $?

out=$("$bin" screen --list examples/watchlist.csv --name "Ahmed Jassim Mohamed" --json)
check "single json exits 0" 0 $?
echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); a=d["alerts"][0]; assert a["list_id"]=="WL-004"; assert a["grade"]=="identifier_check"; assert "birth_date" in a["fields"]'
check "json alert shape; a name alone is identifier_check" 0 $?

printf 'id,name,birthdate\nX1,Ali Hasan,1990\n' > "$tmp/bad.csv"
"$bin" screen --list "$tmp/bad.csv" --name "Ali Hasan" >/dev/null 2>"$tmp/err"; check "unknown column exits 2" 2 $?
grep -q 'birthdate' "$tmp/err"; check "unknown column is named" 0 $?

printf 'id,name,birth_date\nX1,Ali Hasan,1990\nX2,Omar Salih,1990-02-30\nX3,Khalid Ahmad,1985\n' > "$tmp/list.csv"
"$bin" screen --list "$tmp/list.csv" --name "Ali Hasan" >/dev/null 2>"$tmp/err"; check "lenient load continues" 0 $?
grep -q 'list.csv:3' "$tmp/err"; check "rejected row named with line" 0 $?
"$bin" screen --strict --list "$tmp/list.csv" --name "Ali Hasan" >/dev/null 2>&1; check "strict load fails" 2 $?

"$bin" model show --list examples/watchlist.csv --input examples/registry.csv > "$tmp/model.txt"; check "model show exits 0" 0 $?
grep -q '^birth_date *exact' "$tmp/model.txt"; check "model lists field levels" 0 $?
grep -q 'fitted to the data' "$tmp/model.txt"; check "model says it was fitted" 0 $?

echo "$passed passed, $fail failed"
[ "$fail" -eq 0 ]
