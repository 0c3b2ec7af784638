#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The main job on the sample data (README, first command): screens the sample registry
# against the sample watchlist, shows one person screened with the explanation a reviewer
# sees, and how the name engine reads names. Usage: examples/run.sh PATH/TO/tabayyun
set -euo pipefail
bin=${1:?usage: examples/run.sh path/to/tabayyun}
here=$(dirname "$0")
out=${TMPDIR:-/tmp}/tabayyun-example-alerts.csv
"$bin" version
echo
echo "== Screening $here/registry.csv against $here/watchlist.csv"
"$bin" screen --list "$here/watchlist.csv" --input "$here/registry.csv" --out "$out"
echo
echo "== Alerts ($out): record, list entry, score, grade"
cut -d, -f1-4 "$out" | awk -F, '{ printf "%-10s %-8s %-7s %s\n", $1, $2, $3, $4 }'
echo
echo "== One person at a registration desk, explained"
"$bin" screen --list "$here/watchlist.csv" --name "Mohammed Jassim Mohammed" \
    --mother "Kawthar" --birth-date 1977 --sex m
echo "== How names are read"
"$bin" normalize "AL-JUBOURI, Sheikh Abdul Rahman bin Ahmad" "عبدالرحمن بن أحمد الجبوري"
echo
echo "== Name pairs ($here/pairs.tsv): score, name A, name B"
"$bin" compare --pairs "$here/pairs.tsv"
