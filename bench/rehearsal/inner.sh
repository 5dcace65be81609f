#!/usr/bin/env bash
# The rehearsal benchmark proper. Runs inside `pum sandbox --db prod --db ref
# --db manual_test` (bench/rehearsal/run.sh does that), which provides the
# services prod, ref and manual_test, PGHOST/PGPORT/PGUSER and $PUM.
#
# Knobs: BENCH_QUICK=1 (~50 MB instead of ~1 GB), BENCH_ORDERS (scale: rows of
# shop.orders), BENCH_RUNS (default 3), BENCH_REHEARSAL_OUT (results directory),
# BENCH_DIAG=1 (also time pg_restore --verbose by hand, to find overhead).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
: "${PUM:?run me inside pum sandbox (bench/rehearsal/run.sh)}"
: "${PGSERVICEFILE:?run me inside pum sandbox (bench/rehearsal/run.sh)}"

if [ "${BENCH_QUICK:-0}" = 1 ]; then
    ORDERS=${BENCH_ORDERS:-80000}
else
    ORDERS=${BENCH_ORDERS:-1650000}
fi
RUNS=${BENCH_RUNS:-3}
OUT=${BENCH_REHEARSAL_OUT:-$here/results}
DELTA=$here/delta
T=shop_sys.pum_info
TMP=${TMPDIR:-/tmp}

mkdir -p "$OUT"
RAW=$OUT/raw.jsonl
: >"$RAW"
LOGS=$OUT/logs
rm -rf "$LOGS"
mkdir -p "$LOGS"

psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc -l | sed 's/^\./0./'; }
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
# record RUN TOOL STEP SECONDS
record() {
    printf '{"run": %s, "tool": "%s", "step": "%s", "seconds": %s}\n' "$1" "$2" "$3" "$4" >>"$RAW"
}

# cpu FILE COMMAND...: runs COMMAND, appends its CPU seconds (user + sys, its
# children included: pum's pg_dump/pg_restore) to FILE.
cpu() {
    local f=$1
    shift
    /usr/bin/time -a -o "$f" -f '%U %S' "$@"
}
cpu_sum() { awk '{s += $1 + $2} END {printf "%.2f", s}' "$1"; }

fresh_db() {
    dropdb --if-exists "$1"
    createdb "$1"
    # Flush what the previous run left dirty, so it is not paid by this one.
    psql -X -q -d postgres -c CHECKPOINT
}

# ---------------------------------------------------------------- setup
log "building production (orders=$ORDERS)"
t=$(now)
psql_q service=prod -f "$here/sql/create_1.0.0.sql"
psql_q service=prod -v orders="$ORDERS" -f "$here/sql/fill.sql"
"$PUM" baseline -p prod -t "$T" -b 1.0.0 >/dev/null
prod_bytes=$(psql -X -At service=prod -c "SELECT pg_database_size(current_database())")
prod_pretty=$(psql -X -At service=prod -c "SELECT pg_size_pretty(pg_database_size(current_database()))")
log "production: $prod_pretty, built in $(since "$t") s"

log "building the reference at 1.0.5 (structure only)"
psql_q service=ref -f "$here/sql/create_1.0.5.sql"
"$PUM" baseline -p ref -t "$T" -b 1.0.5 >/dev/null

server_version=$(psql -X -At service=prod -c "SHOW server_version")
settings=$(psql -X -At service=prod -c "SELECT string_agg(name || '=' || setting, ', ' ORDER BY name) FROM pg_settings WHERE name IN ('fsync','full_page_writes','synchronous_commit','shared_buffers','maintenance_work_mem','max_wal_size','work_mem')")
rows=$(psql -X -At service=prod -c "SELECT string_agg(relname || '=' || n_live_tup, ', ' ORDER BY relname) FROM pg_stat_user_tables WHERE schemaname = 'shop'")
cat >"$OUT/meta.json" <<EOM
{
  "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "quick": ${BENCH_QUICK:-0},
  "orders": $ORDERS,
  "runs": $RUNS,
  "prod_bytes": $prod_bytes,
  "prod_pretty": "$prod_pretty",
  "server_version": "$server_version",
  "pg_dump": "$(pg_dump --version)",
  "settings": "$settings",
  "rows": "$rows",
  "cpus": $(nproc),
  "mem": "$(free -g | awk '/^Mem:/ {print $2 " GB"}')",
  "kernel": "$(uname -r)",
  "pum": "$("$PUM" -v 2>&1 | head -1)"
}
EOM

# ---------------------------------------------------------------- pum test
# Labels pum prints ("== <label>") -> step keys shared with the manual run.
step_key() {
    case "$1" in
        "prepare"*) echo prepare ;;
        "dump production"*) echo dump ;;
        "restore into the test database"*) echo restore ;;
        "upgrade the test database"*) echo upgrade ;;
        "compare with the reference"*) echo compare ;;
        "confirm"*) echo confirm ;;
        "upgrade production"*) echo upgrade_production ;;
        *) echo other ;;
    esac
}

# parse_pum RUN TOOL LOG: records each "== step" / "done in X s" pair.
parse_pum() {
    local run=$1 tool=$2 file=$3 key="" line
    while IFS= read -r line; do
        line=${line//$'\r'/}
        case "$line" in
            "== "*) key=$(step_key "${line#== }") ;;
            "   done in "*)
                local s=${line#   done in }
                record "$run" "$tool" "$key" "${s% s}"
                ;;
        esac
    done <"$file"
}

run_pum() {
    local run=$1
    fresh_db pum_test
    log "run $run: pum test"
    local t rc=0
    t=$(now)
    cpu "$LOGS/pum_cpu_$run" "$PUM" test -pp prod -pt "dbname=pum_test" -pc ref -t "$T" -d "$DELTA" \
        >"$LOGS/pum_test_$run.log" 2>&1 || rc=$?
    local total
    total=$(since "$t")
    if [ "$rc" != 0 ]; then
        cat "$LOGS/pum_test_$run.log" >&2
        log "pum test failed (exit $rc)"
        exit 1
    fi
    parse_pum "$run" pum "$LOGS/pum_test_$run.log"
    record "$run" pum total "$total"
    record "$run" pum cpu "$(cpu_sum "$LOGS/pum_cpu_$run")"
    log "run $run: pum test: $total s"
}

# ---------------------------------------------------------------- by hand
run_manual() {
    local run=$1 t s total=0 dir
    fresh_db manual_test
    log "run $run: by hand"
    dir=$(mktemp -d "$TMP/manual-rehearsal-XXXXXX")
    local c=$LOGS/manual_cpu_$run
    : >"$c"

    t=$(now)
    cpu "$c" pg_dump -Fc -f "$dir/production.dump" -d service=prod
    s=$(since "$t"); record "$run" manual dump "$s"; total=$(echo "$total + $s" | bc -l)

    t=$(now)
    cpu "$c" pg_restore --no-owner -d service=manual_test "$dir/production.dump"
    s=$(since "$t"); record "$run" manual restore "$s"; total=$(echo "$total + $s" | bc -l)

    t=$(now)
    for f in "$DELTA"/delta_*.sql; do
        cpu "$c" psql -X -q -v ON_ERROR_STOP=1 -1 -d service=manual_test -f "$f"
    done
    s=$(since "$t"); record "$run" manual upgrade "$s"; total=$(echo "$total + $s" | bc -l)

    # No schema comparison by hand: pum check is the stand-in.
    t=$(now)
    cpu "$c" "$PUM" check -p1 manual_test -p2 ref -v 0 >"$LOGS/manual_check_$run.log" 2>&1 || {
        cat "$LOGS/manual_check_$run.log" >&2
        log "pum check found differences or failed"
        exit 1
    }
    s=$(since "$t"); record "$run" manual compare "$s"; total=$(echo "$total + $s" | bc -l)

    record "$run" manual total "$total"
    record "$run" manual cpu "$(cpu_sum "$c")"
    log "run $run: by hand: $total s"

    if [ "${BENCH_DIAG:-0}" = 1 ]; then
        # Diagnostic: pg_restore as pum runs it (--verbose, stderr read line by line).
        fresh_db manual_test
        t=$(now)
        pg_restore --no-owner --verbose -d service=manual_test "$dir/production.dump" 2>&1 | cat >/dev/null
        s=$(since "$t"); record "$run" diag restore_verbose "$s"
        log "run $run: pg_restore --verbose by hand: $s s"
    fi
    rm -rf "$dir"
}

for run in $(seq 1 "$RUNS"); do
    # Alternate who goes first, so neither always gets the warmer cache.
    if [ $((run % 2)) = 1 ]; then
        run_pum "$run"
        run_manual "$run"
    else
        run_manual "$run"
        run_pum "$run"
    fi
done

# ---------------------------------------------------------------- test-and-upgrade
fresh_db pum_test
log "pum test-and-upgrade --yes (once, upgrades production)"
t=$(now)
"$PUM" test-and-upgrade -pp prod -pt "dbname=pum_test" -pc ref -t "$T" -d "$DELTA" --yes \
    >"$LOGS/test_and_upgrade.log" 2>&1 || {
    cat "$LOGS/test_and_upgrade.log" >&2
    log "test-and-upgrade failed"
    exit 1
}
total=$(since "$t")
parse_pum 0 test_and_upgrade "$LOGS/test_and_upgrade.log"
record 0 test_and_upgrade total "$total"
"$PUM" info -p prod -t "$T" -d "$DELTA" >"$LOGS/prod_info_after.log" 2>&1 || true
"$PUM" check -p1 prod -p2 ref -v 0 >"$LOGS/prod_check_after.log" 2>&1 || {
    cat "$LOGS/prod_check_after.log" >&2
    log "production differs from the reference after test-and-upgrade"
    exit 1
}
log "test-and-upgrade: $total s; production now matches the reference"

dropdb --if-exists pum_test
python3 "$here/summary.py" "$OUT"
