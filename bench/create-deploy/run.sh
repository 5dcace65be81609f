#!/usr/bin/env bash
# `pum create` of a 500-file creation tree and `pum deploy` of 1,000 ordinal
# deployment files, side by side with psql running the same files, on one
# throwaway cluster. See README.md.
#
#   bash bench/create-deploy/run.sh                 full run (500 + 1,000 files, 10 runs)
#   BENCH_QUICK=1 bash bench/create-deploy/run.sh   smoke run (50 + 100 files, 3 runs)
#
# Knobs: BENCH_CREATE_N, BENCH_DEPLOY_N, BENCH_RUNS, BENCH_CD_OUT (results dir).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

for tool in cargo hyperfine psql createdb dropdb; do
    command -v "$tool" >/dev/null || { echo "bench/create-deploy: '$tool' not found (scripts/setup.sh --bench)" >&2; exit 1; }
done

echo "bench/create-deploy: building pum (release)" >&2
cargo build -q --release -p pum
work=$(mktemp -d "${TMPDIR:-/tmp}/pum-bench-cd-XXXXXX")
trap 'rm -rf "$work"' EXIT
# Measure a private copy, so a rebuild during the run cannot swap it.
cp target/release/pum "$work/pum"
export BENCH_PUM="$work/pum" BENCH_WORK="$work"
"$work/pum" sandbox --db bench -- bash "$root/bench/create-deploy/inner.sh"
