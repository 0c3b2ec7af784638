#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end checks of screening with memory: screen --db, alerts (queue, show, export),
# alert clear|escalate|confirm, redress. The flow: a registry and a list imported and
# screened; an alert cleared with a reason gives a redress reference that says "cleared";
# screening again does not alert the cleared pair again; once the record's identifying data
# change, the pair alerts again and the reference says "under review"; confirmation needs two
# different reviewers; everything is in the audit log, which still verifies.
# Usage: tests/cli/alerts.sh PATH/TO/tabayyun
set -u
bin=$1
fail=0
passed=0
check() {
    if [ "$2" = "$3" ]; then passed=$((passed + 1)); else echo "FAIL: $1 (expected '$2', got '$3')"; fail=$((fail + 1)); fi
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/t.db
sql() { python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); r=c.execute(sys.argv[2]).fetchone(); print("" if r is None else r[0])' "$db" "$1"; }
export TABAYYUN_USER=

"$bin" db init --db "$db" >/dev/null
"$bin" registry import --db "$db" --quiet examples/registry.csv
"$bin" list import --db "$db" --name WL --format csv --quiet examples/watchlist.csv

# ----- screen --db
"$bin" screen --db "$db" >/dev/null 2>"$tmp/err"; check "screen --db without --list is usage" 1 $?
"$bin" screen --db "$db" --list NOPE >/dev/null 2>"$tmp/err"; check "unknown list exits 2" 2 $?
grep -q 'no list named "NOPE"' "$tmp/err"; check "unknown list is named" 0 $?
"$bin" screen --db "$db" --list WL --threshold 7 >/dev/null 2>&1; check "bad threshold is usage" 1 $?
"$bin" screen --db "$db" --help | grep -q 'delta'; check "screen --db --help explains the delta" 0 $?
"$bin" screen --db "$db" --list WL --user clerk:omar --threads 2 >"$tmp/out"; check "first screen exits 0" 0 $?
grep -q '^run 1: list WL version 1, full (first run of the list), new model' "$tmp/out"; check "first run is full with a new model" 0 $?
new=$(sed -n 's/^alerts: \([0-9]*\) new.*/\1/p' "$tmp/out")
[ "${new:-0}" -gt 3 ]; check "first run found alerts ($new)" 0 $?
check "alerts stored as open" "$new" "$(sql "SELECT count(*) FROM alerts WHERE status = 'open'")"
check "run audited" "screen.run clerk:omar list:WL@1" "$(sql "SELECT action || ' ' || actor || ' ' || object FROM audit_log ORDER BY seq DESC")"
check "model pinned with the run" 1 "$(sql "SELECT count(*) FROM screening_runs r JOIN screening_models m ON m.id = r.model_id WHERE r.status = 'complete'")"
"$bin" screen --db "$db" --list WL >"$tmp/out"
grep -q '^run 2: list WL version 1, delta since version 1: 0 entries changed, 0 registry records new or changed' "$tmp/out"
check "second screen is a delta with nothing to do" 0 $?
grep -q '^alerts: 0 new, 0 suppressed (cleared before), 0 superseded, 0 unchanged' "$tmp/out"; check "nothing changed" 0 $?

# ----- the queue
"$bin" alerts --db "$db" >"$tmp/out"; check "alerts exits 0" 0 $?
check "queue lists every open alert" "$new" "$(grep -c ' open ' "$tmp/out")"
"$bin" alerts --db "$db" --json >"$tmp/queue.jsonl"
check "queue as JSON lines" "$new" "$(wc -l <"$tmp/queue.jsonl" | tr -d ' ')"
read -r id record entry <<<"$(python3 -c '
import json, sys
a = [json.loads(l) for l in open(sys.argv[1])]
a.sort(key=lambda x: -x["score"])
print(a[0]["id"], a[0]["record_id"], a[0]["list_id"])' "$tmp/queue.jsonl")"
read -r id2 id3 id4 <<<"$(python3 -c '
import json, sys
a = [json.loads(l)["id"] for l in open(sys.argv[1])]
others = [x for x in a if x != int(sys.argv[2])]
print(*others[:3])' "$tmp/queue.jsonl" "$id")"
"$bin" alerts --db "$db" --status bogus >/dev/null 2>&1; check "unknown status is usage" 1 $?
"$bin" alerts --db "$db" --list NOPE >/dev/null 2>&1; check "unknown list exits 2" 2 $?
"$bin" alerts show --db "$db" --alert "$id" >"$tmp/out"; check "alerts show exits 0" 0 $?
grep -q "record $record  vs  list WL entry $entry" "$tmp/out"; check "show names the pair" 0 $?
grep -q '^    score ' "$tmp/out"; check "show prints the explanation" 0 $?
"$bin" alerts show --db "$db" --alert 9999 >/dev/null 2>&1; check "show of no alert exits 2" 2 $?

# ----- clear -> redress
"$bin" alert clear --db "$db" --alert "$id" --user analyst:amal >/dev/null 2>"$tmp/err"; check "clear without a reason is refused" 1 $?
grep -q 'needs --reason' "$tmp/err"; check "the refusal says a reason is needed" 0 $?
"$bin" alert clear --db "$db" --alert "$id" --reason "mother's name differs; born in another city" --user analyst:amal >"$tmp/out"
check "clear exits 0" 0 $?
ref=$(sed -n 's/^redress reference: //p' "$tmp/out")
[[ $ref =~ ^TBY-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$ ]]; check "redress reference shape ($ref)" 0 $?
check "redress says cleared" "cleared" "$("$bin" redress --db "$db" "$ref")"
check "redress in lower case without dashes" "cleared" "$("$bin" redress --db "$db" "$(echo "$ref" | tr 'A-Z' 'a-z' | tr -d -)")"
check "an unknown reference" "unknown" "$("$bin" redress --db "$db" TBY-0000-0000-0000)"
"$bin" redress --db "$db" hello >/dev/null 2>&1; check "not a reference exits 2" 2 $?
"$bin" redress --db "$db" "$ref" >"$tmp/out"; check "redress prints one line and nothing about the list" 1 "$(grep -c . "$tmp/out")"
grep -qi -e WL -e "$entry" "$tmp/out"; check "redress says nothing about the list" 1 $?
check "clearance stored with the pair's identity" 1 "$(sql "SELECT count(*) FROM clearances WHERE record_id = '$record' AND entry_id = '$entry' AND reference = '$ref' AND length(record_identity) = 32")"
check "clear audited with who and why" "analyst:amal" "$(sql "SELECT actor FROM audit_log WHERE action = 'alert.clear' AND object = 'alert:$id' AND detail LIKE '%mother''s name differs%'")"

# Screening again (delta, then full) does not alert the cleared pair again.
"$bin" screen --db "$db" --list WL >/dev/null
"$bin" screen --db "$db" --list WL --full >"$tmp/out"
grep -q "alerts: 0 new, 0 suppressed (cleared before), 0 superseded, $new unchanged" "$tmp/out"; check "full rescreen keeps every alert" 0 $?
check "the cleared pair has one alert, cleared" "cleared" "$(sql "SELECT group_concat(status) FROM alerts WHERE record_id = '$record' AND entry_id = '$entry'")"
"$bin" alerts --db "$db" --json | grep -q "\"id\":$id," ; check "the cleared alert left the queue" 1 $?

# The record's identifying data change: the pair alerts again, under review.
python3 - "$record" examples/registry.csv "$tmp/registry2.csv" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[2], newline='', encoding='utf-8')))
place = rows[0].index('birth_place')
for row in rows[1:]:
    if row[0] == sys.argv[1]:
        row[place] = 'Basra' if row[place] != 'Basra' else 'Mosul'
csv.writer(open(sys.argv[3], 'w', newline='', encoding='utf-8'), lineterminator='\n').writerows(rows)
EOF
"$bin" registry import --db "$db" "$tmp/registry2.csv" | grep -q '1 changed'; check "one record changed" 0 $?
"$bin" screen --db "$db" --list WL >"$tmp/out"
grep -q '0 entries changed, 1 registry records new or changed' "$tmp/out"; check "the delta sees the changed record" 0 $?
grep -q 'records: 1 read, 1 screened whole' "$tmp/out"; check "only that record is screened" 0 $?
check "the pair alerts again" "open" "$(sql "SELECT status FROM alerts WHERE record_id = '$record' AND entry_id = '$entry' AND status <> 'superseded'")"
check "the old alert is kept, superseded" "superseded" "$(sql "SELECT status FROM alerts WHERE id = $id")"
check "redress now says under review" "under review" "$("$bin" redress --db "$db" "$ref")"

# ----- confirm: two different reviewers
"$bin" alert confirm --db "$db" --alert "$id2" --user analyst:amal >"$tmp/out"; check "first confirm exits 0" 0 $?
grep -q -- '-> pending_confirmation' "$tmp/out"; check "first confirm waits for a second reviewer" 0 $?
"$bin" alert confirm --db "$db" --alert "$id2" --user analyst:amal >/dev/null 2>"$tmp/err"; check "same reviewer twice is refused" 2 $?
grep -q 'second reviewer, someone other than analyst:amal' "$tmp/err"; check "the refusal says why" 0 $?
check "still pending" "pending_confirmation" "$(sql "SELECT status FROM alerts WHERE id = $id2")"
"$bin" alert confirm --db "$db" --alert "$id2" --user supervisor:omar | grep -q 'pending_confirmation -> confirmed by supervisor:omar'
check "a second reviewer confirms" 0 $?
"$bin" alert escalate --db "$db" --alert "$id3" --reason "ask the site for the ID card" --user analyst:amal | grep -q 'open -> escalated'
check "escalate" 0 $?
"$bin" alert escalate --db "$db" --alert "$id3" --user analyst:amal >/dev/null 2>&1; check "escalating twice is refused" 2 $?
"$bin" alert clear --db "$db" --alert "$id2" --reason x --user analyst:amal >/dev/null 2>&1; check "a confirmed alert is not cleared" 2 $?
"$bin" alert reopen --db "$db" --alert "$id2" >/dev/null 2>&1; check "unknown decision is usage" 1 $?
"$bin" alerts --db "$db" --status escalated,pending_confirmation --json | grep -c . >"$tmp/n"
check "status filter" 1 "$(cat "$tmp/n")"
"$bin" alerts show --db "$db" --alert "$id2" --json | python3 -c '
import json, sys
a = json.load(sys.stdin)
assert a["status"] == "confirmed", a["status"]
assert [(d["action"], d["to"], d["by"]) for d in a["decisions"]] == [
    ("confirm", "pending_confirmation", "analyst:amal"), ("confirm", "confirmed", "supervisor:omar")], a["decisions"]
assert isinstance(a["explanation"], dict) and "fields" in a["explanation"]
'
check "show --json has the decisions and the explanation" 0 $?

# ----- export
"$bin" alerts export --db "$db" --out "$tmp/alerts.csv" --user auditor:zaid >"$tmp/out"; check "export exits 0" 0 $?
check "export header" "record_id,list_id,score,grade,matched_name,explanation" "$(head -1 "$tmp/alerts.csv")"
standing=$(sql "SELECT count(*) FROM alerts WHERE status <> 'superseded'")
check "export has every standing alert" "$standing" "$(python3 -c 'import csv,sys; print(len(list(csv.reader(open(sys.argv[1]))))-1)' "$tmp/alerts.csv")"
python3 - "$tmp/alerts.csv" "$id2" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')))
grades = {r['grade'] for r in rows}
assert 'confirmed' in grades and grades <= {'identifier_check', 'probable', 'confirmed', 'cleared'}, grades
assert all(r['explanation'].endswith(r['score']) or 'score' in r['explanation'] for r in rows)
EOF
check "export grades after review" 0 $?
sha=$(python3 -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$tmp/alerts.csv")
check "export audited with the file's hash" "auditor:zaid" "$(sql "SELECT actor FROM audit_log WHERE action = 'alerts.export' AND detail LIKE '%$sha%'")"
ls "$tmp" | grep -q 'alerts.csv.tmp'; check "no temporary file left" 1 $?
"$bin" alerts export --db "$db" >/dev/null 2>&1; check "export without --out is usage" 1 $?

# ----- a new list version: a delta over the changed entries
python3 - examples/watchlist.csv "$tmp/watchlist2.csv" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8')))
out = [rows[0]] + rows[2:]                  # the first entry removed
out[1][rows[0].index('birth_date')] = '1901'  # another one changed
csv.writer(open(sys.argv[2], 'w', newline='', encoding='utf-8'), lineterminator='\n').writerows(out)
EOF
"$bin" list import --db "$db" --name WL --format csv --quiet "$tmp/watchlist2.csv"
"$bin" screen --db "$db" --list WL --json >"$tmp/run.json"; check "delta after a list change exits 0" 0 $?
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["kind"] == "delta" and r["since_version"] == 1 and r["list_version"] == 2, r
assert r["entries_changed"] == 2 and r["records"] == 40, r
' "$tmp/run.json"; check "the delta reads the two changed entries" 0 $?
"$bin" screen --db "$db" --list WL --threshold 0.5 | grep -q 'full (the threshold changed from 0.0003 to 0.5)'
check "another threshold means a full run" 0 $?

# ----- the history holds
check "decisions never deleted" 4 "$(sql "SELECT count(*) FROM decisions")"
check "every decision audited" 4 "$(sql "SELECT count(*) FROM decisions d JOIN audit_log a ON a.seq = d.audit_seq WHERE a.action = 'alert.' || d.action")"
check "no run left running" 0 "$(sql "SELECT count(*) FROM screening_runs WHERE status <> 'complete'")"
"$bin" audit verify --db "$db" >/dev/null; check "audit log verifies" 0 $?

echo "alerts.sh: $passed passed, $fail failed"
[ "$fail" -eq 0 ]
