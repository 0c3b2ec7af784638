#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Batch screening, tabayyun against PostgreSQL 15 + pg_trgm, on the same data in the same run.
#
#   bench/screen_vs_pgtrgm.sh --bin build/src/cli/tabayyun --list LIST.csv --registry REGISTRY.csv
#                             [--threads 2] [--pg-threshold 0.5] [--pg-sample N] [--port 55432]
#                             [--pg-timeout 1800] [--tby-timeout 1800] [--keep]
#
# Both CSVs are in the record format (docs: shared/docs/record-format.md). tabayyun runs
# `screen --list LIST --input REGISTRY --out ALERTS --threads N`; if the binary has no `screen`
# command the script says so and still measures PostgreSQL. PostgreSQL gets one row per list
# name (the name and each alias, keyed by the list id) and one per registry record, folded with
# lower(unaccent(name)), a GIN trigram index on the list names, and one
#   CREATE TABLE alerts AS SELECT ... FROM registry r JOIN list_names l ON r.name_f % l.name_f
# with pg_trgm.similarity_threshold = --pg-threshold and up to --threads processes (leader plus
# parallel workers). Load, index build and query are timed separately. See bench/README.md.
#
# The server is ours alone: installed from Debian packages if missing, initdb'd in a temporary
# directory, listening on 127.0.0.1 only at a non-default port, and stopped (then the directory
# removed) by an EXIT trap however the script ends. Every step is bounded: apt waits at most 5
# minutes for its lock, the server at most 60 s to start or stop, the query --pg-timeout seconds
# (statement_timeout), tabayyun --tby-timeout seconds (timeout(1)).
set -euo pipefail

usage() { sed -n '5,7p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 1; }

bin="" list="" registry="" threads=2 threshold=0.5 sample=0 port=55432
pg_timeout=1800 tby_timeout=1800 keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin=${2:?}; shift 2 ;;
    --list) list=${2:?}; shift 2 ;;
    --registry) registry=${2:?}; shift 2 ;;
    --threads) threads=${2:?}; shift 2 ;;
    --pg-threshold) threshold=${2:?}; shift 2 ;;
    --pg-sample) sample=${2:?}; shift 2 ;;
    --port) port=${2:?}; shift 2 ;;
    --pg-timeout) pg_timeout=${2:?}; shift 2 ;;
    --tby-timeout) tby_timeout=${2:?}; shift 2 ;;
    --keep) keep=1; shift ;;
    -h | --help) usage ;;
    *) echo "screen_vs_pgtrgm: unknown option '$1'" >&2; usage ;;
  esac
done
[ -n "$bin" ] && [ -n "$list" ] && [ -n "$registry" ] || usage
for f in "$list" "$registry"; do
  [ -r "$f" ] || { echo "screen_vs_pgtrgm: cannot read $f" >&2; exit 1; }
done
for n in "$threads" "$sample" "$port" "$pg_timeout" "$tby_timeout"; do
  [[ "$n" =~ ^[0-9]+$ ]] || { echo "screen_vs_pgtrgm: '$n' is not a whole number" >&2; exit 1; }
done
[ "$threads" -ge 1 ] || { echo "screen_vs_pgtrgm: --threads must be at least 1" >&2; exit 1; }
[[ "$threshold" =~ ^(0(\.[0-9]+)?|1(\.0+)?)$ ]] || { echo "screen_vs_pgtrgm: --pg-threshold must be in [0, 1]" >&2; exit 1; }
list=$(realpath "$list")
registry=$(realpath "$registry")
case "$bin" in */*) bin=$(realpath -m "$bin") ;; esac

# Progress goes to the script's own stderr, kept as fd 9: a trap that fires inside `run ... 2>FILE`
# would otherwise write into FILE (a function call's redirections hold while it runs).
exec 9>&2
log() { echo "screen_vs_pgtrgm: $*" >&9; }
now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'; }

PGVER=15
PGBIN=/usr/lib/postgresql/$PGVER/bin
PGEXT=/usr/share/postgresql/$PGVER/extension

# ---- cleanup: everything we start or create is undone here --------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tby-pgbench.XXXXXX")
pgdata="$tmp/pg/data"
pg_started=0
made_policy_rc=0
child=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  # A long step interrupted by a signal: end it first (timeout(1) passes the signal on).
  [ -n "$child" ] && { kill -TERM "$child" 2>/dev/null; wait "$child" 2>/dev/null || true; }
  if [ "$pg_started" = 1 ]; then
    if ! as_pg "$PGBIN/pg_ctl" stop -D "$pgdata" -m fast -w -t 30 >/dev/null 2>&1; then
      as_pg "$PGBIN/pg_ctl" stop -D "$pgdata" -m immediate -w -t 15 >/dev/null 2>&1 || true
      # Last resort: the postmaster we started, by the pid it wrote, never by name.
      local pid
      pid=$(head -1 "$pgdata/postmaster.pid" 2>/dev/null || true)
      [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true
    fi
    log "PostgreSQL stopped"
  fi
  [ "$made_policy_rc" = 1 ] && rm -f /usr/sbin/policy-rc.d
  if [ "$keep" = 1 ]; then log "kept $tmp"; else rm -rf "$tmp"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# postgres refuses to run as root: when we are root, the server side runs as the packaged
# `postgres` user, and the temporary directory lets it through (but not list).
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# Runs a long step in the background and waits for it, so that INT or TERM reach the trap at
# once instead of after the step (bash defers traps while a foreground child runs). `<&0` keeps
# the caller's stdin (a here-document), which a background command would otherwise lose.
run() {
  local rc=0
  "$@" <&0 &
  child=$!
  wait "$child" || rc=$?
  child=""
  return "$rc"
}

# Both systems want the cores to themselves; say so when something else is using them.
load1=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0)
if awk -v l="$load1" 'BEGIN { exit !(l > 0.5) }'; then
  log "warning: load average $load1 before starting; other work on this machine makes the figures noisy"
fi

# ---- input: CSV -> COPY text for PostgreSQL, and the counts for the report ------------------------
# One registry row per record (its `name`, or its name parts joined when `name` is empty); one list
# row per distinct name or alias of each entry. weak_aliases are left out: in the record format they
# corroborate, never alert alone, so tabayyun does not screen on them either.
prep_start=$(now)
read -r n_records n_entries n_names < <(python3 - "$registry" "$list" "$tmp" <<'PY'
import csv, sys
csv.field_size_limit(1 << 24)
registry, lst, tmp = sys.argv[1:4]

def esc(s):
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")

def name_of(row):
    name = (row.get("name") or "").strip()
    if name:
        return name
    parts = [(row.get(k) or "").strip() for k in ("given", "father", "grandfather", "family")]
    return " ".join(p for p in parts if p)

def rows(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        head = reader.fieldnames or []
        if "id" not in head or not ({"name", "given"} & set(head)):
            sys.exit(f"screen_vs_pgtrgm: {path}: not the record format (needs an id and a name column)")
        for row in reader:
            if (row.get("id") or "").strip():
                yield row

n_rec = 0
with open(f"{tmp}/registry.tsv", "w", encoding="utf-8") as out:
    for row in rows(registry):
        name = name_of(row)
        if name:
            out.write(f"{esc(row['id'].strip())}\t{esc(name)}\n")
            n_rec += 1
n_ent = n_names = 0
with open(f"{tmp}/list_names.tsv", "w", encoding="utf-8") as out:
    for row in rows(lst):
        n_ent += 1
        names = [name_of(row)] + [a.strip() for a in (row.get("aliases") or "").split(";")]
        seen = set()
        for name in names:
            if name and name not in seen:
                seen.add(name)
                out.write(f"{esc(row['id'].strip())}\t{esc(name)}\n")
                n_names += 1
if not n_rec or not n_names:
    sys.exit(f"screen_vs_pgtrgm: nothing to screen ({n_rec} registry records, {n_names} list names)")
print(n_rec, n_ent, n_names)
PY
)
prep_s=$(since "$prep_start")
[[ "${n_records:-}" =~ ^[0-9]+$ ]] || { log "could not read the CSV files (see the Python error above)"; exit 1; }
log "registry records $n_records, list entries $n_entries, list names $n_names (prepared in ${prep_s}s)"

# ---- tabayyun (first, while no server is running beside it) -------------------------------------
tby_status="not run" tby_e2e="" tby_rows="" tby_pairs=""
if [ ! -x "$bin" ] && ! command -v "$bin" >/dev/null 2>&1; then
  tby_status="tabayyun screen not available ($bin is not an executable)"
elif ! "$bin" screen --help >/dev/null 2>&1; then
  tby_status="tabayyun screen not available ($bin has no 'screen' command)"
else
  log "tabayyun screen --threads $threads ..."
  t0=$(now)
  set +e
  run timeout --kill-after=10 "$tby_timeout" "$bin" screen --list "$list" --input "$registry" \
    --out "$tmp/tby_alerts.csv" --threads "$threads" >"$tmp/tby.out" 2>"$tmp/tby.err"
  rc=$?
  set -e
  tby_e2e=$(since "$t0")
  if [ "$rc" = 0 ]; then
    tby_status="ok"
    read -r tby_rows tby_pairs < <(python3 - "$tmp/tby_alerts.csv" <<'PY'
import csv, sys
csv.field_size_limit(1 << 24)
rows, pairs = 0, set()
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    r = csv.reader(f)
    head = next(r, [])
    ri = head.index("record_id") if "record_id" in head else None
    li = head.index("list_id") if "list_id" in head else None
    for row in r:
        rows += 1
        if ri is not None and li is not None:
            pairs.add((row[ri], row[li]))
print(rows, len(pairs) if ri is not None and li is not None else "?")
PY
    )
  elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    tby_status="timed out after ${tby_timeout}s"
  else
    tby_status="failed (exit $rc): $(tail -c 300 "$tmp/tby.err" | tr '\n' ' ')"
  fi
  log "tabayyun: $tby_status, ${tby_e2e}s"
fi

# ---- PostgreSQL 15: install if missing, start on loopback in the temporary directory -------------
if [ ! -x "$PGBIN/postgres" ] || [ ! -f "$PGEXT/pg_trgm.control" ] || [ ! -f "$PGEXT/unaccent.control" ]; then
  # On bookworm, contrib (pg_trgm, unaccent) ships inside postgresql-15, which Provides
  # postgresql-contrib-15; naming both lets apt pick the one real package.
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { log "need root (or sudo) to install postgresql-$PGVER"; exit 1; }
    sudo="sudo"
  fi
  # The package's postinst starts its own cluster on port 5432 unless services are held back;
  # hold them back for the install (Debian's policy-rc.d), so that no server outlives the run.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod 755 /usr/sbin/policy-rc.d
    made_policy_rc=1
  fi
  log "installing postgresql-$PGVER (Debian packages) ..."
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get -o DPkg::Lock::Timeout=300 update -qq
  $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends \
    "postgresql-$PGVER" "postgresql-contrib-$PGVER" >"$tmp/apt.log" 2>&1 ||
    { tail -20 "$tmp/apt.log" >&2; exit 1; }
  if [ "$made_policy_rc" = 1 ]; then $sudo rm -f /usr/sbin/policy-rc.d; made_policy_rc=0; fi
fi
[ -x "$PGBIN/postgres" ] || { log "no $PGBIN/postgres after install"; exit 1; }

# A free non-default port on loopback: --port, or the next of the 20 after it.
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for _ in $(seq 20); do port_busy "$port" || break; port=$((port + 1)); done
port_busy "$port" && { log "no free port near $port on 127.0.0.1"; exit 1; }

mkdir -p "$tmp/pg"
if [ "$(id -u)" = 0 ]; then chmod 711 "$tmp"; chown postgres: "$tmp/pg"; fi
# C.UTF-8, not C: under the C locale pg_trgm counts every non-ASCII letter as a separator,
# so Arabic-script names would have no trigrams at all.
as_pg "$PGBIN/initdb" -D "$pgdata" -U bench --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
  >"$tmp/initdb.log" 2>&1 || { cat "$tmp/initdb.log" >&2; exit 1; }
workers=$((threads - 1))
start_t=$(now)
# Durability is off (fsync, full_page_writes, synchronous_commit) and all tables are UNLOGGED:
# the benchmark measures matching, not the disk. Memory settings suit the 24 GiB machine.
pg_started=1
as_pg "$PGBIN/pg_ctl" start -D "$pgdata" -w -t 60 -l "$tmp/pg/server.log" -o "\
 -c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$tmp/pg'\
 -c fsync=off -c full_page_writes=off -c synchronous_commit=off\
 -c shared_buffers=1GB -c work_mem=256MB -c maintenance_work_mem=1GB\
 -c max_worker_processes=$((threads + 8)) -c max_parallel_workers=$workers\
 -c max_parallel_maintenance_workers=$workers" >/dev/null ||
  { tail -20 "$tmp/pg/server.log" >&2; exit 1; }
log "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (started in $(since "$start_t")s)"

# Every statement, not only the query, is cut off after --pg-timeout seconds.
export PGOPTIONS="-c statement_timeout=${pg_timeout}s"
psql_() { "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U bench -d postgres "$@"; }

# ---- load: COPY, then fold into the tables that get indexed and queried -------------------------
psql_ -c "CREATE EXTENSION pg_trgm" >/dev/null
fold="lower(unaccent(name))"
psql_ -c "CREATE EXTENSION unaccent" >/dev/null 2>&1 || fold="lower(name)"
[ "$sample" -lt "$n_records" ] || sample=0
t0=$(now)
run psql_ <<SQL
CREATE UNLOGGED TABLE registry_raw (id text, name text);
CREATE UNLOGGED TABLE list_raw (list_id text, name text);
\copy registry_raw FROM '$tmp/registry.tsv'
\copy list_raw FROM '$tmp/list_names.tsv'
CREATE UNLOGGED TABLE registry AS SELECT id, name, $fold AS name_f FROM registry_raw;
CREATE UNLOGGED TABLE list_names AS SELECT list_id, name, $fold AS name_f FROM list_raw;
SQL
pg_load=$(since "$t0")

# ---- index: GIN trigrams on the list names; statistics for the planner --------------------------
t0=$(now)
run psql_ <<SQL
CREATE INDEX list_names_trgm ON list_names USING gin (name_f gin_trgm_ops);
ANALYZE registry;
ANALYZE list_names;
SQL
pg_index=$(since "$t0")
# --pg-sample: the query reads the first N records (load and index above covered them all).
screened=registry
if [ "$sample" -gt 0 ]; then
  screened=registry_sample
  psql_ -c "CREATE UNLOGGED TABLE registry_sample AS SELECT * FROM registry LIMIT $sample" \
    -c "ANALYZE registry_sample" >/dev/null
fi

# ---- query: every (registry record, list name) pair over the threshold ---------------------------
# CREATE TABLE AS, not INSERT ... SELECT: PostgreSQL 15 never runs a query that writes in parallel,
# but does run the SELECT of a CREATE TABLE AS with parallel workers. The planner's default costs
# keep the join serial below millions of rows (it charges for every alert a worker hands on); the
# work is one independent index probe per registry record, so zero costs give pg the same cores
# as tabayyun (measured at 20,000 x 2,000: 11.4 s serial, 6.8 s with one worker).
session="SET pg_trgm.similarity_threshold = $threshold;
SET max_parallel_workers_per_gather = $workers;
SET min_parallel_table_scan_size = 0;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;"
query="CREATE UNLOGGED TABLE alerts AS
  SELECT r.id AS record_id, l.list_id, l.name AS matched_name, similarity(r.name_f, l.name_f) AS score
  FROM $screened r JOIN list_names l ON r.name_f % l.name_f"
psql_ >"$tmp/plan.txt" <<SQL
$session
EXPLAIN $query;
SQL
t0=$(now)
set +e
run timeout --kill-after=30 $((pg_timeout + 60)) "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 \
  -h 127.0.0.1 -p "$port" -U bench -d postgres >/dev/null 2>"$tmp/query.err" <<SQL
$session
$query;
SQL
rc=$?
set -e
pg_query=$(since "$t0")
pg_status=ok pg_rows="" pg_pairs=""
if [ "$rc" = 0 ]; then
  IFS='|' read -r pg_rows pg_pairs < <(psql_ -c "SELECT count(*), count(DISTINCT (record_id, list_id)) FROM alerts")
elif grep -q "statement timeout" "$tmp/query.err"; then
  pg_status="timed out after ${pg_timeout}s"
else
  pg_status="failed: $(tr '\n' ' ' <"$tmp/query.err" | tail -c 300)"
fi
log "pg_trgm query: $pg_status, ${pg_query}s"

# ---- report ---------------------------------------------------------------------------------------
scan=$(grep -Eo 'Bitmap Index Scan on [a-z_]+|Seq Scan on list_names' "$tmp/plan.txt" | head -1 || true)
planned=$(grep -Eo 'Workers Planned: [0-9]+' "$tmp/plan.txt" | head -1 | awk '{print $3}' || true)
# With --pg-sample the query ran on the first N records; its time and alerts scale linearly
# (each record is looked up on its own), so both are extrapolated to the whole registry.
scale=1
[ "$sample" -gt 0 ] && scale=$(awk -v a="$n_records" -v b="$sample" 'BEGIN { print a / b }')
fmt() { awk -v x="$1" -v s="${2:-1}" 'BEGIN { if (x == "") print "-"; else printf "%.3f", x * s }'; }
pg_query_x=$(fmt "$pg_query" "$scale")
pg_query_col=$pg_query_x
[[ "$pg_status" == timed* ]] && pg_query_col=">$pg_query_x"
pg_e2e=$(awk -v p="$prep_s" -v l="$pg_load" -v i="$pg_index" -v q="$pg_query_x" 'BEGIN { printf "%.3f", p + l + i + q }')
[ "$pg_status" = ok ] && [ "$sample" -gt 0 ] && {
  pg_rows=$(awk -v x="$pg_rows" -v s="$scale" 'BEGIN { printf "~%d", x * s }')
  pg_pairs=$(awk -v x="$pg_pairs" -v s="$scale" 'BEGIN { printf "~%d", x * s }')
}
ratio() { # pg / tabayyun; ">=" when pg timed out (its time is then a lower bound)
  [ -n "$tby_e2e" ] && [ "$tby_status" = ok ] || { echo "-"; return; }
  local prefix=""
  [ "$pg_status" = ok ] || prefix=">="
  [ "$pg_status" = ok ] || [[ "$pg_status" == timed* ]] || { echo "-"; return; }
  awk -v a="$1" -v b="$tby_e2e" -v p="$prefix" 'BEGIN { if (b <= 0) b = 0.001; printf "%s%.1fx", p, a / b }'
}
tby_e2e_col=$([ "$tby_status" = ok ] && fmt "$tby_e2e" || echo "-")
note=""
[ "$sample" -gt 0 ] && note=" (pg query on the first $sample records, extrapolated x$scale)"

cat <<EOF

== tabayyun screen vs PostgreSQL $PGVER + pg_trgm$note
registry records          $n_records
list entries              $n_entries
list names (+ aliases)    $n_names
threads                   $threads (pg: leader + $workers parallel workers; ${planned:-0} planned, ${scan:-plan unknown})
pg threshold              $threshold (pg_trgm %, similarity_threshold); folding: $fold, locale C.UTF-8
tabayyun                  $tby_status
pg_trgm                   $pg_status

                          tabayyun      pg_trgm
prepare CSV (s)           -             $(fmt "$prep_s")
load + fold (s)           -             $(fmt "$pg_load")
index build (s)           -             $(fmt "$pg_index")
query (s)                 -             $pg_query_col
end-to-end (s)            $(printf '%-13s' "$tby_e2e_col") $pg_e2e
alerts (rows)             $(printf '%-13s' "${tby_rows:--}") ${pg_rows:--}
alerts (record, entry)    $(printf '%-13s' "${tby_pairs:--}") ${pg_pairs:--}

ratio pg/tabayyun         end-to-end $(ratio "$pg_e2e"); pg query alone vs tabayyun end-to-end $(ratio "$pg_query_x")
EOF
echo "RESULT records=$n_records list_entries=$n_entries list_names=$n_names threads=$threads" \
  "pg_threshold=$threshold tby_status=$([ "$tby_status" = ok ] && echo ok || echo unavailable)" \
  "tby_e2e_s=${tby_e2e:-NA} tby_alerts=${tby_rows:-NA} pg_status=$(case "$pg_status" in ok) echo ok ;; timed*) echo timeout ;; *) echo fail ;; esac)" \
  "pg_load_s=$pg_load pg_index_s=$pg_index pg_query_s=$pg_query_x pg_e2e_s=$pg_e2e pg_alerts=${pg_rows:-NA}" \
  "ratio_e2e=$(ratio "$pg_e2e") ratio_query=$(ratio "$pg_query_x")"
