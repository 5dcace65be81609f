#!/usr/bin/env bash
# Where does `pum check` spend its time? Loads the N=10,000 pair (as inner.sh)
# into a fresh sandbox, then
#   1. times each catalog query alone with psql \timing (best of 3, one side);
#   2. EXPLAIN ANALYZE of the slowest queries;
#   3. pum check a10k-b10k end to end, with user/sys CPU (time -v), and a
#      perf profile of the pum process when perf is available.
#
#   bash bench/check/profile.sh            (after cargo build --release -p pum)
# Writes bench/check/results/profile_*.txt. Knob: BENCH_PROFILE_N (10000).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if [ -z "${PUM:-}" ]; then
    exec "$root/target/release/pum" sandbox --db a10k --db b10k -- bash "$here/profile.sh"
fi
n=${BENCH_PROFILE_N:-10000}
out=${BENCH_CHECK_OUT:-$here/results}
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/pum-bench-profile.XXXXXX")
trap 'rm -rf "$work"' EXIT
python3 "$here/gen.py" "$n" "$work/gen"
load() {
    local f
    for f in "$2"/*.sql; do psql -X -q -1 -v ON_ERROR_STOP=1 -d "$1" -f "$f" >/dev/null; done
    psql -X -q -d "$1" -c "VACUUM ANALYZE"
}
load a10k "$work/gen/a" & p=$!
load b10k "$work/gen/b"
wait $p

sqldir=$root/crates/pum-core/src/catalog/sql
{
    echo "SET search_path = '';"
    echo "\\o /dev/null"
    echo "\\timing on"
    for f in "$sqldir"/*.sql; do
        k=$(basename "$f" .sql)
        for i in 1 2 3; do
            echo "\\echo $k"
            cat "$f"; echo ";"
        done
    done
} >"$work/timing.sql"
psql -X -q -A -t -d a10k -f "$work/timing.sql" 2>&1 |
    awk '/^Time:/ { t = $2 + 0; if (!(k in best) || t < best[k]) best[k] = t; next } { k = $0 }
         END { for (k in best) { printf "%10.1f ms  %s\n", best[k], k; s += best[k] } printf "%10.1f ms  TOTAL (one side, sequential)\n", s }' |
    sort -n >"$out/profile_queries.txt"
{
    echo "rows per query (a10k):"
    for f in "$sqldir"/*.sql; do
        printf '  %-20s %s\n' "$(basename "$f" .sql)" \
            "$( { echo "SET search_path = '';"; echo "SELECT count(*) FROM ("; cat "$f"; echo ") q;"; } | psql -X -q -A -t -d a10k -f - | tail -1)"
    done
} >>"$out/profile_queries.txt"
cat "$out/profile_queries.txt"

: >"$out/profile_explain.txt"
for k in $(sort -rn "$out/profile_queries.txt" | awk '$3 != "TOTAL" && $2 == "ms" {print $3}' | head -4); do
    {
        echo "==================== $k"
        echo "SET search_path = '';"
        echo "EXPLAIN (ANALYZE, BUFFERS, TIMING OFF)"
        cat "$sqldir/$k.sql"; echo ";"
    } | psql -X -q -d a10k -f - >>"$out/profile_explain.txt" 2>&1
done

/usr/bin/time -v "$PUM" check -p1 a10k -p2 b10k -o /dev/null 2>"$out/profile_time_v.txt" || true
grep -E "Elapsed|User time|System time|Maximum resident" "$out/profile_time_v.txt"
if command -v perf >/dev/null 2>&1; then
    perf record -q -g -o "$work/perf.data" "$PUM" check -p1 a10k -p2 b10k -o /dev/null >/dev/null 2>&1 || true
    perf report -q -i "$work/perf.data" --no-children --sort dso,symbol --stdio 2>/dev/null |
        grep -v '^$' | grep -E '^ +[0-9]' | head -40 >"$out/profile_perf.txt" || true
    cat "$out/profile_perf.txt"
fi
