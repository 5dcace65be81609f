#!/usr/bin/env bash
# Benchmarks `pum install` of a pum 1.x module (70 changelog files, about
# 9 MB of SQL over 7 versions, two roles, application hooks) against Python
# pum 1.9.2's install of the same module, on fresh databases of one
# throwaway cluster. See bench/module/README.md.
#
#   bash bench/module/run.sh                 9 MB, 7 rounds
#   BENCH_QUICK=1 bash bench/module/run.sh   1 MB, 2 rounds (smoke run)
#
# Knobs: BENCH_MB (SQL size), BENCH_VERSIONS, BENCH_FILES (per version),
# BENCH_ROUNDS, BENCH_MODULE_OUT (results directory), PUM1 (Python pum
# 1.x's `pum`, default target/pum1-venv/bin/pum), PUM_PG_BINDIR.
set -euo pipefail
cd "$(dirname "$0")/../.."

PUM1=${PUM1:-$PWD/target/pum1-venv/bin/pum}
missing=0
for tool in cargo psql createdb dropdb python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "bench/module: '$tool' not found (apt-get install postgresql python3; Rust from https://rustup.rs)" >&2
        missing=1
    fi
done
if [ ! -x "$PUM1" ]; then
    echo "bench/module: Python pum 1.x not found at $PUM1 (scripts/setup.sh --tests installs it; or set PUM1)" >&2
    missing=1
fi
[ "$missing" = 0 ] || exit 1

echo "bench/module: building pum (release)" >&2
cargo build -q --release -p pum
# A copy, so that a rebuild in the work tree during the run cannot swap it.
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
cp target/release/pum "$bin/pum"
PUM1=$PUM1 "$bin/pum" sandbox --db postgres_bench -- bash bench/module/inner.sh
