#!/usr/bin/env bash
# The source side of the benchmark, inside `pum sandbox` (run.sh does that):
# builds the databases, sets them up, submits changes, times the dumps, then
# starts a second throwaway cluster for the restores (restore.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${PUM:?run me inside pum sandbox (bench/cm/run.sh)}"

if [ "${BENCH_QUICK:-0}" = 1 ]; then
    DBS=${BENCH_DBS:-3} SCHEMAS=${BENCH_SCHEMAS:-2} TABLES=${BENCH_TABLES:-5}
    CHANGES=${BENCH_CHANGES:-3} RUNS=${BENCH_RUNS:-3}
else
    DBS=${BENCH_DBS:-10} SCHEMAS=${BENCH_SCHEMAS:-5} TABLES=${BENCH_TABLES:-20}
    CHANGES=${BENCH_CHANGES:-10} RUNS=${BENCH_RUNS:-10}
fi
OUT=${BENCH_CM_OUT:-$here/results}
mkdir -p "$OUT"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export BENCH_WORK=$work
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

SRC="host=$PGHOST port=$PGPORT user=$PGUSER"
dbs=$(for d in $(seq -w 1 "$DBS"); do printf 'cmb_%s,' "$d"; done)
dbs=${dbs%,}
schemas=$(for s in $(seq 1 "$SCHEMAS"); do printf 's%s ' "$s"; done)
schema_list=$(echo $schemas | tr ' ' ',')

log "building $DBS databases x $SCHEMAS schemas x $TABLES tables"
psql -X -q -d postgres -c "CREATE ROLE bench_reader NOLOGIN"
for d in ${dbs//,/ }; do
    createdb "$d"
    {
        for s in $schemas; do
            echo "CREATE SCHEMA $s; GRANT USAGE ON SCHEMA $s TO bench_reader;"
            for t in $(seq 1 "$TABLES"); do
                ref=""
                [ "$t" -gt 1 ] && ref=", parent int REFERENCES $s.t$((t - 1))"
                echo "CREATE TABLE $s.t$t (id serial PRIMARY KEY, code text NOT NULL UNIQUE, amount numeric(12,2) DEFAULT 0, created timestamptz DEFAULT now(), note text$ref);"
                echo "CREATE INDEX ON $s.t$t (created);"
                echo "COMMENT ON TABLE $s.t$t IS 'table $t of $s';"
            done
            echo "CREATE VIEW $s.summary AS SELECT count(*) AS n, sum(amount) AS total FROM $s.t1;"
            echo "CREATE FUNCTION $s.bump(x int) RETURNS int LANGUAGE sql IMMUTABLE AS \$f\$ SELECT x + 1 \$f\$;"
            echo "GRANT SELECT ON ALL TABLES IN SCHEMA $s TO bench_reader;"
        done
    } | psql -X -q -v ON_ERROR_STOP=1 -d "$d"
done
cm() { "$PUM" cm --uri "$SRC" --databases "$dbs" --schemas "$schema_list" "$@"; }
log "pum cm setup --jobs 4"
t0=$(date +%s%N)
cm setup --jobs 4 >"$work/setup.log" || { cat "$work/setup.log" >&2; exit 1; }
setup_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
log "setup: $setup_ms ms"
for c in $(seq 1 "$CHANGES"); do
    cm submit --jobs 4 --change "ALTER TABLE t1 ADD COLUMN c$c int; CREATE INDEX ON t1 (c$c);" >/dev/null
done
log "submitted $CHANGES changes to every schema"

# psql-cm's dump: one pg_dump of the control table per schema.
cat >"$work/psqlcm_dump.sh" <<EOS
set -e
for d in ${dbs//,/ }; do
  mkdir -p "$work/manual/\$d"
  for s in $schemas; do
    pg_dump "$SRC dbname=\$d" --no-owner --schema=\$s --table=\$s.pg_psql_cm --file="$work/manual/\$d/\$s.sql"
  done
done
EOS

cd "$work"
log "timing the dumps"
hyperfine --style basic --runs "$RUNS" --warmup 1 --export-json "$OUT/dump.json" \
    --prepare "rm -rf '$work/tree' '$work/manual'" \
    -n "pum cm dump --jobs 1" "$PUM cm --uri '$SRC' --databases $dbs --schemas $schema_list --sql-path '$work/tree' dump --jobs 1" \
    -n "pum cm dump --jobs 4" "$PUM cm --uri '$SRC' --databases $dbs --schemas $schema_list --sql-path '$work/tree' dump --jobs 4" \
    -n "psql-cm's pg_dump per schema" "bash '$work/psqlcm_dump.sh'" >&2
cm --sql-path "$work/tree" dump >/dev/null
hyperfine --style basic --runs "$RUNS" --warmup 1 --export-json "$OUT/dump_unchanged.json" \
    -n "pum cm dump --jobs 1 (nothing changed)" "$PUM cm --uri '$SRC' --databases $dbs --schemas $schema_list --sql-path '$work/tree' dump --jobs 1" >&2
files=$(find "$work/tree" -name '*.sql' | wc -l)
bytes=$(du -sb "$work/tree" | cut -f1)
log "tree: $files files, $bytes bytes"

log "restores into a second throwaway cluster"
export SRC DBS_LIST=$dbs SCHEMAS RUNS OUT TREE=$work/tree
"$PUM" sandbox --db restore_bench -- bash "$here/restore.sh"

server_version=$(psql -X -At -d postgres -c "SHOW server_version")
cat >"$OUT/meta.json" <<EOM
{
  "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "databases": $DBS,
  "schemas_per_database": $SCHEMAS,
  "tables_per_schema": $TABLES,
  "changes_per_schema": $CHANGES,
  "runs": $RUNS,
  "setup_jobs4_ms": $setup_ms,
  "tree_files": $files,
  "tree_bytes": $bytes,
  "server_version": "$server_version",
  "cpus": $(nproc),
  "load_at_start": "$load_start",
  "load_at_end": "$(cut -d' ' -f1-3 /proc/loadavg)"
}
EOM
python3 "$here/../report.py" "$OUT/dump.json" --reference "psql-cm's pg_dump per schema" --title "dump"
python3 "$here/../report.py" "$OUT/dump_unchanged.json" --title "dump, nothing changed"
python3 "$here/../report.py" "$OUT/restore.json" --reference "psql-cm's psql per schema and row" --title "restore"
