#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end checks of `tabayyun normalize` and `tabayyun compare` through the real binary:
# output shape, exit codes and error messages. Usage: tests/cli/names.sh PATH/TO/tabayyun
set -u
bin=$1
fail=0
passed=0
check() { # description, command status expected, actual
    if [ "$2" = "$3" ]; then passed=$((passed + 1)); else echo "FAIL: $1 (expected '$2', got '$3')"; fail=$((fail + 1)); fi
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$bin" --help >/dev/null; check "--help exits 0" 0 $?
"$bin" nosuch >/dev/null 2>&1; check "unknown command exits 1" 1 $?
"$bin" compare --help | grep -q -- '--pairs'; check "compare --help documents --pairs" 0 $?
"$bin" normalize --help | grep -q 'exit codes'; check "normalize --help documents exit codes" 0 $?

out=$("$bin" normalize "AL-JUBOURI, Mohammed Ahmed")
check "normalize exits 0" 0 $?
echo "$out" | grep -q 'normalized: mohammed ahmed al-jubouri'; check "list style undone" 0 $?
echo "$out" | grep -q 'nisba'; check "nisba role shown" 0 $?

"$bin" normalize $'ab\xff' >/dev/null 2>"$tmp/err"; check "invalid UTF-8 exits 2" 2 $?
grep -q 'byte 2' "$tmp/err"; check "invalid UTF-8 names the byte" 0 $?

out=$("$bin" compare "Mohamed" "محمد")
check "compare exits 0" 0 $?
echo "$out" | head -1 | grep -Eq '^score 0\.9'; check "cross-script score printed" 0 $?
echo "$out" | grep -q 'transliteration'; check "explanation names the tier" 0 $?

printf 'name_a\tname_b\nAli\tAly\nHasan\tHusayn\n' > "$tmp/pairs.tsv"
"$bin" compare --pairs "$tmp/pairs.tsv" > "$tmp/out.tsv"; check "pairs exit 0" 0 $?
check "pairs: one line per pair" 2 "$(wc -l < "$tmp/out.tsv")"
check "pairs: echo of names" $'Ali\tAly' "$(head -1 "$tmp/out.tsv" | cut -f2,3)"

printf 'Ali\tAly\nno tab here\nab\xff\tx\nOmar\tUmar\n' > "$tmp/bad.tsv"
"$bin" compare --pairs "$tmp/bad.tsv" > "$tmp/out.tsv" 2>"$tmp/err"; check "bad pairs exit 2" 2 $?
check "bad pairs: output stays aligned" 4 "$(wc -l < "$tmp/out.tsv")"
grep -q 'bad.tsv:2' "$tmp/err"; check "missing tab names its line" 0 $?
grep -q 'line 3' "$tmp/err"; check "bad UTF-8 names its line" 0 $?

"$bin" compare --pairs "$tmp/none.tsv" 2>/dev/null; check "missing file exits 2" 2 $?

echo "$passed passed, $fail failed"
[ "$fail" -eq 0 ]
