#!/usr/bin/env bash
# Benchmarks `pum cm dump` and `pum cm restore` of 10 databases x 5 schemas,
# against what psql-cm runs for the same work (a pg_dump per schema; a psql
# per schema and per row). See bench/cm/README.md.
#
#   bash bench/cm/run.sh                 10 databases x 5 schemas, 10 runs each
#   BENCH_QUICK=1 bash bench/cm/run.sh   3 x 2, 3 runs (smoke run)
#
# Knobs: BENCH_DBS, BENCH_SCHEMAS, BENCH_TABLES (per schema), BENCH_CHANGES
# (submitted to every schema), BENCH_RUNS, BENCH_CM_OUT (results directory),
# PUM_PG_BINDIR (PostgreSQL server binaries).
set -euo pipefail
cd "$(dirname "$0")/../.."

missing=0
for tool in cargo hyperfine psql pg_dump createdb dropdb python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "bench/cm: '$tool' not found (apt-get install postgresql hyperfine python3; Rust from https://rustup.rs)" >&2
        missing=1
    fi
done
[ "$missing" = 0 ] || exit 1

echo "bench/cm: building pum (release)" >&2
cargo build -q --release -p pum
# A copy, so that a rebuild in the work tree during the run cannot swap it.
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
cp target/release/pum "$bin/pum"
"$bin/pum" sandbox --db postgres_bench -- bash bench/cm/inner.sh
