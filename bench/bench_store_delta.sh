#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Delta rescreening through the store, end to end on the command line (the durable-state
# issue: after 1 % of a 100,000-entry list changes, a delta rescreen takes under 5 % of the
# time of a full rescreen):
#   1. a 100,000-entry list and a 100,000-record registry (tools/gen/gen_population.py) are
#      imported, and screened: the first run (fits and pins the model, screens everything);
#   2. a second list file derived from the first: 0.5 % of the entries renamed (to the name
#      of a registered person, a correction that gains candidates), 0.25 % removed, 0.25 %
#      added (copies of registered people under new ids); imported as version 2;
#   3. `screen` in delta (timed), then the database copied and screened `--full` (timed: a
#      full rescreen under the same model, of the same state);
#   4. the standing alerts of both databases compared (record, entry, score, grade): they
#      must be equal, and the full run must have found nothing to add or supersede.
# Prints the times and delta / full. Numbers only mean something from a Release build on a
# quiet machine; the script says what it ran on.
#
# Usage: bench/bench_store_delta.sh [--bin PATH] [--entries N] [--records N] [--threads N]
#                                   [--out DIR]
#   --bin      the tabayyun binary (default build/src/cli/tabayyun)
#   --entries  list entries (default 100000); --records registry records (default 100000)
#   --threads  screening threads (default 2)
#   --out      working directory (default out/bench_store_delta; out/ is ignored by git)
set -euo pipefail
bin=build/src/cli/tabayyun
entries=100000
records=100000
threads=2
out=out/bench_store_delta
while [ $# -gt 0 ]; do
  case $1 in
    --bin) bin=$2; shift 2 ;;
    --entries) entries=$2; shift 2 ;;
    --records) records=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '3,23p' "$0"; exit 0 ;;
    *) echo "bench_store_delta: unknown argument $1" >&2; exit 1 ;;
  esac
done
[ -x "$bin" ] || { echo "bench_store_delta: no binary at $bin (make build)" >&2; exit 2; }
mkdir -p "$out"
pop=$out/pop_${records}_${entries}
if [ ! -f "$pop/registry.csv" ] || [ ! -f "$pop/list.csv" ]; then
  echo "generating $records registry records and a $entries-entry list..." >&2
  python3 tools/gen/gen_population.py --seed 1 --registry "$records" --list "$entries" \
    --out "$pop" --quiet
fi

# The second version of the list: rename 0.5 %, remove 0.25 %, add 0.25 %.
python3 - "$pop/list.csv" "$pop/registry.csv" "$out/list2.csv" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8')))
people = list(csv.reader(open(sys.argv[2], newline='', encoding='utf-8')))
header, body = rows[0], rows[1:]
rheader, rbody = people[0], people[1:]
name_parts = ['name', 'given', 'father', 'grandfather', 'family']
out = [header]
renamed = removed = added = 0
for i, row in enumerate(body):
    if i % 400 in (7, 207):                       # 0.5 %: renamed to a registered name
        row = list(row)
        person = dict(zip(rheader, rbody[(i * 7919) % len(rbody)]))
        for part in name_parts:
            row[header.index(part)] = ''
        row[header.index('name')] = person['name'] or ' '.join(
            person[p] for p in name_parts[1:] if person[p])
        renamed += 1
    elif i % 400 == 107:                          # 0.25 %: removed
        removed += 1
        continue
    out.append(row)
for k in range(len(body) // 400):                 # 0.25 %: added, copies of registered people
    person = dict(zip(rheader, rbody[(k * 104729) % len(rbody)]))
    person['id'] = 'NEW-%06d' % k
    person['site'] = ''
    out.append([person.get(col, '') for col in header])
    added += 1
csv.writer(open(sys.argv[3], 'w', newline='', encoding='utf-8'), lineterminator='\n').writerows(out)
print('list version 2: %d renamed, %d removed, %d added (%.2f %% of %d)' % (
    renamed, removed, added, 100.0 * (renamed + removed + added) / len(body), len(body)),
    file=sys.stderr)
EOF

# Seconds of wall time of a command, its output to a file.
timed() {
  local log=$1; shift
  local start end
  start=$(date +%s.%N)
  "$@" >"$log" 2>&1 || { cat "$log" >&2; echo "bench_store_delta: failed: $*" >&2; exit 3; }
  end=$(date +%s.%N)
  python3 -c "import sys; print('%.2f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$start" "$end"
}

db=$out/store.db
copy=$out/store_full.db
rm -f "$db" "$db-wal" "$db-shm" "$copy" "$copy-wal" "$copy-shm"
export TABAYYUN_USER=bench
"$bin" db init --db "$db" >/dev/null
"$bin" registry import --db "$db" --quiet "$pop/registry.csv"
"$bin" list import --db "$db" --name BENCH --format csv --quiet "$pop/list.csv"
t_first=$(timed "$out/screen1.log" "$bin" screen --db "$db" --list BENCH --threads "$threads")
"$bin" list import --db "$db" --name BENCH --format csv "$out/list2.csv" >"$out/import2.log"
t_delta=$(timed "$out/screen2.log" "$bin" screen --db "$db" --list BENCH --threads "$threads")
cp "$db" "$copy"
[ ! -e "$db-wal" ] || cp "$db-wal" "$copy-wal"
t_full=$(timed "$out/screen3.log" "$bin" screen --db "$copy" --list BENCH --full --threads "$threads")

verdict=$(python3 - "$db" "$copy" "$out/screen3.log" <<'EOF'
import sqlite3, sys
def standing(path):
    c = sqlite3.connect(path)
    rows = c.execute("SELECT record_id, entry_id, score, grade FROM alerts "
                     "WHERE status <> 'superseded'").fetchall()
    c.close()
    return sorted(rows)
delta, full = standing(sys.argv[1]), standing(sys.argv[2])
log = open(sys.argv[3]).read()
quiet = 'alerts: 0 new, 0 suppressed (cleared before), 0 superseded' in log
print('equal' if delta == full and quiet else 'DIFFER', len(delta), len(full))
EOF
)

echo "== screening with memory: delta after 1 % of the list changed"
echo "machine      $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); binary $bin"
echo "data         $records registry records, $entries list entries (gen_population.py --seed 1)"
sed -n 1p "$out/import2.log"
echo "first run    ${t_first} s  (fit and pin the model, screen everything)"
sed -n '1,4p' "$out/screen1.log" | sed 's/^/             /'
echo "delta        ${t_delta} s"
sed -n '1,4p' "$out/screen2.log" | sed 's/^/             /'
echo "full         ${t_full} s  (--full on a copy: same state, same model)"
sed -n '1,4p' "$out/screen3.log" | sed 's/^/             /'
ratio=$(python3 -c "import sys; print('%.1f' % (100 * float(sys.argv[1]) / float(sys.argv[2])))" "$t_delta" "$t_full")
set -- $verdict
echo "delta / full ${ratio} %  (target: under 5 %)"
echo "alerts       delta and full $1 ($2 and $3 standing alerts)"
echo "RESULT records=$records entries=$entries threads=$threads first_s=$t_first delta_s=$t_delta full_s=$t_full ratio_pct=$ratio alerts=$1"
[ "$1" = equal ]
