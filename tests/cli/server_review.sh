#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The review routes end to end: `screen --db` stores alerts for records of two sites, then
# `serve --db` on an ephemeral loopback port, driven with curl: an analyst of camp-a lists
# the alerts of camp-a only and is refused camp-b's, clears one with a reason and gets a
# redress reference, a registrar at the desk reads "cleared" for it; a confirmation needs two
# different reviewers, the second a supervisor; the audit chain verifies afterwards.
# Usage: tests/cli/server_review.sh PATH/TO/tabayyun
set -u
bin=$1
fail=0
passed=0
check() {
    if [ "$2" = "$3" ]; then passed=$((passed + 1)); else echo "FAIL: $1 (expected '$2', got '$3')"; fail=$((fail + 1)); fi
}
command -v curl >/dev/null || { echo "server_review.sh: curl is needed"; exit 1; }
tmp=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
db=$tmp/state.db

"$bin" db init --db "$db" >/dev/null
"$bin" list import --db "$db" --name watchlist --format csv examples/watchlist.csv >/dev/null
cat > "$tmp/registry.csv" <<'CSV'
id,name,birth_date,sex,site
RA-1,Omar Khalil Ibrahim AL-OBEIDI,1979,m,camp-a
RA-2,Husayn Ali al-Saadi,1986,m,camp-a
RB-1,Omar Khalil Ibrahim AL-OBEIDI,1979,m,camp-b
CSV
"$bin" registry import --db "$db" "$tmp/registry.csv" >/dev/null; check "registry import" 0 $?
"$bin" screen --db "$db" --list watchlist >"$tmp/out"; check "screen --db" 0 $?
total=$(sqlite3 "$db" "SELECT count(*) FROM alerts WHERE status = 'open'" 2>/dev/null ||
        python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM alerts WHERE status = '"'open'"'").fetchone()[0])' "$db")
[ "${total:-0}" -ge 2 ]; check "alerts stored ($total)" 0 $?

token() { "$bin" token create --db "$db" --user "$1" 2>/dev/null | tail -n 1; }
for spec in ana:analyst:camp-a sup:supervisor:camp-a,camp-b reg:registrar:camp-b; do
    IFS=: read -r name role sites <<<"$spec"
    echo "password-of-$name" | "$bin" user add --db "$db" --name "$name" --role "$role:$sites" \
        --password-stdin >/dev/null
done
ana=$(token ana); sup=$(token sup); reg=$(token reg)
check "tokens made" 3 "$(printf '%s\n' "$ana" "$sup" "$reg" | grep -c '^tby_')"

"$bin" serve --db "$db" --port 0 --threads 2 > "$tmp/serve" 2> "$tmp/err" &
pid=$!
port=
for _ in $(seq 1 300); do
    port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/serve")
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$port" ]; then echo "FAIL: the server did not start"; cat "$tmp/err"; exit 1; fi
url=http://127.0.0.1:$port
status() { curl -s -o "$tmp/body" -w '%{http_code}' "$@"; }
get() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$tmp/body" "$1"; }
auth() { echo "Authorization: Bearer $1"; }
json=(-H 'Content-Type: application/json')

# The analyst of camp-a: camp-a's alerts only, camp-b's refused.
check "alerts as the analyst" 200 "$(status -H "$(auth "$ana")" "$url/v1/alerts?purpose=review")"
check "only camp-a's" "['camp-a']" "$(get 'sorted(set(a["site"] for a in d["alerts"]))')"
id=$(get 'd["alerts"][0]["id"]')
check "another site is refused" 403 "$(status -H "$(auth "$ana")" "$url/v1/alerts?site=camp-b&purpose=review")"
check "no purpose" 400 "$(status -H "$(auth "$ana")" "$url/v1/alerts")"
check "the explanation" 200 "$(status -H "$(auth "$ana")" "$url/v1/alerts/$id?purpose=review")"
check "it has one" True "$(get '"explanation" in d and d["status"] == "open"')"
check "a registrar may not list alerts" 403 "$(status -H "$(auth "$reg")" "$url/v1/alerts?purpose=x")"

# Clear with a reason: a redress reference, which reads "cleared" at a desk of any site.
check "clear without a reason" 400 "$(status "${json[@]}" -H "$(auth "$ana")" \
    -d '{"action": "clear", "purpose": "review"}' "$url/v1/alerts/$id/decisions")"
check "clear" 200 "$(status "${json[@]}" -H "$(auth "$ana")" \
    -d '{"action": "clear", "reason": "other father, born 1950", "purpose": "review"}' \
    "$url/v1/alerts/$id/decisions")"
ref=$(get 'd["redress_reference"]')
check "a reference" 18 "${#ref}"
check "redress at the desk" 200 "$(status -H "$(auth "$reg")" "$url/v1/redress/$ref")"
check "cleared" cleared "$(get 'd["status"]')"
lower=$(echo "$ref" | tr 'A-Z' 'a-z' | tr -d '-')
check "typed loosely" 200 "$(status -H "$(auth "$reg")" "$url/v1/redress/$lower")"
check "still cleared" cleared "$(get 'd["status"]')"
check "an unknown one" unknown "$(status -H "$(auth "$reg")" "$url/v1/redress/TBY-0000-0000-0000" >/dev/null; get 'd["status"]')"

# Confirm: the analyst first, the supervisor second; the analyst cannot be both.
check "camp-b's alert" 200 "$(status -H "$(auth "$sup")" "$url/v1/alerts?site=camp-b&purpose=review")"
idb=$(get 'd["alerts"][0]["id"]')
check "not the analyst's site" 403 "$(status "${json[@]}" -H "$(auth "$ana")" \
    -d '{"action": "escalate", "purpose": "review"}' "$url/v1/alerts/$idb/decisions")"
check "first confirmation" 200 "$(status "${json[@]}" -H "$(auth "$sup")" \
    -d '{"action": "confirm", "purpose": "review"}' "$url/v1/alerts/$idb/decisions")"
check "pending" pending_confirmation "$(get 'd["to"]')"
check "the same supervisor again" 400 "$(status "${json[@]}" -H "$(auth "$sup")" \
    -d '{"action": "confirm", "purpose": "review"}' "$url/v1/alerts/$idb/decisions")"
ida=$(sqlite3 "$db" "SELECT a.id FROM alerts a WHERE a.record_id = 'RA-2' AND a.status = 'open' LIMIT 1" 2>/dev/null ||
      python3 -c 'import sqlite3,sys; r=sqlite3.connect(sys.argv[1]).execute("SELECT id FROM alerts WHERE record_id = '"'RA-2'"' AND status = '"'open'"' LIMIT 1").fetchone(); print(r[0] if r else "")' "$db")
[ -n "$ida" ]; check "RA-2 has an open alert" 0 $?
if [ -n "$ida" ]; then
    check "the analyst confirms first" 200 "$(status "${json[@]}" -H "$(auth "$ana")" \
        -d '{"action": "confirm", "purpose": "review"}' "$url/v1/alerts/$ida/decisions")"
    check "the analyst is not the second" 403 "$(status "${json[@]}" -H "$(auth "$ana")" \
        -d '{"action": "confirm", "purpose": "review"}' "$url/v1/alerts/$ida/decisions")"
    check "a supervisor is" 200 "$(status "${json[@]}" -H "$(auth "$sup")" \
        -d '{"action": "confirm", "purpose": "review"}' "$url/v1/alerts/$ida/decisions")"
    check "confirmed" confirmed "$(get 'd["to"]')"
fi

# Statistics by status; the audit holds the decisions and verifies.
check "stats" 200 "$(status -H "$(auth "$sup")" "$url/v1/stats")"
check "one cleared" 1 "$(get 'd["alerts"]["by_status"].get("cleared", 0)')"
kill -TERM "$pid"; wait "$pid"; pid=
"$bin" audit verify --db "$db" >/dev/null; check "audit verify" 0 $?
n=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM audit_log WHERE action = '"'api.decide_alert'"'").fetchone()[0])' "$db")
[ "$n" -ge 3 ]; check "decisions audited ($n)" 0 $?

# ===== SIGKILL while decisions are made =====
# 200 more records that match, screened into open alerts; a supervisor escalates them one
# by one and notes each acknowledged decision; the server is killed with SIGKILL in the
# middle. Every acknowledged decision must be in the database (the alert escalated, its
# decision row, its audit entry), the chain must hold and the file must be intact.
{
    cat "$tmp/registry.csv"
    for i in $(seq 1 200); do echo "KX-$i,Omar Khalil Ibrahim AL-OBEIDI,1979,m,camp-a"; done
} > "$tmp/registry2.csv"
"$bin" registry import --db "$db" "$tmp/registry2.csv" >/dev/null; check "registry import 2" 0 $?
"$bin" screen --db "$db" --list watchlist >/dev/null; check "screen --db 2" 0 $?
python3 -c 'import sqlite3,sys; print("\n".join(str(r[0]) for r in sqlite3.connect(sys.argv[1]).execute("SELECT id FROM alerts WHERE record_id LIKE '"'KX-%'"' AND status = '"'open'"' ORDER BY id")))' "$db" > "$tmp/open"
check "open alerts to decide" 1 "$([ "$(wc -l < "$tmp/open")" -ge 200 ] && echo 1 || wc -l < "$tmp/open")"
"$bin" serve --db "$db" --port 0 --threads 2 > "$tmp/serve" 2> "$tmp/err" &
pid=$!
port=
for _ in $(seq 1 300); do
    port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/serve")
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
url=http://127.0.0.1:$port
: > "$tmp/acked"
(
    while read -r id; do
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "${json[@]}" -H "$(auth "$sup")" \
            -d '{"action": "escalate", "purpose": "review"}' "$url/v1/alerts/$id/decisions") || break
        [ "$code" = 200 ] && echo "$id" >> "$tmp/acked"
        [ "$code" = 000 ] && break
    done < "$tmp/open"
) &
client=$!
for _ in $(seq 1 600); do [ "$(wc -l < "$tmp/acked")" -ge 20 ] && break; sleep 0.05; done
kill -KILL "$pid"; wait "$pid" 2>/dev/null; pid=
wait "$client"
acked=$(wc -l < "$tmp/acked")
echo "SIGKILL after $acked acknowledged decisions"
check "decisions were acknowledged before the kill" 1 "$([ "$acked" -ge 20 ] && echo 1 || echo "$acked")"
missing=$(python3 - "$db" "$tmp/acked" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
missing = 0
for line in open(sys.argv[2]):
    if not line.strip():
        continue
    a = int(line)
    status = db.execute("SELECT status FROM alerts WHERE id = ?", (a,)).fetchone()
    decided = db.execute("SELECT count(*) FROM decisions d JOIN audit_log l ON l.seq = d.audit_seq "
                         "WHERE d.alert_id = ? AND d.action = 'escalate'", (a,)).fetchone()[0]
    audited = db.execute("SELECT count(*) FROM audit_log WHERE action = 'api.decide_alert' "
                         "AND object = ?", ("alert:%d" % a,)).fetchone()[0]
    if not status or status[0] != "escalated" or decided != 1 or audited != 1:
        missing += 1
print(missing)
PY
)
check "no acknowledged decision is lost" 0 "$missing"
"$bin" audit verify --db "$db" >/dev/null; check "the chain holds after SIGKILL" 0 $?
check "the file is intact" ok "$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0])' "$db")"

echo "server_review.sh: $passed passed, $fail failed"
[ "$fail" -eq 0 ]
