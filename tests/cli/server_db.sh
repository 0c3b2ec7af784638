#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End to end on the store: `tabayyun serve --db` on an ephemeral loopback port with users and
# tokens made by `tabayyun user` and `tabayyun token`, driven with curl: tokens and 401s, a
# registrar's site scope, a login with a one-time password, the session cookie and its flags,
# logout, login rate limits with Retry-After, records submitted and screened, a list version
# imported through the API and screened against at once, a diff with a purpose, revocation,
# the audit chain, HTTPS with a Secure cookie, and a server killed with SIGKILL while records
# are being submitted: every submission it acknowledged is in the database afterwards.
# Every loop is bounded; the servers are stopped by the test (and by the EXIT trap).
# Usage: tests/cli/server_db.sh PATH/TO/tabayyun
set -u
bin=$1
fail=0
passed=0
check() {
    if [ "$2" = "$3" ]; then passed=$((passed + 1)); else echo "FAIL: $1 (expected '$2', got '$3')"; fail=$((fail + 1)); fi
}
command -v curl >/dev/null || { echo "server_db.sh: curl is needed (scripts/install-deps.sh installs it)"; exit 1; }
tmp=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
db=$tmp/state.db

# start_server [OPTIONS...]: starts `serve --db` in the background; sets pid, port and url.
start_server() {
    "$bin" serve --db "$db" --port 0 --threads 2 --timeout 3 "$@" > "$tmp/out" 2> "$tmp/err" &
    pid=$!
    port=
    for _ in $(seq 1 300); do
        port=$(sed -n 's/.*listening on https\{0,1\}:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/out")
        [ -n "$port" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$port" ]; then echo "FAIL: the server did not start"; cat "$tmp/err"; exit 1; fi
    url=http://127.0.0.1:$port
}
stop_server() {
    kill -TERM "$pid"; wait "$pid"; local code=$?; pid=; return $code
}

status() { curl -s -o "$tmp/body" -w '%{http_code}' "$@"; }
get() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); v=eval(sys.argv[2]); print(*(v if isinstance(v, tuple) else (v,)))' "$tmp/body" "$1"; }
json=(-H 'Content-Type: application/json')

# ===== Set-up on the command line =====
"$bin" db init --db "$db" >/dev/null
"$bin" list import --db "$db" --name watchlist --format csv examples/watchlist.csv >/dev/null
"$bin" registry import --db "$db" --site camp-a examples/registry.csv >/dev/null
"$bin" user add --db "$db" --name root --role admin > "$tmp/root"; check "user add" 0 $?
one_time=$(tail -n 1 "$tmp/root")
check "a one-time password is printed" 24 "${#one_time}"
echo 'amina-password-1' | "$bin" user add --db "$db" --name amina --role registrar:camp-a \
    --password-stdin >/dev/null
"$bin" user add --db "$db" --name root --role admin >/dev/null 2>&1; check "a name taken is bad input" 2 $?
"$bin" user add --db "$db" --name sami --role boss >/dev/null 2>&1; check "a bad role is usage" 1 $?
"$bin" user add --db "$db" --name sami --role auditor,analyst >/dev/null 2>&1; check "a bad role list is usage" 1 $?
admin=$("$bin" token create --db "$db" --user root --label ci 2>/dev/null); check "token create" 0 $?
registrar=$("$bin" token create --db "$db" --user amina 2>/dev/null)
check "a token is tby_ and 43 characters" 47 "${#admin}"
"$bin" token create --db "$db" --user nobody >/dev/null 2>&1; check "a token for nobody is bad input" 2 $?
"$bin" user list --db "$db" | grep -q '^amina .*registrar:camp-a'; check "user list shows roles and sites" 0 $?
"$bin" token list --db "$db" | grep -c ' root \| amina ' | grep -q 2; check "token list" 0 $?
"$bin" token list --db "$db" | grep -q "$admin"; check "token list never shows a token" 1 $?
"$bin" serve --db "$tmp/missing.db" --port 0 >/dev/null 2>&1; check "serve on a missing database is bad input" 2 $?
"$bin" serve --db "$db" --dev-token 0123456789abcdef0 >/dev/null 2>&1; check "dev token with --db is usage" 1 $?

start_server
a_auth=(-H "Authorization: Bearer $admin")
r_auth=(-H "Authorization: Bearer $registrar")

# ===== Tokens and 401s =====
check "health" 200 "$(status "$url/v1/health")"
check "health names the database" "True 20" "$(get 'd["database"], d["list"]["entries"]')"
check "no credential is 401" 401 "$(status "$url/v1/lists")"
check "an unknown token is 401" 401 "$(status -H 'Authorization: Bearer tby_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' "$url/v1/lists")"
check "another scheme is 401" 401 "$(status -H 'Authorization: Basic cm9vdDpyb290' "$url/v1/lists")"
person='{"record": {"id": "Q1", "name": "Ahmed Jassim Mohamed", "birth_date": "1989-04-19", "site": "camp-a"}, "purpose": "registration"}'
check "screen with a token" 200 "$(status "${a_auth[@]}" "${json[@]}" -d "$person" "$url/v1/screen")"
check "alerts name their list" "watchlist:WL-004" "$(get 'd["alerts"][0]["list_id"]')"
check "registrar screens at their site" 200 "$(status "${r_auth[@]}" "${json[@]}" -d "$person" "$url/v1/screen")"
check "registrar sees the outcome only" '{"record_id":"Q1","outcome":"identifier_check"}' "$(cat "$tmp/body")"
other=${person/camp-a/camp-b}
check "registrar at another site is 403" 403 "$(status "${r_auth[@]}" "${json[@]}" -d "$other" "$url/v1/screen")"
check "registrar may not read the audit" 403 "$(status "${r_auth[@]}" "$url/v1/audit?purpose=x")"

# ===== Login, cookie, one-time password, logout =====
login() { curl -s -D "$tmp/headers" -c "$tmp/jar" -o "$tmp/body" -w '%{http_code}' "${json[@]}" -d "$1" "$url/v1/login"; }
check "login" 200 "$(login "{\"user\": \"root\", \"password\": \"$one_time\"}")"
cookie=$(grep -i '^set-cookie:' "$tmp/headers" | tr -d '\r')
case "$cookie" in *HttpOnly*SameSite=Strict*) flags=ok ;; *) flags="$cookie" ;; esac
check "the cookie is HttpOnly and SameSite=Strict" ok "$flags"
case "$cookie" in *Secure*) check "no Secure flag over plain HTTP" absent present ;; *) check "no Secure flag over plain HTTP" absent absent ;; esac
check "a one-time password may only be changed" 403 "$(status -b "$tmp/jar" "$url/v1/lists")"
check "... said so" password_change_required "$(get 'd["error"]["code"]')"
check "change it" 200 "$(status -b "$tmp/jar" "${json[@]}" -d "{\"password\": \"$one_time\", \"new_password\": \"root's own password\"}" "$url/v1/password")"
check "the session works" 200 "$(status -b "$tmp/jar" "$url/v1/lists")"
check "a form post with the cookie is 415" 415 "$(status -b "$tmp/jar" -d 'x=1' "$url/v1/records")"
check "logout" 200 "$(status -b "$tmp/jar" -c "$tmp/jar" -X POST "$url/v1/logout")"
check "the ended session is 401" 401 "$(status -H "Cookie: tby_session=$(awk '$6=="tby_session"{print $7}' "$tmp/jar" | tail -n 1)" "$url/v1/lists")"
check "the old password is gone" 401 "$(login "{\"user\": \"root\", \"password\": \"$one_time\"}")"

# ===== Login rate limit =====
# 5 failures per user and per address within 15 minutes; this address failed once above.
for i in 1 2 3; do login '{"user": "amina", "password": "not her password"}' >/dev/null; done
check "the fifth failure from this address is still 401" 401 "$(login '{"user": "amina", "password": "not her password"}')"
check "then 429" 429 "$(login '{"user": "amina", "password": "amina-password-1"}')"
retry=$(grep -i '^retry-after:' "$tmp/headers" | tr -dc '0-9')
check "with Retry-After" 1 "$([ "${retry:-0}" -gt 0 ] && [ "${retry:-0}" -le 900 ] && echo 1 || echo "${retry:-none}")"
check "... as too_many_requests" too_many_requests "$(get 'd["error"]["code"]')"

# ===== Records, lists, diff, stats =====
records='{"records": [{"id": "S-1", "name": "Khalid Saleh Hamad", "birth_date": "1980"}, {"id": "S-2", "name": "Huda Karim Nasser", "site": "camp-a"}], "purpose": "registration"}'
check "registrar submits records" 200 "$(status "${r_auth[@]}" "${json[@]}" -d "$records" "$url/v1/records")"
check "... all stored" 2 "$(get 'd["added"]')"
bad='{"records": [{"id": "S-3", "name": "Aya Salem"}, {"id": "S-4", "name": "Aya Salem", "sex": "x"}]}'
check "one bad record refuses all" 400 "$(status "${r_auth[@]}" "${json[@]}" -d "$bad" "$url/v1/records")"
check "... naming it" "invalid_value records[1].sex" "$(get 'd["error"]["code"], d["error"]["field"]')"
sed 's/^WL-004,Ahmed Jassim Mohamed,/WL-004,Ahmad Jasim Muhammad,/' examples/watchlist.csv > "$tmp/wl2.csv"
content=$(base64 -w0 "$tmp/wl2.csv")
check "import a list version" 200 "$(status "${a_auth[@]}" "${json[@]}" -d "{\"format\": \"csv\", \"files\": [{\"name\": \"wl2.csv\", \"content_base64\": \"$content\"}]}" "$url/v1/lists/watchlist/versions")"
check "... version 2, one changed, screened at once" "2 1 True" "$(get 'd["version"], d["changed"], d["screening"]["reloaded"]')"
check "a registrar may not import" 403 "$(status "${r_auth[@]}" "${json[@]}" -d '{"format": "csv", "files": []}' "$url/v1/lists/watchlist/versions")"
check "diff without a purpose is 400" 400 "$(status "${a_auth[@]}" "$url/v1/lists/watchlist/diff")"
check "diff" 200 "$(status "${a_auth[@]}" "$url/v1/lists/watchlist/diff?purpose=weekly%20review")"
check "... the changed entry and field" "WL-004 ['name']" "$(get 'd["entries"][0]["id"], list(d["entries"][0]["fields"])')"
check "stats" 200 "$(status "${a_auth[@]}" "$url/v1/stats")"
check "... counts the new records" 42 "$(get 'd["registry"]["records"]')"

# ===== Revocation =====
"$bin" token create --db "$db" --user amina --label spare 2>/dev/null > "$tmp/spare"
spare=$(cat "$tmp/spare")
spare_id=$("$bin" token list --db "$db" --user amina --json | python3 -c 'import json,sys; print([json.loads(l)["id"] for l in sys.stdin if "spare" in l][0])')
check "the spare token works" 200 "$(status -H "Authorization: Bearer $spare" "${json[@]}" -d "$person" "$url/v1/screen")"
check "revoke it through the server" 200 "$(status "${a_auth[@]}" -X DELETE "$url/v1/tokens/$spare_id")"
check "refused at once" 401 "$(status -H "Authorization: Bearer $spare" "${json[@]}" -d "$person" "$url/v1/screen")"

check "the audit chain holds (API)" True "$(status "${a_auth[@]}" "$url/v1/audit/verify" >/dev/null; get 'd["ok"]')"
stop_server; check "SIGTERM: clean exit" 0 $?
"$bin" audit verify --db "$db" >/dev/null; check "the audit chain holds (CLI)" 0 $?
"$bin" audit show --db "$db" | grep -q 'amina.*api.screen.*record Q1.*"purpose":"registration"'
check "the audit names who screened whom, where and why" 0 $?
"$bin" audit show --db "$db" | grep -q 'root .*user.login'; check "logins are audited" 0 $?
"$bin" audit show --db "$db" | grep -q 'api.list_diff .*list:watchlist@1..2.*"purpose":"weekly review"'
check "a purpose given in the query is decoded" 0 $?

# ===== HTTPS =====
if command -v openssl >/dev/null; then
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
        -days 1 -subj /CN=127.0.0.1 >/dev/null 2>&1
    start_server --tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem"
    https=https://127.0.0.1:$port
    check "HTTPS" 200 "$(status -k "$https/v1/health")"
    curl -s -k -D "$tmp/headers" -o /dev/null "${json[@]}" -d '{"user": "root", "password": "root'"'"'s own password"}' "$https/v1/login"
    grep -qi '^set-cookie:.*; Secure' "$tmp/headers"; check "the cookie is Secure over HTTPS" 0 $?
    stop_server
else
    echo "SKIP: HTTPS (no openssl)"
fi

# ===== SIGKILL while records are submitted =====
# A client submits records one by one and notes each acknowledged one; the server is killed
# with SIGKILL in the middle. Every acknowledged record must be in the database, the audit
# chain must hold and the file must be intact.
start_server
: > "$tmp/acked"
(
    for i in $(seq 1 400); do
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "${r_auth[@]}" "${json[@]}" \
            -d "{\"record\": {\"id\": \"K-$i\", \"name\": \"Karim Salem Hadi\", \"birth_date\": \"1985\"}}" \
            "$url/v1/records") || break
        [ "$code" = 200 ] && echo "K-$i" >> "$tmp/acked"
        [ "$code" = 000 ] && break
    done
) &
client=$!
# Up to 30 s: under the sanitizers on a loaded machine twenty submissions can take seconds.
for _ in $(seq 1 600); do [ "$(wc -l < "$tmp/acked")" -ge 20 ] && break; sleep 0.05; done
kill -KILL "$pid"; wait "$pid" 2>/dev/null; pid=
wait "$client"
acked=$(wc -l < "$tmp/acked")
echo "SIGKILL after $acked acknowledged submissions"
check "records were acknowledged before the kill" 1 "$([ "$acked" -ge 20 ] && echo 1 || echo "$acked")"
missing=$(python3 - "$db" "$tmp/acked" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
stored = {r[0] for r in db.execute("SELECT record_id FROM registry WHERE record_id LIKE 'K-%'")}
acked = [l.strip() for l in open(sys.argv[2]) if l.strip()]
print(len([a for a in acked if a not in stored]))
PY
)
check "no acknowledged record is lost" 0 "$missing"
"$bin" audit verify --db "$db" >/dev/null; check "the chain holds after SIGKILL" 0 $?
check "the file is intact" ok "$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0])' "$db")"
start_server
check "serves again after SIGKILL" 200 "$(status "${r_auth[@]}" "${json[@]}" -d "$person" "$url/v1/screen")"
stop_server

echo "$passed passed, $fail failed"
[ "$fail" -eq 0 ]
