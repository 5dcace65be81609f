#!/usr/bin/env bash
# Fleet upgrades: `pum upgrade` of 100 databases x 20 deltas with --jobs 1
# and --jobs 4, next to a loop of single-database runs and the server's own
# work. See bench/fleet/README.md.
#
#   bash bench/fleet/run.sh                 100 databases x 20 deltas, 5 rounds
#   BENCH_QUICK=1 bash bench/fleet/run.sh   10 x 5, 1 round (smoke run)
#
# Knobs: BENCH_DBS, BENCH_DELTAS, BENCH_ROUNDS, BENCH_JOBS (the parallel
# run, default 4), BENCH_OUT (default bench/fleet/results), PUM_PG_BINDIR.
set -euo pipefail
cd "$(dirname "$0")/../.."

for tool in cargo psql python3; do
    command -v "$tool" >/dev/null || { echo "bench/fleet: '$tool' not found (bash scripts/setup.sh --bench)" >&2; exit 1; }
done

echo "bench/fleet: building pum (release)" >&2
cargo build -q --release -p pum
# A copy, so that a rebuild in the work tree during the run cannot swap it.
bin=$(mktemp -d "${TMPDIR:-/tmp}/pum-fleet-bin-XXXXXX")
trap 'rm -rf "$bin"' EXIT
cp target/release/pum "$bin/pum"
if rev=$(git rev-parse --short HEAD 2>/dev/null); then
    [ -z "$(git status --porcelain --untracked-files=no -- crates Cargo.toml Cargo.lock)" ] || rev="$rev + uncommitted changes"
    export BENCH_SOURCE="commit $rev"
fi
"$bin/pum" sandbox --db fleet_template -- python3 bench/fleet/inner.py
