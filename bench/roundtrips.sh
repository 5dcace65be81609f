#!/usr/bin/env bash
# What per-delta round trips cost: replays scenario A's 1,000 deltas with
# psql, sending per delta exactly what pum sends (RESET ALL, BEGIN, the
# statement, the upgrades-table row, COMMIT), once as 5 round trips (what pum
# does today), once as 3 and once as 1 (statements joined with psql's `\;`
# into one simple-query message, i.e. what a pipelined pum would cost).
#
#   cargo build --release -p pum
#   target/release/pum sandbox --db bench -- bash bench/roundtrips.sh
#
# BENCH_N (default 1000), BENCH_RUNS (default 10); JSON to BENCH_OUT
# (default bench/results)/roundtrips.json.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
n=${BENCH_N:-1000}
runs=${BENCH_RUNS:-10}
out=${BENCH_OUT:-$here/results}
mkdir -p "$out"
: "${PGSERVICEFILE:?run this inside pum sandbox --db bench}"

dir=$(mktemp -d "${TMPDIR:-/tmp}/pum-roundtrips-XXXXXX")
trap 'rm -rf "$dir"' EXIT

python3 - "$dir" "$n" <<'EOF'
import sys
d, n = sys.argv[1], int(sys.argv[2])
row = lambda i: ("INSERT INTO bench_sys.upgrades (version, description, type, script, checksum, "
                 "installed_by, execution_time, success) VALUES "
                 f"('1.0.{i}', 'x', 8, '{d}/delta_1.0.{i}_x.sql', "
                 "'d41d8cd98f00b204e9800998ecf8427e', session_user, 1, true)")
stmt = lambda i: f"INSERT INTO bench.t (n, label) VALUES ({i}, 'delta {i}')"
with open(f"{d}/rt5.sql", "w") as f:
    for i in range(1, n + 1):
        f.write(f"RESET ALL;\nBEGIN;\n{stmt(i)};\n{row(i)};\nCOMMIT;\n")
with open(f"{d}/rt3.sql", "w") as f:
    for i in range(1, n + 1):
        f.write(f"RESET ALL\\; BEGIN;\n{stmt(i)};\n{row(i)}\\; COMMIT;\n")
with open(f"{d}/rt1.sql", "w") as f:
    for i in range(1, n + 1):
        f.write(f"RESET ALL\\; BEGIN\\; {stmt(i)}\\; {row(i)}\\; COMMIT;\n")
EOF

cat > "$dir/reset.sql" <<'EOF'
DROP SCHEMA IF EXISTS bench CASCADE;
DROP SCHEMA IF EXISTS bench_sys CASCADE;
CREATE SCHEMA bench;
CREATE TABLE bench.t (n integer PRIMARY KEY, label text NOT NULL);
CREATE SCHEMA bench_sys;
CREATE TABLE bench_sys.upgrades (
    id serial PRIMARY KEY, version varchar(50) NOT NULL, description varchar(200) NOT NULL,
    type integer NOT NULL, script varchar(1000) NOT NULL, checksum varchar(32) NOT NULL,
    installed_by varchar(100) NOT NULL, installed_on timestamp NOT NULL DEFAULT now(),
    execution_time integer NOT NULL, success boolean NOT NULL);
CHECKPOINT;
EOF

psql="psql -X -q -v ON_ERROR_STOP=1 service=bench"
hyperfine --warmup 1 --runs "$runs" --style basic \
    --prepare "$psql -f $dir/reset.sql >/dev/null 2>&1" \
    --export-json "$out/roundtrips.json" \
    -n "5 round trips/delta (pum today)" "$psql -f $dir/rt5.sql" \
    -n "3 round trips/delta" "$psql -f $dir/rt3.sql" \
    -n "1 round trip/delta (pipelined)" "$psql -f $dir/rt1.sql"
python3 "$here/report.py" "$out/roundtrips.json" --title "Round trips per delta, $n deltas (psql replay)"
