#!/usr/bin/env bash
# The restore side of the benchmark, inside a second `pum sandbox` started
# by inner.sh: times `pum cm restore` (each run into a cluster without the
# databases and the role) against psql-cm's way, then checks that pum's
# restore equals the source (`pum check`, privileges included).
set -euo pipefail
: "${PUM:?run by bench/cm/inner.sh}"
here=$(cd "$(dirname "$0")" && pwd)
DST="host=$PGHOST port=$PGPORT user=$PGUSER"
work=$BENCH_WORK

cat >"$work/drop_all.sh" <<EOS
for d in ${DBS_LIST//,/ }; do dropdb --if-exists "\$d"; done
psql -X -q -d postgres -c "DROP ROLE IF EXISTS bench_reader"
EOS
drop_all() { bash "$work/drop_all.sh" >/dev/null 2>&1; }

# psql-cm's restore: createdb, then per schema psql of the file, of the
# latest base row and of every change row, each in its own psql.
cat >"$work/psqlcm_restore.sh" <<EOS
set -e
psql -X -q -d postgres -c "CREATE ROLE bench_reader NOLOGIN"
for d in ${DBS_LIST//,/ }; do
  createdb -T template0 "\$d"
  for f in "$TREE/\$d"/*.sql; do
    s=\$(basename "\$f" .sql)
    psql -X -q -d "\$d" -c "CREATE SCHEMA IF NOT EXISTS \$s" >/dev/null
    psql -X -q -d "\$d" -f "\$f" >/dev/null
    psql -X -At -d "\$d" -c "SELECT content FROM \$s.pg_psql_cm WHERE is_base ORDER BY id DESC LIMIT 1" > "$work/row.sql"
    psql -X -q -d "\$d" -f "$work/row.sql" >/dev/null 2>&1 || true
    for id in \$(psql -X -At -d "\$d" -c "SELECT id FROM \$s.pg_psql_cm WHERE NOT is_base ORDER BY id"); do
      psql -X -At -d "\$d" -c "SELECT content FROM \$s.pg_psql_cm WHERE id = \$id" > "$work/row.sql"
      psql -X -q -d "\$d" -f "$work/row.sql" >/dev/null 2>&1 || true
    done
  done
done
EOS

hyperfine --style basic --runs "$RUNS" --warmup 1 --export-json "$OUT/restore.json" \
    --prepare "bash '$work/drop_all.sh'" \
    -n "pum cm restore --jobs 1" "$PUM cm --uri '$DST' --sql-path '$TREE' restore --create-roles --jobs 1" \
    -n "pum cm restore --jobs 4" "$PUM cm --uri '$DST' --sql-path '$TREE' restore --create-roles --jobs 4" \
    -n "psql-cm's psql per schema and row" "bash '$work/psqlcm_restore.sh'" >&2

# pum's restore equals the source.
drop_all
"$PUM" cm --uri "$DST" --sql-path "$TREE" restore --create-roles --jobs 4 >/dev/null
for d in ${DBS_LIST//,/ }; do
    "$PUM" check -v 0 --privileges -p1 "$SRC dbname=$d" -p2 "$DST dbname=$d" >/dev/null \
        || { echo "bench/cm: $d restored differs from the source" >&2; exit 1; }
done
echo "bench/cm: every restored database equals its source" >&2
