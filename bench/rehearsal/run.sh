#!/usr/bin/env bash
# Benchmarks `pum test` (the rehearsal of an upgrade) against the same steps
# run by hand (pg_dump, pg_restore, psql). See bench/rehearsal/README.md.
#
#   bash bench/rehearsal/run.sh                 full run (~1 GB production, 3 runs)
#   BENCH_QUICK=1 bash bench/rehearsal/run.sh   smoke run (~50 MB)
#
# Other knobs: BENCH_ORDERS (scale), BENCH_RUNS, BENCH_REHEARSAL_OUT (results
# directory), BENCH_DIAG=1 (also time pg_restore --verbose by hand),
# PUM_PG_BINDIR (PostgreSQL server binaries).
set -euo pipefail

cd "$(dirname "$0")/../.."

missing=0
for tool in cargo python3 psql pg_dump pg_restore createdb dropdb bc; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "bench/rehearsal: '$tool' not found (apt-get install postgresql bc python3; Rust from https://rustup.rs)" >&2
        missing=1
    fi
done
[ "$missing" = 0 ] || exit 1

echo "bench/rehearsal: building pum (release)" >&2
cargo build -q --release -p pum

exec target/release/pum sandbox --db prod --db ref --db manual_test -- \
    bash bench/rehearsal/inner.sh
