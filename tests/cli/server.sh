#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End to end: `tabayyun serve` on an ephemeral loopback port, driven with curl and raw
# sockets (bash /dev/tcp): screening, 401/404/405/413/415, JSON errors naming the field,
# a registrar's redacted answer, a client that disconnects mid-body, a slow body, malformed
# HTTP, metrics, the audit log, and a clean stop on SIGTERM. Every loop is bounded and the
# server is stopped by the test (and by the EXIT trap if the test dies).
# Usage: tests/cli/server.sh PATH/TO/tabayyun
set -u
bin=$1
fail=0
passed=0
check() {
    if [ "$2" = "$3" ]; then passed=$((passed + 1)); else echo "FAIL: $1 (expected '$2', got '$3')"; fail=$((fail + 1)); fi
}
command -v curl >/dev/null || { echo "server.sh: curl is needed (scripts/install-deps.sh installs it)"; exit 1; }
tmp=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

token=dev-token-0123456789abcdef
registrar=registrar-token-0123456789
printf '# token user role sites\n%s amina registrar camp-a\n' "$registrar" > "$tmp/tokens"

"$bin" serve --help | grep -q 'POST /v1/screen'; check "help names the screening route" 0 $?
"$bin" serve --port 1 >/dev/null 2>&1; check "no --list or --db is usage" 1 $?
"$bin" serve --list examples/watchlist.csv --db x.db >/dev/null 2>&1; check "--list and --db is usage" 1 $?
"$bin" serve --list examples/watchlist.csv --port 70000 >/dev/null 2>&1; check "bad port is usage" 1 $?
"$bin" serve --list examples/watchlist.csv --dev-token short >/dev/null 2>&1; check "short dev token is bad input" 2 $?

"$bin" serve --list examples/watchlist.csv --port 0 --threads 2 --timeout 2 \
    --dev-token "$token" --tokens "$tmp/tokens" --audit-log "$tmp/audit.jsonl" \
    > "$tmp/out" 2> "$tmp/err" &
pid=$!
port=
for _ in $(seq 1 300); do
    port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/out")
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$port" ]; then
    echo "FAIL: the server did not start"; cat "$tmp/err"; exit 1
fi
url=http://127.0.0.1:$port

# status CODE of a curl call; the body goes to $tmp/body.
status() { curl -s -o "$tmp/body" -w '%{http_code}' "$@"; }
json=(-H 'Content-Type: application/json')
auth=(-H "Authorization: Bearer $token")
field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["error"]["code"], d["error"]["field"], d["error"].get("position"))' "$tmp/body"; }

check "health" 200 "$(status "$url/v1/health")"
check "openapi is public" 200 "$(status "$url/openapi.json")"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert "/v1/screen" in d["paths"]' "$tmp/body"
check "openapi is the document" 0 $?

person='{"record": {"id": "Q1", "name": "Ahmed Jassim Mohamed", "birth_date": "1989-04-19", "site": "camp-a"}, "purpose": "registration"}'
check "screen" 200 "$(status "${auth[@]}" "${json[@]}" -d "$person" "$url/v1/screen")"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); a=d["alerts"][0]; assert d["record_id"]=="Q1"; assert a["list_id"]=="WL-004"; assert a["grade"] in ("identifier_check","probable"); assert 0<=a["score"]<=1; assert "birth_date" in a["fields"]' "$tmp/body"
check "screen answer: grade, score and explanation" 0 $?
check "registrar screens" 200 "$(status -H "Authorization: Bearer $registrar" "${json[@]}" -d "$person" "$url/v1/screen")"
check "registrar sees the outcome only" '{"record_id":"Q1","outcome":"identifier_check"}' "$(cat "$tmp/body")"

check "no token is 401" 401 "$(status "${json[@]}" -d "$person" "$url/v1/screen")"
check "401 body" "unauthorized None None" "$(field)"
check "wrong token is 401" 401 "$(status -H 'Authorization: Bearer nope-nope-nope-nope' "${json[@]}" -d "$person" "$url/v1/screen")"
check "unknown route is 404" 404 "$(status "$url/v1/nothing")"
check "wrong method is 405" 405 "$(status -X DELETE "$url/v1/screen")"
check "form body is 415" 415 "$(status "${auth[@]}" -d 'a=1' "$url/v1/screen")"
check "bad JSON is 400" 400 "$(status "${auth[@]}" "${json[@]}" -d '{"record": {"name": "Ali",}}' "$url/v1/screen")"
check "bad JSON names the byte" "bad_json None 26" "$(field)"
check "unknown field is 400" 400 "$(status "${auth[@]}" "${json[@]}" -d '{"record": {"name": "Ali", "birthdate": "1990"}, "purpose": "t"}' "$url/v1/screen")"
check "unknown field is named" "unknown_field record.birthdate None" "$(field)"
check "no purpose is 400" 400 "$(status "${auth[@]}" "${json[@]}" -d '{"record": {"name": "Ali"}}' "$url/v1/screen")"
check "no purpose is named" "missing_field purpose None" "$(field)"
check "a route of the store is 501 without one" 501 "$(status "${auth[@]}" "$url/v1/stats")"
check "bad date is 400" 400 "$(status "${auth[@]}" "${json[@]}" -d '{"record": {"name": "Ali Hasan", "birth_date": "1990-02-30"}, "purpose": "t"}' "$url/v1/screen")"
check "bad date is named" "invalid_value record.birth_date None" "$(field)"
head -c 10000000 /dev/zero > "$tmp/big"
check "10 MB body is 413" 413 "$(status "${auth[@]}" "${json[@]}" --data-binary @"$tmp/big" "$url/v1/screen")"
check "413 body" "body_too_large None None" "$(field)"
check "10 MB body without a token is 401" 401 "$(status "${json[@]}" --data-binary @"$tmp/big" "$url/v1/screen")"
check "10 MB chunked body is 413" 413 "$(status "${auth[@]}" "${json[@]}" -H 'Transfer-Encoding: chunked' --data-binary @"$tmp/big" "$url/v1/screen")"

# A client that sends half its body and goes away.
(
    exec 3<>"/dev/tcp/127.0.0.1/$port"
    printf 'POST /v1/screen HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"record": ' "$token" >&3
    exec 3>&-
) 2>/dev/null
check "serving after a client left mid-body" 200 "$(status "${auth[@]}" "${json[@]}" -d "$person" "$url/v1/screen")"

# A slow body: one byte every 0.3 s, while others are served. Past the time limit
# (--timeout 2) the server closes the connection (libmicrohttpd 0.9 cannot answer in the
# middle of a body). Bounded: at most 40 bytes, 12 s.
(
    trap '' PIPE
    exec 3<>"/dev/tcp/127.0.0.1/$port"
    printf 'POST /v1/screen HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n' "$token" >&3
    result=open
    for _ in $(seq 1 40); do
        printf ' ' >&3 2>/dev/null || { result=closed; break; }
        IFS= read -r -t 0.3 -u 3 line; rc=$?
        if [ $rc -eq 0 ]; then result=$line; break; fi
        if [ $rc -le 128 ]; then result=closed; break; fi
    done
    echo "$result" > "$tmp/slow"
) 2>/dev/null &
slow=$!
sleep 0.5
check "serving during a slow body" 200 "$(status "${auth[@]}" "${json[@]}" -d "$person" "$url/v1/screen")"
wait "$slow"
check "the slow body is cut off" closed "$(cat "$tmp/slow")"

# Malformed HTTP: a request line that is not one, then a header line without a colon.
for garbage in 'GARBAGE\r\n\r\n' 'GET /v1/health HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n' 'GET /v1/health HTTP/9.9\r\n\r\n'; do
    # Either a 4xx/5xx or a closed connection; never a hang (timeout's 124) or a 2xx.
    answer=$(
        exec 3<>"/dev/tcp/127.0.0.1/$port"
        printf "$garbage" >&3
        timeout 3 head -c 12 <&3; echo " rc=$?"
    )
    check "malformed HTTP is refused ($garbage)" 1 "$([[ "$answer" =~ ^(HTTP/1\.[01]\ [45][0-9][0-9])?\ rc=0$ ]] && echo 1 || echo "$answer")"
done
check "serving after malformed HTTP" 200 "$(status "$url/v1/health")"

check "metrics" 200 "$(status "$url/metrics")"
grep -q '^tabayyun_screenings_total [1-9]' "$tmp/body"; check "metrics count screenings" 0 $?
grep -q 'tabayyun_http_requests_total{route="/v1/screen",method="POST",status="413"} 2' "$tmp/body"; check "metrics count by status" 0 $?

grep -q '"user":"amina","role":"registrar","action":"screen".*"subject":"record Q1","site":"camp-a","purpose":"registration"' "$tmp/audit.jsonl"
check "audit records who, what, where and why" 0 $?

kill -TERM "$pid"
stopped=1
for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || { stopped=0; break; }; sleep 0.1; done
wait "$pid"; code=$?
pid=
check "SIGTERM stops the server" 0 "$stopped"
check "clean exit" 0 "$code"
grep -q 'SIGTERM: stopping' "$tmp/err"; check "says it stops" 0 $?

echo "$passed passed, $fail failed"
[ "$fail" -eq 0 ]
