#!/bin/sh
# Fuzzes pum-core's parsers for a fixed time per target, in release mode.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Targets: script vars version delta_name table_name conninfo config
# snapshot checksum like (default: all). Each prints its executions and
# time; a failing or hanging input is saved under target/fuzz-findings/.
set -eu
cd "$(dirname "$0")/.."
seconds=${1:-60}
[ $# -gt 0 ] && shift
filters=""
for t in "$@"; do filters="$filters fuzz_$t"; done
# A backtrace takes long enough to print to look like a hang.
export RUST_BACKTRACE=0
# shellcheck disable=SC2086
PUM_FUZZ_SECONDS=$seconds cargo test --release -p pum-core --test fuzz -- \
    --nocapture ${filters:+--exact} $filters
