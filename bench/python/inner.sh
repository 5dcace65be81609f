#!/usr/bin/env bash
# Runs inside `pum sandbox --db bench`: generates the delta sets, checks
# each tool applies them, then times both with hyperfine.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
n=${BENCH_N:-50}; runs=${BENCH_RUNS:-10}
if [ "${BENCH_QUICK:-0}" = 1 ]; then n=${BENCH_N:-10}; runs=${BENCH_RUNS:-3}; fi
out=${BENCH_PY_OUT:-$here/results}
mkdir -p "$out"
python=$(dirname "$PUM010")/python
work=$BENCH_WORK

# pre-all.py as real data models write it: checks the pum distribution and
# the database version with pkg_resources (through str(), so that a pum
# build from before version objects can be measured too).
mkdir -p "$work/none" "$work/many"
cat > "$work/pre-all.py" <<'PY'
import pkg_resources
from pum.core.deltapy import DeltaPy


class PreAll(DeltaPy):
    def run(self):
        try:
            assert pkg_resources.get_distribution("pum").parsed_version >= pkg_resources.parse_version("0.10.0")
        except pkg_resources.DistributionNotFound:
            pass  # pum builds from before the pum distribution
        if pkg_resources.parse_version(str(self.current_db_version)) > pkg_resources.parse_version("0.0.1"):
            self.write_message("database at {}".format(self.current_db_version))
PY
cp "$work/pre-all.py" "$work/none/"
cp "$work/pre-all.py" "$work/many/"
for i in $(seq 1 "$n"); do
    cat > "$work/many/delta_1.0.${i}_py.py" <<PY
import psycopg2
from pum.core.deltapy import DeltaPy


class Delta(DeltaPy):
    def run(self):
        conn = psycopg2.connect("service={}".format(self.pg_service))
        with conn:
            with conn.cursor() as cur:
                cur.execute("INSERT INTO app.log (marker) VALUES (%s)", ("$i",))
        conn.close()
PY
done

prepare() { # tool
    cat <<SH
dropdb --if-exists bench && createdb bench && psql -q -X service=bench -c 'CREATE SCHEMA app; CREATE TABLE app.log (id serial, marker text)' && $1 baseline -p bench -t app.info -d $work/none -b 1.0.0 >/dev/null
SH
}
ours="$BENCH_PUM"
cmd_ours() { echo "PUM_PYTHON=$python $ours upgrade -p bench -t app.info -d $work/$1"; }
cmd_theirs() { echo "$PUM010 upgrade -p bench -t app.info -d $work/$1"; }
base=${BENCH_PUM_BASE:-}

# Every command applies everything: check once before timing.
for tool in ours theirs ${base:+base}; do
    case $tool in
        ours) bin=$ours; cmd=$(cmd_ours many) ;;
        theirs) bin=$PUM010; cmd=$(cmd_theirs many) ;;
        base) bin=$base; cmd="PUM_PYTHON=$python $base upgrade -p bench -t app.info -d $work/many" ;;
    esac
    bash -c "$(prepare "$bin")"
    bash -c "$cmd" >/dev/null
    rows=$(psql -X -At service=bench -c "SELECT count(*) FROM app.log")
    hist=$(psql -X -At service=bench -c "SELECT count(*) FROM app.info WHERE type = 4")
    [ "$rows" = "$n" ] && [ "$hist" = "$n" ] || { echo "bench/python: $tool applied $rows rows, $hist history rows; expected $n" >&2; exit 1; }
done
echo "bench/python: all tools apply the $n Python deltas" >&2

args=()
for set in none many; do
    args+=(--prepare "$(prepare "$ours")" -n "pum, $set" "$(cmd_ours $set)")
    args+=(--prepare "$(prepare "$PUM010")" -n "pum 0.10, $set" "$(cmd_theirs $set)")
    if [ -n "$base" ]; then
        args+=(--prepare "$(prepare "$base")" -n "pum, one interpreter per delta, $set" "PUM_PYTHON=$python $base upgrade -p bench -t app.info -d $work/$set")
    fi
done
hyperfine --warmup 1 --runs "$runs" --export-json "$out/python.json" "${args[@]}"
python3 "$here/summary.py" "$out/python.json" "$n" | tee "$out/summary.md"
