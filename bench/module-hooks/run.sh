#!/bin/sh
# Cost of the Python-worker route (a run with a Python hook: everything on
# the worker's psycopg 3 connection) against the libpq route (the same run
# with the hook in SQL: pum's own pipelined connection), for the example
# module and a generated one with 70 changelog files.
#
#   bench/module-hooks/run.sh [PUM] [PYTHON] [RUNS]
#
# PUM defaults to target/release/pum, PYTHON to target/pum1-venv/bin/python
# (psycopg 3). Prints the median and best wall time of RUNS installs each.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
PUM=${1:-$root/target/release/pum}
PY=${2:-$root/target/pum1-venv/bin/python}
RUNS=${3:-7}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The example, with its SQL hooks only, and with the Python hook too.
cp -r "$root/examples/pum1-module" "$work/example"

# A generated module: 70 changelogs of one file each, a view over them
# made by a create hook, in SQL (sql.pum.yaml) or in Python (py.pum.yaml).
gen="$work/gen"
mkdir -p "$gen/app"
i=0
while [ $i -lt 70 ]; do
  d="$gen/changelogs/1.0.$i"
  mkdir -p "$d"
  if [ $i -eq 0 ]; then echo "CREATE SCHEMA g_od;" > "$d/00_schema.sql"; fi
  cat > "$d/01_t$i.sql" <<SQL
CREATE TABLE g_od.t$i (id serial PRIMARY KEY, name text NOT NULL, srid integer DEFAULT {SRID});
CREATE INDEX ON g_od.t$i (name);
INSERT INTO g_od.t$i (name) SELECT 'n' || g FROM generate_series(1, 20) g;
COMMENT ON TABLE g_od.t$i IS 'table $i';
SQL
  i=$((i + 1))
done
head='pum:
  module: gen
  migration_table_schema: g_sys
parameters:
  - {name: SRID, type: integer, default: 2056}
application:
  drop:
    - code: DROP SCHEMA IF EXISTS g_app CASCADE;
  create:'
printf '%s\n    - file: app/views.sql\n' "$head" > "$gen/sql.pum.yaml"
printf '%s\n    - file: app/views.py\n' "$head" > "$gen/py.pum.yaml"
echo "CREATE SCHEMA g_app; CREATE VIEW g_app.v AS SELECT count(*) AS n FROM g_od.t69;" > "$gen/app/views.sql"
cat > "$gen/app/views.py" <<'PY'
from pum import HookBase

class Hook(HookBase):
    def run_hook(self, connection):
        self.execute("CREATE SCHEMA g_app")
        self.execute("CREATE VIEW g_app.v AS SELECT count(*) AS n FROM g_od.t69")
PY

cat > "$work/measure.sh" <<'SH'
#!/bin/sh
# Inside the sandbox: $1 label, $2 config file, $3 drop SQL, $4 database;
# then RUNS installs.
set -eu
label=$1 cfg=$2 reset=$3 db=$4
times=""
n=0
while [ $n -lt "$RUNS" ]; do
  psql -qX -d "$db" -c "$reset" >/dev/null 2>&1
  start=$(date +%s%N)
  "$PUM" -p "$db" -c "$cfg" install --python "$PY" >/dev/null 2>&1
  end=$(date +%s%N)
  times="$times $(( (end - start) / 1000000 ))"
  n=$((n + 1))
done
echo "$times" | tr ' ' '\n' | grep . | sort -n | awk -v l="$label" '
  { a[NR] = $1 } END { printf "%-40s best %5d ms  median %5d ms  (%d runs)\n", l, a[1], a[int((NR + 1) / 2)], NR }'
SH
chmod +x "$work/measure.sh"

PG_BIN=$(dirname "$(command -v initdb 2>/dev/null || ls /usr/lib/postgresql/*/bin/initdb | tail -1)")
export PATH="$PG_BIN:$PATH" PUM PY RUNS
cd "$work"
ex_reset="DROP SCHEMA IF EXISTS wn_sys, wn_od, wn_app CASCADE"
gen_reset="DROP SCHEMA IF EXISTS g_sys, g_od, g_app CASCADE"
"$PUM" sandbox --db ex --db gen -- sh -c "
  ./measure.sh 'example, SQL hooks (libpq)' example/.pum.yaml '$ex_reset' ex &&
  ./measure.sh 'example, + Python hook (worker)' example/python-hooks.pum.yaml '$ex_reset' ex &&
  ./measure.sh '70 changelogs, SQL hook (libpq)' gen/sql.pum.yaml '$gen_reset' gen &&
  ./measure.sh '70 changelogs, Python hook (worker)' gen/py.pum.yaml '$gen_reset' gen"
# What the worker route pays before any SQL: starting the interpreter and
# importing psycopg and pum.
start=$(date +%s%N)
"$PY" -c 'import psycopg, pum.hook, pum.sql_content'
end=$(date +%s%N)
echo "interpreter start + import psycopg, pum: $(( (end - start) / 1000000 )) ms (one run)"
