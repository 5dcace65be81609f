#!/usr/bin/env bash
# kill -9 campaign: proves that killing `pum upgrade` at any moment never
# leaves a half-applied delta, and that the next `pum upgrade` finishes.
#
# Inside one throwaway cluster (`pum sandbox`), builds a data model whose
# upgrade mixes pipelined SQL deltas, long SQL deltas (sent statement by
# statement), COPY deltas with inline data, Python deltas (psycopg2) and
# `-- pum:no-transaction` deltas (CREATE INDEX CONCURRENTLY). It upgrades a
# reference database without interruption, timing it; then, for each
# trial: a fresh database, `pum upgrade`, `kill -9` after a random delay
# drawn over the whole upgrade, a check of the invariant, `pum upgrade`
# again, and a comparison with the reference (`pum check` and row counts).
#
# Invariant, after the kill and once every session of the killed run is
# gone: for every transactional delta (SQL, COPY), its effects exist if and
# only if its row exists, and when they exist they are complete. For a
# Python delta (its own connection, its own commit) and a no-transaction
# delta, a row implies complete effects; effects without a row are counted
# (that is their documented window), not called violations.
#
#   scripts/kill-campaign.sh                # 200 trials
#   KILL_TRIALS=20 scripts/kill-campaign.sh # the reduced form CI runs
#
# Environment: PUM (the binary; default: built with cargo), PUM_PYTHON (an
# interpreter with psycopg2), KILL_TRIALS, KILL_SEED (for $RANDOM).
# Exit code 1 when an invariant is violated, a re-run fails or a final
# state differs from the reference.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)

if [ -z "${PUM_KILL_INNER:-}" ]; then
    if [ -z "${PUM:-}" ]; then
        (cd "$root" && cargo build -q --release -p pum)
        PUM="${CARGO_TARGET_DIR:-$root/target}/release/pum"
    fi
    if [ -z "${PUM_PYTHON:-}" ]; then
        PUM_PYTHON=python3
        if /usr/bin/python3 -c 'import psycopg2' 2>/dev/null; then
            PUM_PYTHON=/usr/bin/python3
        fi
    fi
    export PUM PUM_PYTHON PUM_KILL_INNER=1
    exec "$PUM" sandbox --db scratch -- bash "$0" "$@"
fi

# ---- inside the sandbox: PGHOST, PGPORT, PGUSER are set ----------------

trials=${KILL_TRIALS:-200}
RANDOM=${KILL_SEED:-$$}
if command -v psql >/dev/null; then
    PSQL=psql
else
    PSQL=$(ls -d /usr/lib/postgresql/*/bin/psql | sort -V | tail -1)
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/pum-kill-XXXXXX")
trap 'rm -rf "$work"' EXIT
# pum's own temporary files (the service file it writes for Python
# deltas when -p is a connection string) go here, to be counted.
mkdir -p "$work/tmp"
model="$work/model"
mkdir -p "$model/delta"

q() { # q DB SQL: one value or rows, unaligned
    "$PSQL" -X -q -v ON_ERROR_STOP=1 -At -d "$1" -c "$2"
}
conn() { # a connection string, not a service: pum then writes a temporary service file
    echo "host=$PGHOST port=$PGPORT user=$PGUSER dbname=$1"
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
pum_upgrade() { # pum_upgrade DB: the upgrade, from the model directory
    (cd "$model" && TMPDIR="$work/tmp" exec "$PUM" upgrade -p "$(conn "$1")" -t m.info -d delta)
}

# ---- the data model ----------------------------------------------------
# manifest: version name kind expected-rows
manifest="$work/manifest"
: >"$manifest"
kinds=(sql copy long py sql notx copy sql py long notx sql copy py sql notx)
add() { echo "$1 $2 $3 $4" >>"$manifest"; }

cat >"$model/delta/delta_1.0.1_big.sql" <<'EOF'
CREATE TABLE m.d_big (id int, v int);
INSERT INTO m.d_big SELECT g, g % 1000 FROM generate_series(1, 30000) g;
EOF
add 1.0.1 big sql 30000
i=2
for kind in "${kinds[@]}"; do
    v="1.0.$i"
    name="${kind}_$i"
    f="$model/delta/delta_${v}_${name}"
    case $kind in
    sql) # short: sent with its row in one pipeline
        printf '%s\n' \
            "CREATE TABLE m.d_$name (id int);" \
            "INSERT INTO m.d_$name SELECT generate_series(1, 1000);" \
            "SELECT pg_sleep(0.03);" \
            "CREATE INDEX ON m.d_$name (id);" >"$f.sql"
        add "$v" "$name" sql 1000
        ;;
    long) # more than 64 statements: one at a time
        {
            echo "CREATE TABLE m.d_$name (id int);"
            for k in $(seq 1 80); do
                echo "INSERT INTO m.d_$name VALUES ($k);"
                if [ $((k % 20)) = 0 ]; then echo "SELECT pg_sleep(0.01);"; fi
            done
        } >"$f.sql"
        add "$v" "$name" long 80
        ;;
    copy) # inline data
        {
            echo "CREATE TABLE m.d_$name (id int, t text);"
            echo "COPY m.d_$name (id, t) FROM stdin;"
            for k in $(seq 1 3000); do printf '%d\trow %d\n' "$k" "$k"; done
            echo '\.'
            echo "SELECT pg_sleep(0.02);"
        } >"$f.sql"
        add "$v" "$name" copy 3000
        ;;
    py) # its own connection and transaction; re-runnable
        cat >"$f.py" <<EOF
import psycopg2
from pum.core.deltapy import DeltaPy


class Fill(DeltaPy):
    def run(self):
        conn = psycopg2.connect("service={}".format(self.pg_service))
        cur = conn.cursor()
        cur.execute("DROP TABLE IF EXISTS m.d_$name")
        cur.execute("CREATE TABLE m.d_$name (id int)")
        cur.execute("INSERT INTO m.d_$name SELECT generate_series(1, 500)")
        cur.execute("SELECT pg_sleep(0.05)")
        conn.commit()
        conn.close()
EOF
        add "$v" "$name" py 500
        ;;
    notx) # outside a transaction; re-runnable
        printf '%s\n' \
            "-- pum:no-transaction" \
            "DROP INDEX CONCURRENTLY IF EXISTS m.i_$name;" \
            "CREATE INDEX CONCURRENTLY i_$name ON m.d_big (v, id);" >"$f.sql"
        add "$v" "$name" notx 0
        ;;
    esac
    i=$((i + 1))
done
ndeltas=$(wc -l <"$manifest")

# ---- base, reference ---------------------------------------------------
q postgres "CREATE DATABASE base"
q base "CREATE SCHEMA m"
"$PUM" baseline -p "$(conn base)" -t m.info -b 1.0.0 >/dev/null
q postgres "CREATE DATABASE ref TEMPLATE base"
t0=$(now_ms)
pum_upgrade ref >"$work/ref.out" 2>&1 || {
    cat "$work/ref.out"
    echo "the reference upgrade failed" >&2
    exit 1
}
duration=$(($(now_ms) - t0))

# Row counts of every table of m (the upgrades table: its rows without
# times and ids), to compare a trial with the reference.
fingerprint() {
    q "$1" "SELECT c.relname || ' ' || (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM m.%I', c.relname), false, true, '')))[1]::text
            FROM pg_class c WHERE c.relnamespace = 'm'::regnamespace AND c.relkind = 'r' ORDER BY 1"
    q "$1" "SELECT version || ' ' || description || ' ' || type || ' ' || script || ' ' || checksum || ' ' || success
            FROM m.info ORDER BY version, type, description"
    q "$1" "SELECT indexrelid::regclass::text || ' ' || indisvalid FROM pg_index
            WHERE indrelid::regclass::text LIKE 'm.%' ORDER BY 1"
}
fingerprint ref >"$work/ref.fp"

echo "kill -9 campaign: $trials trials, $ndeltas deltas ($(cut -d' ' -f3 "$manifest" | sort | uniq -c | awk '{printf "%s%s %s", sep, $1, $2; sep=", "}')), uninterrupted upgrade: $duration ms"

# ---- trials --------------------------------------------------------------
declare -A phases=()
violations=0
rerun_failures=0
compare_failures=0
py_unrecorded=0
notx_unrecorded=0
orphan_workers=0
tmp_left=0
lock_max=0
lock_sum=0
lock_n=0
worker_max=0
rerun_waited=0

wait_gone() { # wait_gone DB: ms until no session of DB and no pum lock remain
    local db=$1 start
    start=$(now_ms)
    while :; do
        n=$(q postgres "SELECT count(*) FROM pg_stat_activity WHERE datname = '$db'")
        [ "$n" = 0 ] && break
        [ -n "${KILL_VERBOSE:-}" ] && q postgres "SELECT '  ' || $(($(now_ms) - start)) || ' ms: ' || pid || ' ' || coalesce(application_name, '') || ' ' || coalesce(state, '') || ' ' || coalesce(wait_event, '') || ' ' || left(coalesce(query, ''), 60) FROM pg_stat_activity WHERE datname = '$db'" >&2
        if [ $(($(now_ms) - start)) -gt 60000 ]; then
            echo "sessions of $db still there after 60 s" >&2
            break
        fi
        sleep 0.01
    done
    echo $(($(now_ms) - start))
}

# One query: for each delta, its rows in the upgrades table and its
# effects (rows of its table, -1 when absent; for a no-transaction delta,
# 1 when its index exists and is valid).
values=$(awk '{printf "%s(\x27%s\x27, \x27%s\x27, \x27%s\x27, %s)", sep, $1, $2, $3, $4; sep=", "}' "$manifest")
state_sql="SELECT e.v || ' ' || e.name || ' ' || e.kind || ' ' || e.expected || ' ' ||
    (SELECT count(*) FROM m.info i WHERE i.version = e.v AND i.type <> 0) || ' ' ||
    CASE WHEN e.kind = 'notx' THEN (SELECT count(*) FROM pg_index
              WHERE indexrelid = to_regclass('m.i_' || e.name) AND indisvalid)::text
         WHEN to_regclass('m.d_' || e.name) IS NULL THEN '-1'
         ELSE (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM m.%I', 'd_' || e.name),
               false, true, '')))[1]::text END
  FROM (VALUES $values) e(v, name, kind, expected)"

check_invariant() { # check_invariant DB TRIAL: prints one line per violation
    local db=$1 t=$2
    q "$db" "$state_sql" | while read -r v name kind expected row eff; do
        if [ "$kind" = notx ]; then
            present=$eff
            complete=$eff
        else
            present=$([ "$eff" = -1 ] && echo 0 || echo 1)
            complete=$([ "$eff" = "$expected" ] && echo 1 || echo 0)
            if [ "$present" = 1 ] && [ "$complete" = 0 ]; then
                echo "trial $t: $v $name ($kind): $eff rows of $expected"
            fi
        fi
        [ "$row" -le 1 ] || echo "trial $t: $v $name ($kind): $row rows in the upgrades table"
        if [ "$row" = 1 ] && [ "$complete" != 1 ]; then
            echo "trial $t: $v $name ($kind): recorded, but its effects are missing"
        elif [ "$row" = 0 ] && [ "$present" = 1 ]; then
            case $kind in
            sql | long | copy) echo "trial $t: $v $name ($kind): effects without a row" ;;
            *) echo "unrecorded $kind" ;;
            esac
        fi
    done
}

for t in $(seq 1 "$trials"); do
    db="t$t"
    trial_start=$(now_ms)
    q postgres "CREATE DATABASE $db TEMPLATE base"
    delay=$((RANDOM * 32768 + RANDOM))
    delay=$((delay % (duration > 0 ? duration : 1)))
    out="$work/run.out"
    # exec: $! is pum itself, not a shell around it.
    (cd "$model" && TMPDIR="$work/tmp" exec "$PUM" upgrade -p "$(conn "$db")" -t m.info -d delta) >"$out" 2>&1 &
    pid=$!
    sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
    children=$(pgrep -P "$pid" || true)
    kill -9 "$pid" 2>/dev/null || true
    status=0
    { wait "$pid"; } 2>/dev/null || status=$?
    killed_at=$(now_ms)

    # The phase: what the progress output says was running.
    last=$(grep -E '^\[[0-9]+/[0-9]+\] Applying |^ +OK \(' "$out" | tail -1 || true)
    if [ "$status" != 137 ]; then
        phase="finished before the kill"
    elif [ -z "$last" ]; then
        phase="startup (before the first delta)"
    elif [[ $last =~ ^\[[0-9]+/[0-9]+\]\ Applying\ ([0-9.]+)\  ]]; then
        phase="running a $(awk -v v="${BASH_REMATCH[1]}" '$1 == v {print $3}' "$manifest") delta"
    elif [[ $last =~ OK ]]; then
        phase="between deltas"
    else
        phase="other: $last"
    fi
    phases[$phase]=$((${phases[$phase]:-0} + 1))

    # What the kill left: a backend still holding the lock, a Python
    # worker, temporary files.
    lock_ms=$(wait_gone "$db")
    lock_sum=$((lock_sum + lock_ms))
    lock_n=$((lock_n + 1))
    [ "$lock_ms" -gt "$lock_max" ] && lock_max=$lock_ms
    for c in $children; do
        # Running, not a zombie waiting for a parent that does not reap.
        while [ -e "/proc/$c" ] && ! grep -q '^[^)]*) [ZX]' "/proc/$c/stat" 2>/dev/null; do sleep 0.01; done
        w=$(($(now_ms) - killed_at))
        orphan_workers=$((orphan_workers + 1))
        [ "$w" -gt "$worker_max" ] && worker_max=$w
    done
    left=$(find "$work/tmp" -mindepth 1 -maxdepth 1 | wc -l)
    tmp_left=$((tmp_left + left))
    rm -rf "${work:?}/tmp/"*

    # The invariant.
    report=$(check_invariant "$db" "$t")
    py_unrecorded=$((py_unrecorded + $(grep -c '^unrecorded py$' <<<"$report" || true)))
    notx_unrecorded=$((notx_unrecorded + $(grep -c '^unrecorded notx$' <<<"$report" || true)))
    bad=$(grep -v '^unrecorded ' <<<"$report" || true)
    if [ -n "$bad" ]; then
        echo "$bad"
        violations=$((violations + $(wc -l <<<"$bad")))
    fi

    # The next upgrade finishes, and ends where an uninterrupted one does.
    checked_at=$(now_ms)
    if ! pum_upgrade "$db" >"$work/rerun.out" 2>&1; then
        echo "trial $t: the re-run failed:"
        sed 's/^/  /' "$work/rerun.out"
        rerun_failures=$((rerun_failures + 1))
    else
        grep -q "Another upgrade of this database is running" "$work/rerun.out" &&
            rerun_waited=$((rerun_waited + 1))
        if ! "$PUM" check -p1 "$(conn "$db")" -p2 "$(conn ref)" -v 0 >/dev/null 2>&1 ||
            ! diff -q <(fingerprint "$db") "$work/ref.fp" >/dev/null; then
            echo "trial $t: the final state differs from the reference:"
            diff <(fingerprint "$db") "$work/ref.fp" | sed 's/^/  /' || true
            compare_failures=$((compare_failures + 1))
        fi
    fi
    q postgres "DROP DATABASE $db WITH (FORCE)"
    [ -n "${KILL_VERBOSE:-}" ] && echo "trial $t: delay $delay ms, $phase, sessions gone after $lock_ms ms, checked at $((checked_at - trial_start)) ms, trial took $(($(now_ms) - trial_start)) ms"
done

echo
echo "trials:                          $trials"
echo "kills by phase:"
for p in "${!phases[@]}"; do printf '  %4d  %s\n' "${phases[$p]}" "$p"; done | sort -k2
echo "invariant violations:            $violations"
echo "re-runs that failed:             $rerun_failures"
echo "final states != reference:       $compare_failures"
echo "Python deltas done, unrecorded:  $py_unrecorded (their own commit; re-run by the next upgrade)"
echo "no-transaction deltas done, unrecorded: $notx_unrecorded"
echo "sessions/lock left by the kill:  max $lock_max ms, mean $((lock_sum / (lock_n > 0 ? lock_n : 1))) ms until gone"
echo "re-runs that waited for a lock:  $rerun_waited"
echo "Python workers orphaned:         $orphan_workers (all gone within $worker_max ms of the kill)"
echo "temporary files left in TMPDIR:  $tmp_left"
[ "$violations" = 0 ] && [ "$rerun_failures" = 0 ] && [ "$compare_failures" = 0 ]
