#!/usr/bin/env bash
# Runs inside `pum sandbox --db a2k --db b2k --db a10k --db b10k` (see run.sh):
# PGSERVICEFILE, PGHOST, PGPORT, PGUSER and PUM are set by the sandbox.
#
# Knobs: PUM_BEFORE (another pum binary, timed and measured next to this one),
# BENCH_QUICK=1 (N=200 only, 2 runs), BENCH_RUNS (5), BENCH_MIGRA_RUNS
# (same as BENCH_RUNS), BENCH_SKIP_PUM010=1, BENCH_PUM010_N (2000),
# BENCH_PUM010_TIMEOUT (900 s), BENCH_CHECK_OUT (results directory).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
: "${PUM:?run this through bench/check/run.sh (pum sandbox sets PUM)}"
MIGRA=${MIGRA:-/opt/migra/bin/migra}
PUM010=${PUM010:-/opt/pum010/bin/pum}

if [ "${BENCH_QUICK:-0}" = 1 ]; then
    sizes=("200:2k:200")      # N=200 loaded into the a2k/b2k databases, labelled "200"
    runs=${BENCH_RUNS:-2}
    out=${BENCH_CHECK_OUT:-$here/results-quick}
    pum010_n=${BENCH_PUM010_N:-200}
else
    sizes=("2000:2k:2k" "10000:10k:10k")   # N:database suffix:label
    runs=${BENCH_RUNS:-5}
    out=${BENCH_CHECK_OUT:-$here/results}
    pum010_n=${BENCH_PUM010_N:-2000}
fi
migra_runs=${BENCH_MIGRA_RUNS:-$runs}
work=$(mktemp -d "${TMPDIR:-/tmp}/pum-bench-check.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
rm -f "$out"/*.json "$out"/*.txt "$out"/*.md

log() { echo "bench/check: $*" >&2; }

# --- the floor: pum's catalog queries, as psql runs them ----------------------
# The queries pum runs by default on this server: one per kind, the variant
# for this major (sql/<kind>.before<M>.sql with the smallest M above it, else
# sql/<kind>.sql), without privileges (compared only with --privileges).
major=$(psql -X -A -t -d a2k -c "SELECT current_setting('server_version_num')::int / 10000")
floor_sql=$work/floor.sql
{
    echo "SET search_path = '';"
    echo "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;"
    python3 - "$root/crates/pum-core/src/catalog/sql" "$major" <<'PY'
import os, re, sys
d, major = sys.argv[1], int(sys.argv[2])
kinds = sorted({re.sub(r"\.before\d+$", "", f[:-4]) for f in os.listdir(d) if f.endswith(".sql")})
for k in kinds:
    if k in ("privileges", "subscription_connections"):
        continue
    older = sorted(int(m.group(1)) for f in os.listdir(d)
                   for m in [re.fullmatch(re.escape(k) + r"\.before(\d+)\.sql", f)] if m)
    below = [v for v in older if major < v]
    name = f"{k}.before{below[0]}.sql" if below else f"{k}.sql"
    print(open(os.path.join(d, name)).read().rstrip().rstrip(";") + ";")
PY
    echo "COMMIT;"
} >"$floor_sql"
cat >"$work/floor.sh" <<FLOOR
#!/usr/bin/env bash
# Both sides at the same time, as pum does; -A -t keeps psql's formatting cheap.
psql -X -q -A -t -v ON_ERROR_STOP=1 -d "\$1" -f "$floor_sql" -o /dev/null & p=\$!
psql -X -q -A -t -v ON_ERROR_STOP=1 -d "\$2" -f "$floor_sql" -o /dev/null; r=\$?
wait \$p && exit \$r
FLOOR
chmod +x "$work/floor.sh"

url() { echo "postgresql://postgres@/$1?host=$PGHOST&port=$PGPORT"; }

# --- metadata -----------------------------------------------------------------
{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "server: $(psql -X -A -t -d a2k -c 'SELECT version()')"
    echo "cores: $(nproc)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "memory: $(grep MemTotal /proc/meminfo | awk '{print $2 " kB"}')"
    echo "pum: $("$PUM" -v 2>&1 | head -1)"
    [ -z "${PUM_BEFORE:-}" ] || echo "pum before: $PUM_BEFORE"
    echo "migra: $("$MIGRA" --help >/dev/null 2>&1 && /opt/migra/bin/pip show migra 2>/dev/null | grep ^Version || echo '?')"
    echo "runs: $runs (migra $migra_runs), warmup 1"
} >"$out/meta.txt"
cat "$out/meta.txt" >&2

# --- load ---------------------------------------------------------------------
load() { # db dir
    local f
    for f in "$2"/*.sql; do
        psql -X -q -1 -v ON_ERROR_STOP=1 -d "$1" -f "$f" >/dev/null
    done
    psql -X -q -d "$1" -c "VACUUM ANALYZE"
}
for s in "${sizes[@]}"; do
    n=${s%%:*}; tag=$(echo "$s" | cut -d: -f2)
    log "generating N=$n"
    python3 "$here/gen.py" "$n" "$work/gen$tag"
    cp "$work/gen$tag/differences.txt" "$out/differences_$tag.txt"
    log "loading N=$n into a$tag and b$tag"
    t0=$(date +%s)
    load "a$tag" "$work/gen$tag/a" & pa=$!
    load "b$tag" "$work/gen$tag/b"
    wait $pa
    log "loaded in $(( $(date +%s) - t0 )) s"
    psql -X -A -t -d "a$tag" -c "SELECT 'a$tag: ' || count(*) || ' pg_class rows, ' || pg_size_pretty(pg_database_size(current_database())) FROM pg_class" >>"$out/meta.txt"
done

# --- sanity: every tool sees the differences -----------------------------------
for s in "${sizes[@]}"; do
    tag=$(echo "$s" | cut -d: -f2)
    set +e
    "$PUM" check -p1 "a$tag" -p2 "b$tag" >"$out/pum_check_$tag.txt" 2>&1; rc=$?
    "$MIGRA" --unsafe "$(url "a$tag")" "$(url "b$tag")" >"$out/migra_$tag.sql" 2>&1; rm_=$?
    "$work/floor.sh" "a$tag" "b$tag"; rf=$?
    set -e
    log "$tag: pum check exit $rc, migra exit $rm_, floor exit $rf"
    [ "$rc" = 1 ] || { log "pum check should exit 1 (differences found)"; cat "$out/pum_check_$tag.txt" >&2; exit 1; }
    [ "$rm_" = 2 ] || { log "migra should exit 2 (differences found)"; tail "$out/migra_$tag.sql" >&2; exit 1; }
    [ "$rf" = 0 ] || { log "the floor queries failed"; exit 1; }
done

# --- timings ------------------------------------------------------------------
for s in "${sizes[@]}"; do
    tag=$(echo "$s" | cut -d: -f2); label=${s##*:}
    log "hyperfine, N=${s%%:*}"
    echo "load average before N=${s%%:*}: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/meta.txt"
    before=()
    [ -z "${PUM_BEFORE:-}" ] || before=(-n "pum before $label" "$PUM_BEFORE check -p1 a$tag -p2 b$tag")
    hyperfine --warmup 1 --runs "$runs" -i --export-json "$out/hyperfine_$tag.json" \
        -n "pum check $label" "$PUM check -p1 a$tag -p2 b$tag" \
        "${before[@]}" \
        -n "floor $label" "$work/floor.sh a$tag b$tag"
    hyperfine --warmup 1 --runs "$migra_runs" -i --export-json "$out/hyperfine_migra_$tag.json" \
        -n "migra $label" "$MIGRA --unsafe '$(url "a$tag")' '$(url "b$tag")'"
done

# --- peak memory --------------------------------------------------------------
for s in "${sizes[@]}"; do
    tag=$(echo "$s" | cut -d: -f2)
    /usr/bin/time -v "$PUM" check -p1 "a$tag" -p2 "b$tag" >/dev/null 2>"$out/time_v_pum_$tag.txt" || true
    log "$tag: pum check $(grep 'Maximum resident' "$out/time_v_pum_$tag.txt")"
    if [ -n "${PUM_BEFORE:-}" ]; then
        /usr/bin/time -v "$PUM_BEFORE" check -p1 "a$tag" -p2 "b$tag" >/dev/null 2>"$out/time_v_pum_before_$tag.txt" || true
        log "$tag: pum before $(grep 'Maximum resident' "$out/time_v_pum_before_$tag.txt")"
    fi
    /usr/bin/time -v "$MIGRA" --unsafe "$(url "a$tag")" "$(url "b$tag")" >/dev/null 2>"$out/time_v_migra_$tag.txt" || true
done

# --- Python pum 0.10, once ----------------------------------------------------
if [ "${BENCH_SKIP_PUM010:-0}" != 1 ] && [ -x "$PUM010" ]; then
    if [ "$pum010_n" = "${sizes[0]%%:*}" ]; then
        tag=$(echo "${sizes[0]}" | cut -d: -f2); p1=a$tag; p2=b$tag
    else
        log "loading N=$pum010_n for pum 0.10"
        psql -X -q -d a2k -c "CREATE DATABASE a_py" -c "CREATE DATABASE b_py"
        python3 "$here/gen.py" "$pum010_n" "$work/genpy"
        load a_py "$work/genpy/a"; load b_py "$work/genpy/b"
        { echo "[a_py]"; echo "dbname=a_py"; echo "[b_py]"; echo "dbname=b_py"; } >>"$PGSERVICEFILE"
        p1=a_py; p2=b_py
    fi
    timeout_s=${BENCH_PUM010_TIMEOUT:-900}
    log "pum 0.10 check $p1 $p2 (N=$pum010_n, timeout ${timeout_s} s)"
    t0=$(date +%s.%N)
    set +e
    timeout "$timeout_s" /usr/bin/time -v "$PUM010" check -p1 "$p1" -p2 "$p2" \
        >"$out/pum010_check.txt" 2>"$out/time_v_pum010.txt"; rc=$?
    set -e
    t1=$(date +%s.%N)
    echo "{\"n\": $pum010_n, \"exit\": $rc, \"seconds\": $(echo "$t1 - $t0" | bc), \"timeout\": $timeout_s}" >"$out/pum010.json"
    log "pum 0.10: exit $rc in $(echo "$t1 - $t0" | bc) s"
fi

python3 "$here/summary.py" "$out" | tee "$out/summary.md"
