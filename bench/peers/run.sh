#!/usr/bin/env bash
# pum next to sqlx-cli, dbmate, Sqitch and pum 0.10 on the same workloads,
# with two psql floors. See bench/peers/README.md.
#
#   bash bench/peers/setup.sh             once: installs the peers
#   bash bench/peers/run.sh               full run (1,000 deltas, 8 rounds)
#   BENCH_QUICK=1 bash bench/peers/run.sh smoke run (100 deltas, 2 rounds)
#
# Knobs: see bench/peers/inner.py (BENCH_N, BENCH_ROUNDS, BENCH_ONLY,
# BENCH_TOOLS, BENCH_OUT, PEERS_BIN, PUM010, SQITCH...).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

for t in cargo python3 hyperfine psql; do
    command -v "$t" >/dev/null || { echo "peers: $t not found (bash bench/peers/setup.sh)" >&2; exit 1; }
done

echo "peers: building pum (release)" >&2
cargo build --release -p pum

# Measure a private copy of the binary, so a rebuild in the work tree while
# the benchmark runs cannot swap it under us.
work=$(mktemp -d "${TMPDIR:-/tmp}/pum-peers-bin-XXXXXX")
trap 'rm -rf "$work"' EXIT
cp "$root/target/release/pum" "$work/pum"

if rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null); then
    if [ -n "$(git -C "$root" status --porcelain --untracked-files=no -- crates Cargo.toml Cargo.lock 2>/dev/null)" ]; then
        rev="$rev + uncommitted changes"
    fi
    export BENCH_SOURCE="commit $rev"
fi

"$work/pum" sandbox --db bench --db st_pum --db st_sqlx --db st_dbmate --db st_sqitch \
    --db st_pum010 -- python3 "$root/bench/peers/inner.py"
