#!/usr/bin/env bash
# Python-delta overhead: pum against Python pum 0.10 on the same deltas,
# the same interpreter and the same throwaway cluster. See README.md.
#
#   bash bench/python/run.sh                 full run (50 Python deltas, 10 runs)
#   BENCH_QUICK=1 bash bench/python/run.sh   smoke run (10 deltas, 3 runs)
#
# Knobs: PUM010 (pum 0.10 executable; its venv's python runs the deltas of
# both tools), BENCH_N, BENCH_RUNS, BENCH_PUM_BASE (another pum binary to
# measure side by side, e.g. an older build), BENCH_PY_OUT (results dir).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

for tool in cargo hyperfine psql createdb dropdb; do
    command -v "$tool" >/dev/null || { echo "bench/python: '$tool' not found (scripts/setup.sh --bench)" >&2; exit 1; }
done
PUM010=${PUM010:-$root/target/pum010-venv/bin/pum}
[ -x "$PUM010" ] || { echo "bench/python: Python pum 0.10 not found at $PUM010 (scripts/setup.sh --bench, or set PUM010)" >&2; exit 1; }
export PUM010

echo "bench/python: building pum (release)" >&2
cargo build -q --release -p pum
work=$(mktemp -d "${TMPDIR:-/tmp}/pum-bench-py-XXXXXX")
trap 'rm -rf "$work"' EXIT
cp target/release/pum "$work/pum"
export BENCH_PUM="$work/pum" BENCH_WORK="$work"
"$work/pum" sandbox --db bench -- bash "$root/bench/python/inner.sh"
