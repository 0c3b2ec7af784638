#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Checks that two builds compare names identically, bit for bit: for a change meant to make
# tby_name_compare faster without changing any result. Both builds score the same pairs with
# `tabayyun compare --pairs` (4 decimals) and with `bench_names --dump` (every score, link
# and part-against-part similarity as a hexadecimal float); every output must be identical.
#
# The pairs come from the external evaluation data: the three sets of tools/eval/run_eval.py
# (cross-script full names with hard negatives, Latin spelling variants, labelled pairs),
# plus neighbours in the long watchlist (mostly unrelated names, the common case when
# screening), the cross-script token pairs and the Latin variant pairs of persons, each
# also against the next row's name (near misses).
#
# usage: tools/compare-check.sh BASE_BUILD NEW_BUILD [DATA_DIR]
#   BASE_BUILD, NEW_BUILD  build directories holding src/cli/tabayyun and bench/bench_names
#   DATA_DIR               evaluation data (default ../shared/eval beside the repository)
# Exit status 0 when everything is identical, 1 when something differs, 2 on a usage error.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
base=${1:?usage: tools/compare-check.sh BASE_BUILD NEW_BUILD [DATA_DIR]}
new=${2:?usage: tools/compare-check.sh BASE_BUILD NEW_BUILD [DATA_DIR]}
data=${3:-$here/../shared/eval}
for build in "$base" "$new"; do
  for bin in src/cli/tabayyun bench/bench_names; do
    [ -x "$build/$bin" ] || { echo "compare-check: no $build/$bin" >&2; exit 2; }
  done
done
[ -d "$data" ] || { echo "compare-check: no evaluation data in $data" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/pairs"

# The evaluation's own pair files (the Jaro-Winkler baseline needs no binary).
python3 "$here/tools/eval/run_eval.py" --baseline --data "$data" --out "$tmp/eval" >/dev/null
cp "$tmp"/eval/pairs_*.tsv "$tmp/pairs/"

# Column COL (1-based) of a TSV file with a header, tabs inside names impossible.
column() { awk -F'\t' -v c="$2" 'NR > 1 && $c != "" { print $c }' "$1"; }

# Each name against the next, the one two further on and a scattered one (as bench_names).
column "$data/watchlist_names_long.tsv" 7 >"$tmp/names"
awk '{ n[NR - 1] = $0 } END {
  for (i = 0; i < NR; i++) {
    print n[i] "\t" n[(i + 1) % NR]; print n[i] "\t" n[(i + 2) % NR]
    print n[i] "\t" n[(i * 37 + 11) % NR]
  } }' "$tmp/names" >"$tmp/pairs/watchlist.tsv"

# Row pairs, and each row's first name against the next row's second (near misses).
row_pairs() { # file, column a, column b
  awk -F'\t' -v a="$2" -v b="$3" 'NR > 1 && $a != "" && $b != "" {
    print $a "\t" $b; if (prev != "") print $a "\t" prev; prev = $b }' "$1"
}
row_pairs "$data/xscript_token_pairs.tsv" 2 3 >"$tmp/pairs/tokens.tsv"
row_pairs "$data/latin_variant_pairs_persons.tsv" 5 7 >"$tmp/pairs/variant_persons.tsv"

status=0
total=0
for pairs in "$tmp"/pairs/*.tsv; do
  set_name=$(basename "$pairs" .tsv)
  count=$(grep -vc $'^name_a\tname_b$' "$pairs" || true)
  total=$((total + count))
  for side in base new; do
    build=$base
    [ $side = new ] && build=$new
    "$build/src/cli/tabayyun" compare --pairs "$pairs" >"$tmp/$set_name.$side.cli" 2>/dev/null || true
    "$build/bench/bench_names" --dump "$pairs" >"$tmp/$set_name.$side.dump"
  done
  for kind in cli dump; do
    if cmp -s "$tmp/$set_name.base.$kind" "$tmp/$set_name.new.$kind"; then
      echo "identical  $set_name ($count pairs, $kind)"
    else
      echo "DIFFERENT  $set_name ($count pairs, $kind); first differences:"
      diff "$tmp/$set_name.base.$kind" "$tmp/$set_name.new.$kind" | head -6
      status=1
    fi
  done
done
echo "compare-check: $total pairs, $([ $status = 0 ] && echo identical || echo 'NOT identical')"
exit $status
