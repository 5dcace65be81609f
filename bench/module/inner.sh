#!/usr/bin/env bash
# Inside `pum sandbox` (run.sh does that): generates the module, then times
# both installs (and psql's run of the same SQL, the floor) on fresh
# databases, rotating which goes first, and checks that both installs
# installed everything.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${PUM:?run me inside pum sandbox (bench/module/run.sh)}"
: "${PUM1:?the path of the pum executable of Python pum 1.x}"

if [ "${BENCH_QUICK:-0}" = 1 ]; then
    MB=${BENCH_MB:-1} ROUNDS=${BENCH_ROUNDS:-2}
else
    MB=${BENCH_MB:-8.8} ROUNDS=${BENCH_ROUNDS:-7}
fi
VERSIONS=${BENCH_VERSIONS:-7} FILES=${BENCH_FILES:-10}
OUT=${BENCH_MODULE_OUT:-$here/results}
mkdir -p "$OUT"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

python3 "$here/gen.py" "$work/m" "$MB" "$VERSIONS" "$FILES"
bytes=$(find "$work/m/changelogs" -name '*.sql' -printf '%s\n' | awk '{s+=$1} END {print s}')
files=$(find "$work/m/changelogs" -name '*.sql' | wc -l)
cd "$work"
# The floor: the same statements by psql in one transaction, no
# bookkeeping, no roles ({SRID} written as its default).
for f in $(find m/changelogs -name '*.sql' | sort) m/app/create.sql; do
    sed 's/{SRID}/2056/g' "$f"
done >"$work/all.sql"

# One install on a fresh database: prints milliseconds, rows, tables.
install() {
    local tool=$1 db=$2 t0 t1
    createdb "$db"
    t0=$(date +%s%N)
    if [ "$tool" = ours ]; then
        "$PUM" -p "dbname=$db" -d m install >"$work/$db.log" 2>&1 || { cat "$work/$db.log" >&2; exit 1; }
    elif [ "$tool" = python ]; then
        "$PUM1" -p "dbname=$db" -d m install >"$work/$db.log" 2>&1 || { cat "$work/$db.log" >&2; exit 1; }
    else
        psql -X -q -v ON_ERROR_STOP=1 -1 -d "$db" -f "$work/all.sql" >"$work/$db.log" 2>&1 || { cat "$work/$db.log" >&2; exit 1; }
    fi
    t1=$(date +%s%N)
    local rows=0 tables
    [ "$tool" = psql ] || rows=$(psql -X -At -d "$db" -c "SELECT count(*) FROM bm_sys.pum_migrations")
    tables=$(psql -X -At -d "$db" -c "SELECT count(*) FROM pg_tables WHERE schemaname LIKE 'bm\_%'")
    dropdb "$db"
    echo "$(( (t1 - t0) / 1000000 )) $rows $tables"
}

log "module: $files files, $bytes bytes, $VERSIONS versions; $ROUNDS rounds"
: >"$OUT/times.txt"
for r in $(seq 1 "$ROUNDS"); do
    case $((r % 3)) in
        1) order="ours python psql" ;;
        2) order="python psql ours" ;;
        *) order="psql ours python" ;;
    esac
    for tool in $order; do
        res=$(install "$tool" "bm_${tool}_$r")
        echo "$tool $res" >>"$OUT/times.txt"
        ms=${res%% *}; log "round $r: $tool $ms ms, rows and tables: ${res#* }"
    done
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$OUT" "$files" "$bytes" "$ROUNDS" "$load_start" "$load_end" <<'PY'
import json, statistics, sys
out, files, size, rounds, l0, l1 = sys.argv[1:]
runs = {}
for line in open(f"{out}/times.txt"):
    tool, ms, rows, tables = line.split()
    runs.setdefault(tool, []).append((int(ms), int(rows), int(tables)))
checks = {t: sorted({(r, tb) for _, r, tb in v}) for t, v in runs.items() if t != "psql"}
if checks["ours"] != checks["python"] or len(checks["ours"]) != 1:
    sys.exit(f"bench/module: the installs differ (pum_migrations rows, tables): {checks}")
res = {
    "files": int(files), "bytes": int(size), "rounds": int(rounds),
    "load_start": l0, "load_end": l1,
    "rows_tables": checks["ours"][0],
}
for t, v in runs.items():
    ms = [m for m, _, _ in v]
    res[t] = {"best_ms": min(ms), "median_ms": statistics.median(ms), "all_ms": ms}
res["ratio_median"] = round(res["python"]["median_ms"] / res["ours"]["median_ms"], 2)
res["psql_tables"] = sorted({tb for _, _, tb in runs["psql"]})
json.dump(res, open(f"{out}/results.json", "w"), indent=2)
print(json.dumps(res, indent=2))
PY
