#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end checks of the store commands: db init, registry import, list import|versions|diff,
# audit verify|show. The database is inspected and tampered with through Python's sqlite3.
# Usage: tests/cli/store.sh PATH/TO/tabayyun
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
sql() { python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); r=c.execute(sys.argv[2]).fetchone(); c.commit(); print("" if r is None else r[0])' "$db" "$1"; }
sql_script() { python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()' "$db" "$1"; }
export TABAYYUN_USER=

# ----- db init
"$bin" registry import --db "$db" examples/registry.csv >/dev/null 2>"$tmp/err"; check "import before init exits 2" 2 $?
grep -q 'db init' "$tmp/err"; check "missing database says how to create one" 0 $?
[ ! -e "$db" ]; check "a missing database is not created by an import" 0 $?
"$bin" db init --db "$db" --user admin:amal >"$tmp/out"; check "db init exits 0" 0 $?
grep -q 'created, schema version' "$tmp/out"; check "db init says created" 0 $?
"$bin" db init --db "$db" | grep -q 'up to date'; check "db init again is up to date" 0 $?
printf 'id,name\nR1,Ali\n' >"$tmp/not_a_db"
"$bin" db init --db "$tmp/not_a_db" >/dev/null 2>"$tmp/err"; check "db init on a CSV exits 2" 2 $?
grep -q 'not a database' "$tmp/err"; check "not a database is said" 0 $?
"$bin" db init >/dev/null 2>&1; check "db init without --db is usage" 1 $?
"$bin" registry import --db "$db" --bogus x examples/registry.csv >/dev/null 2>&1; check "unknown option is usage" 1 $?

# ----- registry
"$bin" registry import --db "$db" --site "Camp A" --user clerk:omar examples/registry.csv >"$tmp/out"
check "registry import exits 0" 0 $?
grep -q 'records: 40 added, 0 changed, 0 unchanged' "$tmp/out"; check "registry counts" 0 $?
"$bin" registry import --db "$db" examples/registry.csv | grep -q '0 added, 0 changed, 40 unchanged'
check "same registry again is unchanged" 0 $?
TABAYYUN_USER=env:user "$bin" registry import --db "$db" --quiet examples/registry.csv >"$tmp/out"
check "quiet import exits 0" 0 $?
check "quiet prints nothing" "" "$(cat "$tmp/out")"
check "actor from TABAYYUN_USER" "env:user" "$(sql "SELECT actor FROM audit_log ORDER BY seq DESC")"
check "actor from --user" "clerk:omar" "$(sql "SELECT actor FROM audit_log WHERE seq = 2")"
"$bin" registry import --db "$db" --quiet examples/registry.csv
check "actor defaults to cli:login" "cli:" "$(sql "SELECT substr(actor, 1, 4) FROM audit_log ORDER BY seq DESC")"

printf 'id,name,birth_date\nR1,Ali Hasan,1980\nR2,Omar Salih,1990-02-30\nR3,Khalid Ahmad,1985\n' >"$tmp/bad.csv"
"$bin" registry import --db "$db" --strict "$tmp/bad.csv" >/dev/null 2>"$tmp/err"; check "strict bad registry exits 2" 2 $?
grep -q 'bad.csv:3: birth_date: ' "$tmp/err"; check "strict error names file, line and field" 0 $?
grep -q 'nothing was stored' "$tmp/err"; check "strict says nothing was stored" 0 $?
check "strict stored nothing" 0 "$(sql "SELECT count(*) FROM registry WHERE record_id IN ('R1', 'R2', 'R3')")"
"$bin" registry import --db "$db" "$tmp/bad.csv" >"$tmp/out" 2>"$tmp/err"; check "lenient bad registry exits 0" 0 $?
grep -q 'bad.csv:3: birth_date: .*value left out' "$tmp/err"; check "dropped value named" 0 $?
grep -q '3 added.*1 values dropped' "$tmp/out"; check "lenient counts" 0 $?

# ----- lists
printf 'id,name,birth_date,aliases\nL1,Abu Bakr Salim,1970,\nL2,Khalid Omar,1980,K. Omar\nL3,Fatima Ali,1985,\n' >"$tmp/l1.csv"
printf 'id,name,birth_date,aliases\nL1,Abu Bakr Salim,1970,\nL2,Khalid Omar,1981,Khaled Omar\nL4,Mariam Yousef,1999,\n' >"$tmp/l2.csv"
"$bin" list import --db "$db" --name UN --format csv "$tmp/l1.csv" >"$tmp/out"; check "list import exits 0" 0 $?
grep -q 'list UN version 1: 3 entries: 3 added' "$tmp/out"; check "first version all added" 0 $?
"$bin" list import --db "$db" --name UN --format csv "$tmp/l2.csv" | grep -q 'version 2: 3 entries: 1 added, 1 removed, 1 changed, 1 unchanged'
check "second version counts" 0 $?
"$bin" list import --db "$db" --name UN --format csv "$tmp/l2.csv" | grep -q 'version 3: 3 entries: 0 added, 0 removed, 0 changed, 3 unchanged'
check "same file again: a version with nothing changed" 0 $?
"$bin" list diff --db "$db" --name UN --from 1 --to 2 >"$tmp/out"; check "list diff exits 0" 0 $?
grep -q '^+ L4  Mariam Yousef' "$tmp/out"; check "diff shows the added entry" 0 $?
grep -q '^- L3  Fatima Ali' "$tmp/out"; check "diff shows the removed entry" 0 $?
grep -q '^~ L2  Khalid Omar' "$tmp/out"; check "diff shows the changed entry" 0 $?
grep -q '^    birth_date: \["1980"\] -> \["1981"\]' "$tmp/out"; check "diff shows a changed field" 0 $?
"$bin" list diff --db "$db" --name UN | grep -q '^0 added, 0 removed, 0 changed, 3 unchanged'
check "default diff is latest against the one before" 0 $?
"$bin" list diff --db "$db" --name UN --from 1 --to 2 --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert (d["from"], d["to"], d["added"], d["removed"], d["changed"], d["unchanged"]) == (1, 2, 1, 1, 1, 1), d
changed = [e for e in d["entries"] if e["change"] == "changed"][0]
assert changed["id"] == "L2" and sorted(changed["fields"]) == ["aliases", "birth_date"], changed
assert changed["fields"]["birth_date"] == {"old": ["1980"], "new": ["1981"]}
assert changed["identity_changed"] is True
added = [e for e in d["entries"] if e["change"] == "added"][0]
assert added["record"]["name"] == "Mariam Yousef"
'
check "diff --json" 0 $?
"$bin" list diff --db "$db" --name EU >/dev/null 2>"$tmp/err"; check "diff of an unknown list exits 2" 2 $?
grep -q 'no list named "EU"' "$tmp/err"; check "unknown list named" 0 $?
"$bin" list diff --db "$db" --name UN --from 3 --to 1 >/dev/null 2>&1; check "backwards diff exits 2" 2 $?
"$bin" list diff --db "$db" --name UN --to x >/dev/null 2>&1; check "bad version number is usage" 1 $?
"$bin" list versions --db "$db" --name UN >"$tmp/out"; check "list versions exits 0" 0 $?
check "three versions listed" 3 "$(grep -c '^UN ' "$tmp/out")"
grep -q "sha256 $(sha256sum "$tmp/l1.csv" | cut -d' ' -f1)" "$tmp/out"; check "versions show the file's sha256" 0 $?
"$bin" list versions --db "$db" --json | python3 -c '
import json, sys
rows = [json.loads(line) for line in sys.stdin]
assert [r["version"] for r in rows] == [1, 2, 3]
assert rows[1]["added"] == 1 and rows[1]["removed"] == 1 and rows[1]["files"][0]["size"] > 0
'
check "versions --json" 0 $?
printf 'id,name,birth_date\nL1,Abu Bakr Salim,1970\nL2,Khalid Omar,19800\n' >"$tmp/lbad.csv"
"$bin" list import --db "$db" --name UN --format csv --strict "$tmp/lbad.csv" >/dev/null 2>"$tmp/err"
check "strict bad list exits 2" 2 $?
grep -q 'lbad.csv:3: birth_date' "$tmp/err"; check "strict list error names line and field" 0 $?
check "no version from a failed import" 3 "$(sql "SELECT max(number) FROM list_versions")"
"$bin" list import --db "$db" --name UN --format xml "$tmp/l1.csv" >/dev/null 2>&1; check "unknown format is usage" 1 $?
"$bin" list import --db "$db" --name OFAC --format ofac "$tmp/l1.csv" >/dev/null 2>"$tmp/err"; check "ofac with one file exits 2" 2 $?
grep -q 'takes 2 to 3 files' "$tmp/err"; check "ofac file count explained" 0 $?
"$bin" list import --db "$db" --name UNSC --format un-xml "$tmp/l1.csv" >/dev/null 2>"$tmp/err"
check "un-xml of a CSV is bad input" 2 $?
grep -q 'not well-formed XML' "$tmp/err"; check "un-xml error says why" 0 $?

# The real formats, through their readers (tests/data/lists: excerpts of the real files).
"$bin" list import --db "$db" --name UNSC --format un-xml tests/data/lists/un_small.xml >"$tmp/out" 2>"$tmp/err"
check "un-xml import exits 0" 0 $?
grep -q '^read: 7 individuals, 1 entries skipped' "$tmp/out"; check "un-xml reader figures" 0 $?
grep -q 'list UNSC version 1: 7 entries: 7 added.*2 values dropped' "$tmp/out"; check "un-xml stored every individual" 0 $?
grep -q 'un_small.xml:[0-9]*: INDIVIDUAL_DATE_OF_BIRTH: ' "$tmp/err"; check "unreadable date named with line and field" 0 $?
check "un-xml version format" "un-xml" "$(sql "SELECT format FROM list_versions v JOIN lists l ON l.id = v.list_id WHERE l.name = 'UNSC'")"
"$bin" list import --db "$db" --name UNSC --format un-xml --strict tests/data/lists/un_small.xml >/dev/null 2>&1
check "strict un-xml with an unreadable date exits 2" 2 $?
check "strict un-xml stored nothing" 1 "$(sql "SELECT count(*) FROM list_versions v JOIN lists l ON l.id = v.list_id WHERE l.name = 'UNSC'")"
ofac="tests/data/lists/ofac_small_sdn.csv tests/data/lists/ofac_small_alt.csv"
"$bin" list import --db "$db" --name SDN --format ofac $ofac tests/data/lists/ofac_small_add.csv >"$tmp/out" 2>/dev/null
check "ofac import exits 0" 0 $?
grep -q '^read: 9 individuals, 4 entries skipped' "$tmp/out"; check "ofac reader figures" 0 $?
grep -q 'list SDN version 1: 9 entries: 9 added' "$tmp/out"; check "ofac stored every individual" 0 $?
"$bin" list import --db "$db" --name SDN --format ofac $ofac >"$tmp/out" 2>/dev/null; check "ofac without add.csv exits 0" 0 $?
check "three files, then two" "3 2" "$(sql "SELECT group_concat(n, ' ') FROM (SELECT count(*) AS n FROM list_version_sources s JOIN list_versions v ON v.id = s.version_id JOIN lists l ON l.id = v.list_id WHERE l.name = 'SDN' GROUP BY v.number ORDER BY v.number)")"
"$bin" list diff --db "$db" --name SDN --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["added"] + d["removed"] == 0 and d["added"] + d["removed"] + d["changed"] + d["unchanged"] == 9, d
'
check "ofac diff between versions adds up" 0 $?

# ----- audit
"$bin" audit verify --db "$db" >"$tmp/out"; check "audit verify exits 0" 0 $?
entries=$(sql "SELECT count(*) FROM audit_log")
grep -q "audit log ok: $entries entries" "$tmp/out"; check "verify counts the entries" 0 $?
head=$(sed -n 's/.*head \([0-9]*:[0-9a-f]*\).*/\1/p' "$tmp/out")
"$bin" audit verify --db "$db" --anchor "$head" | grep -q 'anchor matches'; check "anchor matches" 0 $?
"$bin" audit show --db "$db" --json | python3 -c '
import json, sys
rows = [json.loads(line) for line in sys.stdin]
assert rows[0]["action"] == "db.create" and rows[0]["actor"] == "admin:amal"
assert [r["seq"] for r in rows] == list(range(1, len(rows) + 1))
imports = [r for r in rows if r["action"] == "list.import"]
assert imports[1]["object"] == "list:UN@2" and imports[1]["detail"]["changed"] == 1
'
check "audit show --json" 0 $?
"$bin" audit show --db "$db" --from 2 | head -1 | grep -q '^ *2  '; check "audit show --from" 0 $?

cp "$db" "$tmp/good.db"
sql_script "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET detail = '{\"records\":0}' WHERE seq = 3;"
"$bin" audit verify --db "$db" >/dev/null 2>"$tmp/err"; check "edited entry fails verify" 2 $?
grep -q 'broken at entry 3' "$tmp/err"; check "verify names the edited entry" 0 $?
cp "$tmp/good.db" "$db"
sql_script "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = 5;"
"$bin" audit verify --db "$db" --json >"$tmp/out" 2>/dev/null; check "deleted entry fails verify" 2 $?
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["ok"] is False and d["bad_seq"] == 5, d' "$tmp/out"
check "verify --json names the deleted entry" 0 $?
cp "$tmp/good.db" "$db"
sql_script "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log);"
"$bin" audit verify --db "$db" >/dev/null 2>&1; check "a cut tail alone still verifies" 0 $?
"$bin" audit verify --db "$db" --anchor "$head" >/dev/null 2>"$tmp/err"; check "the anchor catches a cut tail" 2 $?
grep -q 'cut short' "$tmp/err"; check "anchor failure explained" 0 $?
"$bin" audit verify --db "$db" --anchor 12 >/dev/null 2>&1; check "bad anchor is usage" 1 $?

echo "$passed passed, $fail failed"
[ "$fail" -eq 0 ]
