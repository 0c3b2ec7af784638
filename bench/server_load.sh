#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Load test of `tabayyun serve` (the server issue's target: >= 20,000 screening requests/s on
# 2 cores against a 100,000-entry list, p99 < 5 ms, zero errors over 5 minutes, resident
# memory at start and end). Generates the population once (tools/gen/gen_population.py),
# turns registry records into POST /v1/screen bodies, starts the server on a free loopback
# port, runs bench_server for the given duration, prints its report and the server's own
# view (/metrics), and stops the server. Everything stays on 127.0.0.1 and stops by itself.
#
# Usage: bench/server_load.sh --bin build/src/cli/tabayyun --client build/bench/bench_server
#            [--duration 300] [--connections 32] [--threads 2] [--list 100000]
#            [--queries 5000] [--out out/server_load] [--perf] [--db]
#   --perf   also record a CPU profile of the server during the run (perf) and print the
#            top of it, to see where the time goes (perf_freq=HZ and perf_callgraph=dwarf,16384
#            in the environment: libc's and jansson's frames too, at a higher cost).
#   --db     serve on the store (`serve --db`): the list imported into a fresh database, a
#            user and an API token made with `tabayyun user`/`token`, and every screening
#            appended to the database's audit log, as in production. Without it, the
#            development mode (--list with a --dev-token), which keeps no audit.
set -euo pipefail
bin= client= duration=300 connections=32 threads=2 list_size=100000 queries=5000
out=out/server_load perf=0 use_db=0
while [ $# -gt 0 ]; do
    case $1 in
        --bin) bin=$2; shift 2 ;;
        --client) client=$2; shift 2 ;;
        --duration) duration=$2; shift 2 ;;
        --connections) connections=$2; shift 2 ;;
        --threads) threads=$2; shift 2 ;;
        --list) list_size=$2; shift 2 ;;
        --queries) queries=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --perf) perf=1; shift ;;
        --db) use_db=1; shift ;;
        *) echo "server_load.sh: unknown option $1" >&2; exit 1 ;;
    esac
done
[ -x "$bin" ] && [ -x "$client" ] || { echo "usage: bench/server_load.sh --bin TABAYYUN --client BENCH_SERVER [--duration S]" >&2; exit 1; }
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
pop=$out/pop-$list_size
if [ ! -s "$pop/list.csv" ]; then
    python3 "$here/tools/gen/gen_population.py" --seed 1 --list "$list_size" --registry "$queries" --out "$pop" --quiet
fi
python3 - "$pop/registry.csv" "$out/bodies.jsonl" <<'PY'
import csv, json, sys
with open(sys.argv[1], newline="", encoding="utf-8") as f, open(sys.argv[2], "w", encoding="utf-8") as out:
    for row in csv.DictReader(f):
        record = {k: v for k, v in row.items() if v}
        out.write(json.dumps({"record": record, "purpose": "load test"}, ensure_ascii=False) + "\n")
PY
log=$out/server.log
if [ "$use_db" = 1 ]; then
    db=$out/bench.db
    rm -f "$db" "$db-wal" "$db-shm"
    start=$(date +%s%N)
    "$bin" db init --db "$db" > /dev/null
    "$bin" list import --db "$db" --name bench --format csv --quiet "$pop/list.csv"
    "$bin" user add --db "$db" --name bench --role analyst > /dev/null
    token=$("$bin" token create --db "$db" --user bench --label server_load 2>/dev/null)
    echo "== database: list imported and a token made in $((($(date +%s%N) - start) / 1000000)) ms"
    audit_before=$("$bin" audit verify --db "$db" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"])')
    "$bin" serve --db "$db" --port 0 --threads "$threads" --max-connections $((connections + 64)) \
        > "$out/server.out" 2> "$log" &
else
    token=bench-token-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
    "$bin" serve --list "$pop/list.csv" --port 0 --threads "$threads" --max-connections $((connections + 64)) \
        --dev-token "$token" > "$out/server.out" 2> "$log" &
fi
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT
port=
for _ in $(seq 1 600); do
    port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$out/server.out")
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || { echo "server_load.sh: the server died:" >&2; cat "$log" >&2; exit 1; }
    sleep 0.1
done
[ -n "$port" ] || { echo "server_load.sh: the server did not start in 60 s" >&2; exit 1; }
echo "== tabayyun serve$([ "$use_db" = 1 ] && echo " --db") under load: $list_size list entries, $threads server threads, $connections connections, ${duration} s"
echo "   machine: $(nproc) cores, load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$perf" = 1 ]; then
    perf record -F ${perf_freq:-499} --call-graph ${perf_callgraph:-fp} -p "$pid" -o "$out/perf.data" -- sleep "$duration" > /dev/null 2>&1 &
    perf_pid=$!
fi
status=0
"$client" --port "$port" --token "$token" --bodies "$out/bodies.jsonl" --connections "$connections" \
    --duration "$duration" --pid "$pid" > "$out/client.txt" || status=$?
cat "$out/client.txt"
echo "   load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
curl -s "http://127.0.0.1:$port/metrics" > "$out/metrics.txt" || true
python3 - "$out/metrics.txt" "$out/client.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
client = open(sys.argv[2]).read()
def value(name):
    m = re.search(r"^" + re.escape(name) + r" ([0-9.e+]+)$", text, re.M)
    return float(m.group(1)) if m else 0.0
n = value("tabayyun_screenings_total")
engine = value("tabayyun_screening_seconds_total")
m = re.search(r'tabayyun_http_request_duration_seconds_sum\{route="/v1/screen",method="POST"\} ([0-9.e+]+)', text)
http = float(m.group(1)) if m else 0.0
if n:
    print("server's view      %d screenings; in the engine %.1f us each, whole request (headers to answer) %.1f us" % (n, engine / n * 1e6, http / n * 1e6))
    batches = value("tabayyun_audit_batches_total")
    m = re.search(r'tabayyun_audit_events_total\{result="recorded"\} ([0-9.e+]+)', text)
    if batches and m:
        print("audit batches      %d transactions, %.1f entries each" % (batches, float(m.group(1)) / batches))
    m = re.search(r"^server CPU +([0-9.]+) us per request", client, re.M)
    if m:
        # The engine's figure is wall time around the engine call, so on a busy machine it
        # includes time the thread waited for a core: the rest is then an underestimate.
        print("CPU per request    %.1f us: engine %.1f us (wall), the rest (HTTP, JSON, auth, audit, kernel) %.1f us"
              % (float(m.group(1)), engine / n * 1e6, float(m.group(1)) - engine / n * 1e6))
PY
if [ "$perf" = 1 ]; then
    wait "$perf_pid" || true
    perf report -i "$out/perf.data" --no-children --sort symbol --stdio 2>/dev/null | grep -v '^#' | grep '%' | head -30
fi
kill -TERM "$pid"; wait "$pid" || true
trap - EXIT
if [ "$use_db" = 1 ]; then
    start=$(date +%s%N)
    audit_after=$("$bin" audit verify --db "$db" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["ok"]; print(d["entries"])')
    echo "audit log          $((audit_after - audit_before)) entries appended during the run; the chain of $audit_after verified in $((($(date +%s%N) - start) / 1000000)) ms"
    ls -l "$db" | awk '{ printf "database size      %.1f MB\n", $5 / 1e6 }'
fi
exit $status
