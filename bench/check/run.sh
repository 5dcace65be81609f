#!/usr/bin/env bash
# Benchmarks `pum check` against migra and the bare catalog queries (the floor).
# See bench/check/README.md.
#
#   bash bench/check/run.sh                 full run (N=2,000 and N=10,000 tables, 5 runs)
#   BENCH_QUICK=1 bash bench/check/run.sh   smoke run (N=200, 2 runs)
#
# Other knobs: MIGRA (migra executable), PUM010 (pum 0.10 executable),
# BENCH_RUNS, BENCH_MIGRA_RUNS, BENCH_SKIP_PUM010=1, BENCH_PUM010_N,
# BENCH_PUM010_TIMEOUT, BENCH_CHECK_OUT, PUM_PG_BINDIR (server binaries).
set -euo pipefail

cd "$(dirname "$0")/../.."
root=$(pwd)

missing=0
need() {
    if ! command -v "$1" >/dev/null 2>&1; then
        echo "bench/check: '$1' not found. $2" >&2
        missing=1
    fi
}
need cargo "Install Rust (https://rustup.rs)."
need python3 "Install Python 3 (apt-get install python3)."
need hyperfine "Install it: apt-get install hyperfine (or cargo install hyperfine)."
need psql "Install the PostgreSQL client and server: apt-get install postgresql."
need bc "Install it: apt-get install bc."
need timeout "Install coreutils."
if [ ! -x /usr/bin/time ]; then
    echo "bench/check: /usr/bin/time not found (needed for peak memory). Install it: apt-get install time" >&2
    missing=1
fi

MIGRA=${MIGRA:-/opt/migra/bin/migra}
if [ ! -x "$MIGRA" ]; then
    cat >&2 <<EOM
bench/check: migra not found at $MIGRA. Install it in a virtualenv:
    python3 -m venv /opt/migra
    /opt/migra/bin/pip install migra psycopg2-binary 'sqlalchemy<2' 'setuptools<81'
or point MIGRA at an existing migra executable.
EOM
    missing=1
fi
PUM010=${PUM010:-/opt/pum010/bin/pum}
if [ "${BENCH_SKIP_PUM010:-0}" != 1 ] && [ ! -x "$PUM010" ]; then
    cat >&2 <<EOM
bench/check: Python pum 0.10 not found at $PUM010. Install it in a virtualenv:
    python3 -m venv /opt/pum010
    /opt/pum010/bin/pip install 'pum==0.10.0' psycopg2-binary 'setuptools<81'
or point PUM010 at an existing pum 0.10 executable, or set BENCH_SKIP_PUM010=1.
EOM
    missing=1
fi
[ "$missing" = 0 ] || exit 1
export MIGRA PUM010

echo "bench/check: building pum (release)" >&2
cargo build --release -p pum

exec "$root/target/release/pum" sandbox --db a2k --db b2k --db a10k --db b10k -- bash "$root/bench/check/inner.sh"
