#!/usr/bin/env bash
# Benchmarks pum against pum 0.10 and plain psql. See bench/README.md.
#
#   bash bench/run.sh                 full run (1,000 deltas, 10 runs per command)
#   BENCH_QUICK=1 bash bench/run.sh   smoke run (100 deltas, 3 runs)
#
# Other knobs: PUM010 (pum 0.10 executable), BENCH_N, BENCH_RUNS, BENCH_OUT,
# BENCH_ONLY (e.g. "AC"), PUM_PG_BINDIR (PostgreSQL server binaries).
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)

missing=0
need() {
    if ! command -v "$1" >/dev/null 2>&1; then
        echo "bench: '$1' not found. $2" >&2
        missing=1
    fi
}
need cargo "Install Rust (https://rustup.rs)."
need python3 "Install Python 3 (apt-get install python3)."
need hyperfine "Install it: apt-get install hyperfine (or cargo install hyperfine)."
need psql "Install the PostgreSQL client and server: apt-get install postgresql."

PUM010=${PUM010:-/opt/pum010/bin/pum}
if [ ! -x "$PUM010" ]; then
    cat >&2 <<EOF
bench: Python pum 0.10 not found at $PUM010. Install it in a virtualenv:
    python3 -m venv /opt/pum010
    /opt/pum010/bin/pip install 'pum==0.10.0' psycopg2-binary 'setuptools<81'
(setuptools provides pkg_resources, which pum 0.10 imports), or point PUM010 at
an existing pum 0.10 executable.
EOF
    missing=1
fi
[ "$missing" = 0 ] || exit 1
export PUM010

echo "bench: building pum (release)" >&2
cargo build --release -p pum

# Measure a private copy of the binary, so a rebuild in the work tree while
# the benchmark runs cannot swap it under us.
work=$(mktemp -d "${TMPDIR:-/tmp}/pum-bench-bin-XXXXXX")
trap 'rm -rf "$work"' EXIT
cp "$root/target/release/pum" "$work/pum"

if rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null); then
    if [ -n "$(git -C "$root" status --porcelain --untracked-files=no -- crates Cargo.toml Cargo.lock 2>/dev/null)" ]; then
        rev="$rev + uncommitted changes"
    fi
    export BENCH_SOURCE="commit $rev"
fi

"$work/pum" sandbox --db bench -- python3 "$root/bench/inner.py"
