#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The main job on the sample data (README, first command). Until screening lands, it shows
# the name engine: how names are parsed, how two names compare part by part, and a batch of
# name pairs scored from a TSV file. Usage: examples/run.sh PATH/TO/tabayyun
set -euo pipefail
bin=${1:?usage: examples/run.sh path/to/tabayyun}
here=$(dirname "$0")
"$bin" version
echo
echo "== How names are read"
"$bin" normalize "AL-JUBOURI, Sheikh Abdul Rahman bin Ahmad" "عبدالرحمن بن أحمد الجبوري"
echo
echo "== One comparison, explained"
"$bin" compare "إبراهيم أحمد عبد الستار محمد التكريتي" "IBRAHIM AHMAD ABD AL-SATTAR MUHAMMED AL-TIKRITI"
echo
echo "== A batch of pairs ($here/pairs.tsv): score, name A, name B"
"$bin" compare --pairs "$here/pairs.tsv"
