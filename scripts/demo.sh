#!/usr/bin/env bash
# pum's main job end to end on a throwaway PostgreSQL that pum starts itself:
# a "production" database of the waternet example at 1.0.0 is baselined,
# inspected and upgraded to 1.2.0. Nothing to prepare; nothing left behind.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release -q -p pum
exec target/release/pum sandbox --db waternet -- bash examples/waternet/demo.sh
