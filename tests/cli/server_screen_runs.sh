#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `tabayyun serve --db --screen-runs yes`: a list version imported through the API is
# screened by the server's own thread (the first run of the list: full, with a model pinned),
# then registry records submitted through the API are screened in delta by the resident
# monitor; after the server stops, a one-shot `screen --full` of a copy of the database finds
# nothing to change (the resident runs left the alerts a full run leaves), and the audit chain
# verifies. Every wait is bounded; the server is stopped by the test (and by the EXIT trap).
# Usage: tests/cli/server_screen_runs.sh PATH/TO/tabayyun
set -u
bin=$1
fail=0
passed=0
check() {
    if [ "$2" = "$3" ]; then passed=$((passed + 1)); else echo "FAIL: $1 (expected '$2', got '$3')"; fail=$((fail + 1)); fi
}
command -v curl >/dev/null || { echo "server_screen_runs.sh: curl is needed"; exit 1; }
tmp=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
db=$tmp/state.db
export TABAYYUN_USER=ci

"$bin" db init --db "$db" >/dev/null
"$bin" list import --db "$db" --name watchlist --format csv examples/watchlist.csv >/dev/null
"$bin" registry import --db "$db" --site camp-a examples/registry.csv >/dev/null
"$bin" user add --db "$db" --name root --role admin >/dev/null
admin=$("$bin" token create --db "$db" --user root --label ci 2>/dev/null)
auth=(-H "Authorization: Bearer $admin")
json=(-H 'Content-Type: application/json')

"$bin" serve --db "$db" --port 0 --threads 2 --timeout 3 --screen-runs yes > "$tmp/out" 2> "$tmp/err" &
pid=$!
port=
for _ in $(seq 1 300); do
    port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/out")
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$port" ]; then echo "FAIL: the server did not start"; cat "$tmp/err"; exit 1; fi
url=http://127.0.0.1:$port
status() { curl -s -o "$tmp/body" -w '%{http_code}' "$@"; }
# wait_for TEXT: until the server's log has TEXT (at most 60 s).
wait_for() {
    for _ in $(seq 1 600); do
        grep -q "$1" "$tmp/err" && return 0
        sleep 0.1
    done
    return 1
}

"$bin" serve --db "$db" --screen-runs maybe >/dev/null 2>&1; check "--screen-runs takes yes or no" 1 $?

sed 's/^WL-004,Ahmed Jassim Mohamed,/WL-004,Ahmad Jasim Muhammad,/' examples/watchlist.csv > "$tmp/wl2.csv"
content=$(base64 -w0 "$tmp/wl2.csv")
check "import a list version" 200 "$(status "${auth[@]}" "${json[@]}" -d "{\"format\": \"csv\", \"files\": [{\"name\": \"wl2.csv\", \"content_base64\": \"$content\"}]}" "$url/v1/lists/watchlist/versions")"
wait_for 'screened watchlist@2 (full)'; check "the server screens the list: a first, full run" 0 $?

records='{"records": [{"id": "S-9", "name": "Ahmad Jasim Muhammad", "site": "camp-a"}, {"id": "S-10", "name": "Huda Karim Nasser", "site": "camp-a"}]}'
check "records submitted" 200 "$(status "${auth[@]}" "${json[@]}" -d "$records" "$url/v1/records")"
wait_for 'screened watchlist@2 (delta)'; check "... screened in delta" 0 $?
kill -TERM "$pid"; wait "$pid"; check "the server stops cleanly" 0 $?
pid=
grep -q 'tabayyun serve: screening' "$tmp/err"; check "no screening error logged" 1 $?

standing() {
    python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(len([r for r in c.execute("SELECT record_id, entry_id, score, grade FROM alerts WHERE status <> '"'superseded'"'")]))' "$1"
}
s9=$(python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute("SELECT count(*) FROM alerts WHERE record_id = '"'S-9'"' AND entry_id = '"'WL-004'"' AND status <> '"'superseded'"'").fetchone()[0])' "$db")
check "the new record alerts against the renamed entry" 1 "$s9"
runs=$(python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(*c.execute("SELECT count(*), sum(kind = '"'delta'"') FROM screening_runs WHERE status = '"'complete'"'").fetchone())' "$db" 2>/dev/null)
check "two complete runs, one a delta" "2 1" "$runs"
cp "$db" "$tmp/full.db"
[ ! -e "$db-wal" ] || cp "$db-wal" "$tmp/full.db-wal"
"$bin" screen --db "$tmp/full.db" --list watchlist --full > "$tmp/full.log" 2>&1; check "a full run of a copy" 0 $?
grep -q 'alerts: 0 new, 0 suppressed (cleared before), 0 superseded' "$tmp/full.log"
check "... finds nothing to change" 0 $?
check "... the same standing alerts" "$(standing "$db")" "$(standing "$tmp/full.db")"
"$bin" audit verify --db "$db" >/dev/null; check "the audit chain verifies" 0 $?

echo "server_screen_runs.sh: $passed passed, $fail failed"
[ "$fail" -eq 0 ]
