#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The store's speed targets, end to end through the command line:
#   - a registry of 1,000,000 records imports in under 60 s (the durable-state issue);
#   - the same registry imported again (every record looked up, none changed);
#   - a 100,000-entry list imported, then a version with 1 % of it changed, and `list diff`
#     between them (it must be fast: the diff is computed from the stored versions).
# Numbers only mean something from a Release build; the script says what it ran on.
#
# Usage: bench/bench_store.sh [--bin PATH] [--registry FILE] [--list FILE] [--out DIR]
#   --bin       the tabayyun binary (default build/src/cli/tabayyun)
#   --registry  a registry CSV (default: DIR/pop/registry.csv, generated with
#               tools/gen/gen_population.py --registry 1000000 --list 100000 when missing)
#   --list      a list CSV (default: DIR/pop/list.csv, generated likewise)
#   --out       working directory (default out/bench_store; out/ is ignored by git)
set -euo pipefail
bin=build/src/cli/tabayyun
registry=
list=
out=out/bench_store
while [ $# -gt 0 ]; do
  case $1 in
    --bin) bin=$2; shift 2 ;;
    --registry) registry=$2; shift 2 ;;
    --list) list=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '3,15p' "$0"; exit 0 ;;
    *) echo "bench_store: unknown argument $1" >&2; exit 1 ;;
  esac
done
[ -x "$bin" ] || { echo "bench_store: no binary at $bin (make build)" >&2; exit 2; }
mkdir -p "$out"
if [ -z "$registry" ] || [ -z "$list" ]; then
  if [ ! -f "$out/pop/registry.csv" ] || [ ! -f "$out/pop/list.csv" ]; then
    echo "generating 1,000,000 registry records and a 100,000-entry list (about 30 s)..." >&2
    python3 tools/gen/gen_population.py --seed 1 --registry 1000000 --list 100000 \
      --out "$out/pop" --quiet
  fi
  registry=${registry:-$out/pop/registry.csv}
  list=${list:-$out/pop/list.csv}
fi

# Seconds of wall time of a command, its output to a file.
timed() {
  local log=$1; shift
  local start end
  start=$(date +%s.%N)
  "$@" >"$log" 2>&1 || { cat "$log" >&2; echo "bench_store: failed: $*" >&2; exit 3; }
  end=$(date +%s.%N)
  python3 -c "import sys; print('%.2f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$start" "$end"
}

db=$out/store.db
rm -f "$db" "$db-wal" "$db-shm"
"$bin" db init --db "$db" >/dev/null
records=$(($(wc -l <"$registry") - 1))
entries=$(($(wc -l <"$list") - 1))

t_registry=$(timed "$out/registry1.log" "$bin" registry import --db "$db" --user bench "$registry")
t_registry_again=$(timed "$out/registry2.log" "$bin" registry import --db "$db" --user bench "$registry")

# The list's second version: 1 % of the entries touched, a third each changed, removed, added.
python3 - "$list" "$out/list2.csv" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8')))
header, body = rows[0], rows[1:]
step = 100
birth = header.index('birth_date')
out = [header]
for i, row in enumerate(body):
    if i % step == 0 and i % (3 * step) == 0:
        row = list(row); row[birth] = '1901'          # changed
    elif i % step == 0 and i % (3 * step) == step:
        continue                                       # removed
    elif i % step == 0:
        extra = list(row); extra[0] = extra[0] + '-NEW'
        out.append(extra)                              # added beside it
    out.append(row)
csv.writer(open(sys.argv[2], 'w', newline='', encoding='utf-8'), lineterminator='\n').writerows(out)
EOF
t_list1=$(timed "$out/list1.log" "$bin" list import --db "$db" --name BENCH --format csv --user bench "$list")
t_list2=$(timed "$out/list2.log" "$bin" list import --db "$db" --name BENCH --format csv --user bench "$out/list2.csv")
t_diff=$(timed "$out/diff.txt" "$bin" list diff --db "$db" --name BENCH)
t_diff_json=$(timed "$out/diff.json" "$bin" list diff --db "$db" --name BENCH --json)
t_verify=$(timed "$out/verify.log" "$bin" audit verify --db "$db")

type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$(dirname "$bin")/../../CMakeCache.txt" 2>/dev/null || true)
echo "== store benchmark ($bin, ${type:-unknown} build, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-44s %8s s   %s\n' "registry import, $records records (new)" "$t_registry" "$(tail -1 "$out/registry1.log")"
printf '%-44s %8s s   %s\n' "registry import again (all unchanged)" "$t_registry_again" "$(tail -1 "$out/registry2.log")"
printf '%-44s %8s s   %s\n' "list import, $entries entries (version 1)" "$t_list1" "$(tail -1 "$out/list1.log")"
printf '%-44s %8s s   %s\n' "list import, 1 % changed (version 2)" "$t_list2" "$(tail -1 "$out/list2.log")"
printf '%-44s %8s s   %s\n' "list diff 1 -> 2 (text)" "$t_diff" "$(tail -1 "$out/diff.txt")"
printf '%-44s %8s s\n' "list diff 1 -> 2 (--json)" "$t_diff_json"
printf '%-44s %8s s   %s\n' "audit verify" "$t_verify" "$(cut -c1-40 "$out/verify.log")"
printf '%-44s %8s MB\n' "database size" "$(($(stat -c %s "$db") / 1000000))"
echo "RESULT records=$records registry_s=$t_registry registry_again_s=$t_registry_again entries=$entries list1_s=$t_list1 list2_s=$t_list2 diff_s=$t_diff diff_json_s=$t_diff_json"
