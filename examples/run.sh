#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The main job on the sample data (README, first command; `make run`).
#
#   examples/run.sh PATH/TO/tabayyun           the server: a fresh database with the sample
#                                              registry and watchlist, a sample admin with a
#                                              one-time password, `tabayyun serve` on
#                                              127.0.0.1 and a curl command that screens a
#                                              name; it runs until Ctrl-C
#   examples/run.sh --once PATH/TO/tabayyun    the same, screens the name once and stops
#   examples/run.sh --batch PATH/TO/tabayyun   the batch demo: the registry screened against
#                                              the list, one person explained, names read
#
# The database goes to out/example/ (TABAYYUN_EXAMPLE_DIR to change it) and is made anew on
# every run. The port is 8080, or PORT, or a free one when that is taken.
set -euo pipefail
mode=server
case "${1:-}" in
    --batch) mode=batch; shift ;;
    --once) mode=once; shift ;;
esac
bin=${1:?usage: examples/run.sh [--batch | --once] path/to/tabayyun}
here=$(cd "$(dirname "$0")" && pwd)

if [ "$mode" = batch ]; then
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
    exit 0
fi

dir=${TABAYYUN_EXAMPLE_DIR:-out/example}
db=$dir/tabayyun.db
mkdir -p "$dir"
rm -f "$db" "$db-wal" "$db-shm"
export TABAYYUN_USER=examples/run.sh
"$bin" version
echo "== A fresh database, $db, with the sample registry and watchlist"
"$bin" db init --db "$db"
"$bin" registry import --db "$db" "$here/registry.csv"
"$bin" list import --db "$db" --name watchlist --format csv "$here/watchlist.csv"
echo
echo "== A sample admin, and an API token for them"
password=$("$bin" user add --db "$db" --name admin --role admin | tail -n 1)
token=$("$bin" token create --db "$db" --user admin --label "examples/run.sh" 2>/dev/null)

# Starts the server on port $1; sets pid and port, or returns 1 when it does not come up.
start() {
    "$bin" serve --db "$db" --port "$1" > "$dir/serve.out" 2> "$dir/serve.err" &
    pid=$!
    port=
    for _ in $(seq 1 100); do
        port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$dir/serve.out")
        [ -n "$port" ] && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}
if ! start "${PORT:-8080}"; then
    echo "(port ${PORT:-8080} is taken: using a free one)"
    start 0 || { cat "$dir/serve.err" >&2; exit 3; }
fi
trap 'kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; exit 0' INT TERM
url=http://127.0.0.1:$port
body='{"record": {"name": "Mohammed Jassim Mohammed", "mother": "Kawthar", "birth_date": "1977"}, "purpose": "trying tabayyun"}'

cat <<EOF

== tabayyun serve is listening on $url (database $db)

Sample admin:   user admin, one-time password $password
                (shown once; the first login must change it: POST /v1/login, then
                POST /v1/password; see docs/server.md)
API token:      $token
                (an admin's; make others with: tabayyun token create --db $db --user NAME)

Screen a name (paste into another terminal):

  curl -s -H 'Authorization: Bearer $token' \\
       -H 'Content-Type: application/json' \\
       -d '$body' \\
       $url/v1/screen

Routes: $url/openapi.json    Stop the server: Ctrl-C
EOF

if [ "$mode" = once ] || command -v curl >/dev/null; then
    echo
    echo "== That command, run once:"
    curl -s -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "$body" \
        "$url/v1/screen" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print("outcome:", d["outcome"])
for a in d["alerts"]:
    print("  %-18s score %.3f  %-16s %s" % (a["list_id"], a["score"], a["grade"], a["matched_name"]))'
fi
if [ "$mode" = once ]; then
    kill -TERM "$pid"
    wait "$pid"
    exit $?
fi
echo
echo "(serving until Ctrl-C)"
wait "$pid"
